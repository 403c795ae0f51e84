package metrics_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
)

func TestFisherDivergenceHandComputed(t *testing.T) {
	cases := []struct {
		name          string
		model, truth  [][]float64
		abs, relative float64
	}{
		{
			// diff: 0.5*(1^2) + 0.5*(0^2 + 2^2) = 2.5 over 2 points -> 1.25;
			// 0.5||truth||^2 summed: 0.5*4 = 2 -> relative 2.5/2 = 1.25.
			name:  "two points",
			model: [][]float64{{1, 0}, {0, 0}}, truth: [][]float64{{0, 0}, {0, 2}},
			abs: 1.25, relative: 1.25,
		},
		{
			// The zero score: relative divergence exactly 1, absolute 0.5 E||s||^2 = 0.5*(9+16+1)/2.
			name:  "zero model",
			model: [][]float64{{0, 0}, {0, 0}}, truth: [][]float64{{3, 4}, {1, 0}},
			abs: 6.5, relative: 1,
		},
		{
			// Model = 2 * truth: diff = 0.5 ||truth||^2 per point, so relative 1 again; abs = 0.5*(1+4+9)/1.
			name:  "double, 3-D",
			model: [][]float64{{2, 4, 6}}, truth: [][]float64{{1, 2, 3}},
			abs: 7, relative: 1,
		},
		{
			// diff: 0.5*(0.1^2) = 0.005 over 1 point; norm 0.5*(1) = 0.5 -> relative 0.01.
			name:  "small error",
			model: [][]float64{{1.1}}, truth: [][]float64{{1}},
			abs: 0.005, relative: 0.01,
		},
	}
	for _, c := range cases {
		f, err := metrics.FisherDivergence(c.model, c.truth)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		// The sums are of a few exactly representable or nearly exact terms: 1e-12 relative.
		if math.Abs(f.Absolute-c.abs) > 1e-12*c.abs || math.Abs(f.Relative-c.relative) > 1e-12*c.relative {
			t.Errorf("%s: got %+v, want Absolute %g Relative %g", c.name, f, c.abs, c.relative)
		}
	}
}

func TestFisherDivergenceIdentical(t *testing.T) {
	s := [][]float64{{1, -2}, {0.5, 3}, {-7, 0}}
	f, err := metrics.FisherDivergence(s, s)
	if err != nil {
		t.Fatal(err)
	}
	if f.Absolute != 0 || f.Relative != 0 {
		t.Errorf("identical scores: %+v, want zero", f)
	}
}

func TestFisherDivergenceErrors(t *testing.T) {
	cases := []struct {
		name         string
		model, truth [][]float64
		want         string
	}{
		{"fewer model rows", [][]float64{{1, 2}}, [][]float64{{1, 2}, {3, 4}}, "got 1 and 2"},
		{"fewer truth rows", [][]float64{{1, 2}, {3, 4}}, [][]float64{{1, 2}}, "got 2 and 1"},
		{"empty", nil, nil, "got 0 and 0"},
		{"row length", [][]float64{{1, 2}, {3}}, [][]float64{{1, 2}, {3, 4}}, "score 1: model has 1 coordinates, truth has 2"},
		{"NaN model", [][]float64{{math.NaN(), 0}}, [][]float64{{1, 2}}, "not finite"},
		{"Inf model", [][]float64{{math.Inf(1), 0}}, [][]float64{{1, 2}}, "not finite"},
	}
	for _, c := range cases {
		_, err := metrics.FisherDivergence(c.model, c.truth)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestFisherZeroTruth(t *testing.T) {
	if _, err := metrics.FisherDivergence([][]float64{{1, 0}}, [][]float64{{0, 0}}); err == nil {
		t.Error("relative divergence against an all-zero true score: want an error, got nil")
	}
}

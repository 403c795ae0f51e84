package batch_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gosm/gosm/scorematching/batch"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name   string
		points [][]float64
		dim    int
		want   string // "" for valid.
	}{
		{"valid", [][]float64{{1, 2}, {3, 4}}, 2, ""},
		{"valid, width from the first row", [][]float64{{1, 2, 3}}, 0, ""},
		{"empty", nil, 2, "no points"},
		{"no coordinates", [][]float64{{}}, 0, "no coordinates"},
		{"ragged", [][]float64{{1, 2}, {3}}, 2, "point 1 has 1 coordinates, want 2"},
		{"wrong width", [][]float64{{1, 2}}, 3, "point 0 has 2 coordinates, want 3"},
		{"NaN", [][]float64{{1, 2}, {3, math.NaN()}}, 2, "point 1 coordinate 1 is NaN"},
		{"Inf", [][]float64{{math.Inf(-1), 2}}, 2, "point 0 coordinate 0 is -Inf"},
		{"beyond float32", [][]float64{{1e39, 2}}, 2, "point 0 coordinate 0 is 1e+39, not a finite float32"},
	} {
		err := batch.Check(c.points, c.dim)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	points := [][]float64{{1, -2, 0.5}, {3, 4, 1e-3}}
	tensor, err := batch.ToTensor(points, 3)
	if err != nil {
		t.Fatal(err)
	}
	back, err := batch.FromTensor(tensor, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range points {
		for j := range points[i] {
			if got, want := back[i][j], float64(float32(points[i][j])); got != want {
				t.Errorf("[%d][%d] = %v, want %v", i, j, got, want)
			}
		}
	}
	if _, err := batch.FromTensor(tensor, 3, 2); err == nil {
		t.Error("FromTensor accepted a [2 3] tensor as [3 2]")
	}
	if _, err := batch.FromTensor(tensors.FromValue([][]float64{{1, 2, 3}, {4, 5, 6}}), 2, 3); err == nil {
		t.Error("FromTensor accepted a float64 tensor")
	}
	if v, err := batch.Values(tensors.FromValue([][]float32{{1, 2}, {3, 4.5}})); err != nil || len(v) != 4 || v[3] != 4.5 {
		t.Errorf("Values = %v, %v; want [1 2 3 4.5]", v, err)
	}
	if _, err := batch.Values(tensors.FromValue([]float64{1})); err == nil {
		t.Error("Values accepted a float64 tensor")
	}
	if v, err := batch.Scalar(tensors.FromValue([]float32{2.5})); err != nil || v != 2.5 {
		t.Errorf("Scalar = %v, %v; want 2.5", v, err)
	}
}

func TestFirstNonFinite(t *testing.T) {
	if _, _, found := batch.FirstNonFinite([][]float64{{1, 2}, {3, 4}}); found {
		t.Error("found a non-finite value in finite rows")
	}
	if i, j, found := batch.FirstNonFinite([][]float64{{1, 2}, {3, math.Inf(1)}, {math.NaN(), 0}}); !found || i != 1 || j != 1 {
		t.Errorf("FirstNonFinite = %d, %d, %v; want 1, 1, true", i, j, found)
	}
}

func TestRecover(t *testing.T) {
	sentinel := errors.New("shape mismatch")
	run := func(v any) (err error) {
		defer batch.Recover(&err, "evaluating")
		panic(v)
	}
	if err := run(sentinel); !errors.Is(err, sentinel) || err.Error() != "evaluating: shape mismatch" {
		t.Errorf("panic(error) gave %v", err)
	}
	if err := run("bad axis"); err == nil || err.Error() != "evaluating: bad axis" {
		t.Errorf("panic(string) gave %v", err)
	}
	noPanic := func() (err error) {
		defer batch.Recover(&err, "evaluating")
		return nil
	}
	if err := noPanic(); err != nil {
		t.Errorf("no panic gave %v", err)
	}
}

package metrics_test

import (
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestCheckMMD: ring samples against the ring stay within the noise floor; a ring of radius 1.2
// (two radial stds off) is far above it, at the median bandwidth and at h = 0.1. The noise floor's
// spread is about 2e-4 at n = 1000 (measured), the shifted ring's MMD^2 about 0.05 at h = 0.1.
func TestCheckMMD(t *testing.T) {
	ring := toy.BlogRing
	same, err := ring.Sample(1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	wide, err := toy.Ring{Radius: 1.2, Std: 0.1}.Sample(1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []float64{0, 0.1} {
		c, err := metrics.CheckMMD(same, ring.Sample, h, 10, 100)
		if err != nil {
			t.Fatal(err)
		}
		if c.N != 1000 || len(c.Floor.Values) != 10 || !(c.Bandwidth > 0) {
			t.Errorf("h %v: check %+v", h, c)
		}
		if h != 0 && c.Bandwidth != h {
			t.Errorf("bandwidth %v, want %v", c.Bandwidth, h)
		}
		if !c.Within() || !strings.Contains(c.String(), "within the noise floor") {
			t.Errorf("h %v: ring vs ring not within the floor: %v", h, c)
		}
		c, err = metrics.CheckMMD(wide, ring.Sample, h, 10, 100)
		if err != nil {
			t.Fatal(err)
		}
		if c.Within() || !strings.Contains(c.String(), "ABOVE the noise floor") {
			t.Errorf("h %v: a ring of radius 1.2 passes: %v", h, c)
		}
	}
	if _, err := metrics.CheckMMD(same, nil, 0, 10, 0); err == nil {
		t.Error("no error for a nil sampler")
	}
	if _, err := metrics.CheckMMD(same, ring.Sample, 0, 1, 0); err == nil {
		t.Error("no error for one repetition")
	}
}

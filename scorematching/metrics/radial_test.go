package metrics_test

import (
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestRadialProfile: on the ring's own score the profile is the closed-form radial score
// -((r - R)/std^2 + 1/r), whatever the angle.
func TestRadialProfile(t *testing.T) {
	ring := toy.BlogRing
	radii := []float64{0.8, 1, 1.25}
	got, err := metrics.RadialProfile(func(p [][]float64) ([][]float64, error) { return ring.Scores(p), nil }, radii, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range radii {
		want := -((r-ring.Radius)/(ring.Std*ring.Std) + 1/r)
		if math.Abs(got[i]-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("r = %g: profile %v, want %v", r, got[i], want)
		}
	}
	if _, err := metrics.RadialProfile(nil, radii, 0); err == nil {
		t.Error("0 angles: no error")
	}
}

package experiment_test

import (
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// TestHistoryCurve: a run's curve is its mean batch loss per epoch against the epochs completed,
// named by its loss.
func TestHistoryCurve(t *testing.T) {
	run := &experiment.Outcome{Options: tinyRingOptions(2)}
	run.Options.Loss = "sliced"
	run.Result.History = []train.Record{{Epoch: 0, Loss: 3}, {Epoch: 1, Loss: 2}}
	c := run.HistoryCurve()
	if c.Name != "sliced" || len(c.Epochs) != 2 || c.Epochs[0] != 1 || c.Epochs[1] != 2 || c.Values[0] != 3 || c.Values[1] != 2 {
		t.Errorf("history curve %+v", c)
	}
}

// TestRadialCurves: the ring's true radial profile is the closed-form radial score
// -((r - R)/std^2 + 1/r) over R +- 4 std, and the figure of it renders (with no run); an invalid
// ring is an error.
func TestRadialCurves(t *testing.T) {
	ring := toy.BlogRing
	truth, learned, err := experiment.RadialCurves(ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(learned) != 0 || len(truth.Epochs) != 61 {
		t.Fatalf("%d learned curves, truth at %d distances", len(learned), len(truth.Epochs))
	}
	if lo, hi := truth.Epochs[0], truth.Epochs[60]; math.Abs(lo-(ring.Radius-4*ring.Std)) > 1e-12 || math.Abs(hi-(ring.Radius+4*ring.Std)) > 1e-12 {
		t.Errorf("distances from %v to %v, want R -+ 4 std", lo, hi)
	}
	for i, r := range truth.Epochs {
		want := -((r-ring.Radius)/(ring.Std*ring.Std) + 1/r)
		if math.Abs(truth.Values[i]-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("r = %g: profile %v, want %v", r, truth.Values[i], want)
		}
	}
	p, err := plots.RadialScoreFigure("radial", truth, learned...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
	if _, _, err := experiment.RadialCurves(toy.Ring{Radius: 1, Std: -1}); err == nil {
		t.Error("invalid ring: no error")
	}
}

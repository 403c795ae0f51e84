package plots_test

import (
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/plots"
)

// TestRunsLossFigure: the runs' loss figure renders with the floor's line and the inset of the gap
// to it, without an inset when there is no floor, and refuses no runs and a run with no history.
func TestRunsLossFigure(t *testing.T) {
	floor := -49.5
	var a, b plots.Curve
	a.Name, b.Name = "exact", "sliced"
	for e := range 50 {
		a.Epochs, a.Values = append(a.Epochs, float64(e+1)), append(a.Values, floor+40/float64(e+1))
		if e < 30 {
			b.Epochs, b.Values = append(b.Epochs, float64(e+1)), append(b.Values, floor+30/float64(e+1))
		}
	}
	with, err := plots.RunsLossFigure("losses", &floor, a, b)
	if err != nil {
		t.Fatal(err)
	}
	without, err := plots.RunsLossFigure("losses", nil, a, b)
	if err != nil {
		t.Fatal(err)
	}
	fw, fo := testutil.ColorFraction(testutil.Render(t, with), plots.InsetBackground, 0), testutil.ColorFraction(testutil.Render(t, without), plots.InsetBackground, 0)
	if fw < 0.05 || fo > 0.0005 {
		t.Errorf("inset background covers %.4f with a floor and %.4f without: want at least 5%% and almost none", fw, fo)
	}
	if _, err := plots.RunsLossFigure("losses", nil); err == nil {
		t.Error("no run: no error")
	}
	if _, err := plots.RunsLossFigure("losses", &floor, a, plots.Curve{Name: "empty"}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("run with no history: error %v", err)
	}
	// The floor's line runs to the last epoch of the longest run.
	line := plots.FloorCurve(floor, 50)
	if !line.Dashed || line.Values[0] != floor || line.Epochs[1] != 50 || !strings.Contains(line.Name, "-49.5") {
		t.Errorf("floor curve %+v", line)
	}
	// A floor above every loss (no gap to draw) leaves the plain figure.
	high := 10.0
	if _, err := plots.LossWithFloor("high", &high, a); err != nil {
		t.Errorf("a floor above the losses: %v", err)
	}
}

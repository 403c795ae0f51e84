package experiment_test

// Tests of the teaching figures (issue 11, item 8) as the experiment draws them: one stated arrow
// scale for the fields of a run and of the ring, the log-density under the arrows, the gap to the
// loss's floor in an inset, and trajectory titles that say how the paths were subsampled.

import (
	"context"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// TestOutcomeFiguresOneScale: a run's true_score.png, learned_score.png and both panels of
// comparison.png state one arrow scale, that of the true score, and shade the log-density; its
// loss.png has the inset of the gap to the floor; a data set with no known density gets no shading.
func TestOutcomeFiguresOneScale(t *testing.T) {
	b := testutil.Backend(t)
	out, err := experiment.Run(context.Background(), b, tinyRingOptions(2), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	figs, err := out.Figures()
	if err != nil {
		t.Fatal(err)
	}
	truth, learned, err := out.ScoreFields()
	if err != nil {
		t.Fatal(err)
	}
	if plots.ArrowUnit(truth) == plots.ArrowUnit(learned) {
		t.Logf("note: the barely trained field has the true score's scale on its own too (%v)", plots.ArrowUnit(truth))
	}
	want := plots.ArrowCaption(plots.ArrowUnit(truth), false)
	panels := []*plot.Plot{figs["true_score.png"][0], figs["learned_score.png"][0], figs["comparison.png"][0], figs["comparison.png"][1]}
	for i, p := range panels {
		// The learned field may exceed the cap, which adds "≥" to the last value only.
		if got := testutil.ArrowLine(t, p); strings.ReplaceAll(got, "≥ ", "") != want {
			t.Errorf("panel %d (%q) states %q, want %q", i, strings.Split(p.Title.Text, "\n")[0], got, want)
		}
		if !strings.Contains(p.Title.Text, plots.ShadingCaption) {
			t.Errorf("panel %d: title %q does not mention the shading", i, p.Title.Text)
		}
	}
	if f := testutil.ColorFraction(testutil.Render(t, figs["loss.png"]...), plots.InsetBackground, 0); f < 0.05 {
		t.Errorf("loss.png: the inset covers %.4f of the figure, want at least 5%%", f)
	}
	// Live figures: the field learned so far on the same scale.
	live, err := out.ProgressFigures(out.Result.History)
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.ArrowLine(t, live[1]); strings.ReplaceAll(got, "≥ ", "") != want {
		t.Errorf("live field states %q, want %q", got, want)
	}
	// No closed-form density (moons): no shading, and the learned field's own scale.
	moons := tinyRingOptions(1)
	moons.Dataset = "moons"
	mo, err := experiment.Run(context.Background(), b, moons, train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if mo.LogDensity() != nil || out.LogDensity() == nil {
		t.Error("LogDensity: want one for the ring and none for the moons")
	}
	mf, err := mo.Figures()
	if err != nil {
		t.Fatal(err)
	}
	if p := mf["learned_score.png"][0]; strings.Contains(p.Title.Text, plots.ShadingCaption) {
		t.Errorf("moons: title %q mentions a shading", p.Title.Text)
	}
}

// TestLossFloorInset: with a known floor the loss figure has the inset of the gap to it (the
// cool grey of plots.InsetBackground covers part of it); without, none. The same for
// plots.RunsLossFigure of the runs' HistoryCurve.
func TestLossFloorInset(t *testing.T) {
	var res train.Result
	for e := range 50 {
		res.History = append(res.History, train.Record{Epoch: e, Loss: -49.5 + 40/float64(e+1)})
	}
	res.Reports = []train.Record{{Epoch: -1, Loss: 0}, {Epoch: 24, Loss: -48}, {Epoch: 49, Loss: -49.3}}
	floor := -49.5
	with, err := experiment.LossCurves(res, "with", &floor)
	if err != nil {
		t.Fatal(err)
	}
	without, err := experiment.LossCurves(res, "without", nil)
	if err != nil {
		t.Fatal(err)
	}
	fw, fo := testutil.ColorFraction(testutil.Render(t, with), plots.InsetBackground, 0), testutil.ColorFraction(testutil.Render(t, without), plots.InsetBackground, 0)
	t.Logf("inset background: %.4f with a floor, %.4f without", fw, fo)
	if fw < 0.05 || fo > 0.0005 {
		t.Errorf("inset background covers %.4f with a floor and %.4f without: want at least 5%% and almost none", fw, fo)
	}
	fig, err := experiment.LossFigure(res, toy.BlogRing)
	if err != nil {
		t.Fatal(err)
	}
	if f := testutil.ColorFraction(testutil.Render(t, fig), plots.InsetBackground, 0); f < 0.05 {
		t.Errorf("LossFigure: the inset covers %.4f, want at least 5%%", f)
	}
	run := &experiment.Outcome{Options: tinyRingOptions(50), Result: res}
	runs, err := plots.RunsLossFigure("runs", &floor, run.HistoryCurve(), run.HistoryCurve())
	if err != nil {
		t.Fatal(err)
	}
	if f := testutil.ColorFraction(testutil.Render(t, runs), plots.InsetBackground, 0); f < 0.05 {
		t.Errorf("RunsLossFigure: the inset covers %.4f, want at least 5%%", f)
	}
	// A floor above every loss (no gap to draw) leaves the plain figure.
	high := 10.0
	if _, err := experiment.LossCurves(res, "high", &high); err != nil {
		t.Errorf("a floor above the losses: %v", err)
	}
}

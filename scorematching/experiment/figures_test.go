package experiment_test

// Tests of the teaching figures (issue 11, item 8) as the experiment draws them: one stated arrow
// scale for the fields of a run and of the ring, the log-density under the arrows, the gap to the
// loss's floor in an inset, and trajectory titles that say how the paths were subsampled.

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// arrowLine returns the title line of a quiver plot that states its arrow scale.
func arrowLine(t *testing.T, p *plot.Plot) string {
	t.Helper()
	for _, l := range strings.Split(p.Title.Text, "\n") {
		if strings.HasPrefix(l, "arrows ") {
			return l
		}
	}
	t.Fatalf("title %q states no arrow scale", p.Title.Text)
	return ""
}

func renderPNG(t *testing.T, ps ...*plot.Plot) image.Image {
	t.Helper()
	data, err := plots.PNG(ps...)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// exactFraction returns the fraction of the pixels of img that have exactly the colour c.
func exactFraction(img image.Image, c color.Color) float64 {
	cr, cg, cb, _ := c.RGBA()
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 == cr>>8 && g>>8 == cg>>8 && bl>>8 == cb>>8 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// TestFieldFigureScale: every FieldFigure of the ring states the true score's arrow scale (50
// per grid step for the blog's ring), whatever field it draws, so that notebook 01's true and
// learned panels compare arrow for arrow; the post's formula, a hundred times weaker, gets its own
// scale and says so. The ring's log-density is shaded under the arrows.
func TestFieldFigureScale(t *testing.T) {
	ring := toy.BlogRing
	truth, err := experiment.TrueField(ring)
	if err != nil {
		t.Fatal(err)
	}
	unit, err := experiment.RingArrowUnit(ring)
	if err != nil || unit != 50 {
		t.Fatalf("RingArrowUnit = %v (%v), want 50", unit, err)
	}
	weaker := plots.Field{Points: truth.Points}
	for _, v := range truth.Vectors {
		weaker.Vectors = append(weaker.Vectors, []float64{0.4 * v[0], 0.4 * v[1]})
	}
	if plots.ArrowUnit(weaker) == plots.ArrowUnit(truth) {
		t.Fatal("the weaker field would get the same scale on its own: the test cannot tell")
	}
	trueFig, err := experiment.FieldFigure("True score", ring, truth, nil)
	if err != nil {
		t.Fatal(err)
	}
	learnedFig, err := experiment.FieldFigure("Learned score", ring, weaker, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := plots.ArrowCaption(50, false)
	if a, b := arrowLine(t, trueFig), arrowLine(t, learnedFig); a != want || b != want {
		t.Errorf("true and learned panels state %q and %q, want both %q", a, b, want)
	}
	for _, p := range []*plot.Plot{trueFig, learnedFig} {
		if !strings.Contains(p.Title.Text, plots.ShadingCaption) {
			t.Errorf("title %q does not mention the shaded log-density", p.Title.Text)
		}
	}
	flawed, err := experiment.BlogFlawedField(ring)
	if err != nil {
		t.Fatal(err)
	}
	flawedFig, err := experiment.FieldFigure("The post's formula", ring, flawed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := arrowLine(t, flawedFig); l != plots.ArrowCaption(0.5, false) || !strings.Contains(flawedFig.Title.Text, "100 times less |s|") {
		t.Errorf("the post's formula: title %q; want its own scale (0.5 per grid step), said to be 100 times finer", flawedFig.Title.Text)
	}
	img := renderPNG(t, trueFig)
	if f := exactFraction(img, plots.ShadingColor(0)); f < 0.05 {
		t.Errorf("the ring's top density band covers %.4f of the figure, want at least 5%%", f)
	}
}

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
		if got := arrowLine(t, p); strings.ReplaceAll(got, "≥ ", "") != want {
			t.Errorf("panel %d (%q) states %q, want %q", i, strings.Split(p.Title.Text, "\n")[0], got, want)
		}
		if !strings.Contains(p.Title.Text, plots.ShadingCaption) {
			t.Errorf("panel %d: title %q does not mention the shading", i, p.Title.Text)
		}
	}
	if f := exactFraction(renderPNG(t, figs["loss.png"]...), plots.InsetBackground); f < 0.05 {
		t.Errorf("loss.png: the inset covers %.4f of the figure, want at least 5%%", f)
	}
	// Live figures: the field learned so far on the same scale.
	live, err := out.ProgressFigures(out.Result.History)
	if err != nil {
		t.Fatal(err)
	}
	if got := arrowLine(t, live[1]); strings.ReplaceAll(got, "≥ ", "") != want {
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
	fw, fo := exactFraction(renderPNG(t, with), plots.InsetBackground), exactFraction(renderPNG(t, without), plots.InsetBackground)
	t.Logf("inset background: %.4f with a floor, %.4f without", fw, fo)
	if fw < 0.05 || fo > 0.0005 {
		t.Errorf("inset background covers %.4f with a floor and %.4f without: want at least 5%% and almost none", fw, fo)
	}
	fig, err := experiment.LossFigure(res, toy.BlogRing)
	if err != nil {
		t.Fatal(err)
	}
	if f := exactFraction(renderPNG(t, fig), plots.InsetBackground); f < 0.05 {
		t.Errorf("LossFigure: the inset covers %.4f, want at least 5%%", f)
	}
	run := &experiment.Outcome{Options: tinyRingOptions(50), Result: res}
	runs, err := plots.RunsLossFigure("runs", &floor, run.HistoryCurve(), run.HistoryCurve())
	if err != nil {
		t.Fatal(err)
	}
	if f := exactFraction(renderPNG(t, runs), plots.InsetBackground); f < 0.05 {
		t.Errorf("RunsLossFigure: the inset covers %.4f, want at least 5%%", f)
	}
	// A floor above every loss (no gap to draw) leaves the plain figure.
	high := 10.0
	if _, err := experiment.LossCurves(res, "high", &high); err != nil {
		t.Errorf("a floor above the losses: %v", err)
	}
}

// TestTrajectoryFigureSubsampling: the trajectory figure says which particles and every how many
// steps; without the steps, how many positions.
func TestTrajectoryFigureSubsampling(t *testing.T) {
	ring := toy.BlogRing
	field, err := experiment.TrueField(ring)
	if err != nil {
		t.Fatal(err)
	}
	res := sample.Result{TrajectorySteps: []int{0, 10, 20, 30, 40, 45}}
	for p := range 8 {
		var path [][]float64
		for range res.TrajectorySteps {
			path = append(path, []float64{float64(p) / 10, 0.5})
		}
		res.Trajectories = append(res.Trajectories, path)
	}
	res.Samples = make([][]float64, 300)
	for i := range res.Samples {
		res.Samples[i] = []float64{1, 0}
	}
	p, err := experiment.TrajectoryFigureAt("Langevin", field, res.Samples, experiment.PathsUpTo(res, 30), experiment.StepsUpTo(res, 30), 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title.Text, "paths: particles 1-8 of 300, position every 10 steps (steps 0-30)") {
		t.Errorf("title %q does not say how the paths were subsampled", p.Title.Text)
	}
	q, err := experiment.TrajectoryFigure("Langevin", field, nil, res.Trajectories, 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q.Title.Text, "paths: 8 particles, 6 recorded positions each") {
		t.Errorf("title %q does not say how many paths and positions", q.Title.Text)
	}
	if got := experiment.StepsUpTo(res, 100); len(got) != 6 {
		t.Errorf("StepsUpTo(100) = %v", got)
	}
	renderPNG(t, p, q)
}

package plots_test

import (
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestFieldFigureScale: every FieldFigure of the ring states the true score's arrow scale (50
// per grid step for the blog's ring), whatever field it draws, so that notebook 01's true and
// learned panels compare arrow for arrow; the post's formula, a hundred times weaker, gets its own
// scale and says so. The ring's log-density is shaded under the arrows.
func TestFieldFigureScale(t *testing.T) {
	ring := toy.BlogRing
	truth, err := plots.TrueField(ring)
	if err != nil {
		t.Fatal(err)
	}
	if unit := plots.ArrowUnit(truth); unit != 50 {
		t.Fatalf("the ring's true-score arrow unit = %v, want 50", unit)
	}
	weaker := plots.Field{Points: truth.Points}
	for _, v := range truth.Vectors {
		weaker.Vectors = append(weaker.Vectors, []float64{0.4 * v[0], 0.4 * v[1]})
	}
	if plots.ArrowUnit(weaker) == plots.ArrowUnit(truth) {
		t.Fatal("the weaker field would get the same scale on its own: the test cannot tell")
	}
	trueFig, err := plots.FieldFigure("True score", ring, truth, nil)
	if err != nil {
		t.Fatal(err)
	}
	learnedFig, err := plots.FieldFigure("Learned score", ring, weaker, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := plots.ArrowCaption(50, false)
	if a, b := testutil.ArrowLine(t, trueFig), testutil.ArrowLine(t, learnedFig); a != want || b != want {
		t.Errorf("true and learned panels state %q and %q, want both %q", a, b, want)
	}
	for _, p := range []*plot.Plot{trueFig, learnedFig} {
		if !strings.Contains(p.Title.Text, plots.ShadingCaption) {
			t.Errorf("title %q does not mention the shaded log-density", p.Title.Text)
		}
	}
	flawed, err := plots.BlogFlawedField(ring)
	if err != nil {
		t.Fatal(err)
	}
	flawedFig, err := plots.FieldFigure("The post's formula", ring, flawed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := testutil.ArrowLine(t, flawedFig); l != plots.ArrowCaption(0.5, false) || !strings.Contains(flawedFig.Title.Text, "100 times less |s|") {
		t.Errorf("the post's formula: title %q; want its own scale (0.5 per grid step), said to be 100 times finer", flawedFig.Title.Text)
	}
	img := testutil.Render(t, trueFig)
	if f := testutil.ColorFraction(img, plots.ShadingColor(0), 0); f < 0.05 {
		t.Errorf("the ring's top density band covers %.4f of the figure, want at least 5%%", f)
	}
}

// TestTrajectoryFigureSubsampling: the trajectory figure says which particles and every how many
// steps; without the steps, how many positions.
func TestTrajectoryFigureSubsampling(t *testing.T) {
	ring := toy.BlogRing
	field, err := plots.TrueField(ring)
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
	p, err := plots.TrajectoriesOnField("Langevin", field, res.Samples, sample.PathsUpTo(res, 30), sample.StepsUpTo(res, 30), 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title.Text, "paths: particles 1-8 of 300, position every 10 steps (steps 0-30)") {
		t.Errorf("title %q does not say how the paths were subsampled", p.Title.Text)
	}
	q, err := plots.TrajectoriesOnField("Langevin", field, nil, res.Trajectories, nil, 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q.Title.Text, "paths: 8 particles, 6 recorded positions each") {
		t.Errorf("title %q does not say how many paths and positions", q.Title.Text)
	}
	if got := sample.StepsUpTo(res, 100); len(got) != 6 {
		t.Errorf("StepsUpTo(100) = %v", got)
	}
	testutil.Render(t, p, q)
}

// TestDataFigure: a data set with a known score is drawn over its true field and shaded density
// (its arrow scale stated, as FieldFigure does); one without is drawn as points alone, on the
// window of its samples.
func TestDataFigure(t *testing.T) {
	ring := toy.BlogRing
	pts, err := ring.Sample(300, 1)
	if err != nil {
		t.Fatal(err)
	}
	withField, err := plots.DataFigure("ring", ring, pts)
	if err != nil {
		t.Fatal(err)
	}
	if l := testutil.ArrowLine(t, withField); l != plots.ArrowCaption(50, false) || !strings.Contains(withField.Title.Text, plots.ShadingCaption) {
		t.Errorf("the ring's data figure: title %q, want the true field's scale and the shaded density", withField.Title.Text)
	}
	moons, err := toy.New("moons", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, known := moons.(toy.Analytic); known {
		t.Fatal("moons has a known score: pick a data set without one for this test")
	}
	mpts, err := moons.Sample(300, 1)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := plots.DataFigure("moons", moons, mpts)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(alone.Title.Text, plots.ShadingCaption) {
		t.Errorf("moons has no known density, yet the title %q mentions its shading", alone.Title.Text)
	}
	half, step, err := toy.DefaultWindow(moons)
	if err != nil {
		t.Fatal(err)
	}
	if alone.X.Max < half || alone.X.Max > half+2*step {
		t.Errorf("moons' figure spans x up to %v, want its window %v (+ one grid step)", alone.X.Max, half)
	}
	testutil.Render(t, withField, alone)
}

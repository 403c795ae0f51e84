package plots_test

// Tests of the teaching figures (issue 11, item 8): the log-density shaded under the arrows, one
// stated arrow scale for a pair of panels and arrows that keep growing far from the data, the gap
// to a known floor in an inset of the loss plot, a colour-blind-safe palette, and trajectory
// titles that say how the paths were subsampled.

import (
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
)

// ringField is the blog ring's score on the blog grid, centre zeroed, and 300 of its points.
func ringField(t *testing.T) (plots.Field, [][]float64) {
	t.Helper()
	grid, err := plots.Grid(1.5, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := toy.BlogRing.Sample(300, 0)
	if err != nil {
		t.Fatal(err)
	}
	return plots.Field{Points: grid, Vectors: plots.ZeroNear(grid, toy.BlogRing.Scores(grid), 0.05)}, samples
}

// scaled returns f with every vector multiplied by k.
func scaled(f plots.Field, k float64) plots.Field {
	out := plots.Field{Points: f.Points, Vectors: make([][]float64, len(f.Vectors))}
	for i, v := range f.Vectors {
		out.Vectors[i] = []float64{k * v[0], k * v[1]}
	}
	return out
}

// TestArrowSteps: to scale up to one grid step, then half a step per doubling, capped: the
// growth of a score far from the data shows (a cap at one length, as before, hid it).
func TestArrowSteps(t *testing.T) {
	for _, c := range []struct{ m, want float64 }{
		{0, 0}, {-1, 0}, {math.NaN(), 0}, {25, 0.5}, {50, 1}, {100, 1.5}, {200, 2}, {1e6, plots.MaxArrowSteps},
	} {
		if got := plots.ArrowSteps(c.m, 50); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ArrowSteps(%v, 50) = %v, want %v", c.m, got, c.want)
		}
	}
	// Strictly longer for every doubling from the unit to the cap.
	for m := 50.0; m < 200; m *= 1.5 {
		if !(plots.ArrowSteps(1.5*m, 50) > plots.ArrowSteps(m, 50)) {
			t.Errorf("ArrowSteps(%v) <= ArrowSteps(%v): the growth is hidden", 1.5*m, m)
		}
	}
	if plots.ArrowSteps(1, 0) != 0 {
		t.Error("ArrowSteps with a zero unit is not 0")
	}
}

func TestNiceNumberAndArrowUnit(t *testing.T) {
	for _, c := range [][2]float64{{1, 1}, {1.3, 1}, {1.5, 2}, {2.6, 3}, {4, 5}, {7.5, 10}, {63, 50}, {0.0123, 0.01}, {740, 1000}} {
		if got := plots.NiceNumber(c[0]); math.Abs(got-c[1]) > 1e-9*c[1] {
			t.Errorf("NiceNumber(%v) = %v, want %v", c[0], got, c[1])
		}
	}
	// Median 30 (lengths 10, 30, 90; zero vectors ignored): 30/0.6 = 50.
	f := plots.Field{Vectors: [][]float64{{10, 0}, {0, 0}, {0, 30}, {90, 0}}}
	if got := plots.ArrowUnit(f); got != 50 {
		t.Errorf("ArrowUnit = %v, want 50", got)
	}
	if got := plots.ArrowUnit(plots.Field{Vectors: [][]float64{{0, 0}}}); got != 1 {
		t.Errorf("ArrowUnit of a zero field = %v, want 1", got)
	}
	// The blog ring's true score: one grid step of arrow is |s| = 50.
	ring, _ := ringField(t)
	if got := plots.ArrowUnit(ring); got != 50 {
		t.Errorf("ArrowUnit of the ring's score = %v, want 50", got)
	}
}

// titleLines returns the lines of a plot's title.
func titleLines(p *plot.Plot) []string { return strings.Split(p.Title.Text, "\n") }

// TestQuiverPairSharesOneScale: two fields 2.5 times apart drawn alone get different arrow
// scales; drawn as a pair, one scale (the first's), stated in both titles, and the arrows of the
// weaker field are shorter in the picture.
func TestQuiverPairSharesOneScale(t *testing.T) {
	truth, samples := ringField(t)
	weaker := scaled(truth, 1/2.5)
	alone1, err := plots.Quiver("true", truth, samples, 1.6, 0.1, 0)
	if err != nil {
		t.Fatal(err)
	}
	alone2, err := plots.Quiver("learned", weaker, samples, 1.6, 0.1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if titleLines(alone1)[1] == titleLines(alone2)[1] {
		t.Fatalf("fields 2.5 times apart drawn alone state the same scale %q: the test cannot tell", titleLines(alone1)[1])
	}
	left, right, err := plots.QuiverPair(plots.QuiverPanel{Title: "true", Field: truth, Samples: samples},
		plots.QuiverPanel{Title: "learned", Field: weaker, Samples: samples}, 1.6, 0.1, plots.QuiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := plots.ArrowCaption(50, false)
	if l, r := titleLines(left), titleLines(right); len(l) < 2 || len(r) < 2 || l[1] != want || r[1] != want {
		t.Errorf("pair titles %q and %q: want both to state %q", left.Title.Text, right.Title.Text, want)
	}
	if !strings.Contains(want, "|s| = 50, 100, 200") {
		t.Errorf("caption %q does not state the magnitudes of 1, 1.5 and 2 grid steps", want)
	}
	// On one scale the weaker field's arrows cover fewer pixels (without samples, to count arrows only).
	l2, r2, err := plots.QuiverPair(plots.QuiverPanel{Title: "a", Field: truth}, plots.QuiverPanel{Title: "b", Field: weaker}, 1.6, 0.1, plots.QuiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dl, dr := darkFraction(testutil.Render(t, l2)), darkFraction(testutil.Render(t, r2))
	t.Logf("dark pixels: %.4f for the true field, %.4f for the weaker one", dl, dr)
	if !(dr < 0.85*dl) {
		t.Errorf("on one scale the weaker field has %.4f dark pixels, the stronger %.4f: want fewer", dr, dl)
	}
	// An explicit unit is used as given.
	l3, _, err := plots.QuiverPair(plots.QuiverPanel{Title: "a", Field: truth}, plots.QuiverPanel{Title: "b", Field: weaker}, 1.6, 0.1, plots.QuiverOptions{Unit: 20})
	if err != nil || titleLines(l3)[1] != plots.ArrowCaption(20, true) {
		t.Errorf("unit 20: title %q (%v), want %q", l3.Title.Text, err, plots.ArrowCaption(20, true))
	}
	if _, err := plots.QuiverWith("bad", truth, nil, 1.6, 0.1, plots.QuiverOptions{Unit: -1}); err == nil {
		t.Error("a negative unit: no error")
	}
}

// TestShading: with a log-density the quiver plot is shaded (pixels of the top band's colour, none
// without), the title says so, and the bands follow ShadingBand.
func TestShading(t *testing.T) {
	field, samples := ringField(t)
	plain, err := plots.QuiverWith("ring", field, samples, 1.6, 0.1, plots.QuiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	shaded, err := plots.QuiverWith("ring", field, samples, 1.6, 0.1, plots.QuiverOptions{LogDensity: toy.BlogRing.LogDensity})
	if err != nil {
		t.Fatal(err)
	}
	top := plots.ShadingColor(0)
	fp, fs := testutil.ColorFraction(testutil.Render(t, plain), top, 3), testutil.ColorFraction(testutil.Render(t, shaded), top, 3)
	t.Logf("pixels of the top band's colour: %.4f plain, %.4f shaded", fp, fs)
	if fp > 0.001 || fs < 0.05 {
		t.Errorf("top band colour covers %.4f of the plain figure and %.4f of the shaded one: want none and at least 5%%", fp, fs)
	}
	if !strings.Contains(shaded.Title.Text, plots.ShadingCaption) || strings.Contains(plain.Title.Text, plots.ShadingCaption) {
		t.Errorf("titles %q and %q: only the shaded one should say so", plain.Title.Text, shaded.Title.Text)
	}
	for _, c := range []struct {
		v    float64
		band int
	}{{0, 0}, {-2.9, 0}, {-3.1, 1}, {-14.9, 4}, {-15.1, plots.ShadingBands}, {-1e9, plots.ShadingBands},
		{math.Inf(1), 0}, {math.Inf(-1), plots.ShadingBands}, {math.NaN(), plots.ShadingBands}} {
		if got := plots.ShadingBand(c.v, 0); got != c.band {
			t.Errorf("ShadingBand(%v, 0) = %d, want %d", c.v, got, c.band)
		}
	}
	// The bands get lighter down the density, and white beyond the last.
	lum := func(c color.NRGBA) int { return int(c.R) + int(c.G) + int(c.B) }
	for k := 1; k <= plots.ShadingBands; k++ {
		if !(lum(plots.ShadingColor(k)) > lum(plots.ShadingColor(k-1))) {
			t.Errorf("band %d is not lighter than band %d", k, k-1)
		}
	}
	if c := plots.ShadingColor(plots.ShadingBands); c != (color.NRGBA{R: 255, G: 255, B: 255, A: 255}) {
		t.Errorf("beyond the bands: %v, want white", c)
	}
	// A density that is +Inf somewhere (rings at the origin) or nowhere finite still draws.
	for _, f := range []func([]float64) float64{
		func(x []float64) float64 {
			if x[0] == 0 {
				return math.Inf(1)
			}
			return -x[0] * x[0]
		},
		func([]float64) float64 { return math.Inf(-1) },
	} {
		p, err := plots.QuiverWith("odd", field, nil, 1.6, 0.1, plots.QuiverOptions{LogDensity: f})
		if err != nil {
			t.Fatal(err)
		}
		testutil.Render(t, p)
	}
}

// isPureRed and isPureGreen: the saturated reds and greens that the most common colour
// blindness (deuteranomaly, protanomaly) confuses; Okabe-Ito's vermillion and bluish green are
// neither.
func isPureRed(r, g, b int) bool   { return r > 150 && g < 70 && b < 70 }
func isPureGreen(r, g, b int) bool { return g > 100 && r < 60 && b < 60 }

// TestPalette: every line and path colour is one of the Okabe-Ito colours (or the grey that
// replaces yellow on paths), none is a pure red or green, and a loss plot and a trajectory plot
// have no pure red or green pixel.
func TestPalette(t *testing.T) {
	okabe := []color.NRGBA{plots.OkabeBlack, plots.OkabeOrange, plots.OkabeSkyBlue, plots.OkabeBluishGreen,
		plots.OkabeYellow, plots.OkabeBlue, plots.OkabeVermillion, plots.OkabeReddishPurple}
	member := func(c color.Color) bool {
		r, g, b, _ := c.RGBA()
		if r == g && g == b { // A grey.
			return true
		}
		for _, o := range okabe {
			if color.Color(o) == c {
				return true
			}
		}
		return false
	}
	all := append(append([]color.Color{}, plots.Palette...), plots.PathPalette...)
	for i, c := range all {
		r, g, b, _ := c.RGBA()
		if !member(c) || isPureRed(int(r>>8), int(g>>8), int(b>>8)) || isPureGreen(int(r>>8), int(g>>8), int(b>>8)) {
			t.Errorf("colour %d (%v) is not an Okabe-Ito colour, or is a pure red or green", i, c)
		}
	}
	if plots.PaletteColor(len(plots.Palette)) != plots.Palette[0] || plots.PaletteColor(-1) != plots.Palette[len(plots.Palette)-1] {
		t.Error("PaletteColor does not cycle")
	}
	var curves []plots.Curve
	for i := range 4 {
		curves = append(curves, plots.Curve{Name: string(rune('a' + i)), Epochs: []float64{1, 2, 3}, Values: []float64{float64(i), float64(i) + 1, float64(i) + 0.5}})
	}
	lossPlot, err := plots.Loss("palette", curves...)
	if err != nil {
		t.Fatal(err)
	}
	var paths [][][]float64
	for i := range 8 {
		y := -1.5 + 0.4*float64(i)
		paths = append(paths, [][]float64{{-1.5, y}, {0, y + 0.1}, {1.5, y}})
	}
	traj, err := plots.Trajectories("paths", nil, paths, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*plot.Plot{"loss": lossPlot, "trajectories": traj} {
		img := testutil.Render(t, p)
		b := img.Bounds()
		bad := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if isPureRed(int(r>>8), int(g>>8), int(bl>>8)) || isPureGreen(int(r>>8), int(g>>8), int(bl>>8)) {
					bad++
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s plot: %d pure red or green pixels", name, bad)
		}
	}
}

// TestFloorGap: the inset plots loss - floor of the solid curves on a log scale, leaves out (and
// counts) the values at or below the floor, keeps the curves' colours, and shows in the picture.
func TestFloorGap(t *testing.T) {
	floor := -49.5
	batch := plots.Curve{Name: "batch", Epochs: []float64{1, 2, 3, 4}, Values: []float64{-10, -45, -49.4, -49.6}}
	line := plots.Curve{Name: "floor", Epochs: []float64{0, 4}, Values: []float64{floor, floor}, Dashed: true, Color: plots.OkabeBlack}
	all := plots.Curve{Name: "all data", Epochs: []float64{2, 4}, Values: []float64{-44, -49.45}}
	inset, err := plots.FloorGap(floor, batch, line, all)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inset.Panel.Y.Scale.(plot.LogScale); !ok {
		t.Errorf("inset y scale %T, want plot.LogScale", inset.Panel.Y.Scale)
	}
	if !strings.Contains(inset.Panel.Title.Text, "1 values at or below the floor") {
		t.Errorf("inset title %q does not count the value below the floor", inset.Panel.Title.Text)
	}
	// Gaps 39.5 down to 0.05, three decades: the axis runs from 0.01 to 100, labelled at the
	// powers of ten.
	if math.Abs(inset.Panel.Y.Min-0.01) > 1e-12 || math.Abs(inset.Panel.Y.Max-100) > 1e-9 {
		t.Errorf("inset y range [%v, %v], want [0.01, 100]", inset.Panel.Y.Min, inset.Panel.Y.Max)
	}
	var labels []string
	for _, tk := range inset.Panel.Y.Tick.Marker.Ticks(inset.Panel.Y.Min, inset.Panel.Y.Max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "0.01 0.1 1 10 100" {
		t.Errorf("inset y labels %q, want the powers of ten", got)
	}
	// Over less than two decades, 1, 2 and 5 times the powers of ten, ends included.
	near, err := plots.FloorGap(0, plots.Curve{Name: "a", Epochs: []float64{1, 2}, Values: []float64{3, 0.7}})
	if err != nil {
		t.Fatal(err)
	}
	if near.Panel.Y.Min != 0.5 || near.Panel.Y.Max != 5 {
		t.Errorf("inset y range [%v, %v], want [0.5, 5]", near.Panel.Y.Min, near.Panel.Y.Max)
	}
	without, err := plots.Loss("loss", batch, line, all)
	if err != nil {
		t.Fatal(err)
	}
	with, err := plots.Loss("loss", batch, line, all)
	if err != nil {
		t.Fatal(err)
	}
	with.Add(inset)
	fw, fo := testutil.ColorFraction(testutil.Render(t, with), plots.InsetBackground, 0), testutil.ColorFraction(testutil.Render(t, without), plots.InsetBackground, 0)
	t.Logf("inset background: %.4f of the pixels with the inset, %.4f without", fw, fo)
	if fw < 0.05 || fo > 0.0005 { // Without: a few anti-aliased pixels at most.
		t.Errorf("inset background covers %.4f of the figure with the inset and %.4f without: want at least 5%% and almost none", fw, fo)
	}
	if _, err := plots.FloorGap(0, plots.Curve{Name: "below", Epochs: []float64{1}, Values: []float64{-1}}); err == nil {
		t.Error("no value above the floor: no error")
	}
	if _, err := plots.FloorGap(math.NaN(), batch); err == nil {
		t.Error("NaN floor: no error")
	}
}

// TestPathsCaption: the line under a trajectory plot's title says which particles and how often.
func TestPathsCaption(t *testing.T) {
	eight := make([][][]float64, 8)
	for i := range eight {
		eight[i] = [][]float64{{0, 0}, {1, 1}, {2, 2}}
	}
	every := func(k, last int) []int {
		var s []int
		for i := 0; i < last; i += k {
			s = append(s, i)
		}
		return append(s, last)
	}
	for _, c := range []struct {
		paths     [][][]float64
		particles int
		steps     []int
		want      string
	}{
		{eight, 2000, every(10, 400), "paths: particles 1-8 of 2000, position every 10 steps (steps 0-400)"},
		{eight, 2000, every(20, 1010), "paths: particles 1-8 of 2000, position every 20 steps (steps 0-1010)"},
		{eight, 8, []int{0, 1, 2}, "paths: all 8 particles, every step (steps 0-2)"},
		{eight, 0, nil, "paths: 8 particles, 3 recorded positions each"},
		{eight, 5000, []int{0, 5, 50, 60}, "paths: particles 1-8 of 5000, 4 recorded positions (steps 0-60)"},
		{eight[:1], 100, []int{7}, "paths: particle 1 of 100, at step 7 only"},
		{nil, 10, nil, "no paths recorded"},
	} {
		if got := plots.PathsCaption(c.paths, c.particles, c.steps); got != c.want {
			t.Errorf("PathsCaption(%d paths, %d, %v) = %q, want %q", len(c.paths), c.particles, c.steps, got, c.want)
		}
	}
	samples := make([][]float64, 2000)
	for i := range samples {
		samples[i] = []float64{0, 0}
	}
	p, err := plots.TrajectoriesAt("Langevin", samples, eight, every(10, 400), 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Langevin\npaths: particles 1-8 of 2000, position every 10 steps (steps 0-400)"; p.Title.Text != want {
		t.Errorf("title %q, want %q", p.Title.Text, want)
	}
	q, err := plots.Trajectories("Langevin", samples, eight, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(q.Title.Text, "particles 1-8 of 2000") {
		t.Errorf("Trajectories title %q does not say which particles", q.Title.Text)
	}
}

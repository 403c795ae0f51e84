package plots_test

import (
	"bytes"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/plots"
)

// oneDPixels renders fig alone (a 576 x 576 PNG: plots.Size, 6 inches at 96 dpi) and returns,
// for each colour given, the number of pixels within 40 of it on every channel, and the fraction
// of dark pixels (every channel below 100: axes, ticks, text).
func oneDPixels(t *testing.T, fig *plot.Plot, colors ...color.Color) (near []int, dark float64) {
	t.Helper()
	data, err := plots.PNG(fig)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != 576 || b.Dy() != 576 {
		t.Fatalf("PNG is %dx%d, want 576x576", b.Dx(), b.Dy())
	}
	near = make([]int, len(colors))
	within := func(a, b uint32) bool { return a>>8 < b>>8+40 && b>>8 < a>>8+40 }
	nDark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for i, c := range colors {
				cr, cg, cb, _ := c.RGBA()
				if within(r, cr) && within(g, cg) && within(bl, cb) {
					near[i]++
				}
			}
			if r>>8 < 100 && g>>8 < 100 && bl>>8 < 100 {
				nDark++
			}
		}
	}
	return near, float64(nDark) / float64(b.Dx()*b.Dy())
}

func TestFuncLine(t *testing.T) {
	l := plots.FuncLine("square", func(x float64) float64 { return x * x }, -1, 2, 4)
	if l.Name != "square" || len(l.X) != 4 || len(l.Y) != 4 {
		t.Fatalf("FuncLine = %+v", l)
	}
	for i, want := range []float64{-1, 0, 1, 2} {
		if math.Abs(l.X[i]-want) > 1e-15 || math.Abs(l.Y[i]-want*want) > 1e-15 {
			t.Errorf("point %d = (%v, %v), want (%v, %v)", i, l.X[i], l.Y[i], want, want*want)
		}
	}
	if one := plots.FuncLine("", math.Exp, 3, 4, 0); len(one.X) != 1 || one.X[0] != 3 || one.Y[0] != math.Exp(3) {
		t.Errorf("FuncLine with n = 0 = %+v, want the single point 3", one)
	}
}

// TestLinesPNG draws two curves (the second dashed, and broken by a NaN and an infinity) and
// dots, checks that the figure renders with each line in its palette colour, that the legend
// gets room above the curves, and the errors.
func TestLinesPNG(t *testing.T) {
	broken := plots.FuncLine("log", math.Log, -1, 3, 200) // NaN below 0, -Inf at 0.
	fig, err := plots.Lines("curves", "x", "y",
		plots.FuncLine("sin", math.Sin, -1, 3, 200),
		plots.Line{Name: broken.Name, X: broken.X, Y: broken.Y, Dashed: true},
		plots.Line{Name: "dots", X: []float64{0, 1, 2}, Y: []float64{0.5, 0.5, 0.5}, Points: true, Color: plots.OkabeBlack})
	if err != nil {
		t.Fatal(err)
	}
	if fig.Title.Text != "curves" || fig.X.Label.Text != "x" || fig.Y.Label.Text != "y" {
		t.Errorf("title and labels: %q, %q, %q", fig.Title.Text, fig.X.Label.Text, fig.Y.Label.Text)
	}
	if top := math.Log(3); !(fig.Y.Max > top+0.2) {
		t.Errorf("Y.Max = %v: no room for the legend above the curves (top %v)", fig.Y.Max, top)
	}
	near, dark := oneDPixels(t, fig, plots.PaletteColor(0), plots.PaletteColor(1))
	for i, n := range near {
		if n < 200 {
			t.Errorf("line %d: %d pixels of its colour, want a visible line", i, n)
		}
	}
	if dark == 0 || dark > 0.2 {
		t.Errorf("dark fraction %.3f: want axes and text, not a black figure", dark)
	}

	if _, err := plots.Lines("bad", "x", "y", plots.Line{Name: "short", X: []float64{1, 2}, Y: []float64{1}}); err == nil || !strings.Contains(err.Error(), "short") {
		t.Errorf("mismatched X and Y: error %v, want one naming the line", err)
	}
	if _, err := plots.Lines("bad", "x", "y", plots.Line{Name: "nan", X: []float64{1}, Y: []float64{math.NaN()}}); err == nil || !strings.Contains(err.Error(), "finite") {
		t.Errorf("no finite point: error %v", err)
	}
}

func TestDensityBins(t *testing.T) {
	values := []float64{0, 0.1, 0.5, 0.99, 1, 1.5, 2, -0.1, 3, math.NaN()}
	heights, outside, err := plots.DensityBins(values, 4, 0, 2) // Bins of width 0.5.
	if err != nil {
		t.Fatal(err)
	}
	// [0, 0.5): 0, 0.1; [0.5, 1): 0.5, 0.99; [1, 1.5): 1; [1.5, 2]: 1.5, 2. Out: -0.1, 3, NaN.
	want := []float64{2, 2, 1, 2}
	for i := range want {
		want[i] /= 10 * 0.5
		if math.Abs(heights[i]-want[i]) > 1e-15 {
			t.Errorf("bin %d: height %v, want %v", i, heights[i], want[i])
		}
	}
	if outside != 3 {
		t.Errorf("outside = %d, want 3", outside)
	}
	var mass float64
	for _, h := range heights {
		mass += h * 0.5
	}
	if math.Abs(mass-0.7) > 1e-15 {
		t.Errorf("histogram mass %v, want the 7 of 10 values inside", mass)
	}
	for _, c := range []struct {
		values []float64
		bins   int
		lo, hi float64
	}{{nil, 4, 0, 1}, {values, 0, 0, 1}, {values, 4, 1, 1}, {values, 4, 0, math.Inf(1)}, {values, 4, math.NaN(), 1}} {
		if _, _, err := plots.DensityBins(c.values, c.bins, c.lo, c.hi); err == nil {
			t.Errorf("DensityBins(%d values, %d, %v, %v): no error", len(c.values), c.bins, c.lo, c.hi)
		}
	}
}

// TestDensityHistogramPNG draws a histogram of standard normal quantiles with the normal density
// over it: the bars, the curve and the title's count of values outside the window must show.
func TestDensityHistogramPNG(t *testing.T) {
	var values []float64
	for i := range 2000 {
		u := (float64(i) + 0.5) / 2000
		values = append(values, math.Sqrt2*math.Erfinv(2*u-1))
	}
	normal := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	fig, err := plots.DensityHistogram("normal", "x", values, 30, -3, 3, plots.FuncLine("density", normal, -3, 3, 200))
	if err != nil {
		t.Fatal(err)
	}
	// 2 Phi(-3) = 0.27% of 2000: the 6 quantiles beyond +-3 (2 x 2.7, rounded).
	if !strings.Contains(fig.Title.Text, "(6 of 2000 outside [-3, 3])") {
		t.Errorf("title %q does not count the values outside", fig.Title.Text)
	}
	if fig.X.Min != -3 || fig.X.Max != 3 || fig.Y.Min != 0 || !(fig.Y.Max > 0.45) {
		t.Errorf("axes [%v, %v] x [%v, %v]", fig.X.Min, fig.X.Max, fig.Y.Min, fig.Y.Max)
	}
	// The bars are translucent blue on white: a light blue.
	bar := color.NRGBA{R: 185, G: 214, B: 234, A: 255}
	near, dark := oneDPixels(t, fig, bar, plots.PaletteColor(0))
	if near[0] < 20000 {
		t.Errorf("%d pixels of the bars' colour: want the bars to fill a good part of the figure", near[0])
	}
	if near[1] < 200 {
		t.Errorf("%d pixels of the density's colour: want the curve", near[1])
	}
	if dark == 0 {
		t.Error("no axes or text")
	}
	if _, err := plots.DensityHistogram("empty", "x", nil, 10, 0, 1); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("no values: error %v, want one naming the figure", err)
	}
}

func TestRoundTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		labels []string
		minor  int // Unlabelled ticks between two labelled ones.
	}{
		{-5, 6, []string{"-4", "-2", "0", "2", "4", "6"}, 3},
		{0, 0.3, []string{"0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"}, 4},
		{-0.87, 0.05, []string{"-0.8", "-0.6", "-0.4", "-0.2", "0.0"}, 3},
		{1, 200, []string{"50", "100", "150", "200"}, 4},
		{-3, 4, []string{"-2", "0", "2", "4"}, 3},
	} {
		var labels []string
		var last float64
		between, minor := 0, -1
		for i, tk := range (plots.RoundTicks{}).Ticks(c.lo, c.hi) {
			if tk.Value < c.lo-1e-12 || tk.Value > c.hi+1e-12 {
				t.Errorf("[%v, %v]: tick %v outside the range", c.lo, c.hi, tk.Value)
			}
			if i > 0 && !(tk.Value > last) {
				t.Errorf("[%v, %v]: ticks not increasing at %v", c.lo, c.hi, tk.Value)
			}
			last = tk.Value
			if tk.Label == "" {
				between++
				continue
			}
			if len(labels) > 0 {
				minor = between
			}
			between = 0
			labels = append(labels, tk.Label)
		}
		if strings.Join(labels, " ") != strings.Join(c.labels, " ") {
			t.Errorf("[%v, %v]: labels %v, want %v", c.lo, c.hi, labels, c.labels)
		}
		if minor != c.minor {
			t.Errorf("[%v, %v]: %d minor ticks between labels, want %d", c.lo, c.hi, minor, c.minor)
		}
	}
	// A degenerate range (gonum widens an empty one before asking) gets no ticks, and no panic or
	// endless loop.
	for _, r := range [][2]float64{{1, 1}, {2, 1}, {0, math.Inf(1)}, {math.NaN(), 1}} {
		if got := (plots.RoundTicks{}).Ticks(r[0], r[1]); got != nil {
			t.Errorf("Ticks(%v, %v) = %v, want none", r[0], r[1], got)
		}
	}
}

// TestLinesZeroLine: a thin grey line marks y = 0 when the curves cross it, and only then.
func TestLinesZeroLine(t *testing.T) {
	grey := color.Gray{Y: 110}
	crossing, err := plots.Lines("crossing", "x", "y", plots.FuncLine("", func(x float64) float64 { return x }, -1, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	positive, err := plots.Lines("positive", "x", "y", plots.FuncLine("", func(x float64) float64 { return 2 + x }, -1, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	withZero, _ := oneDPixels(t, crossing, grey)
	without, _ := oneDPixels(t, positive, grey)
	if withZero[0] < without[0]+300 {
		t.Errorf("grey pixels: %d with a zero crossing, %d without: want a zero line in the first", withZero[0], without[0])
	}
}

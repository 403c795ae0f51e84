package plots_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestGridBlog checks the blog's quiver grid (shared/FACTS.md: size = R + 5 std = 1.5, step 0.1,
// np.arange(-size, size+step, step) on both axes, 31 x 31 points), x varying fastest as in
// numpy's meshgrid. Coordinates are -1.5 + i*0.1, so they are within a few ulps of the decimal
// grid values: 1e-12 absolute.
func TestGridBlog(t *testing.T) {
	g, err := plots.Grid(1.5, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if len(g) != 31*31 {
		t.Fatalf("Grid(1.5, 0.1) has %d points, want 961", len(g))
	}
	for k, p := range g {
		i, j := k%31, k/31
		wx, wy := -1.5+0.1*float64(i), -1.5+0.1*float64(j)
		if math.Abs(p[0]-wx) > 1e-12 || math.Abs(p[1]-wy) > 1e-12 {
			t.Fatalf("point %d = %v, want (%g, %g)", k, p, wx, wy)
		}
	}
	if first, last := g[0], g[len(g)-1]; math.Abs(first[0]+1.5) > 1e-12 || math.Abs(first[1]+1.5) > 1e-12 ||
		math.Abs(last[0]-1.5) > 1e-12 || math.Abs(last[1]-1.5) > 1e-12 {
		t.Errorf("grid goes from %v to %v, want (-1.5, -1.5) to (1.5, 1.5)", first, last)
	}
	// The centre (index 15, 15) is the origin, which the blog zeroes.
	if c := g[15*31+15]; math.Abs(c[0]) > 1e-12 || math.Abs(c[1]) > 1e-12 {
		t.Errorf("centre point %v is not the origin", c)
	}
}

func TestGridOtherSizesAndErrors(t *testing.T) {
	for _, c := range []struct {
		size, step float64
		n          int
	}{{1, 0.5, 5}, {1, 0.3, 7}, {2, 1, 5}, {0.1, 0.1, 3}} {
		g, err := plots.Grid(c.size, c.step)
		if err != nil || len(g) != c.n*c.n {
			t.Errorf("Grid(%g, %g): %d points, err %v; want %d", c.size, c.step, len(g), err, c.n*c.n)
		}
	}
	for _, c := range [][2]float64{{0, 0.1}, {1, 0}, {-1, 0.1}, {math.NaN(), 0.1}, {1, math.Inf(1)}} {
		if _, err := plots.Grid(c[0], c[1]); err == nil {
			t.Errorf("Grid(%v, %v): no error", c[0], c[1])
		}
	}
}

func TestZeroNear(t *testing.T) {
	pts := [][]float64{{0, 0}, {0.04, 0}, {0.1, 0}}
	vec := [][]float64{{1, 1}, {2, 2}, {3, 3}}
	got := plots.ZeroNear(pts, vec, 0.05)
	if got[0][0] != 0 || got[1][1] != 0 || got[2][0] != 3 {
		t.Errorf("ZeroNear = %v", got)
	}
	if vec[0][0] != 1 {
		t.Error("ZeroNear modified its input")
	}
}

// decode checks that data is a PNG of the given size and returns the fraction of dark pixels
// (all of R, G, B below 100 of 255: arrows, axes and text; the background is white).
func decode(t *testing.T, data []byte, w, h int) float64 {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("PNG is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	return darkFraction(img)
}

func darkFraction(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 < 100 && g>>8 < 100 && bl>>8 < 100 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

// The panels are plots.Size = 6 inches square at 96 dpi: 576 x 576 pixels each.
const panel = 576

func TestQuiverPNG(t *testing.T) {
	ring := toy.BlogRing
	grid, err := plots.Grid(1.5, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	samples, _ := ring.Sample(500, 0)
	field := plots.Field{Points: grid, Vectors: plots.ZeroNear(grid, ring.Scores(grid), 0.05)}
	q, err := plots.Quiver("ring", field, samples, 1.6, 0.1, 0)
	if err != nil {
		t.Fatal(err)
	}
	data, err := plots.PNG(q)
	if err != nil {
		t.Fatal(err)
	}
	dark := decode(t, data, panel, panel)
	// Axes, labels and 900-odd arrows: measured 4.1% dark pixels (0.6% for the same figure
	// with a zero field, i.e. axes, text and samples only: see below). A blank image has 0, a filled one
	// close to 1; the window 0.5% - 50% catches both.
	if dark < 0.005 || dark > 0.5 {
		t.Errorf("dark pixel fraction %.4f, want between 0.005 and 0.5", dark)
	}
	t.Logf("quiver: %.4f of the pixels are dark", dark)

	// Without arrows (a zero field) the image has fewer dark pixels: the arrows are drawn.
	zero := plots.Field{Points: grid, Vectors: make([][]float64, len(grid))}
	for i := range zero.Vectors {
		zero.Vectors[i] = []float64{0, 0}
	}
	qz, _ := plots.Quiver("ring", zero, samples, 1.6, 0.1, 0)
	dz, _ := plots.PNG(qz)
	dzf := decode(t, dz, panel, panel)
	t.Logf("zero field: %.4f of the pixels are dark", dzf)
	if !(dzf < dark/1.5) {
		t.Errorf("a zero field gives %.4f dark pixels, the ring score %.4f: arrows not drawn?", dzf, dark)
	}

	// Two panels side by side, written to a file.
	path := filepath.Join(t.TempDir(), "two.png")
	if err := plots.WritePNG(path, q, qz); err != nil {
		t.Fatal(err)
	}
	two, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, two, 2*panel, panel)

	if _, err := plots.Quiver("bad", plots.Field{Points: grid, Vectors: grid[:3]}, nil, 1.6, 0.1, 0); err == nil {
		t.Error("Quiver with mismatched points and vectors: no error")
	}
	if _, err := plots.PNG(); err == nil {
		t.Error("PNG of no plot: no error")
	}
}

func TestArrowScale(t *testing.T) {
	// Median length 2 (lengths 1, 2, 4; zero vectors ignored) -> 0.7 * step / 2.
	f := plots.Field{Vectors: [][]float64{{1, 0}, {0, 2}, {0, 0}, {4, 0}}}
	if got := plots.ArrowScale(0.1, f); math.Abs(got-0.035) > 1e-15 {
		t.Errorf("ArrowScale = %g, want 0.035", got)
	}
	if got := plots.ArrowScale(0.1, plots.Field{Vectors: [][]float64{{0, 0}}}); got != 1 {
		t.Errorf("ArrowScale of a zero field = %g, want 1", got)
	}
}

func TestLossPNG(t *testing.T) {
	p, err := plots.Loss("loss", plots.Curve{Name: "a", Epochs: []float64{1, 2, 3}, Values: []float64{1, 0.5, 0.2}},
		plots.Curve{Name: "b", Epochs: []float64{0, 3}, Values: []float64{-1, -1}, Dashed: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := plots.PNG(p)
	if err != nil {
		t.Fatal(err)
	}
	if dark := decode(t, data, panel, panel); dark == 0 {
		t.Error("loss figure is blank")
	}
	if _, err := plots.Loss("bad", plots.Curve{Name: "c", Epochs: []float64{1}, Values: []float64{1, 2}}); err == nil {
		t.Error("Loss with mismatched epochs and values: no error")
	}
}

// TestTrajectories: each path is drawn in its own colour (the first two of PathPalette: Okabe-Ito
// vermillion and bluish green, no longer red and green) over the samples, and the figure renders;
// a path that starts outside the window still shows its part inside.
func TestTrajectories(t *testing.T) {
	samples := [][]float64{{0, 1}, {1, 0}}
	paths := [][][]float64{
		{{-1.5, -1.5}, {0, 0}, {1.5, 1.5}},            // Inside.
		{{5, 5}, {-1.5, 1.5}, {-1, 0.5}, {1.5, -1.5}}, // Starts outside.
	}
	p, err := plots.Trajectories("t", samples, paths, 2)
	if err != nil {
		t.Fatal(err)
	}
	data, err := plots.PNG(p)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	near := func(c color.Color, r, g, b int) bool {
		cr, cg, cb, _ := c.RGBA()
		d := func(x uint32, y int) int { return max(int(x>>8)-y, y-int(x>>8)) }
		return d(cr, r) < 30 && d(cg, g) < 30 && d(cb, b) < 30
	}
	rgb := func(c color.Color) (int, int, int) {
		r, g, b, _ := c.RGBA()
		return int(r >> 8), int(g >> 8), int(b >> 8)
	}
	r0, g0, b0 := rgb(plots.PathPalette[0])
	r1, g1, b1 := rgb(plots.PathPalette[1])
	var red, green int
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := img.At(x, y)
			if near(c, r0, g0, b0) {
				red++
			}
			if near(c, r1, g1, b1) {
				green++
			}
		}
	}
	if red < 50 || green < 50 {
		t.Errorf("%d pixels of the first path's colour and %d of the second's: want both paths drawn, each in its colour", red, green)
	}
}

// TestPNGIsCompact: figures are stored as paletted PNGs (a third of the size of full colour, so the
// rendered notebooks stay reviewable), and the colours that cover most pixels are kept exactly.
func TestPNGIsCompact(t *testing.T) {
	p, err := plots.Loss("loss", plots.Curve{Name: "a", Epochs: []float64{1, 2, 3}, Values: []float64{1, 0.5, 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := plots.PNG(p)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pal, ok := img.(*image.Paletted)
	if !ok {
		t.Fatalf("decoded a %T, want a paletted image", img)
	}
	if len(pal.Palette) > 256 || len(pal.Palette) < 2 {
		t.Errorf("palette of %d colours", len(pal.Palette))
	}
	if r, g, b, _ := pal.At(2, 2).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
		t.Errorf("the corner is not white: %v", pal.At(2, 2))
	}
}

package plots

import (
	"fmt"
	"image"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MaxArrowSteps is the length, in grid steps, of the longest arrow a quiver plot draws (see
// ArrowSteps): a magnitude 4 times the unit or more.
const MaxArrowSteps = 2

// ArrowSteps is the length in grid steps of the arrow of a vector of magnitude m when unit is
// the magnitude drawn one grid step long: proportional to m up to one step (m = unit), then half a
// step more each time m doubles (1.5 steps for 2 unit, 2 for 4 unit), at most MaxArrowSteps. Near
// the data the arrows are to scale; far from it, where a score grows without bound, they keep
// growing instead of being cut to one length, and the title says what each length stands for.
func ArrowSteps(m, unit float64) float64 {
	if !(m > 0) || !(unit > 0) {
		return 0
	}
	if m <= unit {
		return m / unit
	}
	return math.Min(1+0.5*math.Log2(m/unit), MaxArrowSteps)
}

// ArrowUnit returns the magnitude that one grid step of arrow stands for, chosen for the field f:
// its median magnitude (zero vectors left out) over 0.6, so that the typical arrow is 0.6 grid steps
// long, rounded to 1, 2, 3 or 5 times a power of ten so that the figure can state it plainly. It
// is 1 for a zero field. Two panels drawn with the same unit (QuiverOptions.Unit, QuiverPair)
// can be compared arrow for arrow.
func ArrowUnit(f Field) float64 {
	var lengths []float64
	for _, v := range f.Vectors {
		if len(v) < 2 {
			continue
		}
		if l := math.Hypot(v[0], v[1]); l > 0 && !math.IsInf(l, 0) {
			lengths = append(lengths, l)
		}
	}
	if len(lengths) == 0 {
		return 1
	}
	sort.Float64s(lengths)
	return NiceNumber(lengths[len(lengths)/2] / 0.6)
}

// NiceNumber rounds x > 0 to the nearest (on a log scale) of 1, 2, 3 and 5 times a power of ten.
func NiceNumber(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 0) {
		return x
	}
	e := math.Floor(math.Log10(x))
	base := math.Pow(10, e)
	best, bestD := base, math.Inf(1)
	for _, m := range []float64{1, 2, 3, 5, 10} {
		if d := math.Abs(math.Log(x / (m * base))); d < bestD {
			best, bestD = m*base, d
		}
	}
	return best
}

// ArrowCaption is the line a quiver plot adds to its title to state its arrow scale, e.g.
// "arrows 1, 1.5, 2 grid steps long: |s| = 50, 100, 200" (see ArrowSteps); capped, when some
// arrows stand for more than the last value, says "≥ 200".
func ArrowCaption(unit float64, capped bool) string {
	last := formatMagnitude(4 * unit)
	if capped {
		last = "≥ " + last
	}
	return fmt.Sprintf("arrows 1, 1.5, 2 grid steps long: |s| = %s, %s, %s", formatMagnitude(unit), formatMagnitude(2*unit), last)
}

// ShadingCaption is the line a quiver plot adds to its title when it shades the log-density.
var ShadingCaption = fmt.Sprintf("shading: log p(x), a contour every %g nats down from its top", ShadingNats)

func formatMagnitude(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }

// QuiverOptions are the settings of QuiverWith and QuiverPair; the zero value gives Quiver's
// figure.
type QuiverOptions struct {
	// Unit is the magnitude drawn as an arrow one grid step long (see ArrowSteps); 0 takes
	// ArrowUnit of the field (of the first panel's, for QuiverPair).
	Unit float64
	// LogDensity, if not nil, is the log-density of the data, shaded under the arrows (see
	// ShadingColor): the score is its gradient, so the arrows cross the bands at right angles, and
	// are longer where the bands are narrower.
	LogDensity func(x []float64) float64
	// Note, if not empty, is one more line under the title (e.g. why the panel has its own scale).
	Note string
}

// QuiverPanel is one panel of QuiverPair: a field, and the samples drawn under its arrows.
type QuiverPanel struct {
	Title   string
	Field   Field
	Samples [][]float64
}

// QuiverPair returns two quiver plots (see QuiverWith) drawn on one arrow scale, which both
// titles state: opts.Unit, or if it is 0 ArrowUnit of the first panel's field (the reference, e.g.
// the true score beside the learned one). An arrow of a given length stands for the same |s| in
// both panels.
func QuiverPair(a, b QuiverPanel, half, step float64, opts QuiverOptions) (left, right *plot.Plot, err error) {
	if opts.Unit == 0 {
		opts.Unit = ArrowUnit(a.Field)
	}
	if left, err = QuiverWith(a.Title, a.Field, a.Samples, half, step, opts); err != nil {
		return nil, nil, err
	}
	if right, err = QuiverWith(b.Title, b.Field, b.Samples, half, step, opts); err != nil {
		return nil, nil, err
	}
	return left, right, nil
}

// QuiverWith returns a plot of the field as arrows over optional samples in the window
// [-half, half]^2, whose grid has spacing step: each arrow's length follows ArrowSteps with
// opts.Unit, and a line under the title states the scale (ArrowCaption). With opts.LogDensity the
// log-density is shaded under everything, and another line says so (ShadingCaption).
func QuiverWith(title string, field Field, samples [][]float64, half, step float64, opts QuiverOptions) (*plot.Plot, error) {
	if len(field.Points) != len(field.Vectors) {
		return nil, fmt.Errorf("quiver %q: %d points for %d vectors", title, len(field.Points), len(field.Vectors))
	}
	if !(half > 0) || !(step > 0) {
		return nil, fmt.Errorf("quiver %q: window half-width and grid step must be positive, got %v and %v", title, half, step)
	}
	unit := opts.Unit
	if unit == 0 {
		unit = ArrowUnit(field)
	}
	if !(unit > 0) || math.IsInf(unit, 0) {
		return nil, fmt.Errorf("quiver %q: arrow unit must be positive and finite, got %v", title, unit)
	}
	a := &arrows{field: field, unit: unit, step: step}
	lines := []string{title, ArrowCaption(unit, a.capped())}
	if opts.LogDensity != nil {
		lines = append(lines, ShadingCaption)
	}
	if opts.Note != "" {
		lines = append(lines, opts.Note)
	}
	p := plot.New()
	for i, l := range lines {
		if i > 0 {
			p.Title.Text += "\n"
		}
		p.Title.Text += l
	}
	p.X.Label.Text, p.Y.Label.Text = "x1", "x2"
	if opts.LogDensity != nil {
		p.Add(Shading(opts.LogDensity, half, 240))
	}
	p.Add(plotter.NewGrid())
	if err := addSamples(p, samples); err != nil {
		return nil, err
	}
	p.Add(a)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -half, half, -half, half
	return p, nil
}

// Shading returns a plotter that shades logDensity on the window [-half, half]^2, evaluated at the
// centres of n x n cells, in bands of ShadingNats nats below its largest finite value there (see
// ShadingColor), with a thin contour line between bands; a point where it is +Inf is in the top
// band, NaN or -Inf white.
func Shading(logDensity func(x []float64) float64, half float64, n int) plot.Plotter {
	n = max(n, 2)
	g := &densityGrid{n: n, half: half, z: make([]float64, n*n)}
	top := math.Inf(-1)
	for j := range n { // Row j is y from the bottom up.
		for i := range n {
			v := logDensity([]float64{g.X(i), g.Y(j)})
			g.z[j*n+i] = v
			if !math.IsInf(v, 0) && v > top {
				top = v
			}
		}
	}
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for k, v := range g.z {
		band := ShadingBands // White, where nothing is finite.
		if !math.IsInf(top, -1) || math.IsInf(v, 1) {
			band = ShadingBand(v, top)
		}
		img.SetNRGBA(k%n, n-1-k/n, ShadingColor(band)) // Image rows go from the top down.
	}
	s := &shading{image: plotter.NewImage(img, -half, -half, half, half)}
	if math.IsInf(top, -1) {
		return s
	}
	// Contours at the band edges; values out of range clamped, so that the lines stay closed.
	floor := top - ShadingNats*(ShadingBands+1)
	for k, v := range g.z {
		if math.IsNaN(v) || v < floor {
			g.z[k] = floor
		} else if v > top {
			g.z[k] = top
		}
	}
	levels := make([]float64, ShadingBands)
	for k := range levels {
		levels[k] = top - ShadingNats*float64(k+1)
	}
	s.contour = plotter.NewContour(g, levels, nil)
	s.contour.LineStyles = []draw.LineStyle{{Color: shadingLine, Width: vg.Points(0.5)}}
	return s
}

// shading draws the banded image, then the contour lines between the bands.
type shading struct {
	image   *plotter.Image
	contour *plotter.Contour
}

// Plot implements plot.Plotter.
func (s *shading) Plot(c draw.Canvas, p *plot.Plot) {
	s.image.Plot(c, p)
	if s.contour != nil {
		s.contour.Plot(c, p)
	}
}

// DataRange implements plot.DataRanger.
func (s *shading) DataRange() (xmin, xmax, ymin, ymax float64) { return s.image.DataRange() }

// densityGrid is the log-density on the n x n cell centres of [-half, half]^2 (plotter.GridXYZ).
type densityGrid struct {
	n    int
	half float64
	z    []float64 // z[j*n + i] at (X(i), Y(j)).
}

func (g *densityGrid) Dims() (c, r int)   { return g.n, g.n }
func (g *densityGrid) Z(c, r int) float64 { return g.z[r*g.n+c] }
func (g *densityGrid) X(c int) float64 {
	return -g.half + (float64(c)+0.5)*2*g.half/float64(g.n)
}
func (g *densityGrid) Y(r int) float64 { return g.X(r) }

// ShadingBand returns the band of the shading (see ShadingColor) that a log-density value v
// falls in when the largest value on the window is top.
func ShadingBand(v, top float64) int {
	if math.IsInf(v, 1) {
		return 0
	}
	if math.IsNaN(v) || math.IsInf(v, -1) {
		return ShadingBands
	}
	return min(max(int(math.Floor((top-v)/ShadingNats)), 0), ShadingBands)
}

// arrows is a gonum plotter that draws a quiver plot: each arrow ArrowSteps(|v|, unit) grid steps long.
type arrows struct {
	field      Field
	unit, step float64
}

// capped reports whether an arrow is drawn at MaxArrowSteps while its vector is longer.
func (a *arrows) capped() bool {
	limit := a.unit * math.Pow(2, 2*(MaxArrowSteps-1)) // ArrowSteps(limit, unit) = MaxArrowSteps.
	for _, v := range a.field.Vectors {
		if len(v) >= 2 && math.Hypot(v[0], v[1]) > limit {
			return true
		}
	}
	return false
}

// Plot implements plot.Plotter.
func (a *arrows) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	style := draw.LineStyle{Color: arrowColor, Width: vg.Points(0.8)}
	for i, pt := range a.field.Points {
		v := a.field.Vectors[i]
		if len(v) < 2 || len(pt) < 2 {
			continue
		}
		m := math.Hypot(v[0], v[1])
		steps := ArrowSteps(m, a.unit)
		if steps == 0 || math.IsNaN(steps) || math.IsInf(m, 0) {
			continue
		}
		dx, dy := v[0]/m*steps*a.step, v[1]/m*steps*a.step
		from := vg.Point{X: trX(pt[0]), Y: trY(pt[1])}
		to := vg.Point{X: trX(pt[0] + dx), Y: trY(pt[1] + dy)}
		c.StrokeLine2(style, from.X, from.Y, to.X, to.Y)
		drawHead(c, style, from, to)
	}
}

func drawHead(c draw.Canvas, style draw.LineStyle, from, to vg.Point) {
	dx, dy := float64(to.X-from.X), float64(to.Y-from.Y)
	l := math.Hypot(dx, dy)
	head := math.Min(0.35*l, float64(vg.Points(4)))
	if head < float64(vg.Points(0.5)) {
		return
	}
	angle := math.Atan2(dy, dx)
	for _, side := range []float64{-1, 1} {
		a := angle + math.Pi - side*0.45
		end := vg.Point{X: to.X + vg.Length(head*math.Cos(a)), Y: to.Y + vg.Length(head*math.Sin(a))}
		c.StrokeLine2(style, to.X, to.Y, end.X, end.Y)
	}
}

// DataRange implements plot.DataRanger.
func (a *arrows) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, pt := range a.field.Points {
		xmin, xmax = math.Min(xmin, pt[0]), math.Max(xmax, pt[0])
		ymin, ymax = math.Min(ymin, pt[1]), math.Max(ymax, pt[1])
	}
	return
}

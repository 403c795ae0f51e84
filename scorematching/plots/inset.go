package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// InsetBackground is the fill of an inset (FloorGap), a light cool grey that sets it apart from
// the plot it sits in.
var InsetBackground = color.NRGBA{R: 244, G: 246, B: 250, A: 255}

// Inset is a plotter that draws a small plot inside the data area of another one, in whichever of
// a few places (upper right, upper left, lower right, lower left) covers the fewest points of the
// curves it was given to avoid; the host's legend (drawn after its plotters, at the top) stays
// above it.
type Inset struct {
	// Panel is the plot drawn in the inset.
	Panel *plot.Plot
	// Avoid are the host plot's curves, in its coordinates.
	Avoid []Curve
}

// insetPlaces are the candidate rectangles of an inset, as fractions of the host's data area
// (x0, y0, x1, y1), in order of preference.
var insetPlaces = [][4]float64{
	{0.40, 0.26, 0.98, 0.74},
	{0.10, 0.26, 0.68, 0.74},
	{0.40, 0.05, 0.98, 0.53},
	{0.10, 0.05, 0.68, 0.53},
}

// Plot implements plot.Plotter.
func (in *Inset) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	w, h := c.Max.X-c.Min.X, c.Max.Y-c.Min.Y
	rect := func(f [4]float64) vg.Rectangle {
		return vg.Rectangle{Min: vg.Point{X: c.Min.X + vg.Length(f[0])*w, Y: c.Min.Y + vg.Length(f[1])*h},
			Max: vg.Point{X: c.Min.X + vg.Length(f[2])*w, Y: c.Min.Y + vg.Length(f[3])*h}}
	}
	// Count the curves' points (every couple of points along each segment) in each place.
	counts := make([]int, len(insetPlaces))
	visit := func(pt vg.Point) {
		for k, f := range insetPlaces {
			r := rect(f)
			if pt.X >= r.Min.X && pt.X <= r.Max.X && pt.Y >= r.Min.Y && pt.Y <= r.Max.Y {
				counts[k]++
			}
		}
	}
	for _, cv := range in.Avoid {
		for j := range cv.Epochs {
			a := vg.Point{X: trX(cv.Epochs[j]), Y: trY(cv.Values[j])}
			if j == 0 {
				visit(a)
				continue
			}
			b := vg.Point{X: trX(cv.Epochs[j-1]), Y: trY(cv.Values[j-1])}
			n := min(int(math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y))/2)+1, 200)
			for t := 1; t <= n; t++ {
				f := vg.Length(float64(t) / float64(n))
				visit(vg.Point{X: b.X + f*(a.X-b.X), Y: b.Y + f*(a.Y-b.Y)})
			}
		}
	}
	best := 0
	for k := range counts {
		if counts[k] < counts[best] {
			best = k
		}
	}
	r := rect(insetPlaces[best])
	sub := draw.Canvas{Canvas: c.Canvas, Rectangle: r}
	in.Panel.Draw(sub)
	frame := draw.LineStyle{Color: color.NRGBA{R: 150, G: 150, B: 150, A: 255}, Width: vg.Points(0.6)}
	c.StrokeLines(frame, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min})
}

// FloorGap returns an inset (add it to the plot of Loss(title, curves...)) that plots, on a log
// scale, how far each solid curve lies above floor, the lowest value the loss can reach: loss -
// floor, which the main plot squeezes into a flat line near the floor. Curves keep their colours
// (give the same curves in the same order as to Loss); dashed ones (reference lines such as the
// floor itself) are left out, and so are values at or below the floor (a mini-batch estimate can
// dip under it), which the inset's title counts. It returns an error if no value lies above.
func FloorGap(floor float64, curves ...Curve) (*Inset, error) {
	if math.IsNaN(floor) || math.IsInf(floor, 0) {
		return nil, fmt.Errorf("floor gap: the floor must be finite, got %v", floor)
	}
	p := plot.New()
	p.BackgroundColor = InsetBackground
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, LogTicks125{}
	p.X.Label.Text = "epochs"
	p.Y.Label.Text = "loss - floor"
	small := func(s *draw.TextStyle, size float64) { s.Font.Size = vg.Points(size) }
	small(&p.Title.TextStyle, 8)
	small(&p.X.Label.TextStyle, 7)
	small(&p.Y.Label.TextStyle, 7)
	small(&p.X.Tick.Label, 6.5)
	small(&p.Y.Tick.Label, 6.5)
	p.X.Tick.Length, p.Y.Tick.Length = vg.Points(3), vg.Points(3)
	p.Add(plotter.NewGrid())
	dropped, drawn := 0, 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, c := range curves {
		if len(c.Epochs) != len(c.Values) {
			return nil, fmt.Errorf("floor gap: curve %q has %d epochs for %d values", c.Name, len(c.Epochs), len(c.Values))
		}
		if c.Dashed {
			continue
		}
		var pts plotter.XYs
		for j, v := range c.Values {
			if gap := v - floor; gap > 0 && !math.IsInf(gap, 0) {
				pts = append(pts, plotter.XY{X: c.Epochs[j], Y: gap})
				lo, hi = math.Min(lo, gap), math.Max(hi, gap)
			} else {
				dropped++
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("floor gap: curve %q: %w", c.Name, err)
		}
		line.Color, line.Width = c.color(i), vg.Points(1.2)
		p.Add(line)
		if len(pts) == 1 { // A single point draws no line: mark it.
			s, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Radius: vg.Points(2), Color: line.Color}
			p.Add(s)
		}
		drawn++
	}
	if drawn == 0 {
		return nil, fmt.Errorf("floor gap: no value above the floor %g", floor)
	}
	p.Title.Text = fmt.Sprintf("gap to the floor, loss - (%.4g), log scale", floor)
	if dropped > 0 {
		p.Title.Text += fmt.Sprintf("\n(%d values at or below the floor not shown)", dropped)
	}
	// Labelled ticks at both ends: at 1, 2 and 5 times the powers of ten over up to two decades,
	// at the powers of ten only (the range widened to whole decades) over more.
	p.Y.Min, p.Y.Max = round125(lo, false), round125(hi, true)
	if p.Y.Max/p.Y.Min > 100 {
		p.Y.Min, p.Y.Max = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
		p.Y.Tick.Marker = decadeTicks{}
	}
	return &Inset{Panel: p, Avoid: curves}, nil
}

// round125 rounds x > 0 down (or up) to 1, 2 or 5 times a power of ten.
func round125(x float64, up bool) float64 {
	base := math.Pow(10, math.Floor(math.Log10(x)))
	steps := []float64{1, 2, 5, 10}
	if up {
		for _, m := range steps {
			if m*base >= x*(1-1e-12) {
				return m * base
			}
		}
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i]*base <= x*(1+1e-12) {
			return steps[i] * base
		}
	}
	return base
}

// decadeTicks labels a logarithmic axis at the powers of ten, with unlabelled minor ticks at the
// other integers times the powers of ten.
type decadeTicks struct{}

// Ticks implements plot.Ticker.
func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := LogTicks125{}.Ticks(lo, hi)
	for i := range ticks {
		if l := math.Log10(ticks[i].Value); math.Abs(l-math.Round(l)) > 1e-9 {
			ticks[i].Label = ""
		}
	}
	return ticks
}

// LogTicks125 labels a logarithmic axis at 1, 2 and 5 times the powers of ten (gonum's
// plot.LogTicks labels the powers of ten only, which leaves short ranges with one label or none),
// with unlabelled minor ticks at the other integers times the powers of ten.
type LogTicks125 struct{}

// Ticks implements plot.Ticker.
func (LogTicks125) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return nil
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		base := math.Pow(10, e)
		for k := 1; k <= 9; k++ {
			v := float64(k) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if k == 1 || k == 2 || k == 5 {
				t.Label = fmt.Sprintf("%g", v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

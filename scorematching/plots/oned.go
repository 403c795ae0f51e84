package plots

// Figures of one-dimensional data: curves y = f(x) (a density, a log-density, a score, a loss)
// and histograms normalised as densities, with curves drawn over them.

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Line is one curve of a one-dimensional figure: the points (X[i], Y[i]), joined in order. Points
// whose X or Y is NaN or infinite are left out and break the line (log p is -Inf where p
// underflows, for instance).
type Line struct {
	Name   string    // Legend entry; "" for none.
	X, Y   []float64 // The points; X and Y have the same length.
	Dashed bool      // Dashed instead of solid.
	Points bool      // Dots at the points instead of a line.
	// Color, if not nil, is the line's colour; otherwise the i-th line of a figure takes
	// PaletteColor(i).
	Color color.Color
}

// FuncLine returns the line of y = f(x) sampled at n evenly spaced x from lo to hi (both
// included; n < 2 gives the single point lo).
func FuncLine(name string, f func(x float64) float64, lo, hi float64, n int) Line {
	l := Line{Name: name}
	n = max(n, 1)
	l.X, l.Y = make([]float64, n), make([]float64, n)
	for i := range n {
		x := lo
		if n > 1 {
			x = lo + (hi-lo)*float64(i)/float64(n-1)
		}
		l.X[i], l.Y[i] = x, f(x)
	}
	return l
}

// Lines returns a figure of lines against x, with axis labels, a legend for the named lines, ticks
// at round values, and a thin grey line at y = 0 when the curves cross it (the sign of a score is
// its direction). Parts of a line outside the axes' range (which gonum sets from the data, and a
// caller may change: fig.Y.Min, fig.Y.Max = -5, 5) are clipped. It returns an error naming a line
// whose X and Y differ in length, or that has no finite point.
func Lines(title, xLabel, yLabel string, lines ...Line) (*plot.Plot, error) {
	p := oneDPlot(title, xLabel, yLabel)
	if lo, hi := lineRange(lines...); lo < 0 && hi > 0 {
		x0, x1 := math.Inf(1), math.Inf(-1)
		for _, l := range lines {
			for _, x := range l.X {
				if !math.IsNaN(x) && !math.IsInf(x, 0) {
					x0, x1 = math.Min(x0, x), math.Max(x1, x)
				}
			}
		}
		zero, err := plotter.NewLine(plotter.XYs{{X: x0, Y: 0}, {X: x1, Y: 0}})
		if err == nil {
			zero.Color, zero.Width = color.Gray{Y: 110}, vg.Points(0.8)
			p.Add(zero)
		}
	}
	named := 0
	for i, l := range lines {
		if err := addLine(p, l, i); err != nil {
			return nil, err
		}
		if l.Name != "" {
			named++
		}
	}
	if named > 0 { // Room above the curves for the legend.
		lo, hi := lineRange(lines...)
		if span := hi - lo; span > 0 && !math.IsInf(span, 0) {
			p.Y.Min, p.Y.Max = lo-0.03*span, hi+(0.03+0.09*float64(named))*span
		}
	}
	return p, nil
}

// lineRange returns the smallest and largest finite Y of the lines (+Inf, -Inf if none).
func lineRange(lines ...Line) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, l := range lines {
		for j, y := range l.Y {
			if math.IsNaN(y) || math.IsInf(y, 0) || j >= len(l.X) || math.IsNaN(l.X[j]) || math.IsInf(l.X[j], 0) {
				continue
			}
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	return lo, hi
}

// oneDPlot returns an empty figure with a title, axis labels, a grid, ticks at round values and
// the legend at the top.
func oneDPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = RoundTicks{}, RoundTicks{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// RoundTicks is a gonum tick marker with 3 to 7 labelled ticks at round values (1, 2 or 5 times
// a power of ten) and unlabelled minor ticks between them: denser than gonum's default, which
// often labels only three values.
type RoundTicks struct{}

// Ticks implements plot.Ticker.
func (RoundTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) { // gonum never asks for these.
		return nil
	}
	raw := (hi - lo) / 6
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step, minor := 10*pow, 5
	for _, c := range []struct {
		m     float64
		minor int
	}{{1, 5}, {2, 4}, {5, 5}} {
		if c.m*pow >= raw {
			step, minor = c.m*pow, c.minor
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	sub := step / float64(minor)
	for k := math.Ceil(lo/sub - 1e-9); k*sub <= hi+sub*1e-9; k++ {
		v := k * sub
		if int(math.Round(k))%minor != 0 {
			ticks = append(ticks, plot.Tick{Value: v})
			continue
		}
		if math.Abs(v) < sub*1e-9 {
			v = 0 // Not "-0".
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ticks
}

// addLine draws l as the i-th line of p.
func addLine(p *plot.Plot, l Line, i int) error {
	if len(l.X) != len(l.Y) {
		return fmt.Errorf("line %q: %d x values for %d y values", l.Name, len(l.X), len(l.Y))
	}
	c := l.Color
	if c == nil {
		c = PaletteColor(i)
	}
	var runs []plotter.XYs
	var run plotter.XYs
	for j := range l.X {
		x, y := l.X[j], l.Y[j]
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			if len(run) > 0 {
				runs, run = append(runs, run), nil
			}
			continue
		}
		run = append(run, plotter.XY{X: x, Y: y})
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	if len(runs) == 0 {
		return fmt.Errorf("line %q has no finite point", l.Name)
	}
	var legend plot.Thumbnailer
	for _, r := range runs {
		if l.Points {
			s, err := plotter.NewScatter(r)
			if err != nil {
				return fmt.Errorf("line %q: %w", l.Name, err)
			}
			s.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Radius: vg.Points(1.6), Color: c}
			p.Add(s)
			legend = s
			continue
		}
		line, err := plotter.NewLine(r)
		if err != nil {
			return fmt.Errorf("line %q: %w", l.Name, err)
		}
		line.Color, line.Width = c, vg.Points(1.8)
		if l.Dashed {
			line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(line)
		legend = line
	}
	if l.Name != "" {
		p.Legend.Add(l.Name, legend)
	}
	return nil
}

// DensityBins counts values in bins equal bins on [lo, hi] and normalises the counts as a
// density: heights[i] = (values in bin i) / (len(values) x bin width), so that the heights times
// the width sum to the fraction of values inside [lo, hi]. A value on a boundary between two bins
// goes to the upper one, and hi to the last bin. It also returns how many values are outside
// [lo, hi] (NaNs included). It returns an error for no values, bins < 1 or a bad range.
func DensityBins(values []float64, bins int, lo, hi float64) (heights []float64, outside int, err error) {
	switch {
	case len(values) == 0:
		return nil, 0, fmt.Errorf("no values")
	case bins < 1:
		return nil, 0, fmt.Errorf("%d bins, want at least 1", bins)
	case !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0):
		return nil, 0, fmt.Errorf("bad range [%v, %v]", lo, hi)
	}
	width := (hi - lo) / float64(bins)
	heights = make([]float64, bins)
	for _, v := range values {
		if !(v >= lo && v <= hi) {
			outside++
			continue
		}
		heights[min(int((v-lo)/width), bins-1)]++
	}
	for i := range heights {
		heights[i] /= float64(len(values)) * width
	}
	return heights, outside, nil
}

// histogramFill is the colour of histogram bars: the samples' translucent blue, so that the
// curves drawn over it stand out.
var histogramFill = color.NRGBA{R: 0, G: 114, B: 178, A: 70}

// DensityHistogram returns a histogram of values with bins equal bins on [lo, hi], normalised as
// a density (DensityBins), so that it can be compared with a density p(x) drawn over it: the
// lines, coloured from the palette as in Lines. The values outside [lo, hi] are not drawn but
// still count in len(values), and the title says how many there are. It returns an error for
// no values, bins < 1 or a bad range, or a bad line.
func DensityHistogram(title, xLabel string, values []float64, bins int, lo, hi float64, lines ...Line) (*plot.Plot, error) {
	heights, outside, err := DensityBins(values, bins, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("histogram %q: %w", title, err)
	}
	width := (hi - lo) / float64(bins)
	h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width, FillColor: histogramFill,
		LineStyle: draw.LineStyle{Color: color.NRGBA{R: 0, G: 114, B: 178, A: 140}, Width: vg.Points(0.5)}}
	top := 0.0
	for i := range h.Bins {
		h.Bins[i] = plotter.HistogramBin{Min: lo + float64(i)*width, Max: lo + float64(i+1)*width, Weight: heights[i]}
		top = math.Max(top, heights[i])
	}
	if outside > 0 {
		title += fmt.Sprintf(" (%d of %d outside [%.3g, %.3g])", outside, len(values), lo, hi)
	}
	p := oneDPlot(title, xLabel, "density")
	p.Add(h)
	p.Legend.Top = true
	p.Legend.Add(fmt.Sprintf("histogram of %d values", len(values)), h)
	entries := 1
	for i, l := range lines {
		if err := addLine(p, l, i); err != nil {
			return nil, err
		}
		if l.Name != "" {
			entries++
		}
		for j, x := range l.X { // The curves' height within the window.
			if y := l.Y[j]; x >= lo && x <= hi && !math.IsInf(y, 0) && !math.IsNaN(y) {
				top = math.Max(top, y)
			}
		}
	}
	p.X.Min, p.X.Max = lo, hi
	if top > 0 { // Room above the bars for the legend.
		p.Y.Min, p.Y.Max = 0, top*(1.06+0.09*float64(entries))
	}
	return p, nil
}

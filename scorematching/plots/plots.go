// Package plots draws the project's figures with gonum/plot: samples, score fields (quiver plots),
// and loss curves. A figure is a *plot.Plot value; PNG renders one (or several side by side) to
// bytes, which the notebooks display inline and the command writes to files.
package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gosm/gosm/scorematching/files"
)

// Size is the side of one square panel in the PNGs.
const Size = 6 * vg.Inch

// Grid returns the points of a square grid from -size to size in steps of step on both axes,
// x varying fastest, as numpy's meshgrid(arange(-size, size+step, step), ...) does. For the blog,
// size = R + 5 std = 1.5 and step = 0.1 give 31 x 31 points.
func Grid(size, step float64) ([][]float64, error) {
	if !(size > 0) || !(step > 0) || math.IsInf(size, 0) || math.IsInf(step, 0) {
		return nil, fmt.Errorf("grid size and step must be positive and finite, got size %v and step %v", size, step)
	}
	n := int(math.Floor(2*size/step+1e-9)) + 1
	var points [][]float64
	for j := range n {
		for i := range n {
			points = append(points, []float64{-size + float64(i)*step, -size + float64(j)*step})
		}
	}
	return points, nil
}

// ZeroNear returns a copy of vectors with the entries whose point lies within radius of the
// origin set to zero: the blog zeroes the ring score's singular centre arrow this way.
func ZeroNear(points, vectors [][]float64, radius float64) [][]float64 {
	out := make([][]float64, len(vectors))
	for i, v := range vectors {
		out[i] = append([]float64(nil), v...)
		if math.Hypot(points[i][0], points[i][1]) < radius {
			out[i][0], out[i][1] = 0, 0
		}
	}
	return out
}

// Samples returns a scatter plot of 2-D points on a square window [-half, half]^2.
func Samples(title string, points [][]float64, half float64) (*plot.Plot, error) {
	p := square(title, half)
	if err := addSamples(p, points); err != nil {
		return nil, err
	}
	return p, nil
}

func square(title string, half float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "x1"
	p.Y.Label.Text = "x2"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -half, half, -half, half
	p.Add(plotter.NewGrid())
	return p
}

func addSamples(p *plot.Plot, points [][]float64) error {
	if len(points) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys(points))
	if err != nil {
		return fmt.Errorf("scatter plot: %w", err)
	}
	s.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Radius: vg.Points(1.3), Color: sampleColor}
	p.Add(s)
	return nil
}

func xys(points [][]float64) plotter.XYs {
	out := make(plotter.XYs, len(points))
	for i, pt := range points {
		out[i].X, out[i].Y = pt[0], pt[1]
	}
	return out
}

// Field is a vector field sampled at points: Vectors[i] is the field at Points[i].
type Field struct {
	Points, Vectors [][]float64
}

// ArrowScale returns the factor that turns field vectors into arrows on a grid of spacing step:
// the median length of the vectors becomes 0.7 grid steps. A score field spans orders of
// magnitude (it is small on the data and grows far from it), so a scale set by the median keeps
// the arrows near the data readable. ArrowUnit is the same choice rounded to a plain number, as
// the figures state it: one grid step of arrow stands for |s| = ArrowUnit.
func ArrowScale(step float64, f Field) float64 {
	var lengths []float64
	for _, v := range f.Vectors {
		if l := math.Hypot(v[0], v[1]); l > 0 && !math.IsInf(l, 0) {
			lengths = append(lengths, l)
		}
	}
	if len(lengths) == 0 {
		return 1
	}
	sort.Float64s(lengths)
	return 0.7 * step / lengths[len(lengths)/2]
}

// Quiver returns a plot of the field as arrows over optional samples, in the square window
// [-half, half]^2 whose grid has spacing step: QuiverWith with one grid step of arrow standing for
// |s| = step/scale (pass scale 0 for ArrowUnit of the field). Arrows are to scale up to one grid
// step and grow by one step each time |s| doubles beyond it (ArrowSteps), so the growth of a score
// far from the data shows; the title states the scale.
func Quiver(title string, field Field, samples [][]float64, half, step, scale float64) (*plot.Plot, error) {
	var unit float64
	if scale != 0 {
		unit = step / scale
	}
	return QuiverWith(title, field, samples, half, step, QuiverOptions{Unit: unit})
}

// Curve is one named line of a loss plot.
type Curve struct {
	Name   string
	Epochs []float64
	Values []float64
	Dashed bool
	// Color, if not nil, is the line's colour; otherwise the i-th curve takes PaletteColor(i).
	Color color.Color
}

// color returns the colour of c as the i-th curve of a plot.
func (c Curve) color(i int) color.Color {
	if c.Color != nil {
		return c.Color
	}
	return PaletteColor(i)
}

// Loss returns a plot of loss curves against the epoch, coloured from Palette (Curve.Color
// overrides). FloorGap adds an inset with the gap of the curves to a known lowest value.
func Loss(title string, curves ...Curve) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epochs completed"
	p.Y.Label.Text = "loss"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, c := range curves {
		if len(c.Epochs) != len(c.Values) || len(c.Epochs) == 0 {
			return nil, fmt.Errorf("loss curve %q: %d epochs for %d values", c.Name, len(c.Epochs), len(c.Values))
		}
		pts := make(plotter.XYs, len(c.Epochs))
		for j := range pts {
			pts[j].X, pts[j].Y = c.Epochs[j], c.Values[j]
			lo, hi = math.Min(lo, c.Values[j]), math.Max(hi, c.Values[j])
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("loss curve %q: %w", c.Name, err)
		}
		line.Color = c.color(i)
		line.Width = vg.Points(1.5)
		if c.Dashed {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(line)
		p.Legend.Add(c.Name, line)
	}
	// Leave an empty band above the curves for the legend.
	if span := hi - lo; span > 0 && !math.IsInf(span, 0) {
		p.Y.Min, p.Y.Max = lo-0.03*span, hi+0.12*span*float64(len(curves))
	}
	return p, nil
}

// PNG renders plots side by side, each in a square panel of side Size, as PNG bytes.
func PNG(plots ...*plot.Plot) ([]byte, error) {
	return PNGWithSize(Size, plots...)
}

// PNGWithSize renders plots side by side, each in a square panel of the given side, at 96 dpi, as
// a compact paletted PNG (see encodePNG).
func PNGWithSize(side vg.Length, plots ...*plot.Plot) ([]byte, error) {
	if len(plots) == 0 {
		return nil, fmt.Errorf("no plot to render")
	}
	img, err := renderRGBA(side, plots)
	if err != nil {
		return nil, fmt.Errorf("rendering PNG: %w", err)
	}
	return pngBytes(img)
}

// CanvasPNG encodes a drawn canvas as a compact paletted PNG (see encodePNG): every figure of the
// project goes through it.
func CanvasPNG(c *vgimg.Canvas) ([]byte, error) {
	rgba, ok := c.Image().(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("rendering PNG: the canvas is a %T, not an RGBA image", c.Image())
	}
	return pngBytes(rgba)
}

// WritePNG renders plots side by side (see PNG) into the file path.
func WritePNG(path string, plots ...*plot.Plot) error {
	data, err := PNG(plots...)
	if err != nil {
		return err
	}
	if err := files.WriteAtomic(path, data); err != nil { // Never a truncated figure, never through a symlink.
		return fmt.Errorf("writing figure: %w", err)
	}
	return nil
}

// AddPaths draws the paths of particles on p (paths[p][t] is particle p at its t-th recorded
// position), each in its own colour (PathPalette): a line from an open circle (its first
// position) to a filled one (its last). With half > 0 only what lies in the window
// [-half, half]^2 is drawn (early, noisy steps may leave it); with half <= 0, everything. It
// returns an error naming a point with fewer than two coordinates.
func AddPaths(p *plot.Plot, paths [][][]float64, half float64) error {
	inside := func(pt []float64) bool { return half <= 0 || (math.Abs(pt[0]) <= half && math.Abs(pt[1]) <= half) }
	for i, path := range paths {
		for t, pt := range path {
			if len(pt) < 2 {
				return fmt.Errorf("path %d point %d has %d coordinates, want 2", i, t, len(pt))
			}
		}
		c := PathPalette[i%len(PathPalette)]
		var run [][]float64
		flush := func() error {
			if len(run) >= 2 {
				line, err := plotter.NewLine(xys(run))
				if err != nil {
					return fmt.Errorf("path %d: %w", i, err)
				}
				line.Color, line.Width = c, vg.Points(1.1)
				p.Add(line)
			}
			run = nil
			return nil
		}
		for _, pt := range path {
			if inside(pt) {
				run = append(run, pt)
			} else if err := flush(); err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if len(path) == 0 {
			continue
		}
		ends := []struct {
			pt    []float64
			glyph draw.GlyphDrawer
		}{{path[0], draw.RingGlyph{}}, {path[len(path)-1], draw.CircleGlyph{}}}
		for _, e := range ends {
			if !inside(e.pt) {
				continue
			}
			m, err := plotter.NewScatter(xys([][]float64{e.pt}))
			if err != nil {
				return fmt.Errorf("path %d: %w", i, err)
			}
			m.GlyphStyle = draw.GlyphStyle{Shape: e.glyph, Radius: vg.Points(4), Color: c}
			p.Add(m)
		}
	}
	return nil
}

// Trajectories returns a plot of sample points with the paths of a few particles drawn over them
// (see AddPaths) on the window [-half, half]^2; the parts of a path outside the window are left out.
// A line under the title says which particles the paths are and how many positions each has
// (PathsCaption, taking samples as all the particles); TrajectoriesAt also says at which steps.
func Trajectories(title string, samples [][]float64, paths [][][]float64, half float64) (*plot.Plot, error) {
	return TrajectoriesAt(title, samples, paths, nil, half)
}

// TrajectoriesAt is Trajectories for paths recorded at the given step numbers
// (sample.Result.TrajectorySteps, cut as the paths are): the line under the title says every how
// many steps the positions were recorded.
func TrajectoriesAt(title string, samples [][]float64, paths [][][]float64, steps []int, half float64) (*plot.Plot, error) {
	p := square(title+"\n"+PathsCaption(paths, len(samples), steps), half)
	if err := addSamples(p, samples); err != nil {
		return nil, err
	}
	if err := AddPaths(p, paths, half); err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -half, half, -half, half
	return p, nil
}

// PathsCaption says how the paths drawn on a figure were subsampled: which particles (the sampler
// records the first ones, sample.Config.TrajectoryPoints, of particles in all; 0 if unknown) and
// at which steps their positions were recorded (steps[t] is the step of the t-th position, as
// sample.Result.TrajectorySteps; nil if unknown), e.g. "paths: particles 1-8 of 5000, position
// every 20 steps (steps 0-1000)". The paths are straight lines between recorded positions.
func PathsCaption(paths [][][]float64, particles int, steps []int) string {
	n := len(paths)
	var who string
	switch {
	case n == 0:
		return "no paths recorded"
	case particles == n:
		who = fmt.Sprintf("all %d particles", n)
	case n == 1 && particles > 0:
		who = fmt.Sprintf("particle 1 of %d", particles)
	case particles > n:
		who = fmt.Sprintf("particles 1-%d of %d", n, particles)
	case n == 1:
		who = "1 particle"
	default:
		who = fmt.Sprintf("%d particles", n)
	}
	positions := 0
	for _, path := range paths {
		positions = max(positions, len(path))
	}
	if len(steps) == 0 {
		return fmt.Sprintf("paths: %s, %d recorded positions each", who, positions)
	}
	if len(steps) == 1 {
		return fmt.Sprintf("paths: %s, at step %d only", who, steps[0])
	}
	every := steps[1] - steps[0]
	regular := true
	for t := 2; t < len(steps)-1; t++ { // The last position (the end of the run) may come sooner.
		if steps[t]-steps[t-1] != every {
			regular = false
		}
	}
	if regular && every > 0 {
		if every == 1 {
			return fmt.Sprintf("paths: %s, every step (steps %d-%d)", who, steps[0], steps[len(steps)-1])
		}
		return fmt.Sprintf("paths: %s, position every %d steps (steps %d-%d)", who, every, steps[0], steps[len(steps)-1])
	}
	return fmt.Sprintf("paths: %s, %d recorded positions (steps %d-%d)", who, len(steps), steps[0], steps[len(steps)-1])
}

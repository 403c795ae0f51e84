package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// PointSet is a named set of points, one curve of AngleHistogram.
type PointSet struct {
	Name   string
	Points [][]float64
}

// AngleHistogram plots, for each set, the density of the angle atan2(y, x) of its points as a
// histogram with bins equal bins on [-pi, pi), drawn as a step line, and the uniform density
// 1/(2 pi) as a dashed line: for the ring, every set of good samples lies on it up to the
// histogram's noise (a relative standard deviation of about sqrt(bins / n) per bin).
func AngleHistogram(title string, bins int, sets ...PointSet) (*plot.Plot, error) {
	if bins < 2 {
		return nil, fmt.Errorf("angle figure: at least 2 bins, got %d", bins)
	}
	if len(sets) == 0 {
		return nil, errors.New("angle figure: no point set to plot")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "angle atan2(x2, x1) (radians)"
	p.Y.Label.Text = "density"
	p.X.Min, p.X.Max = -math.Pi, math.Pi
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	width := 2 * math.Pi / float64(bins)
	hi := 1 / (2 * math.Pi)
	for i, s := range sets {
		if len(s.Points) == 0 {
			return nil, fmt.Errorf("angle figure: set %q has no points", s.Name)
		}
		counts := make([]float64, bins)
		for _, pt := range s.Points {
			if len(pt) < 2 {
				return nil, fmt.Errorf("angle figure: set %q has a point with %d coordinates, want 2", s.Name, len(pt))
			}
			k := int((math.Atan2(pt[1], pt[0]) + math.Pi) / width)
			counts[min(max(k, 0), bins-1)]++
		}
		xy := make(plotter.XYs, 0, 2*bins)
		for k, c := range counts {
			d := c / (float64(len(s.Points)) * width)
			hi = math.Max(hi, d)
			x0 := -math.Pi + float64(k)*width
			xy = append(xy, plotter.XY{X: x0, Y: d}, plotter.XY{X: x0 + width, Y: d})
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("angle figure: set %q: %w", s.Name, err)
		}
		line.Color, line.Width = PaletteColor(i), vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(s.Name, line)
	}
	u, err := plotter.NewLine(plotter.XYs{{X: -math.Pi, Y: 1 / (2 * math.Pi)}, {X: math.Pi, Y: 1 / (2 * math.Pi)}})
	if err != nil {
		return nil, err
	}
	u.Color, u.Width, u.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(u)
	p.Legend.Add("uniform, 1/(2 pi)", u)
	// Room above the curves for the legend.
	p.Y.Min, p.Y.Max = 0, hi*(1.15+0.1*float64(len(sets)))
	return p, nil
}

package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// paletteLine returns the line through pts in the i-th colour of the palette, 1.5 points wide,
// dashed if asked.
func paletteLine(pts plotter.XYs, i int, dashed bool) (*plotter.Line, error) {
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	line.Color = PaletteColor(i)
	line.Width = vg.Points(1.5)
	if dashed {
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return line, nil
}

// logLogPlot returns an empty plot with a grid and both axes on a log scale, labelled at 1, 2 and
// 5 times the powers of ten.
func logLogPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = LogTicks125{}, LogTicks125{}
	p.Add(plotter.NewGrid())
	return p
}

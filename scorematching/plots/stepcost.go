package plots

import (
	"fmt"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// StepCost is one measured cost of a training step: Ms milliseconds per step for the loss (or
// workload) called Name on data of dimension Dim (bench.StepCosts converts bench results).
type StepCost struct {
	Name string
	Dim  int
	Ms   float64
}

// StepCostFigure plots step costs as milliseconds per training step against the data's dimension
// D, log-log, one line with markers per name (in the order the names first appear).
func StepCostFigure(title string, costs []StepCost) (*plot.Plot, error) {
	byName := map[string]plotter.XYs{}
	var names []string
	for _, c := range costs {
		if c.Dim <= 0 || !(c.Ms > 0) {
			return nil, fmt.Errorf("step cost %s D=%d: no positive dimension and time (%v ms)", c.Name, c.Dim, c.Ms)
		}
		if _, ok := byName[c.Name]; !ok {
			names = append(names, c.Name)
		}
		byName[c.Name] = append(byName[c.Name], plotter.XY{X: float64(c.Dim), Y: c.Ms})
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no step cost to plot")
	}
	p := logLogPlot(title, "dimension D of the data", "milliseconds per training step")
	p.Legend.Top, p.Legend.Left = true, true
	for i, name := range names {
		pts := byName[name]
		sort.Slice(pts, func(a, b int) bool { return pts[a].X < pts[b].X })
		line, err := paletteLine(pts, i, false)
		if err != nil {
			return nil, err
		}
		marks, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		marks.GlyphStyle = draw.GlyphStyle{Shape: draw.CircleGlyph{}, Radius: vg.Points(3), Color: line.Color}
		p.Add(line, marks)
		p.Legend.Add(name, line, marks)
	}
	return p, nil
}

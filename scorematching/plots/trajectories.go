package plots

import (
	"fmt"

	"gonum.org/v1/plot"
)

// TrajectoriesOnField draws a score field as arrows (Quiver, with its scaling) over samples, and on
// top the paths of a few particles: paths[p][t] is the position of particle p at step steps[t]
// (sample.Result.Trajectories and TrajectorySteps, or sample.PathsUpTo and StepsUpTo). Each path
// is a coloured line from an open circle (its start) to a filled dot (its end). The window is
// [-half, half]^2 and step is the spacing of the field's grid; field may be empty (no arrows). A
// line under the title says which particles the paths are (samples taken as all the particles)
// and at which steps they were recorded (PathsCaption): "paths: particles 1-8 of 2000, position
// every 10 steps (steps 0-400)".
func TrajectoriesOnField(title string, field Field, samples [][]float64, paths [][][]float64, steps []int, half, step float64) (*plot.Plot, error) {
	title += "\n" + PathsCaption(paths, len(samples), steps)
	var p *plot.Plot
	var err error
	if len(field.Points) > 0 {
		p, err = Quiver(title, field, samples, half, step, 0)
	} else {
		p, err = Samples(title, samples, half)
	}
	if err != nil {
		return nil, err
	}
	if err := AddPaths(p, paths, 0); err != nil {
		return nil, fmt.Errorf("trajectory figure: %w", err)
	}
	return p, nil
}

package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
)

// LossWithFloor is Loss with, if floor is not nil, the inset of the curves' gap to it (FloorGap),
// left out when no loss lies above the floor. Add the floor's own dashed line to the curves
// (FloorCurve) to see it on the main axis.
func LossWithFloor(title string, floor *float64, curves ...Curve) (*plot.Plot, error) {
	p, err := Loss(title, curves...)
	if err != nil || floor == nil {
		return p, err
	}
	if inset, err := FloorGap(*floor, curves...); err == nil {
		p.Add(inset)
	}
	return p, nil
}

// FloorCurve is the dashed black line of the lowest value a score-matching loss can reach, the
// loss of the true score, from epoch 0 to last.
func FloorCurve(floor, last float64) Curve {
	return Curve{Name: fmt.Sprintf("loss of the true score (%.1f)", floor),
		Epochs: []float64{0, last}, Values: []float64{floor, floor}, Dashed: true, Color: OkabeBlack}
}

// RunsLossFigure plots the loss curves of several runs on one figure (e.g. the mean mini-batch
// loss per epoch of each, named by its loss), with floor (if not nil) as a dashed line up to the
// last epoch of any run: the exact, sliced and variance-reduced sliced losses all estimate the
// same quantity, so their curves can be compared. With a floor, an inset shows each run's gap to
// it on a log scale (see LossWithFloor). A run with an empty curve is an error.
func RunsLossFigure(title string, floor *float64, runs ...Curve) (*plot.Plot, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("no run to plot")
	}
	curves := make([]Curve, 0, len(runs)+1)
	last := 0.0
	for _, c := range runs {
		if len(c.Epochs) == 0 {
			return nil, fmt.Errorf("run %q has no loss history", c.Name)
		}
		last = math.Max(last, c.Epochs[len(c.Epochs)-1])
		curves = append(curves, c)
	}
	if floor != nil {
		curves = append(curves, FloorCurve(*floor, last))
	}
	return LossWithFloor(title, floor, curves...)
}

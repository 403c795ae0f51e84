package experiment

import (
	"fmt"
	"math"

	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
)

// HistoryCurve returns the run's mean mini-batch loss per epoch against the number of epochs
// completed, named by the run's loss: one curve of plots.RunsLossFigure, which compares runs on
// different losses.
func (o *Outcome) HistoryCurve() plots.Curve {
	return recordCurve(o.Options.Loss, o.Result.History)
}

// Distances and directions of RadialCurves' profiles.
const (
	radialDistances  = 61
	radialDirections = 64
)

// RadialCurves returns, for plots.RadialScoreFigure, the radial component of the ring's true score
// (truth, named "true score") and of each run's learned score (named "learned with" and the run's
// loss), averaged over 64 directions (see metrics.RadialProfile), at 61 distances from the centre
// from R - 4 std to R + 4 std, where nearly all the data are.
func RadialCurves(ring toy.Ring, runs ...*Outcome) (truth plots.Curve, learned []plots.Curve, err error) {
	if err := ring.Validate(); err != nil {
		return plots.Curve{}, nil, err
	}
	lo, hi := math.Max(ring.Radius-4*ring.Std, ring.Radius/20), ring.Radius+4*ring.Std
	radii := make([]float64, radialDistances)
	for i := range radii {
		radii[i] = lo + (hi-lo)*float64(i)/float64(radialDistances-1)
	}
	curve := func(name string, score func([][]float64) ([][]float64, error)) (plots.Curve, error) {
		values, err := metrics.RadialProfile(score, radii, radialDirections)
		return plots.Curve{Name: name, Epochs: radii, Values: values}, err
	}
	for _, r := range runs {
		if r == nil {
			return plots.Curve{}, nil, fmt.Errorf("nil run")
		}
		c, err := curve("learned with "+r.Options.Loss, r.Scores)
		if err != nil {
			return plots.Curve{}, nil, err
		}
		learned = append(learned, c)
	}
	truth, err = curve("true score", func(p [][]float64) ([][]float64, error) { return ring.Scores(p), nil })
	if err != nil {
		return plots.Curve{}, nil, err
	}
	return truth, learned, nil
}

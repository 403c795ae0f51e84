package experiment

import (
	"fmt"

	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/train"
)

// RepeatGradient evaluates the loss called lossName (configured by opts, zero fields taking the
// defaults as in Options.LossConfig) on points draws times, with the random generator seeded by
// seed, and returns each value and each gradient with respect to all the trained network's weights
// and biases, flattened layer by layer into one vector (see train.LossGradients). The exact loss
// gives the same value and gradient every time; a sliced loss a new unbiased estimate of both at
// each draw (fresh projection vectors), so the spread of the draws (see metrics.SampleMeanStd,
// metrics.RMSDistance) is the noise that the optimiser sees.
func (o *Outcome) RepeatGradient(lossName string, opts loss.Options, points [][]float64, draws int, seed uint64) (losses []float64, grads [][]float64, err error) {
	if loss.NoiseConditional(lossName) || o.Model.NoiseConditional() {
		return nil, nil, fmt.Errorf("RepeatGradient takes plain score models and their losses, not loss %q on a %s model", lossName, o.Model.Kind)
	}
	fn, err := loss.New(lossName, opts.WithDefaults())
	if err != nil {
		return nil, nil, err
	}
	return train.LossGradients(o.backend, o.Store, o.Model, fn, points, draws, seed)
}

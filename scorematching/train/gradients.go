package train

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
)

// LossGradients evaluates the loss fn of the plain score network m, whose weights are in store, on
// points draws times, with the store's random generator seeded by seed, and returns each value and
// each gradient with respect to all of m's weights and biases, flattened layer by layer (the
// weights of a layer, then its biases) into one vector. The weights are not changed. A
// deterministic loss (exact) gives the same value and gradient every time; a stochastic one
// (sliced) a new unbiased estimate of both at each draw, so the spread of the draws is the noise
// that the optimiser sees.
func LossGradients(b compute.Backend, store *model.Store, m network.Model, fn loss.Func, points [][]float64, draws int, seed uint64) (losses []float64, grads [][]float64, err error) {
	defer batch.Recover(&err, "evaluating the loss gradients")
	if draws < 1 {
		return nil, nil, fmt.Errorf("number of draws must be positive, got %d", draws)
	}
	if m.NoiseConditional() {
		return nil, nil, fmt.Errorf("loss gradients take a plain score model, not a %s one", m.Kind)
	}
	input, err := batch.ToTensor(points, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := store.SetRNGStateFromSeed(int64(seed)); err != nil {
		return nil, nil, err
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		store, g := scope.Store(), x.Graph()
		var params []*graph.Node
		for i := range m.MLP().NumLayers() {
			for _, path := range []string{network.WeightsPath(i), network.BiasesPath(i)} {
				v := store.GetVariable(path)
				if v == nil {
					panic(fmt.Errorf("variable %s is missing from the store", path))
				}
				params = append(params, v.NodeValue(g))
			}
		}
		l := fn(LossModel(m, store), x)
		parts := graph.Gradient(l, params...)
		for i, p := range parts {
			parts[i] = graph.Reshape(p, p.Shape().Size())
		}
		return l, graph.Concatenate(parts, 0)
	})
	if err != nil {
		return nil, nil, err
	}
	for range draws {
		out, err := exec.Call(input)
		if err != nil {
			return nil, nil, err
		}
		value, err := batch.Scalar(out[0])
		if err != nil {
			return nil, nil, err
		}
		g, err := batch.Values(out[1])
		if err != nil {
			return nil, nil, err
		}
		losses = append(losses, value)
		grads = append(grads, g)
	}
	return losses, grads, nil
}

package sample

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/toy"
)

// RingScore is the ring's true score in graph ops (the same formula as toy.Ring.Score):
//
//	s(x) = -[(r - R)/std^2 + 1/r] x / r,   r = ||x||.
//
// Like toy.Ring.Score it is (0, 0) at the origin, where the true score is singular.
func RingScore(ring toy.Ring) (Score, error) {
	if err := ring.Validate(); err != nil {
		return nil, err
	}
	return func(_ *model.Store, x *graph.Node) *graph.Node {
		if d := x.Shape().Dimensions[1]; d != 2 {
			panic(fmt.Errorf("the ring's score takes points in the plane, got %d coordinates", d))
		}
		r := graph.Sqrt(graph.ReduceSum(graph.Square(x), -1)) // [N]
		r = graph.Max(graph.ExpandAxes(r, -1), graph.ConstAs(x, 1e-12))
		c := graph.Add(graph.MulScalar(graph.AddScalar(r, -ring.Radius), 1/(ring.Std*ring.Std)), graph.Inverse(r))
		return graph.Neg(graph.Mul(graph.Div(c, r), x))
	}, nil
}

// MixtureScore is the score of a mixture of isotropic Gaussians, p(x) = sum_k pi_k N(x; mu_k,
// std_k^2 I), with the given weights pi_k (normalised to sum to 1), means mu_k and standard
// deviations std_k (one per component), in graph ops:
//
//	s(x) = sum_k w_k(x) (mu_k - x) / std_k^2,
//	w_k(x) = softmax_k(log pi_k - ||x - mu_k||^2 / (2 std_k^2) - (D/2) log std_k^2),
//
// the posterior weights w_k(x) mixing the components' own scores (toy.GaussianMixture's Score, in
// graph ops: pass its Weights, Means and Stds). Near a mode w_k(x) is about 1 whatever pi_k is:
// the score there does not see the weights, which is why plain Langevin cannot find them (see
// Annealed).
func MixtureScore(weights []float64, means [][]float64, stds []float64) (Score, error) {
	ns, err := NoisyMixtureScore(weights, means, stds)
	if err != nil {
		return nil, err
	}
	return func(store *model.Store, x *graph.Node) *graph.Node {
		zero := graph.BroadcastToDims(graph.ScalarZero(x.Graph(), x.DType()), x.Shape().Dimensions[0], 1)
		return ns(store, x, zero)
	}, nil
}

// NoisyMixtureScore is the exact noise-conditional score of the same mixture: the mixture
// convolved with N(0, sigma^2 I) is the mixture with the same weights and means and variances
// std_k^2 + sigma^2, so s(x, sigma) is MixtureScore's formula with std_k^2 replaced by
// std_k^2 + sigma^2. It lets annealed Langevin run without any training.
func NoisyMixtureScore(weights []float64, means [][]float64, stds []float64) (NoiseScore, error) {
	k := len(weights)
	if k == 0 || len(means) != k || len(stds) != k {
		return nil, fmt.Errorf("mixture needs as many weights, means and stds (at least one), got %d, %d and %d", k, len(means), len(stds))
	}
	var total float64
	for i, w := range weights {
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("mixture weight %d must be positive and finite, got %v", i, w)
		}
		total += w
	}
	dim := len(means[0])
	if dim == 0 {
		return nil, fmt.Errorf("mixture mean 0 has no coordinates")
	}
	for i, m := range means {
		if len(m) != dim {
			return nil, fmt.Errorf("mixture mean %d has %d coordinates, mean 0 has %d", i, len(m), dim)
		}
		for j, v := range m {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("mixture mean %d coordinate %d is %v", i, j, v)
			}
		}
	}
	logW := make([]float64, k)
	vars := make([]float64, k)
	for i, w := range weights {
		if s := stds[i]; !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("mixture std %d must be positive and finite, got %v", i, s)
		}
		logW[i] = math.Log(w / total)
		vars[i] = stds[i] * stds[i]
	}
	mu := make([][]float64, k)
	for i, m := range means {
		mu[i] = append([]float64(nil), m...)
	}
	return func(_ *model.Store, x, sigma *graph.Node) *graph.Node {
		if d := x.Shape().Dimensions[1]; d != dim {
			panic(fmt.Errorf("the mixture's score takes points with %d coordinates, got %d", dim, d))
		}
		// v[n, k] = std_k^2 + sigma_n^2.
		v := graph.Add(graph.ExpandAxes(graph.ConstAs(x, vars), 0), graph.Square(sigma)) // [N, K]
		m := graph.ConstAs(x, mu)                                                        // [K, D]
		diff := graph.Sub(graph.ExpandAxes(x, 1), graph.ExpandAxes(m, 0))                // [N, K, D]
		d2 := graph.ReduceSum(graph.Square(diff), -1)                                    // [N, K]
		logits := graph.Sub(graph.ExpandAxes(graph.ConstAs(x, logW), 0),
			graph.Add(graph.Div(d2, graph.MulScalar(v, 2)), graph.MulScalar(graph.Log(v), float64(dim)/2)))
		c := graph.Div(graph.Softmax(logits, -1), v) // w_k(x) / v_k, [N, K]
		// sum_k c_k (mu_k - x) = c @ M - x sum_k c_k.
		return graph.Sub(graph.MatMul(c, m), graph.Mul(x, graph.ReduceAndKeep(c, graph.ReduceSum, -1)))
	}, nil
}

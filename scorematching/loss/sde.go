package loss

// Denoising score matching over time for a score SDE (Song et al., ICLR 2021, eq. 7).
//
// A time-conditioned network s(x, t) learns the scores of all the marginals p_t of a forward
// process (package sde): each example b draws a time t_b uniform in [Eps, 1] and noise z_b, is
// perturbed by the process's Gaussian kernel, x_t = a(t) x + std(t) z, and the loss is
//
//	mean_b lambda(t_b) 0.5 || s(x_t, t_b) + z_b / std(t_b) ||^2
//
// with the standard weighting lambda(t) = std(t)^2, which makes every time's term of order 1:
// mean_b 0.5 || std s + z ||^2 (for a network.KindTimeMLP model, 0.5 ||f + z||^2). Likelihood
// weighting, lambda(t) = g(t)^2 (Song et al., "Maximum Likelihood Training of Score-Based
// Diffusion Models", 2021), makes the loss an upper bound of the negative log-likelihood (up to
// constants) at the price of a noisier loss: each term is multiplied by g(t)^2 / std(t)^2.
// The minimiser is the same for every weighting: the marginal scores grad log p_t.

import (
	"fmt"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/sde"
)

// TimeScoreFunc is a time-conditioned score network applied to a batch: x [B, D] and the time of
// every row, t [B, 1] (same dtype as x), give the scores [B, D] of the marginals p_t.
// network.Model.ApplyAtTime of a time-conditioned model has this form.
type TimeScoreFunc func(x, t *graph.Node) *graph.Node

// SDEPerExample returns lambda(t_b) 0.5 || std(t_b) s(x_t, t_b) + z_b ||^2 / std(t_b)^2 ... in its
// std^2-weighted form 0.5 || std s + z ||^2 (times g^2/std^2 with likelihood weighting) for every
// example b, shape [B], at the given times t [B, 1]; z is drawn from m.Random(g, "normal").
func SDEPerExample(m Model, s sde.SDE, likelihood bool, x, t *graph.Node) *graph.Node {
	if m.TimeScore == nil {
		panic(fmt.Errorf("loss sde trains a time-conditioned score network: loss.Model.TimeScore must be set"))
	}
	z := random(m, "sde", x.Graph(), "normal", x.Shape())
	mean, std := s.MeanNode(t), s.StdNode(t)
	noisy := graph.Add(graph.Mul(mean, x), graph.Mul(std, z))
	r := graph.Add(graph.Mul(std, m.TimeScore(noisy, t)), z)
	per := graph.MulScalar(graph.ReduceSum(graph.Square(r), -1), 0.5)
	if likelihood {
		w := graph.Div(s.G2Node(t), graph.Square(std))
		per = graph.Mul(per, graph.Reshape(w, per.Shape().Dimensions...))
	}
	return per
}

// DrawTimes draws a time for every row of x uniformly in [s.Eps, 1], through m.Random(g,
// "uniform", [B, 1]), as a [B, 1] column of x's dtype.
func DrawTimes(m Model, s sde.SDE, x *graph.Node) *graph.Node {
	u := random(m, "sde", x.Graph(), "uniform", shapes.Make(x.DType(), x.Shape().Dimensions[0], 1))
	return graph.AddScalar(graph.MulScalar(u, 1-s.Eps), s.Eps)
}

// SDE is the denoising score-matching loss of the process s over t in [s.Eps, 1], the batch mean
// of SDEPerExample at times drawn by DrawTimes; likelihood selects the likelihood weighting. It
// panics on an invalid process (New returns an error instead).
func SDE(s sde.SDE, likelihood bool) Func {
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return func(m Model, x *graph.Node) *graph.Node {
		return graph.ReduceAllMean(SDEPerExample(m, s, likelihood, x, DrawTimes(m, s, x)))
	}
}

// Package loss holds the score-matching objectives, as GoMLX graph functions that return a scalar
// to minimise, differentiable with respect to the score network's weights.
//
// Exact is Hyvarinen's objective J = E[ tr(d s / d x) + 0.5 ||s(x)||^2 ], which equals the Fisher
// divergence 0.5 E||s(x) - s_data(x)||^2 up to a constant that does not depend on the model.
// BlogFlawed is the loss the blog actually computed; it is kept to show why its numbers fall
// forever.
package loss

import (
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/autodiff"
)

// ScoreFunc is a score network applied to a batch of points: [B, D] -> [B, D].
type ScoreFunc = autodiff.RowFunc

// TraceFunc returns a batch's scores [B, D] and the traces of their Jacobians [B] together.
type TraceFunc func(x *graph.Node) (scores, trace *graph.Node)

// Model is what a loss sees of the score network.
type Model struct {
	// Score evaluates the network on a batch.
	Score ScoreFunc
	// ScoreAndTrace, if set, computes the scores and the exact Jacobian traces more cheaply than
	// the D reverse passes of autodiff.Trace (e.g. network.MLP.ApplyWithTrace, by forward tangents).
	ScoreAndTrace TraceFunc
	// NoiseScore, if set, is the noise-conditional network s(x, sigma) (sigma a [B, 1] column; e.g.
	// network.Model.ApplyAt of a noise-conditional model) that NCSN trains; without it NCSN reads Score as a network on the packed
	// rows [x, log sigma] (see PackedNoiseScore).
	NoiseScore NoiseScoreFunc
	// TimeScore, if set, is the time-conditioned network s(x, t) (t a [B, 1] column; e.g.
	// network.Model.ApplyAtTime of a time-conditioned model) that the sde loss trains.
	TimeScore TimeScoreFunc
	// Random draws noise of the given shape from the training's seeded generator, fresh at every
	// step (dist is "normal" for N(0, 1) or "uniform" for U[0, 1)). The stochastic losses (sliced,
	// denoising) need it; train sets it from the model.Store's random state.
	Random func(g *graph.Graph, dist string, shape shapes.Shape) *graph.Node
}

// Of returns the Model of a plain score function (its trace by autodiff.Trace).
func Of(s ScoreFunc) Model { return Model{Score: s} }

// scoresAndTrace uses m.ScoreAndTrace when set, else autodiff.Trace.
func (m Model) scoresAndTrace(x *graph.Node) (scores, trace *graph.Node) {
	if m.ScoreAndTrace != nil {
		return m.ScoreAndTrace(x)
	}
	return autodiff.Trace(m.Score, x)
}

// Func is a loss: given the score network and a batch x [B, D], a scalar to minimise.
type Func func(m Model, x *graph.Node) *graph.Node

// ExactPerExample returns tr(d s(x_b) / d x_b) + 0.5 ||s(x_b)||^2 for every example, shape [B].
// The trace is exact: by m.ScoreAndTrace, or by D reverse-mode passes (see autodiff.Trace).
func ExactPerExample(m Model, x *graph.Node) *graph.Node {
	scores, trace := m.scoresAndTrace(x)
	halfNormSq := graph.MulScalar(graph.ReduceSum(graph.Square(scores), -1), 0.5)
	return graph.Add(trace, halfNormSq)
}

// Exact is Hyvarinen's score-matching loss, the batch mean of ExactPerExample. For the true score
// its value is -0.5 E||s_data||^2 (about -49.484 for the blog's ring), its minimum over all scores.
func Exact(m Model, x *graph.Node) *graph.Node {
	return graph.ReduceAllMean(ExactPerExample(m, x))
}

// BlogFlawed is the loss the blog computed: the batch mean of tr(d s / d x) + 1.5 ||s||, because
// its code adds norm(s)/2 and norm(s) where 0.5 * norm(s)^2 was meant. A norm grows linearly
// while a trace can fall without bound, so this loss is unbounded below: minimising it drives the
// network to ever larger negative divergence, and the printed loss falls forever.
func BlogFlawed(m Model, x *graph.Node) *graph.Node {
	scores, trace := m.scoresAndTrace(x)
	norm := graph.Sqrt(graph.ReduceSum(graph.Square(scores), -1))
	return graph.ReduceAllMean(graph.Add(trace, graph.MulScalar(norm, 1.5)))
}

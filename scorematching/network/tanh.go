package network

import (
	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/hostmath"
)

// tanh is the activation of the hidden layers, for a batch of rows examples. Everywhere but on
// GoMLX's pure Go backend in a build with GOEXPERIMENT=simd it is graph.Tanh. There, on batches of
// fastTanhRows rows or more, it is FastTanh, a rational function: that backend computes tanh
// element by element with math.Tanh, whose math.Exp can run a hundred times slower in a simd build
// than in a plain one (see package hostmath), so that tanh took two thirds of a Langevin step of
// 10,000 particles; the rational function costs a dozen multiplications and additions over the
// batch instead (see the README's speed section).
func tanh(x *graph.Node, rows int) *graph.Node {
	if rationalTanhPays(x.Graph()) && rows >= fastTanhRows {
		return FastTanh(x)
	}
	return graph.Tanh(x)
}

// rationalTanhPays tells whether graph g runs on the backend where RationalTanh beats graph.Tanh:
// GoMLX's pure Go backend in a simd build (see tanh).
func rationalTanhPays(g *graph.Graph) bool {
	return hostmath.SIMDBuild && g.Backend().String() == "go"
}

// fastTanhRows is the batch size from which tanh uses FastTanh. Its dozen operations each cost a
// pass over the batch plus the backend's fixed cost per operation, and autodiff through FastTanh
// adds a few more, which on small batches outweighs math.Tanh (whose slow math.Exp only runs for
// |x| >= 0.625): in the blog's training step (batches of 512, when its gradient was autodiff's)
// FastTanh made the step 10% slower, in the sample workload (10,000 particles) it took a step from
// 106-115 ms to 69-82 ms (BenchmarkTanh times both on their own). ApplyWithTrace, whose gradient is
// written by hand, uses RationalTanh at every batch size there: it took the blog's step from
// 14.0 to 12.7 ms.
const fastTanhRows = 2048

// FastTanh is RationalTanh with the gradient of tanh, v (1 - y^2) for y = tanh(x), in place of
// the derivative of its dozen operations: training then costs about what graph.Tanh costs. The
// value is x + (y - x), within a float32 rounding of y; the gradient is itself differentiable
// (through RationalTanh), so second derivatives (sliced score matching) are those of tanh too.
func FastTanh(x *graph.Node) *graph.Node {
	y := RationalTanh(x)
	withGradient := graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node {
		return graph.Mul(v, graph.OneMinus(graph.Square(y)))
	})
	return graph.Add(withGradient, graph.StopGradient(graph.Sub(y, x)))
}

// tanhClip is where RationalTanh saturates: beyond it tanh(x) rounds to +-1 in float32.
const tanhClip = 7.90531110763549805

// RationalTanh is tanh(x) by the rational approximation that XLA's CPU backend (after Eigen) uses
// for float32: x P(x^2) / Q(x^2) with P of degree 6 and Q of degree 3 in x^2, on x clipped to
// [-7.905, 7.905]. Its error against math.Tanh is a few float32 roundings (tested: below 1e-6 in
// absolute value), and its derivative, by autodiff, matches 1 - tanh^2 as closely.
func RationalTanh(x *graph.Node) *graph.Node {
	x = graph.ClipScalar(x, -tanhClip, tanhClip)
	x2 := graph.Mul(x, x)
	p := graph.AddScalar(graph.MulScalar(x2, -2.76076847742355e-16), 2.00018790482477e-13)
	for _, c := range []float64{-8.60467152213735e-11, 5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04, 4.89352455891786e-03} {
		p = graph.AddScalar(graph.Mul(p, x2), c)
	}
	q := graph.AddScalar(graph.MulScalar(x2, 1.19825839466702e-06), 1.18534705686654e-04)
	for _, c := range []float64{2.26843463243900e-03, 4.89352518554385e-03} {
		q = graph.AddScalar(graph.Mul(q, x2), c)
	}
	return graph.Div(graph.Mul(p, x), q)
}

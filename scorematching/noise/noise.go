// Package noise draws the Gaussian noise of the library's graphs: the noise of every Langevin step
// (package sample) and the noise that perturbs the data in the denoising, NCSN and SDE losses and the
// random projections of sliced score matching (package train).
//
// It draws the values GoMLX's graph.RandomNormal draws, by the same Box-Muller transform of the same
// uniform values, with one difference: RandomNormal can return an infinity on the XLA backend, and
// Normal cannot. The transform takes log(u1) for a uniform u1 that is exactly 0 when the
// generator's 32 random bits are all zero (probability 2^-32), and RandomNormal guards it with
// max(u1, 1.4e-45), a subnormal float32; XLA's CPU backend treats subnormals as zero (the
// optimised graph reads clamp(0, u1, ...), and log(max(0, 1.4e-45)) is -Inf there), so the guard
// is gone and the value is +Inf. Notebooks 04 and 05 each draw of the order of 10^8 normal values
// (mostly the noise of their trainings), so a few percent of such runs would meet one, and a
// particle or a loss would become Inf, then NaN. Normal guards u1 with 2^-32, the smallest
// non-zero value the float32 uniform takes, a normal number: every other value is unchanged, so
// the library's random streams (and the rendered notebooks) stay the same.
package noise

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Normal returns standard normal values of the given shape (a float dtype) drawn with the random
// number generator state rngState (see graph.RNGStateFromSeed), and the state that follows: the
// values of graph.RandomNormal for the same state, never infinite (see the package doc).
func Normal(rngState *graph.Node, shape shapes.Shape) (newState, values *graph.Node) {
	newState, u1 := graph.RandomUniform(rngState, shape)
	newState, u2 := graph.RandomUniform(newState, shape)
	return newState, BoxMuller(u1, u2)
}

// NormalFromStore is Normal with the random number generator state that store keeps in a variable
// (see model.Store.SetRNGStateFromSeed), which it advances: the values of store.RandomNormal,
// never infinite.
func NormalFromStore(store *model.Store, g *graph.Graph, shape shapes.Shape) *graph.Node {
	u1 := store.RandomUniform(g, shape)
	u2 := store.RandomUniform(g, shape)
	return BoxMuller(u1, u2)
}

// BoxMuller maps two arrays of uniform values in [0, 1) to standard normal values,
// sqrt(-2 log u1) cos(2 pi u2), element by element, as graph.RandomNormal does, with u1 raised to
// at least Guard(dtype), so that u1 = 0 gives a finite value (about 6.7 for float32).
func BoxMuller(u1, u2 *graph.Node) *graph.Node {
	u1 = graph.Max(u1, graph.Scalar(u1.Graph(), u1.DType(), Guard(u1.DType())))
	return graph.Mul(
		graph.Sqrt(graph.MulScalar(graph.Log(u1), -2)),
		graph.Cos(graph.MulScalar(u2, 2*math.Pi)))
}

// Guard returns the smallest value BoxMuller lets u1 take for the given dtype: the smallest
// non-zero value of GoMLX's uniform values, 2^-32 for float32 (32 random bits) and 2^-64 for
// float64, both normal numbers, which no backend flushes to zero; for smaller float types,
// computed from float32 uniforms, their smallest normal number.
func Guard(dtype dtypes.DType) float64 {
	switch dtype {
	case dtypes.Float64:
		return math.Ldexp(1, -64)
	case dtypes.Float16:
		return math.Ldexp(1, -14)
	case dtypes.BFloat16:
		return math.Ldexp(1, -126)
	default:
		return math.Ldexp(1, -32)
	}
}

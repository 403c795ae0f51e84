// Package sample draws points from a distribution known only through its score, with Langevin
// dynamics: x <- x + eps s(x) + sqrt(2 eps) z, z ~ N(0, I).
package sample

import (
	"math"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/autodiff"
)

// LangevinStep returns one Langevin update of the batch x ([N, D]) with step size eps, given the
// score function s and standard normal noise of x's shape.
func LangevinStep(s autodiff.RowFunc, x *graph.Node, eps float64, noise *graph.Node) *graph.Node {
	drift := graph.MulScalar(s(x), eps)
	return graph.Add(graph.Add(x, drift), graph.MulScalar(noise, math.Sqrt(2*eps)))
}

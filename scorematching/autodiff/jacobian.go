// Package autodiff computes per-example Jacobians and their traces for functions applied row by
// row to a batch: the GoMLX counterpart of JAX's vmap(jacfwd(f)).
//
// GoMLX differentiates in reverse mode only (graph.Gradient of a scalar). For a function f that
// maps each row x_b of a batch X [B, D] to a row y_b = f(x_b) independently of the other rows,
// the gradient of sum_b y_b,i with respect to X is, row by row, d y_b,i / d x_b: the i-th row of
// every example's Jacobian. D reverse passes therefore give the B Jacobians at once, exactly
// what vmap(jacfwd(f)) returns in JAX. (The identity needs the row independence: a function that
// mixes rows, such as batch normalisation, would leak cross-example terms into the result.)
//
// The results are graph nodes, so they can be differentiated again: the exact score-matching loss
// needs the gradient, with respect to the network's weights, of a trace of a Jacobian.
package autodiff

import (
	"github.com/gomlx/gomlx/core/graph"
)

// RowFunc is a function applied independently to each row of a batch: [B, Din] -> [B, Dout].
type RowFunc func(x *graph.Node) *graph.Node

// Jacobian returns y = f(x) and the per-example Jacobians jac[b, i, j] = d y_b,i / d x_b,j,
// of shape [B, Dout, Din], for a batch x of shape [B, Din].
func Jacobian(f RowFunc, x *graph.Node) (y, jac *graph.Node) {
	y = f(x)
	dOut := y.Shape().Dimensions[1]
	rows := make([]*graph.Node, dOut)
	for i := range dOut {
		rows[i] = jacobianRow(y, x, i) // [B, Din]
	}
	return y, graph.Stack(rows, 1)
}

// Trace returns y = f(x) and the per-example traces of the Jacobian, tr(d y_b / d x_b), of shape
// [B], for a square f (Dout = Din). It costs D reverse passes, one per output coordinate, and keeps
// only the diagonal entry of each.
func Trace(f RowFunc, x *graph.Node) (y, trace *graph.Node) {
	y = f(x)
	d := y.Shape().Dimensions[1]
	if d != x.Shape().Dimensions[1] {
		panic("autodiff.Trace: f must map R^D to R^D, got input dimension " +
			x.Shape().String() + " and output " + y.Shape().String())
	}
	for i := range d {
		diag := graph.Slice(jacobianRow(y, x, i), graph.AxisRange(), graph.AxisElem(i)) // [B, 1]
		if trace == nil {
			trace = diag
		} else {
			trace = graph.Add(trace, diag)
		}
	}
	return y, graph.Reshape(trace, -1)
}

// jacobianRow returns d y_b,i / d x_b for every example b, shape [B, Din].
func jacobianRow(y, x *graph.Node, i int) *graph.Node {
	yi := graph.Slice(y, graph.AxisRange(), graph.AxisElem(i))
	return graph.Gradient(graph.ReduceAllSum(yi), x)[0]
}

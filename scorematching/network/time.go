package network

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// TimeFeatures is the number of time features e(t) a time-conditioned model (KindTimeMLP) takes:
// sin(2^k pi t) and cos(2^k pi t) for k = 0..3, periods from 2 down to 1/4 on t in [0, 1].
const TimeFeatures = 8

// TimeEmbedding returns the time features e(t) of a column of times t [B, 1] (or a scalar for
// all of b rows), shape [B, TimeFeatures], in t's dtype.
func TimeEmbedding(t *graph.Node, b int) *graph.Node {
	col := SigmaColumn(t, b, t.DType())
	var parts []*graph.Node
	for k := range TimeFeatures / 2 {
		arg := graph.MulScalar(col, math.Pi*float64(int(1)<<k))
		parts = append(parts, graph.Sin(arg), graph.Cos(arg))
	}
	return graph.Concatenate(parts, -1)
}

// ApplyAtTime returns s(x, t) = f([x, e(t)]) / std(t) of a time-conditioned model for a batch x
// [B, D] at times t ([B, 1], [B] or a scalar for all rows). It panics for another kind.
func (m Model) ApplyAtTime(store *model.Store, x, t *graph.Node) *graph.Node {
	return m.applyAtTime(func(in *graph.Node) *graph.Node { return m.MLP().Apply(store, in) }, x, t)
}

// ApplyAtTimeFirstOrder is ApplyAtTime with the network's gradient written by hand (see
// MLP.ApplyFirstOrder): the same values, and first derivatives only, all that the SDE loss takes.
func (m Model) ApplyAtTimeFirstOrder(store *model.Store, x, t *graph.Node) *graph.Node {
	return m.applyAtTime(func(in *graph.Node) *graph.Node { return m.MLP().ApplyFirstOrder(store, in) }, x, t)
}

// applyAtTime is ApplyAtTime with the MLP's forward pass mlp.
func (m Model) applyAtTime(mlp func(*graph.Node) *graph.Node, x, t *graph.Node) *graph.Node {
	if !m.TimeConditional() {
		panic(fmt.Errorf("a %s model takes no time", m.Kind))
	}
	b := x.Shape().Dimensions[0]
	col := SigmaColumn(t, b, x.DType())
	in := graph.Concatenate([]*graph.Node{x, TimeEmbedding(col, b)}, -1)
	return graph.Div(mlp(in), m.SDE.StdNode(col))
}

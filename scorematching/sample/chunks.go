package sample

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/network"
)

// chunkRows is the smallest chunk of particles whose score the samplers evaluate on its own. On
// GoMLX's pure Go backend, a batch of 2 x chunkRows particles or more is cut into chunks of at
// least chunkRows rows whose scores are computed side by side in the graph and put back together:
// the same values (a score works row by row), but that backend runs each element-wise op on one
// core over its whole input, and a network's score is mostly element-wise work (tanh's dozen
// passes, the bias additions), so independent chunks use all the cores and each chunk's activations
// stay in the cache. Measured on the bench's sample workload (10,000 particles, the blog's MLP, 2
// cores, simd build), one Langevin step: one chunk 86 ms, two of 5,000 rows 52-57 ms, four of 2,500
// rows 44-60 ms, eight of 1,250 rows 58-64 ms; plain build, four chunks: 175 -> 103-112 ms.
//
// Only graphs that autodiff does not differentiate are cut this way: the samplers', and the training
// passes of package network whose gradient is written by hand (network.ChunkRanges). The gradient
// of a slice is a pad, which GoMLX (v0.28) cannot differentiate again, so a loss that autodiff
// differentiates twice through the score (sliced score matching) must not see chunks.
const chunkRows = 2048

// inChunks returns f(rows...) for row-aligned inputs (the same number of rows in each), evaluated
// in chunks of rows as described at chunkRows on the Go backend, in one piece elsewhere.
func inChunks(f func(rows ...*graph.Node) *graph.Node, rowAligned ...*graph.Node) *graph.Node {
	x := rowAligned[0]
	ranges := network.ChunkRanges(x.Graph(), x.Shape().Dimensions[0], chunkRows)
	if len(ranges) == 1 {
		return f(rowAligned...)
	}
	outs := make([]*graph.Node, len(ranges))
	for p, r := range ranges {
		rows := make([]*graph.Node, len(rowAligned))
		for i, in := range rowAligned {
			rows[i] = graph.SliceAxis(in, 0, graph.AxisRange(r[0], r[1]))
		}
		outs[p] = f(rows...)
	}
	return graph.Concatenate(outs, 0)
}

// Chunked returns the score s evaluated in chunks of particles on GoMLX's Go backend (see
// chunkRows), as the samplers evaluate every score: the same values, faster on large batches there.
// Use it only in graphs that are not differentiated twice (see chunkRows).
func Chunked(s Score) Score {
	return func(store *model.Store, x *graph.Node) *graph.Node {
		return inChunks(func(rows ...*graph.Node) *graph.Node { return s(store, rows[0]) }, x)
	}
}

package network

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ApplyWithTrace returns the scores s(x) for a batch x [B, D] together with the per-example trace
// of the Jacobian, tr(d s(x_b) / d x_b) [B], computed by forward-mode tangents: the D unit
// directions e_j are pushed through the network alongside x (a tangent of a dense layer is
// W^T T; of tanh, (1 - tanh^2) * T), and the trace sums the j-th output coordinate of the
// tangent of e_j. This costs about one forward pass with D extra columns, instead of the D
// reverse passes of autodiff.Trace, and gives the same values. The MLP must map R^D to R^D.
//
// Its gradient is written by hand (see traceBackward) rather than left to autodiff: autodiff's
// weight gradients contract the batch axis of two row-major matrices, a layout GoMLX's pure Go
// backend can only multiply after transposing both, and those transposes took about 30% of the
// blog's training step. Here the activations and tangents are kept with the batch as their last
// axis (a column per example), so that the forward pass, the weight gradients and the gradients
// flowing back all multiply matrices in layouts the backend takes as they are. The gradients with
// respect to the weights, the biases and x are those of the maths above (tested against autodiff
// and the JAX goldens); they are first derivatives only: differentiating them again with respect to
// the weights is not supported.
func (m MLP) ApplyWithTrace(store *model.Store, x *graph.Node) (s, trace *graph.Node) {
	batch, d := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	out := m.applyByHand(store, x, true) // [B, D+1]: the scores, then the trace.
	s = graph.SliceAxis(out, -1, graph.AxisRange(0, d))
	trace = graph.Reshape(graph.SliceAxis(out, -1, graph.AxisElem(d)), batch)
	return s, trace
}

// ApplyFirstOrder returns the same scores as Apply for a batch x [B, Sizes[0]], with the gradient
// written by hand in ApplyWithTrace's batch-last layout (no tangents): on GoMLX's pure Go backend,
// autodiff's gradient of Apply spends about a fifth of a training step transposing activations
// (measured on NCSN's step, batch 2048). Its gradients with respect to the weights, the biases and
// x are first derivatives only, which is what a loss needs that differentiates the network once,
// with respect to its weights (NCSN, the SDE loss); a loss that differentiates the network with
// respect to x and then the weights (sliced score matching) must use Apply.
func (m MLP) ApplyFirstOrder(store *model.Store, x *graph.Node) *graph.Node {
	return m.applyByHand(store, x, false)
}

// applyByHand builds the forward pass of the MLP on x, with the tangents of the trace when
// tangents is set (see traceForward), on the Go backend in chunks of rows (see minChunkRows), and
// attaches traceBackward's gradient to it. It returns the scores [B, out], followed by the trace as
// a last column when tangents is set.
func (m MLP) applyByHand(store *model.Store, x *graph.Node, tangents bool) *graph.Node {
	g := x.Graph()
	inputs := append(m.paramNodes(store, g), x) // W0, b0, W1, b1, ..., x.
	// The gradients are computed when autodiff reaches the outputs (the identity below), and
	// handed to the inputs when it reaches them: they come earlier in the graph, so later in the
	// reverse pass.
	var back *chunkedBackward
	anchors := make([]*graph.Node, len(inputs))
	for i, in := range inputs {
		anchors[i] = graph.IdentityWithCustomGradient(in, func(_, _ *graph.Node) *graph.Node { return back.gradient(i) })
	}
	stopped := make([]*graph.Node, len(inputs))
	for i, in := range inputs {
		stopped[i] = graph.StopGradient(in)
	}
	params, xs := stopped[:len(stopped)-1], stopped[len(stopped)-1]
	ranges := ChunkRanges(g, xs.Shape().Dimensions[0], minChunkRows)
	fs, out := m.forwardChunks(params, xs, ranges, tangents)
	// A zero that depends on the anchors puts them on the way from the inputs to the outputs, so
	// that autodiff visits them (and calls their gradient functions).
	out = graph.Add(out, zeroDependingOn(anchors))
	return graph.IdentityWithCustomGradient(out, func(_, v *graph.Node) *graph.Node {
		back = &chunkedBackward{}
		for p, f := range fs {
			back.parts = append(back.parts, f.backward(rowsOf(v, ranges, p)))
		}
		return v
	})
}

// forwardChunks builds the forward pass (traceForward) of each chunk of rows of x and returns the
// passes with their outputs stacked: the scores [B, out], followed by the trace as a last column
// when tangents is set.
func (m MLP) forwardChunks(params []*graph.Node, x *graph.Node, ranges [][2]int, tangents bool) ([]*traceForward, *graph.Node) {
	fs := make([]*traceForward, len(ranges))
	outs := make([]*graph.Node, len(ranges))
	for p := range ranges {
		fs[p] = m.traceForward(params, rowsOf(x, ranges, p), tangents)
		outs[p] = fs[p].scores
		if tangents {
			outs[p] = graph.Concatenate([]*graph.Node{fs[p].scores, graph.ExpandAxes(fs[p].trace, -1)}, -1) // [B, D+1]
		}
	}
	if len(outs) == 1 {
		return fs, outs[0]
	}
	return fs, graph.Concatenate(outs, 0)
}

// rowsOf returns the rows of x in chunk p of ranges (x itself when there is one chunk).
func rowsOf(x *graph.Node, ranges [][2]int, p int) *graph.Node {
	if len(ranges) == 1 {
		return x
	}
	return graph.SliceAxis(x, 0, graph.AxisRange(ranges[p][0], ranges[p][1]))
}

// minChunkRows is the smallest chunk of a batch that applyByHand runs on its own on GoMLX's pure
// Go backend: a batch of 2 x minChunkRows rows or more is cut into chunks of at least that many
// rows, whose forward and backward passes are independent parts of the graph. That backend runs
// each element-wise operation on one core, but independent operations side by side, so the
// chunks' element-wise work (tanh, its derivative, the bias additions: most of a step there) uses
// all the cores. See sample.chunkRows for the same idea in the samplers. Measured on 2 cores
// (simd build; experiment.Run of notebook 04's recipes, ms per step with the first compilation,
// medians of 5 to 7 runs interleaved): moons' NCSN step (batch 2048) 26.9 -> 23.1 in four chunks
// (23.2 in two), swissroll's SDE step 40.2 -> 33.6 (35.7 in two), the same losses; chunks of 256
// rows were slower (moons 34-43 ms, the blog's exact step on 512 rows 16.7 against 11-13 ms),
// so the blog's batch of 512 stays whole. A variable only so that tests can shrink it.
var minChunkRows = 512

// ChunkRanges returns the row ranges [lo, hi) into which a graph on GoMLX's pure Go backend cuts a
// batch of n rows so that its element-wise work runs on all the cores: n / minRows chunks of about
// equal size when that is 2 or more, else one range; one range on every other backend, which
// spreads an operation over the cores by itself. The network's hand-written passes (minChunkRows)
// and the samplers (sample.Chunked) cut their batches this way.
func ChunkRanges(g *graph.Graph, n, minRows int) [][2]int {
	parts := n / max(1, minRows)
	if parts < 2 || g.Backend().String() != "go" {
		return [][2]int{{0, n}}
	}
	out := make([][2]int, parts)
	for p := range parts {
		out[p] = [2]int{p * n / parts, (p + 1) * n / parts}
	}
	return out
}

// chunkedBackward holds the backward passes of applyByHand's chunks: their weight and bias
// gradients add up, and x's gradient is theirs stacked.
type chunkedBackward struct {
	parts []*traceBackward
	sums  map[int]*graph.Node
}

// gradient returns the gradient of input i (W0, b0, W1, b1, ..., then x) over all the chunks.
func (c *chunkedBackward) gradient(i int) *graph.Node {
	if len(c.parts) == 1 {
		return c.parts[0].gradient(i)
	}
	if g, ok := c.sums[i]; ok {
		return g
	}
	parts := make([]*graph.Node, len(c.parts))
	for p, b := range c.parts {
		parts[p] = b.gradient(i)
	}
	var g *graph.Node
	if i == len(c.parts[0].grads) { // x: the chunks' rows, stacked.
		g = graph.Concatenate(parts, 0)
	} else {
		g = parts[0]
		for _, q := range parts[1:] {
			g = graph.Add(g, q)
		}
	}
	if c.sums == nil {
		c.sums = map[int]*graph.Node{}
	}
	c.sums[i] = g
	return g
}

// paramNodes returns the MLP's weights and biases in graph g: W0, b0, W1, b1, ...
func (m MLP) paramNodes(store *model.Store, g *graph.Graph) []*graph.Node {
	var out []*graph.Node
	for i := range m.NumLayers() {
		w, b := store.GetVariable(WeightsPath(i)), store.GetVariable(BiasesPath(i))
		if w == nil || b == nil {
			panic(fmt.Errorf("MLP variables of layer %d are missing from the store: call MLP.Init or SetParams first", i))
		}
		out = append(out, w.NodeValue(g), b.NodeValue(g))
	}
	return out
}

// zeroDependingOn returns a scalar zero computed from nodes (clipped first, so that an infinite
// entry still gives zero).
func zeroDependingOn(nodes []*graph.Node) *graph.Node {
	var sum *graph.Node
	for _, n := range nodes {
		r := graph.ReduceAllSum(n)
		if sum == nil {
			sum = r
		} else {
			sum = graph.Add(sum, r)
		}
	}
	return graph.MulScalar(graph.ClipScalar(sum, -1, 1), 0)
}

// traceForward holds the forward pass of ApplyWithTrace (and, without tangents, of
// ApplyFirstOrder), with every activation and tangent stored batch-last: layer l reads the
// activations h[l] [in, B] and the tangents t[l] [in, D*B] (column j*B + b is the derivative of
// example b's activations along e_j; nil for layer 0, whose tangents are the identity), and
// computes u[l] = W^T t[l] [out, D*B] and, below the output layer, deriv[l] = 1 - tanh^2 [out, B]
// and its D copies side by side, tiled[l] [out, D*B]. Without tangents only h is kept.
type traceForward struct {
	weights               []*graph.Node // Layer l's weights [in, out].
	h, t, u, deriv, tiled []*graph.Node
	eye                   *graph.Node // The D x D identity.
	scores, trace         *graph.Node // [B, out] and [B].
	batch, dim            int
	tangents              bool
}

// traceForward builds the forward pass from params (W0, b0, W1, b1, ...) and x [B, D], with the
// tangents and the trace if tangents is set.
func (m MLP) traceForward(params []*graph.Node, x *graph.Node, tangents bool) *traceForward {
	g := x.Graph()
	f := &traceForward{batch: x.Shape().Dimensions[0], dim: x.Shape().Dimensions[1], tangents: tangents}
	if tangents {
		f.eye = graph.DiagonalWithValue(graph.ScalarOne(g, x.DType()), f.dim)
	}
	h := graph.Transpose(x, 0, 1) // [D, B]
	var t *graph.Node
	for l := range m.NumLayers() {
		w, b := params[2*l], params[2*l+1]
		width := w.Shape().Dimensions[1]
		wt := graph.Transpose(w, 0, 1) // [out, in], small.
		f.weights, f.h = append(f.weights, w), append(f.h, h)
		z := graph.Add(graph.MatMul(wt, h), graph.ExpandAxes(b, -1)) // [out, B]
		var u *graph.Node
		if tangents {
			f.t = append(f.t, t)
			if t == nil { // W^T e_j is column j of W^T, the same for every example.
				u = graph.Reshape(graph.BroadcastToDims(graph.ExpandAxes(wt, -1), width, f.dim, f.batch), width, f.dim*f.batch)
			} else {
				u = graph.MatMul(wt, t)
			}
			f.u = append(f.u, u)
		}
		if l == m.NumLayers()-1 {
			f.scores = graph.Transpose(z, 0, 1)
			if tangents {
				f.trace = graph.ReduceSum(graph.Mul(graph.Reshape(u, f.dim, f.dim, f.batch), graph.ExpandAxes(f.eye, -1)), 0, 1)
			}
			break
		}
		if rationalTanhPays(g) {
			h = RationalTanh(z) // No autodiff goes through it, so FastTanh's gradient is not needed.
		} else {
			h = graph.Tanh(z)
		}
		if tangents {
			deriv := graph.OneMinus(graph.Square(h))
			f.deriv, f.tiled = append(f.deriv, deriv), append(f.tiled, f.tile(deriv))
			t = graph.Mul(u, f.tiled[l])
		}
	}
	return f
}

// tile puts D copies of x [w, B] side by side, [w, D*B], so that it multiplies tangents element by
// element (a multiplication that broadcasts is much slower on the Go backend than a copy).
func (f *traceForward) tile(x *graph.Node) *graph.Node {
	if f.dim == 1 {
		return x
	}
	copies := make([]*graph.Node, f.dim)
	for j := range copies {
		copies[j] = x
	}
	return graph.Concatenate(copies, 1)
}

// sumDirections sums x [w, D*B] over the D directions: [w, B].
func (f *traceForward) sumDirections(x *graph.Node) *graph.Node {
	if f.dim > maxSlicedDirections {
		return graph.ReduceSum(graph.Reshape(x, x.Shape().Dimensions[0], f.dim, f.batch), 1)
	}
	sum := graph.SliceAxis(x, 1, graph.AxisRange(0, f.batch))
	for j := 1; j < f.dim; j++ {
		sum = graph.Add(sum, graph.SliceAxis(x, 1, graph.AxisRange(j*f.batch, (j+1)*f.batch)))
	}
	return sum
}

// maxSlicedDirections is the largest D for which sumDirections adds slices (block copies and
// additions, fast on the Go backend) rather than reduce a middle axis.
const maxSlicedDirections = 8

// traceBackward holds the gradients of ApplyWithTrace's inputs for one cotangent of its outputs.
type traceBackward struct {
	f     *traceForward
	grads []*graph.Node // dW0, db0, dW1, db1, ...
	gz0   *graph.Node   // The gradient of layer 0's pre-activation [out, B].
	gradX *graph.Node   // x's gradient [B, D], built when first asked for.
}

// backward builds the gradients for the cotangent v of the outputs: [B, out] without tangents,
// [B, D+1] with them (the scores, then the trace as a last column). With gz the gradient of layer
// l's pre-activation z = W^T h + b [out, B] and gu that of its tangents u [out, D*B]:
//
//	dW = h gz^T + t gu^T (contracting the batch), db = sum over the batch of gz,
//	gh = W gz, gt = W gu for the layer below, whose output h = tanh(z'), tangents t = u' * (1-h^2):
//	gu' = gt * (1-h^2), gz' = (1-h^2) * (gh - 2 h sum_j gt_j u'_j).
//
// Without tangents the terms of t, u, gt and gu are absent: gz' = (1-h^2) * gh.
func (f *traceForward) backward(v *graph.Node) *traceBackward {
	var gz, gu *graph.Node
	if f.tangents {
		vs := graph.SliceAxis(v, -1, graph.AxisRange(0, f.dim))
		vtr := graph.Reshape(graph.SliceAxis(v, -1, graph.AxisElem(f.dim)), 1, 1, f.batch)
		gz = graph.Transpose(vs, 0, 1)                                                        // [D, B]
		gu = graph.Reshape(graph.Mul(graph.ExpandAxes(f.eye, -1), vtr), f.dim, f.dim*f.batch) // [D, D*B]
	} else {
		gz = graph.Transpose(v, 0, 1) // [out, B]
	}
	layers := len(f.weights)
	back := &traceBackward{f: f, grads: make([]*graph.Node, 2*layers)}
	for l := layers - 1; l >= 0; l-- {
		w := f.weights[l]
		dw := graph.DotGeneral(f.h[l], []int{1}, nil, gz, []int{1}, nil) // [in, out]
		switch {
		case !f.tangents:
		case f.t[l] == nil:
			// Layer 0: the tangents are the identity, so t gu^T sums gu over the batch.
			gu3 := graph.Reshape(gu, gu.Shape().Dimensions[0], f.dim, f.batch)
			dw = graph.Add(dw, graph.Transpose(graph.ReduceSum(gu3, 2), 0, 1))
		default:
			dw = graph.Add(dw, graph.DotGeneral(f.t[l], []int{1}, nil, gu, []int{1}, nil))
		}
		back.grads[2*l], back.grads[2*l+1] = dw, graph.ReduceSum(gz, 1)
		if l == 0 {
			back.gz0 = gz
			break
		}
		gh, h := graph.MatMul(w, gz), f.h[l] // [in, B]
		if !f.tangents {
			gz = graph.Mul(graph.OneMinus(graph.Square(h)), gh)
			continue
		}
		gt := graph.MatMul(w, gu) // [in, D*B]
		gu = graph.Mul(gt, f.tiled[l-1])
		gDeriv := f.sumDirections(graph.Mul(gt, f.u[l-1])) // [in, B]
		gz = graph.Mul(f.deriv[l-1], graph.Sub(gh, graph.MulScalar(graph.Mul(h, gDeriv), 2)))
	}
	return back
}

// gradient returns the gradient of input i (W0, b0, W1, b1, ..., then x). x enters through layer
// 0's pre-activation z = W0^T x + b0 alone (layer 0's tangents, W0^T e_j, do not depend on x), so
// its gradient is W0 gz0, transposed, where gz0 carries both the scores' and the traces' paths.
func (b *traceBackward) gradient(i int) *graph.Node {
	if i < len(b.grads) {
		return b.grads[i]
	}
	if b.gradX == nil {
		b.gradX = graph.Transpose(graph.MatMul(b.f.weights[0], b.gz0), 0, 1)
	}
	return b.gradX
}

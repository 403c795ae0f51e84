package network_test

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/autodiff"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestApplyWithTraceMatchesReverseMode checks the forward-mode trace against autodiff.Trace
// (reverse mode, itself checked against the JAX goldens) for several input dimensions.
func TestApplyWithTraceMatchesReverseMode(t *testing.T) {
	for _, d := range []int{1, 2, 5} {
		m := network.MLP{Sizes: []int{d, 16, 8, d}}
		store := model.NewStore()
		if err := m.Init(store, uint64(d)); err != nil {
			t.Fatal(err)
		}
		pts, _ := toy.Gaussian{Dim: d}.Sample(7, 3)
		x := testutil.Tensor32(testutil.Flatten(pts), len(pts), d)
		exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
			s1, tr1 := m.ApplyWithTrace(scope.Store(), x)
			s2, tr2 := autodiff.Trace(func(x *graph.Node) *graph.Node { return m.Apply(scope.Store(), x) }, x)
			return []*graph.Node{s1, tr1, s2, tr2}
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(x)
		if err != nil {
			t.Fatal(err)
		}
		// Both are float32 computations of the same quantity through different op orders.
		tol := testutil.Tol{Rel: 1e-5, Abs: 1e-5}
		testutil.Close(t, "scores", testutil.Flat32(t, out[0]), testutil.Flat32(t, out[2]), tol)
		testutil.Close(t, "traces", testutil.Flat32(t, out[1]), testutil.Flat32(t, out[3]), tol)
	}
}

// TestApplyWithTraceGradients checks ApplyWithTrace's hand-written gradient against autodiff through
// the reverse-mode reference (autodiff.Trace of Apply, whose gradients the loss tests check against
// the JAX goldens): the gradients of sum(cs * s) + sum(ct * trace), for fixed random cs and ct, with
// respect to every weight, bias and x. Dimensions 1 and 2 (the blog's), 5, and 9 (past
// maxSlicedDirections, where the directions are summed by a reduction) are covered; one graph asks
// for the gradient twice (with respect to the weights, then to x and the first layer), as a trainer
// that also reports gradients would.
func TestApplyWithTraceGradients(t *testing.T) {
	for _, chunk := range chunkings {
		restore := network.SetMinChunkRows(chunk.rows)
		t.Run(chunk.name, testApplyWithTraceGradients)
		restore()
	}
}

// chunkings are the settings of network.SetMinChunkRows the gradient tests run with: the default
// (a batch of 7 in one piece) and chunks of 3 rows (the batch in two chunks, 3 and 4 rows, on the
// pure Go backend; in one piece elsewhere).
var chunkings = []struct {
	name string
	rows int
}{{"whole", 1 << 30}, {"chunks", 3}}

func testApplyWithTraceGradients(t *testing.T) {
	for _, d := range []int{1, 2, 5, 9} {
		m := network.MLP{Sizes: []int{d, 16, 8, d}}
		store := model.NewStore()
		if err := m.Init(store, uint64(d)); err != nil {
			t.Fatal(err)
		}
		const batch = 7
		pts, _ := toy.Gaussian{Dim: d}.Sample(batch, 3)
		coef, _ := toy.Gaussian{Dim: d + 1}.Sample(batch, 4)
		x := testutil.Tensor32(testutil.Flatten(pts), batch, d)
		c := testutil.Tensor32(testutil.Flatten(coef), batch, d+1)
		objective := func(s, tr, c *graph.Node) *graph.Node {
			cs := graph.SliceAxis(c, 1, graph.AxisRange(0, d))
			ct := graph.Reshape(graph.SliceAxis(c, 1, graph.AxisElem(d)), batch)
			return graph.Add(graph.ReduceAllSum(graph.Mul(cs, s)), graph.ReduceAllSum(graph.Mul(ct, tr)))
		}
		exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x, c *graph.Node) []*graph.Node {
			st := scope.Store()
			params := paramNodes(m, st, x.Graph())
			s1, tr1 := m.ApplyWithTrace(st, x)
			s2, tr2 := autodiff.Trace(func(x *graph.Node) *graph.Node { return m.Apply(st, x) }, x)
			f1, f2 := objective(s1, tr1, c), objective(s2, tr2, c)
			wrt := append(append([]*graph.Node(nil), params...), x)
			again := []*graph.Node{x, params[0], params[1]}
			out := append(graph.Gradient(f1, wrt...), graph.Gradient(f2, wrt...)...)
			out = append(out, graph.Gradient(f1, again...)...)
			return append(out, graph.Gradient(f2, again...)...)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(x, c)
		if err != nil {
			t.Fatal(err)
		}
		n := 2*m.NumLayers() + 1
		// Float32 computations of the same derivatives in different orders: round-off is a few
		// 1e-7 of each array's largest entry; a missing term or factor is of order one.
		tol := testutil.Tol{Rel: 1e-5, Abs: 1e-5}
		for i := range n {
			what := fmt.Sprintf("D=%d, input %d of %d (weights and biases by layer, then x)", d, i, n)
			testutil.Close(t, what, testutil.Flat32(t, out[i]), testutil.Flat32(t, out[n+i]), tol)
		}
		for i := range 3 {
			what := fmt.Sprintf("D=%d, second gradient, input %d (x, W0, b0)", d, i)
			testutil.Close(t, what, testutil.Flat32(t, out[2*n+i]), testutil.Flat32(t, out[2*n+3+i]), tol)
		}
	}
}

// TestApplyFirstOrderGradients checks ApplyFirstOrder against Apply: the same scores, and its
// hand-written gradients of sum(c * s), for a fixed random c, equal to autodiff's through Apply
// with respect to every weight, bias and x. The sizes cover a square network and the shapes of a
// noise-conditional one (D+1 inputs, D outputs) and of a time-conditioned one (D+8 inputs).
func TestApplyFirstOrderGradients(t *testing.T) {
	for _, chunk := range chunkings {
		restore := network.SetMinChunkRows(chunk.rows)
		t.Run(chunk.name, testApplyFirstOrderGradients)
		restore()
	}
}

func testApplyFirstOrderGradients(t *testing.T) {
	for _, sizes := range [][]int{{2, 16, 8, 2}, {3, 16, 8, 2}, {10, 12, 12, 12, 2}, {1, 5, 1}} {
		m := network.MLP{Sizes: sizes}
		store := model.NewStore()
		if err := m.Init(store, uint64(len(sizes)+sizes[0])); err != nil {
			t.Fatal(err)
		}
		const batch = 7
		in, out := sizes[0], sizes[len(sizes)-1]
		pts, _ := toy.Gaussian{Dim: in}.Sample(batch, 3)
		coef, _ := toy.Gaussian{Dim: out}.Sample(batch, 4)
		x := testutil.Tensor32(testutil.Flatten(pts), batch, in)
		c := testutil.Tensor32(testutil.Flatten(coef), batch, out)
		exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x, c *graph.Node) []*graph.Node {
			st, g := scope.Store(), x.Graph()
			wrt := append(paramNodes(m, st, g), x)
			s1, s2 := m.ApplyFirstOrder(st, x), m.Apply(st, x)
			f1, f2 := graph.ReduceAllSum(graph.Mul(c, s1)), graph.ReduceAllSum(graph.Mul(c, s2))
			return append(append([]*graph.Node{s1, s2}, graph.Gradient(f1, wrt...)...), graph.Gradient(f2, wrt...)...)
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := exec.Call(x, c)
		if err != nil {
			t.Fatal(err)
		}
		// As in TestApplyWithTraceGradients: the same float32 quantities in different orders.
		tol := testutil.Tol{Rel: 1e-5, Abs: 1e-5}
		testutil.Close(t, fmt.Sprintf("sizes %v, scores", sizes), testutil.Flat32(t, res[0]), testutil.Flat32(t, res[1]), tol)
		n := 2*m.NumLayers() + 1
		for i := range n {
			what := fmt.Sprintf("sizes %v, gradient of input %d of %d (weights and biases by layer, then x)", sizes, i, n)
			testutil.Close(t, what, testutil.Flat32(t, res[2+i]), testutil.Flat32(t, res[2+n+i]), tol)
		}
	}
}

// paramNodes returns the MLP's weights and biases in graph g, in the order W0, b0, W1, b1, ...
func paramNodes(m network.MLP, st *model.Store, g *graph.Graph) []*graph.Node {
	var params []*graph.Node
	for i := range m.NumLayers() {
		params = append(params, st.GetVariable(network.WeightsPath(i)).NodeValue(g), st.GetVariable(network.BiasesPath(i)).NodeValue(g))
	}
	return params
}

// TestChunkRanges: on the pure Go backend a batch is cut into n / minRows contiguous chunks of at
// least minRows rows covering it; under 2 x minRows, or on another backend, it stays whole.
func TestChunkRanges(t *testing.T) {
	b := testutil.Backend(t)
	g := graph.NewGraph(b, "chunks")
	goBackend := b.String() == "go"
	for _, c := range []struct{ n, minRows, wantGo int }{{10000, 2048, 4}, {4095, 2048, 1}, {4096, 2048, 2}, {7, 3, 2}, {5, 0, 5}} {
		ranges := network.ChunkRanges(g, c.n, c.minRows)
		want := c.wantGo
		if !goBackend {
			want = 1
		}
		if len(ranges) != want {
			t.Errorf("n %d, minRows %d on %s: %d ranges %v, want %d", c.n, c.minRows, b.String(), len(ranges), ranges, want)
			continue
		}
		lo := 0
		for _, r := range ranges {
			if r[0] != lo || r[1] <= r[0] || (len(ranges) > 1 && r[1]-r[0] < c.minRows) {
				t.Errorf("n %d, minRows %d: ranges %v do not cover the rows in order in chunks of at least %d", c.n, c.minRows, ranges, c.minRows)
				break
			}
			lo = r[1]
		}
		if lo != c.n {
			t.Errorf("n %d, minRows %d: ranges %v end at %d", c.n, c.minRows, ranges, lo)
		}
	}
}

package network_test

import (
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

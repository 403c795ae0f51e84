package network_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
)

// TestRationalTanh: the rational tanh, and FastTanh with its custom gradient, agree with
// math.Tanh (float64) to 1e-6 over [-12, 12], saturation included, their derivatives by autodiff
// with 1 - tanh^2 to 2e-6 and their second derivatives with -2 tanh (1 - tanh^2) to 1e-5, so that
// the networks and their losses (first and second derivatives) are those of tanh.
func TestRationalTanh(t *testing.T) {
	const n = 4801
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = float32(-12 + 24*float64(i)/(n-1))
	}
	for _, c := range []struct {
		name string
		f    func(*graph.Node) *graph.Node
	}{{"RationalTanh", network.RationalTanh}, {"FastTanh", network.FastTanh}} {
		exec := graph.MustNewExec(testutil.Backend(t), func(x *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
			y := c.f(x)
			d := graph.Gradient(graph.ReduceAllSum(y), x)[0]
			return y, d, graph.Gradient(graph.ReduceAllSum(d), x)[0]
		})
		out := exec.MustExec(tensors.FromFlatDataAndDimensions(xs, n))
		ys, ds, d2s := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1]), tensors.MustCopyFlatData[float32](out[2])
		var worstY, worstD, worstD2 float64
		for i, x := range xs {
			want := math.Tanh(float64(x))
			worstY = max(worstY, math.Abs(float64(ys[i])-want))
			worstD = max(worstD, math.Abs(float64(ds[i])-(1-want*want)))
			worstD2 = max(worstD2, math.Abs(float64(d2s[i])-(-2*want*(1-want*want))))
		}
		if worstY > 1e-6 || worstD > 2e-6 || worstD2 > 1e-5 {
			t.Errorf("%s: largest error over [-12, 12]: %.3g on tanh (want <= 1e-6), %.3g on its derivative (want <= 2e-6), %.3g on its second derivative (want <= 1e-5)",
				c.name, worstY, worstD, worstD2)
		}
		t.Logf("%s: largest error: tanh %.3g, derivative %.3g, second derivative %.3g", c.name, worstY, worstD, worstD2)
	}
}

// BenchmarkTanh times graph.Tanh against FastTanh, forward and with the gradient, on batches of
// 512 to 10,000 rows of 128 units (the blog's training batch to the sample workload's particles):
// GOEXPERIMENT=simd GOMLX_BACKEND=go go test -bench Tanh -run '^$' ./scorematching/network.
func BenchmarkTanh(b *testing.B) {
	for _, rows := range []int{512, 2048, 10000} {
		data := make([]float32, rows*128)
		for i := range data {
			data[i] = float32(i%997)/249 - 2
		}
		x := tensors.FromFlatDataAndDimensions(data, rows, 128)
		for _, c := range []struct {
			name string
			f    func(*graph.Node) *graph.Node
		}{{"graph.Tanh", graph.Tanh}, {"FastTanh", network.FastTanh}} {
			for _, grad := range []bool{false, true} {
				name := fmt.Sprintf("%s/rows=%d/gradient=%v", c.name, rows, grad)
				b.Run(name, func(b *testing.B) {
					exec := graph.MustNewExec(testutil.Backend(b), func(x *graph.Node) *graph.Node {
						y := c.f(x)
						if grad {
							return graph.Gradient(graph.ReduceAllSum(y), x)[0]
						}
						return y
					})
					exec.MustExec(x)
					b.ResetTimer()
					for range b.N {
						exec.MustExec(x)
					}
				})
			}
		}
	}
}

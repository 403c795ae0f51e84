package autodiff_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/autodiff"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
)

// float32Tol is the tolerance for float32 graph results against float64 references.
// float32 has a unit round-off of 6e-8; the functions here add up to 128 products per output and
// pass through tanh, so the expected error is a few 1e-7 relative to the largest entry (and the
// inputs themselves are rounded to float32). rel 1e-5 / abs 1e-5 * max(1, max|ref|) is about 30
// times that, and still 1000 times smaller than any real error in a Jacobian entry (a wrong term
// or a transposed index changes entries by O(1)). Measured worst ratios are logged with -v.
var float32Tol = testutil.Tol{Rel: 1e-5, Abs: 1e-5}

// rowFunc is f(x) = tanh(x @ A) @ B + c, applied row by row, with A [Din, H], B [H, Dout].
type rowFunc struct {
	din, h, dout int
	a, b         [][]float64 // a[j][k], b[k][i]
	c            []float64
}

func newRowFunc(din, h, dout int, seed uint64) rowFunc {
	rng := rand.New(rand.NewPCG(seed, 1))
	f := rowFunc{din: din, h: h, dout: dout}
	f.a = randMatrix(rng, din, h, 1/math.Sqrt(float64(din)))
	f.b = randMatrix(rng, h, dout, 1/math.Sqrt(float64(h)))
	f.c = randMatrix(rng, 1, dout, 1)[0]
	return f
}

func randMatrix(rng *rand.Rand, rows, cols int, scale float64) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
		for j := range m[i] {
			// Rounded to float32 so that the graph (float32) and the host (float64) use the
			// same numbers.
			m[i][j] = float64(float32(scale * rng.NormFloat64()))
		}
	}
	return m
}

func to32(m [][]float64) [][]float32 {
	out := make([][]float32, len(m))
	for i, r := range m {
		out[i] = make([]float32, len(r))
		for j, v := range r {
			out[i][j] = float32(v)
		}
	}
	return out
}

// graphFn is f as a graph function.
func (f rowFunc) graphFn(x *graph.Node) *graph.Node {
	g := x.Graph()
	a := graph.Const(g, to32(f.a))
	b := graph.Const(g, to32(f.b))
	c := graph.Const(g, to32([][]float64{f.c}))
	return graph.Add(graph.MatMul(graph.Tanh(graph.MatMul(x, a)), b), c)
}

// host returns f(x) and its Jacobian J[i][j] = d f_i / d x_j, derived by hand:
// u = x A, f = tanh(u) B + c, so J[i][j] = sum_k B[k][i] (1 - tanh(u_k)^2) A[j][k].
func (f rowFunc) host(x []float64) (y []float64, jac [][]float64) {
	t := make([]float64, f.h)
	for k := range f.h {
		var u float64
		for j := range f.din {
			u += x[j] * f.a[j][k]
		}
		t[k] = math.Tanh(u)
	}
	y = make([]float64, f.dout)
	jac = make([][]float64, f.dout)
	for i := range f.dout {
		y[i] = f.c[i]
		jac[i] = make([]float64, f.din)
		for k := range f.h {
			y[i] += t[k] * f.b[k][i]
			for j := range f.din {
				jac[i][j] += f.b[k][i] * (1 - t[k]*t[k]) * f.a[j][k]
			}
		}
	}
	return y, jac
}

func randPoints(n, d int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]float64, n*d)
	for i := range out {
		out[i] = float64(float32(rng.NormFloat64()))
	}
	return out
}

// TestJacobianAnalytic compares autodiff.Jacobian and autodiff.Trace with the hand-derived
// Jacobian of tanh(x A) B + c, for square maps with D in {1, 2, 5} and one non-square map.
func TestJacobianAnalytic(t *testing.T) {
	b := testutil.Backend(t)
	cases := []struct{ din, h, dout int }{{1, 8, 1}, {2, 16, 2}, {5, 32, 5}, {3, 16, 4}}
	const n = 7
	for ci, c := range cases {
		t.Run(fmt.Sprintf("D%dx%d", c.dout, c.din), func(t *testing.T) {
			f := newRowFunc(c.din, c.h, c.dout, uint64(ci))
			x := randPoints(n, c.din, uint64(ci))
			var wantY, wantJ, wantTr []float64
			for bi := range n {
				y, jac := f.host(x[bi*c.din : (bi+1)*c.din])
				wantY = append(wantY, y...)
				tr := 0.0
				for i := range c.dout {
					wantJ = append(wantJ, jac[i]...)
					if i < c.din {
						tr += jac[i][i]
					}
				}
				wantTr = append(wantTr, tr)
			}

			exec, err := graph.NewExec(b, func(x *graph.Node) (*graph.Node, *graph.Node) {
				return autodiff.Jacobian(f.graphFn, x)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Call(testutil.Tensor32(x, n, c.din))
			if err != nil {
				t.Fatal(err)
			}
			if got := out[1].Shape().Dimensions; len(got) != 3 || got[0] != n || got[1] != c.dout || got[2] != c.din {
				t.Fatalf("Jacobian shape %v, want [%d %d %d]", got, n, c.dout, c.din)
			}
			testutil.Close(t, "y", testutil.Flat32(t, out[0]), wantY, float32Tol)
			testutil.Close(t, "Jacobian", testutil.Flat32(t, out[1]), wantJ, float32Tol)

			if c.din != c.dout {
				return
			}
			trExec, err := graph.NewExec(b, func(x *graph.Node) (*graph.Node, *graph.Node) {
				return autodiff.Trace(f.graphFn, x)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err = trExec.Call(testutil.Tensor32(x, n, c.din))
			if err != nil {
				t.Fatal(err)
			}
			if got := out[1].Shape().Dimensions; len(got) != 1 || got[0] != n {
				t.Fatalf("Trace shape %v, want [%d]", got, n)
			}
			testutil.Close(t, "y (Trace)", testutil.Flat32(t, out[0]), wantY, float32Tol)
			testutil.Close(t, "Trace", testutil.Flat32(t, out[1]), wantTr, float32Tol)
		})
	}
}

// TestJacobianFiniteDifferences is an independent check of the hand-derived Jacobian used above:
// central differences of the host function (float64, h = 1e-6, error about h^2 * |f”'| <= 1e-11
// plus round-off 1e-16/1e-6 = 1e-10, so 1e-8 is a safe bound).
func TestJacobianFiniteDifferences(t *testing.T) {
	f := newRowFunc(5, 32, 5, 9)
	x := randPoints(1, 5, 9)
	_, jac := f.host(x)
	const h = 1e-6
	for j := range 5 {
		xp := append([]float64(nil), x...)
		xm := append([]float64(nil), x...)
		xp[j] += h
		xm[j] -= h
		yp, _ := f.host(xp)
		ym, _ := f.host(xm)
		for i := range 5 {
			if fd := (yp[i] - ym[i]) / (2 * h); math.Abs(fd-jac[i][j]) > 1e-8 {
				t.Errorf("J[%d][%d] = %g, finite difference %g", i, j, jac[i][j], fd)
			}
		}
	}
}

// TestJacobianRowsAreIndependent checks the property the package relies on: the Jacobian of one
// example does not depend on the other rows of the batch (same point alone and in a batch).
func TestJacobianRowsAreIndependent(t *testing.T) {
	b := testutil.Backend(t)
	f := newRowFunc(2, 16, 2, 3)
	x := randPoints(5, 2, 3)
	exec, err := graph.NewExec(b, func(x *graph.Node) *graph.Node {
		_, jac := autodiff.Jacobian(f.graphFn, x)
		return jac
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := exec.Call(testutil.Tensor32(x, 5, 2))
	if err != nil {
		t.Fatal(err)
	}
	one, err := exec.Call(testutil.Tensor32(x[4:6], 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "row 2 alone vs in the batch", testutil.Flat32(t, one[0]), testutil.Flat32(t, all[0])[2*4:3*4], float32Tol)
}

func TestTraceNonSquareFails(t *testing.T) {
	b := testutil.Backend(t)
	f := newRowFunc(3, 4, 2, 0)
	exec, err := graph.NewExec(b, func(x *graph.Node) *graph.Node {
		_, tr := autodiff.Trace(f.graphFn, x)
		return tr
	})
	if err != nil {
		t.Fatal(err)
	}
	// Trace panics while the graph is built (on the first call); graph.Exec may hand the panic
	// back as an error or let it through, so accept either, but it must explain the problem.
	msg := func() (msg string) {
		defer func() {
			if r := recover(); r != nil {
				msg = fmt.Sprint(r)
			}
		}()
		if _, err := exec.Call(testutil.Tensor32(randPoints(2, 3, 0), 2, 3)); err != nil {
			return err.Error()
		}
		return ""
	}()
	if !strings.Contains(msg, "must map R^D to R^D") {
		t.Errorf("Trace of a map R^3 -> R^2: got %q, want a failure saying f must map R^D to R^D", msg)
	}
}

// TestMLPAgainstGolden compares the MLP's scores, per-example Jacobians and traces, computed by
// autodiff on network.MLP.Apply with the golden weights, with jax.vmap(jax.jacfwd(mlp)) in float64.
// The golden weights and points have 9 significant digits; rounding them to float32 perturbs
// each by up to 6e-8 relative, which the float32Tol above covers.
func TestMLPAgainstGolden(t *testing.T) {
	b := testutil.Backend(t)
	for _, name := range testutil.GoldenMLPFiles {
		t.Run(name, func(t *testing.T) {
			g := testutil.LoadMLP(t, name)
			mlp := network.MLP{Sizes: g.Sizes}
			store := model.NewStore()
			if err := network.SetParams(store, g.Params()); err != nil {
				t.Fatal(err)
			}
			exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
				s := func(x *graph.Node) *graph.Node { return mlp.Apply(scope.Store(), x) }
				y, jac := autodiff.Jacobian(s, x)
				_, tr := autodiff.Trace(s, x)
				return []*graph.Node{y, jac, tr}
			})
			if err != nil {
				t.Fatal(err)
			}
			bsz, d := g.X.Shape[0], g.X.Shape[1]
			out, err := exec.Call(testutil.Tensor32(g.X.Data, bsz, d))
			if err != nil {
				t.Fatal(err)
			}
			testutil.Close(t, "scores", testutil.Flat32(t, out[0]), g.Scores.Data, float32Tol)
			nJac := g.Jacobians.Shape[0]
			jac := testutil.Flat32(t, out[1])
			testutil.Close(t, "jacobians", jac[:nJac*d*d], g.Jacobians.Data, float32Tol)
			testutil.Close(t, "traces", testutil.Flat32(t, out[2]), g.Traces.Data, float32Tol)
			// The traces of all B Jacobians (not only the nJac stored) equal Trace's output.
			var tr []float64
			for bi := range bsz {
				s := 0.0
				for i := range d {
					s += jac[bi*d*d+i*d+i]
				}
				tr = append(tr, s)
			}
			testutil.Close(t, "diagonal sums of Jacobian vs golden traces", tr, g.Traces.Data, float32Tol)
		})
	}
}

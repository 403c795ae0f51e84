package loss_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/toy"
)

// Reference values: the JAX float64 reference (testdata/jaxref/reference.py), files
// exact_loss_blog_mlp.json and exact_loss_dim.json: exact_loss and flawed_loss (means over the
// batch of tr(ds/dx) + 0.5||s||^2 and tr(ds/dx) + 1.5||s||), traces, sq_norms, and grad_exact /
// grad_flawed from jax.grad (cross-checked there against finite differences to 1e-6).
//
// The Go side computes in float32. Loss values: round-off of a mean of 64 terms of size O(1),
// each the sum of a few hundred float32 products, is a few 1e-7. rel 1e-5 / abs 1e-5 *
// max(1, |ref|) allows about 30 times that; measured on the Go backend: at most 0.2% of the
// tolerance (2e-8), so the margin is large, while a wrong term (e.g. ||s|| for 0.5||s||^2)
// changes the loss by O(0.1).
var valueTol = testutil.Tol{Rel: 1e-5, Abs: 1e-5}

// gradTol is for the gradients with respect to the weights: a gradient of a trace of a
// Jacobian is a second derivative, a sum over the batch of products through four layers, and
// its entries span several orders of magnitude within a layer. Small entries are sums of
// cancelling terms as large as the layer's largest entry, so the error is measured against
// that scale: abs 1e-5 * max(1, max|grad of the layer|) plus rel 1e-5. float32 round-off
// predicts errors of order 1e-7 of the scale; measured on the Go backend: at most 0.6% of this
// tolerance (6e-8 of the scale). An error in the maths (a missing term, a wrong factor, a
// gradient that does not flow through the trace) changes entries by far more than 1e-5.
var gradTol = testutil.Tol{Rel: 1e-5, Abs: 1e-5}

// newStore returns a store holding the golden weights.
func newStore(t *testing.T, g *testutil.MLPGolden) (*model.Store, network.MLP) {
	t.Helper()
	store := model.NewStore()
	if err := network.SetParams(store, g.Params()); err != nil {
		t.Fatal(err)
	}
	return store, network.MLP{Sizes: g.Sizes}
}

// lossModel returns the MLP as a loss.Model: with forwardTrace, its traces come from forward
// tangents (network.MLP.ApplyWithTrace); otherwise from reverse passes (autodiff.Trace).
func lossModel(mlp network.MLP, st *model.Store, forwardTrace bool) loss.Model {
	m := loss.Of(func(x *graph.Node) *graph.Node { return mlp.Apply(st, x) })
	if forwardTrace {
		m.ScoreAndTrace = func(x *graph.Node) (*graph.Node, *graph.Node) { return mlp.ApplyWithTrace(st, x) }
	}
	return m
}

// lossAndGrads builds a graph computing lossFn on x and its gradient with respect to every
// weight and bias (order: W0, b0, W1, b1, ...), and returns [loss, grads...] as float64 slices.
func lossAndGrads(t *testing.T, g *testutil.MLPGolden, lossFn loss.Func, forwardTrace bool) [][]float64 {
	t.Helper()
	store, mlp := newStore(t, g)
	exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
		st := scope.Store()
		l := lossFn(lossModel(mlp, st, forwardTrace), x)
		var params []*graph.Node
		for i := range mlp.NumLayers() {
			params = append(params,
				st.GetVariable(network.WeightsPath(i)).NodeValue(x.Graph()),
				st.GetVariable(network.BiasesPath(i)).NodeValue(x.Graph()))
		}
		return append([]*graph.Node{l}, graph.Gradient(l, params...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(testutil.Tensor32(g.X.Data, g.X.Shape...))
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float64, len(out))
	for i, o := range out {
		res[i] = testutil.Flat32(t, o)
	}
	return res
}

func TestLossesAgainstGolden(t *testing.T) {
	for _, name := range testutil.GoldenMLPFiles {
		t.Run(name, func(t *testing.T) {
			g := testutil.LoadMLP(t, name)
			for _, c := range []struct {
				name  string
				fn    loss.Func
				want  float64
				grads []testutil.Layer
			}{
				{"exact", loss.Exact, g.ExactLoss, g.GradExact},
				{"blog-flawed", loss.BlogFlawed, g.FlawedLoss, g.GradFlawed},
			} {
				// Both ways of computing the trace must give the golden loss and gradients.
				for _, forward := range []bool{false, true} {
					name := c.name + map[bool]string{false: " (reverse trace)", true: " (forward trace)"}[forward]
					got := lossAndGrads(t, g, c.fn, forward)
					testutil.Close(t, name+" loss", got[0], []float64{c.want}, valueTol)
					if c.grads == nil {
						continue // The blog file stores no flawed-loss gradient.
					}
					for i, l := range c.grads {
						testutil.Close(t, name+" d/dW"+itoa(i), got[1+2*i], l.W.Data, gradTol)
						testutil.Close(t, name+" d/db"+itoa(i), got[2+2*i], l.B.Data, gradTol)
					}
				}
			}
		})
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// TestByNameMatchesFunctions checks that the registry hands out the functions tested above: the
// loss it returns for "exact" and "blog-flawed" gives the golden values.
func TestByNameMatchesFunctions(t *testing.T) {
	g := testutil.LoadMLP(t, "exact_loss_dim.json")
	for name, want := range map[string]float64{"exact": g.ExactLoss, "blog-flawed": g.FlawedLoss} {
		fn, err := loss.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		store, mlp := newStore(t, g)
		exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return fn(lossModel(mlp, scope.Store(), false), x)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(testutil.Tensor32(g.X.Data, g.X.Shape...))
		if err != nil {
			t.Fatal(err)
		}
		testutil.Close(t, "ByName("+name+")", testutil.Flat32(t, out[0]), []float64{want}, valueTol)
	}
}

func TestByNameUnknown(t *testing.T) {
	for _, name := range []string{"nope", "", "Exact", "ssm"} {
		fn, err := loss.ByName(name)
		if err == nil || fn != nil {
			t.Errorf("ByName(%q): no error", name)
			continue
		}
		if !strings.Contains(err.Error(), "\""+name+"\"") || !strings.Contains(err.Error(), "exact") {
			t.Errorf("ByName(%q): error %q should quote the name and list the known losses", name, err)
		}
	}
	if got := strings.Join(loss.Names(), ","); got != "blog-flawed,denoising,exact,ncsn,sde,sliced,sliced-vr" {
		t.Errorf("Names() = %s", got)
	}
}

func TestExactPerExample(t *testing.T) {
	for _, name := range testutil.GoldenMLPFiles {
		t.Run(name, func(t *testing.T) {
			g := testutil.LoadMLP(t, name)
			store, mlp := newStore(t, g)
			exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
				return loss.ExactPerExample(lossModel(mlp, scope.Store(), false), x)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Call(testutil.Tensor32(g.X.Data, g.X.Shape...))
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float64, len(g.Traces.Data))
			for i := range want {
				want[i] = g.Traces.Data[i] + 0.5*g.SqNorms.Data[i]
			}
			testutil.Close(t, "ExactPerExample", testutil.Flat32(t, out[0]), want, valueTol)
		})
	}
}

// trueRingScore is the ring's score s(x) = -[(r - R)/std^2 + 1/r] x / r as a graph function, so
// that the loss can differentiate it.
func trueRingScore(ring toy.Ring) loss.ScoreFunc {
	return func(x *graph.Node) *graph.Node {
		r := graph.Sqrt(graph.ReduceSum(graph.Square(x), -1)) // [B]
		r = graph.ExpandAxes(r, -1)                           // [B, 1]
		c := graph.Add(graph.MulScalar(graph.AddScalar(r, -ring.Radius), 1/(ring.Std*ring.Std)), graph.Inverse(r))
		return graph.Neg(graph.Mul(graph.Div(c, r), x))
	}
}

// TestExactLossOfTrueScore evaluates the exact loss of the ring's true score (written as a graph
// function and differentiated by autodiff.Trace) in float64 on n = 100,000 ring samples.
//
//  1. Each per-example value must match the closed form div s + 0.5||s||^2 on the host, with
//     div s = -(2r - R)/(std^2 r) (from ring_score.json's conventions): float64 all the way, so
//     rel 1e-9 / abs 1e-9 * scale (values are up to a few thousand; 1e-9 leaves a huge margin over
//     round-off while any wrong derivative term would be O(1)).
//  2. The batch mean must approach the golden population value exact_loss_at_true_score
//     (-49.484, quadrature in the reference) within 5 standard errors, the standard error being
//     estimated from the same per-example values (about 70/sqrt(n) = 0.22 here).
//  3. The mean of the closed-form divergence must match the golden E[div s] = -E||s||^2
//     (integration by parts) within 5 of its own standard errors (about 10/sqrt(n)).
func TestExactLossOfTrueScore(t *testing.T) {
	golden := testutil.LoadRing(t)
	ring := toy.BlogRing
	const n = 100_000
	pts, err := ring.Sample(n, 2024)
	if err != nil {
		t.Fatal(err)
	}
	flat := testutil.Flatten(pts)
	exec, err := graph.NewExec(testutil.Backend(t), func(x *graph.Node) (*graph.Node, *graph.Node) {
		return loss.ExactPerExample(loss.Of(trueRingScore(ring)), x), loss.Exact(loss.Of(trueRingScore(ring)), x)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(flat, n, 2))
	if err != nil {
		t.Fatal(err)
	}
	per := testutil.Flat64(t, out[0])
	mean := testutil.Flat64(t, out[1])[0]

	want := make([]float64, n)
	var sum, sum2, sumDiv, sumDiv2 float64
	for i, p := range pts {
		r := math.Hypot(p[0], p[1])
		div := -(2*r - ring.Radius) / (ring.Std * ring.Std * r)
		s := ring.Score(p)
		want[i] = div + 0.5*(s[0]*s[0]+s[1]*s[1])
		sumDiv += div
		sumDiv2 += div * div
		sum += per[i]
		sum2 += per[i] * per[i]
	}
	testutil.Close(t, "per-example loss of the true score vs closed form", per, want, testutil.Tol{Rel: 1e-9, Abs: 1e-9})

	hostMean := sum / n
	se := math.Sqrt((sum2/n - hostMean*hostMean) / n)
	if math.Abs(mean-hostMean) > 1e-9*math.Abs(hostMean) {
		t.Errorf("Exact = %.12g, mean of ExactPerExample = %.12g", mean, hostMean)
	}
	if d := math.Abs(mean - golden.ExactLossAtTrueScore); d > 5*se {
		t.Errorf("exact loss of the true score on %d samples = %.4f, golden population value %.4f: off by %.3g > 5 SE (SE %.3g)",
			n, mean, golden.ExactLossAtTrueScore, d, se)
	}
	t.Logf("exact loss of the true score: %.4f (golden %.4f, SE %.3g)", mean, golden.ExactLossAtTrueScore, se)
	md := sumDiv / n
	seDiv := math.Sqrt((sumDiv2/n - md*md) / n)
	if math.Abs(md-golden.ExpectedScoreDivergence) > 5*seDiv {
		t.Errorf("mean divergence %.4f, golden E[div s] %.4f (SE %.3g)", md, golden.ExpectedScoreDivergence, seDiv)
	}
}

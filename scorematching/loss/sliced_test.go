package loss_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/autodiff"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
)

var projections = []loss.Projection{loss.Gaussian, loss.Rademacher, loss.Sphere}

// storeRandom is the Random of loss.Model that train sets: the store's seeded generator.
func storeRandom(st *model.Store) func(g *graph.Graph, dist string, shape shapes.Shape) *graph.Node {
	return func(g *graph.Graph, dist string, shape shapes.Shape) *graph.Node {
		if dist == "uniform" {
			return st.RandomUniform(g, shape)
		}
		return st.RandomNormal(g, shape)
	}
}

// firstPoints returns g restricted to its first n points (fewer rows keep the Monte-Carlo tests
// fast): x, scores, traces and squared norms truncated, and the exact loss recomputed from them.
func firstPoints(g *testutil.MLPGolden, n int) *testutil.MLPGolden {
	b, d := g.X.Shape[0], g.X.Shape[1]
	if n >= b {
		return g
	}
	s := *g
	s.X = testutil.Tensor{Shape: []int{n, d}, Data: g.X.Data[:n*d]}
	s.Scores = testutil.Tensor{Shape: []int{n, d}, Data: g.Scores.Data[:n*d]}
	s.Traces = testutil.Tensor{Shape: []int{n}, Data: g.Traces.Data[:n]}
	s.SqNorms = testutil.Tensor{Shape: []int{n}, Data: g.SqNorms.Data[:n]}
	s.Jacobians = testutil.Tensor{}
	s.ExactLoss = 0
	for i := range n {
		s.ExactLoss += (s.Traces.Data[i] + 0.5*s.SqNorms.Data[i]) / float64(n)
	}
	return &s
}

// modelJacobians returns J[b][i][j] = d s_i / d x_j at the golden points, computed by
// autodiff.Jacobian with the golden weights (float32; the golden files hold the Jacobians of only
// a few points of the blog MLP, and autodiff's own tests check it against them).
func modelJacobians(t *testing.T, g *testutil.MLPGolden) [][][]float64 {
	t.Helper()
	store, mlp := newStore(t, g)
	exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		_, jac := autodiff.Jacobian(func(x *graph.Node) *graph.Node { return mlp.Apply(scope.Store(), x) }, x)
		return jac
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(testutil.Tensor32(g.X.Data, g.X.Shape...))
	if err != nil {
		t.Fatal(err)
	}
	flat := testutil.Flat32(t, out[0])
	b, d := g.X.Shape[0], g.X.Shape[1]
	jac := make([][][]float64, b)
	for e := range b {
		jac[e] = make([][]float64, d)
		for i := range d {
			jac[e][i] = flat[(e*d+i)*d : (e*d+i+1)*d]
		}
	}
	return jac
}

// moments returns the mean, the sample variance and the standard error of the sample variance
// (sqrt((m4 - var^2)/n), m4 the fourth central moment) of xs.
func moments(xs []float64) (mean, variance, seVar float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	var m2, m4 float64
	for _, x := range xs {
		d := (x - mean) * (x - mean)
		m2 += d
		m4 += d * d
	}
	m2 /= n
	m4 /= n
	return mean, m2 * n / (n - 1), math.Sqrt(math.Max(m4-m2*m2, 0) / n)
}

// traceVariance is the variance of v^T A v for one projection vector, from the distribution's
// second and fourth moments (A_s = (A + A^T)/2, D = dim):
//
//	Gaussian 2||A_s||_F^2;  Rademacher 2(||A_s||_F^2 - sum_i A_ii^2);
//	Sphere 2D/(D+2) (||A_s||_F^2 - tr(A)^2/D).
func traceVariance(dist loss.Projection, a [][]float64) float64 {
	d := len(a)
	var fro, diag2, tr float64
	for i := range d {
		for j := range d {
			s := (a[i][j] + a[j][i]) / 2
			fro += s * s
		}
		diag2 += a[i][i] * a[i][i]
		tr += a[i][i]
	}
	switch dist {
	case loss.Rademacher:
		return 2 * (fro - diag2)
	case loss.Sphere:
		return 2 * float64(d) / float64(d+2) * (fro - tr*tr/float64(d))
	}
	return 2 * fro
}

// TestSlicedTraceEstimatorUnbiased draws M = 2000 projection vectors per point (the first 16
// golden points of the blog MLP in 2-D, and the 16 points of the 5-D MLP) with
// loss.DrawProjections from a seeded store, computes v^T J v and v . s by loss.SlicedTerms (one
// reverse pass over the tiled batch), and checks on the host:
//
//  1. for every point, the mean of v^T J v is the golden exact trace (JAX, float64) within 5
//     standard errors, SE = sample sd / sqrt(M), plus 1e-4 * max(1, |trace|) for float32
//     round-off (which matters only where the variance vanishes);
//  2. for every point, the mean of (v . s)^2 is the golden ||s||^2 within 5 of its standard
//     errors (E[vv^T] = I, which an unscaled sphere would break);
//  3. the sample variances of v^T J v agree with the analytic variance of the distribution
//     (traceVariance, from the Jacobian of autodiff.Jacobian): the mean over the points of the
//     ratio sample/analytic is 1 within 5 standard errors, SE = sd of the ratios / sqrt(points).
//     (Pooled, because a per-point SE of a variance computed from the sample fourth moment is
//     unreliable for these heavy-tailed quadratic forms: one point of the blog MLP came out 11
//     such SE low with Gaussian vectors, its own v_2 having a sample variance of 0.90.)
//
// Measured (Go backend): worst |mean - trace| over the 32 points 1.8 to 3.0 SE depending on the
// distribution; the pooled variance ratios 0.97 to 1.03 (see the t.Logf lines).
func TestSlicedTraceEstimatorUnbiased(t *testing.T) {
	const m = 2000
	for _, name := range testutil.GoldenMLPFiles {
		g := firstPoints(testutil.LoadMLP(t, name), 16)
		jac := modelJacobians(t, g)
		for _, dist := range projections {
			t.Run(fmt.Sprintf("%s/%s", name, dist), func(t *testing.T) {
				store, mlp := newStore(t, g)
				if err := store.SetRNGStateFromSeed(7); err != nil {
					t.Fatal(err)
				}
				exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
					lm := lossModel(mlp, scope.Store(), false)
					lm.Random = storeRandom(scope.Store())
					v := loss.DrawProjections(lm, dist, m, x)
					_, vJv, vs := loss.SlicedTerms(lm.Score, x, v)
					return vJv, vs
				})
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Call(testutil.Tensor32(g.X.Data, g.X.Shape...))
				if err != nil {
					t.Fatal(err)
				}
				vJv, vs := testutil.Flat32(t, out[0]), testutil.Flat32(t, out[1])
				b := g.X.Shape[0]
				worstMean, worstNorm := 0.0, 0.0
				var ratios []float64
				for e := range b {
					traces, squares := make([]float64, m), make([]float64, m)
					for j := range m {
						traces[j] = vJv[j*b+e]
						squares[j] = vs[j*b+e] * vs[j*b+e]
					}
					mean, variance, _ := moments(traces)
					se := math.Sqrt(variance / m)
					want := g.Traces.Data[e]
					if d := math.Abs(mean - want); d > 5*se+1e-4*math.Max(1, math.Abs(want)) {
						t.Errorf("point %d: mean of %d sliced traces %.6g, exact trace %.6g: off by %.3g > 5 SE (SE %.3g)", e, m, mean, want, d, se)
					} else if se > 0 {
						worstMean = math.Max(worstMean, d/se)
					}
					meanSq, varSq, _ := moments(squares)
					seSq := math.Sqrt(varSq / m)
					if d := math.Abs(meanSq - g.SqNorms.Data[e]); d > 5*seSq+1e-4*math.Max(1, g.SqNorms.Data[e]) {
						t.Errorf("point %d: mean of (v.s)^2 %.6g, ||s||^2 %.6g: off by %.3g > 5 SE (SE %.3g)", e, meanSq, g.SqNorms.Data[e], d, seSq)
					} else if seSq > 0 {
						worstNorm = math.Max(worstNorm, d/seSq)
					}
					if wantVar := traceVariance(dist, jac[e]); wantVar > 1e-6 {
						ratios = append(ratios, variance/wantVar)
					}
				}
				ratio, ratioVar, _ := moments(ratios)
				seRatio := math.Sqrt(ratioVar / float64(len(ratios)))
				if d := math.Abs(ratio - 1); d > 5*seRatio {
					t.Errorf("sample / analytic variance of the sliced trace, mean over %d points: %.4f, not 1 within 5 SE (SE %.3g)", len(ratios), ratio, seRatio)
				}
				t.Logf("%d points, %d projections: worst |mean - trace| %.2f SE, |mean (v.s)^2 - ||s||^2| %.2f SE; sample/analytic variance %.3f (SE %.3f)",
					b, m, worstMean, worstNorm, ratio, seRatio)
			})
		}
	}
}

// stubRandom returns a loss.Model.Random that hands out fixed host-drawn values (normal or
// uniform, from a seeded generator) and records them, so that a test can recompute the loss on
// the host with exactly the same noise.
type stubRandom struct {
	rng   *rand.Rand
	drawn map[string][]float64
}

func newStubRandom(seed uint64) *stubRandom {
	return &stubRandom{rng: rand.New(rand.NewPCG(seed, 99)), drawn: map[string][]float64{}}
}

func (s *stubRandom) Random(g *graph.Graph, dist string, shape shapes.Shape) *graph.Node {
	vals := make([]float64, shape.Size())
	for i := range vals {
		if dist == "uniform" {
			vals[i] = s.rng.Float64()
		} else {
			vals[i] = s.rng.NormFloat64()
		}
	}
	s.drawn[dist] = vals
	if shape.DType.Size() == 8 {
		return graph.Const(g, tensors.FromFlatDataAndDimensions(vals, shape.Dimensions...))
	}
	return graph.Const(g, testutil.Tensor32(vals, shape.Dimensions...))
}

// hostProjections turns recorded noise into the vectors loss.DrawProjections builds from it
// ([M][B][D] flattened): the normal draw itself, -1/+1 from the uniform draw, or the normal draw
// scaled to norm sqrt(D). Values are rounded to float32 first, as the graph saw them.
func hostProjections(dist loss.Projection, s *stubRandom, d int) []float64 {
	var src []float64
	if dist == loss.Rademacher {
		src = s.drawn["uniform"]
	} else {
		src = s.drawn["normal"]
	}
	v := make([]float64, len(src))
	for i, x := range src {
		v[i] = float64(float32(x))
	}
	switch dist {
	case loss.Rademacher:
		for i := range v {
			if v[i] < 0.5 {
				v[i] = -1
			} else {
				v[i] = 1
			}
		}
	case loss.Sphere:
		for r := 0; r < len(v); r += d {
			var n2 float64
			for _, x := range v[r : r+d] {
				n2 += x * x
			}
			for i := r; i < r+d; i++ {
				v[i] *= math.Sqrt(float64(d) / n2)
			}
		}
	}
	return v
}

// TestSlicedAveragesProjections checks the value of Sliced and SlicedVR with M = 3 projections
// against the host formula on the golden points, with noise the test controls (stubRandom):
//
//	Sliced   = 1/(M B) sum_{j,b} [ v_jb^T J_b v_jb + 0.5 (v_jb . s_b)^2 ]
//	SlicedVR = 1/(M B) sum_{j,b} v_jb^T J_b v_jb + 1/B sum_b 0.5 ||s_b||^2
//
// with the golden scores (JAX, float64) and the Jacobians of autodiff.Jacobian (float32). Tolerance: valueTol (rel 1e-5, abs 1e-5 *
// scale), as for the exact loss. Summing the projections instead of averaging them would be off
// by a factor of about 3 in the sliced terms; the test also checks that this wrong value is
// rejected by the same tolerance.
func TestSlicedAveragesProjections(t *testing.T) {
	const m = 3
	for _, name := range testutil.GoldenMLPFiles {
		g := testutil.LoadMLP(t, name)
		jac := modelJacobians(t, g)
		b, d := g.X.Shape[0], g.X.Shape[1]
		scores := g.Scores.Rows()
		for _, dist := range projections {
			for _, vr := range []bool{false, true} {
				label := fmt.Sprintf("%s/%s/vr=%v", name, dist, vr)
				t.Run(label, func(t *testing.T) {
					stub := newStubRandom(3)
					fn := loss.Sliced(m, dist)
					if vr {
						fn = loss.SlicedVR(m, dist)
					}
					store, mlp := newStore(t, g)
					exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
						lm := lossModel(mlp, scope.Store(), false)
						lm.Random = stub.Random
						return fn(lm, x)
					})
					if err != nil {
						t.Fatal(err)
					}
					out, err := exec.Call(testutil.Tensor32(g.X.Data, g.X.Shape...))
					if err != nil {
						t.Fatal(err)
					}
					got := testutil.Flat32(t, out[0])
					v := hostProjections(dist, stub, d)
					if len(v) != m*b*d {
						t.Fatalf("the loss drew %d values, want [M, B, D] = %d", len(v), m*b*d)
					}
					var sumTrace, sumSq, sumNorm float64
					for j := range m {
						for e := range b {
							vec := v[(j*b+e)*d : (j*b+e+1)*d]
							var vs float64
							for i := range d {
								vs += vec[i] * scores[e][i]
								for k := range d {
									sumTrace += vec[i] * jac[e][i][k] * vec[k]
								}
							}
							sumSq += 0.5 * vs * vs
						}
					}
					for e := range b {
						sumNorm += 0.5 * g.SqNorms.Data[e]
					}
					want := (sumTrace + sumSq) / (m * float64(b))
					wrong := (sumTrace + sumSq) / float64(b) // Not divided by M.
					if vr {
						want = sumTrace/(m*float64(b)) + sumNorm/float64(b)
						wrong = sumTrace/float64(b) + sumNorm/float64(b)
					}
					testutil.Close(t, label, got, []float64{want}, valueTol)
					if worst, _ := valueTol.MaxErr([]float64{wrong}, []float64{want}); worst <= 1 {
						t.Errorf("the sum over projections (%.6g) is within tolerance of the mean (%.6g): the test cannot tell them apart", wrong, want)
					}
				})
			}
		}
	}
}

// TestSlicedVRLowerVariance compares the variance of the SSM and SSM-VR estimates on the same
// points and the same projection vectors. For the golden blog MLP (its first 16 points, 2-D) and
// the 5-D MLP (16 points), K = 2000 independent one-projection estimates of the batch loss are formed from
// loss.SlicedTerms: SSM_k = mean_b [v^T J v + 0.5 (v.s)^2], SSM-VR_k = mean_b [v^T J v] +
// mean_b 0.5||s||^2 (paired: the same v_kb in both). Both means must be the exact loss within 5
// SE, and Var(SSM-VR) < Var(SSM): the statement the test makes is that the ratio is below 1 by
// more than 5 standard errors of the ratio (delta method, SE about 0.03 here).
//
// Measured (Go backend), variance of a one-projection batch loss, SSM vs SSM-VR:
// see the t.Logf line; the ratio is 0.45 to 0.85 depending on the MLP and the distribution.
func TestSlicedVRLowerVariance(t *testing.T) {
	const k = 2000
	for _, name := range testutil.GoldenMLPFiles {
		g := firstPoints(testutil.LoadMLP(t, name), 16)
		for _, dist := range projections {
			t.Run(fmt.Sprintf("%s/%s", name, dist), func(t *testing.T) {
				store, mlp := newStore(t, g)
				if err := store.SetRNGStateFromSeed(11); err != nil {
					t.Fatal(err)
				}
				exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
					lm := lossModel(mlp, scope.Store(), false)
					lm.Random = storeRandom(scope.Store())
					v := loss.DrawProjections(lm, dist, k, x)
					scores, vJv, vs := loss.SlicedTerms(lm.Score, x, v)
					halfNorm := graph.MulScalar(graph.ReduceAllMean(graph.ReduceSum(graph.Square(scores), -1)), 0.5)
					trace := graph.ReduceMean(vJv, 1) // [K]
					ssm := graph.Add(trace, graph.MulScalar(graph.ReduceMean(graph.Square(vs), 1), 0.5))
					vr := graph.Add(trace, halfNorm)
					return ssm, vr
				})
				if err != nil {
					t.Fatal(err)
				}
				out, err := exec.Call(testutil.Tensor32(g.X.Data, g.X.Shape...))
				if err != nil {
					t.Fatal(err)
				}
				ssm, vr := testutil.Flat32(t, out[0]), testutil.Flat32(t, out[1])
				mSSM, varSSM, seVarSSM := moments(ssm)
				mVR, varVR, seVarVR := moments(vr)
				for _, c := range []struct {
					what      string
					mean, vr_ float64
				}{{"SSM", mSSM, varSSM}, {"SSM-VR", mVR, varVR}} {
					se := math.Sqrt(c.vr_ / k)
					if d := math.Abs(c.mean - g.ExactLoss); d > 5*se+1e-4 {
						t.Errorf("%s: mean of %d one-projection losses %.6g, exact loss %.6g: off by %.3g > 5 SE (SE %.3g)", c.what, k, c.mean, g.ExactLoss, d, se)
					}
				}
				ratio := varVR / varSSM
				// Delta method for the ratio of two variances, ignoring their (positive)
				// correlation, which only makes this bound looser.
				seRatio := ratio * math.Sqrt(math.Pow(seVarVR/varVR, 2)+math.Pow(seVarSSM/varSSM, 2))
				t.Logf("one-projection batch loss over %d draws: Var(SSM) = %.4g, Var(SSM-VR) = %.4g, ratio %.3f (SE %.3f); means %.5f, %.5f (exact %.5f)",
					k, varSSM, varVR, ratio, seRatio, mSSM, mVR, g.ExactLoss)
				if !(ratio+5*seRatio < 1) {
					t.Errorf("Var(SSM-VR) / Var(SSM) = %.3f (SE %.3f): not below 1 by 5 SE", ratio, seRatio)
				}
			})
		}
	}
}

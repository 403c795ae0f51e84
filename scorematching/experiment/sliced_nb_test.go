package experiment_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/bench"
	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

var slicedProjections = []loss.Projection{loss.Gaussian, loss.Rademacher, loss.Sphere}

// TestProjectionVector: Rademacher entries are +-1, sphere vectors have norm sqrt(D), and for all
// three E[v v^T] = I (each entry of the mean of v v^T within 5 standard errors; the standard error
// of an entry is at most sqrt(3/n) for these distributions: E[v_i^2 v_j^2] <= 3).
func TestProjectionVector(t *testing.T) {
	const d, n = 4, 40000
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dist := range slicedProjections {
		var m [d][d]float64
		for range n {
			v := experiment.ProjectionVector(rng, dist, d)
			var norm float64
			for i := range v {
				norm += v[i] * v[i]
				if dist == loss.Rademacher && v[i] != 1 && v[i] != -1 {
					t.Fatalf("rademacher entry %v", v[i])
				}
				for j := range v {
					m[i][j] += v[i] * v[j] / n
				}
			}
			if dist == loss.Sphere && math.Abs(norm-d) > 1e-9 {
				t.Fatalf("sphere vector with squared norm %v, want %d", norm, d)
			}
		}
		bound := 5 * math.Sqrt(3.0/n)
		for i := range d {
			for j := range d {
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(m[i][j]-want) > bound {
					t.Errorf("%s: E[v v^T][%d][%d] = %.4f, want %g (bound %.4f)", dist, i, j, m[i][j], want, bound)
				}
			}
		}
	}
}

// TestHutchinsonStd compares the closed-form standard deviation of v^T A v with the sample
// standard deviation of many draws (within 5 standard errors of the sample variance, estimated
// from the draws' fourth moment), and checks two exact cases: Rademacher vectors have no variance
// on a diagonal matrix, sphere vectors none on a multiple of the identity.
func TestHutchinsonStd(t *testing.T) {
	a, err := experiment.HutchinsonMatrix(5, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	tr := experiment.MatrixTrace(a)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200000
	for _, dist := range slicedProjections {
		want, err := experiment.HutchinsonStd(a, dist)
		if err != nil {
			t.Fatal(err)
		}
		var m2, m4 float64
		for range n {
			v := experiment.ProjectionVector(rng, dist, len(a))
			q := 0.0
			for i := range a {
				for j := range a {
					q += v[i] * a[i][j] * v[j]
				}
			}
			e := q - tr // The mean is tr(A) exactly.
			m2 += e * e / n
			m4 += e * e * e * e / n
		}
		se := math.Sqrt((m4 - m2*m2) / n)
		if math.Abs(m2-want*want) > 5*se {
			t.Errorf("%s: sample variance %.3f, formula %.3f (5 SE = %.3f)", dist, m2, want*want, 5*se)
		}
	}
	diag := [][]float64{{2, 0, 0}, {0, -1, 0}, {0, 0, 5}}
	if s, _ := experiment.HutchinsonStd(diag, loss.Rademacher); s != 0 {
		t.Errorf("rademacher on a diagonal matrix: std %v, want 0", s)
	}
	if s, _ := experiment.HutchinsonStd([][]float64{{3, 0}, {0, 3}}, loss.Sphere); s > 1e-12 {
		t.Errorf("sphere on 3 I: std %v, want 0", s)
	}
	if s, _ := experiment.HutchinsonStd([][]float64{{1, 2}, {0, 1}}, loss.Gaussian); math.Abs(s-math.Sqrt(2*(1+1+2))) > 1e-12 {
		t.Errorf("gaussian std %v, want sqrt(8)", s) // A_s = [[1 1] [1 1]]: ||A_s||_F^2 = 4.
	}
	if _, err := experiment.HutchinsonStd([][]float64{{1, 2}}, loss.Gaussian); err == nil {
		t.Error("non-square matrix: no error")
	}
	if _, err := experiment.HutchinsonStd(diag, loss.Projection(9)); err == nil {
		t.Error("unknown distribution: no error")
	}
}

// TestHutchinsonConvergence: the grid runs from 1 to maxM; the RMS error over the sequences after
// M vectors is close to Std/sqrt(M) (its square is a mean of `repeats` squared errors, within a
// loose 30% here), and the running mean ends near tr(A).
func TestHutchinsonConvergence(t *testing.T) {
	a, _ := experiment.HutchinsonMatrix(6, 2, 1)
	tr := experiment.MatrixTrace(a)
	const maxM, repeats = 400, 300
	for _, dist := range slicedProjections {
		c, err := experiment.HutchinsonConvergence(a, dist, maxM, repeats, 11)
		if err != nil {
			t.Fatal(err)
		}
		if c.M[0] != 1 || c.M[len(c.M)-1] != maxM || len(c.Running) != len(c.M) || len(c.RMSError) != len(c.M) {
			t.Fatalf("%s: grid %v (%d running, %d errors)", dist, c.M, len(c.Running), len(c.RMSError))
		}
		for k := 1; k < len(c.M); k++ {
			if c.M[k] <= c.M[k-1] {
				t.Fatalf("%s: grid not increasing: %v", dist, c.M)
			}
		}
		for _, k := range []int{0, len(c.M) / 2, len(c.M) - 1} {
			want := c.Std / math.Sqrt(float64(c.M[k]))
			if math.Abs(c.RMSError[k]-want) > 0.3*want {
				t.Errorf("%s: RMS error after %d vectors %.4f, want about %.4f", dist, c.M[k], c.RMSError[k], want)
			}
		}
		last := c.Running[len(c.Running)-1]
		if bound := 5 * c.Std / math.Sqrt(maxM); math.Abs(last-tr) > bound {
			t.Errorf("%s: running mean %.4f after %d vectors, tr(A) = %.4f (bound %.4f)", dist, last, maxM, tr, bound)
		}
	}
	// Seeded: the same call gives the same numbers.
	c1, _ := experiment.HutchinsonConvergence(a, loss.Gaussian, 50, 3, 5)
	c2, _ := experiment.HutchinsonConvergence(a, loss.Gaussian, 50, 3, 5)
	if c1.Running[10] != c2.Running[10] || c1.RMSError[10] != c2.RMSError[10] {
		t.Error("HutchinsonConvergence is not deterministic")
	}
	if _, err := experiment.HutchinsonConvergence(a, loss.Gaussian, 0, 3, 5); err == nil {
		t.Error("maxM 0: no error")
	}
	if _, err := experiment.HutchinsonMatrix(0, 1, 1); err == nil {
		t.Error("matrix of size 0: no error")
	}
}

func TestSampleMeanStd(t *testing.T) {
	m, s := experiment.SampleMeanStd([]float64{1, 2, 3, 4})
	if m != 2.5 || math.Abs(s-math.Sqrt(5.0/3)) > 1e-12 {
		t.Errorf("mean %v std %v", m, s)
	}
	if m, s := experiment.SampleMeanStd([]float64{7}); m != 7 || s != 0 {
		t.Errorf("one value: mean %v std %v", m, s)
	}
}

// TestRepeatGradient trains a small network briefly, then evaluates losses and gradients
// repeatedly on one batch: the exact loss gives the same value and gradient every time; the
// sliced-vr draws differ, their mean value is the exact loss within 5 standard errors, and their
// mean gradient is close to the exact gradient (both estimate the same J on the same batch).
func TestRepeatGradient(t *testing.T) {
	b := testutil.Backend(t)
	out, err := experiment.Run(context.Background(), b, tinyRingOptions(2), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	batch := out.Data[:64]
	exact, exactGrads, err := out.RepeatGradient("exact", loss.Options{}, batch, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 2-16-2: 2*16 + 16 + 16*2 + 2 parameters.
	if len(exactGrads) != 2 || len(exactGrads[0]) != 82 || exact[0] != exact[1] {
		t.Fatalf("exact: values %v, %d gradients of %d entries", exact, len(exactGrads), len(exactGrads[0]))
	}
	if d, _ := experiment.RMSDistance(exactGrads[1:], exactGrads[0]); d != 0 {
		t.Errorf("exact gradient varies: distance %v", d)
	}
	const draws = 200
	opts := loss.Options{Projections: 2, ProjectionDist: loss.Rademacher}
	vr, grads, err := out.RepeatGradient("sliced-vr", opts, batch, draws, 1)
	if err != nil {
		t.Fatal(err)
	}
	mean, std := experiment.SampleMeanStd(vr)
	if std == 0 {
		t.Errorf("sliced-vr draws do not vary: %v", vr[:5])
	}
	if se := std / math.Sqrt(draws); math.Abs(mean-exact[0]) > 5*se+1e-4 {
		t.Errorf("sliced-vr mean %.5f, exact %.5f (5 SE = %.5f)", mean, exact[0], 5*se)
	}
	// The squared distance of the mean gradient from the exact one has expectation noise^2/draws;
	// allow 5 times that (in squared terms 25).
	noise, err := experiment.RMSDistance(grads, exactGrads[0])
	if err != nil {
		t.Fatal(err)
	}
	bias, _ := experiment.RMSDistance([][]float64{experiment.MeanVector(grads)}, exactGrads[0])
	if noise == 0 || bias > 5*noise/math.Sqrt(draws) {
		t.Errorf("sliced-vr gradient: noise %.4g, mean's distance from the exact gradient %.4g (bound %.4g)", noise, bias, 5*noise/math.Sqrt(draws))
	}
	again, _, _ := out.RepeatGradient("sliced-vr", opts, batch, draws, 1)
	if again[17] != vr[17] {
		t.Error("RepeatGradient with the same seed gives other draws")
	}
	if _, _, err := out.RepeatGradient("nope", loss.Options{}, batch, 1, 0); err == nil {
		t.Error("unknown loss: no error")
	}
	if _, _, err := out.RepeatGradient("exact", loss.Options{}, batch, 0, 0); err == nil {
		t.Error("0 draws: no error")
	}
	if _, err := experiment.RMSDistance(grads, []float64{1}); err == nil {
		t.Error("RMSDistance of vectors of different lengths: no error")
	}
	if v := experiment.VectorNorm([]float64{3, 4}); v != 5 {
		t.Errorf("VectorNorm = %v", v)
	}
	if m := experiment.MeanVector([][]float64{{1, 2}, {3, 6}}); m[0] != 2 || m[1] != 4 {
		t.Errorf("MeanVector = %v", m)
	}

	// The runs' loss figure renders, and refuses a run with no history.
	minimum := -1.0
	p, err := experiment.RunsLossFigure("losses", &minimum, out, out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
	if _, err := experiment.RunsLossFigure("losses", nil, &experiment.Outcome{}); err == nil {
		t.Error("run with no history: no error")
	}
}

func TestSlicedFigures(t *testing.T) {
	a, _ := experiment.HutchinsonMatrix(4, 1, 2)
	var curves []experiment.HutchinsonCurve
	for _, dist := range slicedProjections {
		c, err := experiment.HutchinsonConvergence(a, dist, 100, 5, 1)
		if err != nil {
			t.Fatal(err)
		}
		curves = append(curves, c)
	}
	running, rms, err := experiment.HutchinsonFigures(experiment.MatrixTrace(a), curves)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(running, rms); err != nil {
		t.Error(err)
	}
	if _, _, err := experiment.HutchinsonFigures(0, nil); err == nil {
		t.Error("no curves: no error")
	}
	results := []bench.Result{
		{Loss: "exact", Dim: 8, MsPerStep: 5}, {Loss: "exact", Dim: 2, MsPerStep: 2},
		{Loss: "sliced", Dim: 2, MsPerStep: 2}, {Loss: "sliced", Dim: 8, MsPerStep: 2.2},
	}
	p, err := experiment.StepCostFigure("cost", results)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
	if _, err := experiment.StepCostFigure("cost", nil); err == nil {
		t.Error("no results: no error")
	}
	if _, err := experiment.StepCostFigure("cost", []bench.Result{{Loss: "exact", Dim: 2}}); err == nil || !strings.Contains(err.Error(), "D=2") {
		t.Errorf("zero time: error %v", err)
	}
}

func TestLogTicks125(t *testing.T) {
	var labels []string
	for _, tk := range (experiment.LogTicks125{}).Ticks(2, 130) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "2 5 10 20 50 100" {
		t.Errorf("labels %q, want 2 5 10 20 50 100", got)
	}
	if ticks := (experiment.LogTicks125{}).Ticks(0, 10); ticks != nil {
		t.Errorf("ticks for a range starting at 0: %v", ticks)
	}
}

// TestRadialProfile: on the ring's own score the profile is the closed-form radial score
// -((r - R)/std^2 + 1/r), whatever the angle.
func TestRadialProfile(t *testing.T) {
	ring := toy.BlogRing
	radii := []float64{0.8, 1, 1.25}
	got, err := experiment.RadialProfile(func(p [][]float64) ([][]float64, error) { return ring.Scores(p), nil }, radii, 16)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range radii {
		want := -((r-ring.Radius)/(ring.Std*ring.Std) + 1/r)
		if math.Abs(got[i]-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("r = %g: profile %v, want %v", r, got[i], want)
		}
	}
	if _, err := experiment.RadialProfile(nil, radii, 0); err == nil {
		t.Error("0 angles: no error")
	}
	p, err := experiment.RadialScoreFigure("radial", ring)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
}

package likelihood_test

import (
	"context"
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/likelihood"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/sde"
)

// TestGaussianLogDensity: for data N(mu, 0.5^2 I) the marginal scores are known in closed form
// (sample.GaussianTimeScore), and the ODE's log-density must be the true log-density of p_Eps,
// N(a mu, (a^2 0.5^2 + std(Eps)^2) I): within 2e-3 nats with 100 RK4 steps or Dormand-Prince at
// 1e-6 (the path is computed in float32, the accumulation in float64), for both processes, with
// the exact divergence. Hutchinson's estimate is exact here too: this score's Jacobian is a
// multiple of I, whose v . J v is its trace for every Rademacher v.
//
// The prior N(0, PriorStd^2 I) is not exactly p_1 when mu is not 0 (p_1 = N(a(1) mu, ...)): the
// error that leaves is about 2 (x - mu) . mu / SigmaMax for VE and a(1) |mu| |x - mu| / 0.5 for VP
// (0.09 and 0.03 nats at mu = (1, -2), SigmaMax = 50: measured), so the cases with mu != 0 use a VE
// SigmaMax of 10^4 (4e-4 nats) and the VP cases mu = 0.
func TestGaussianLogDensity(t *testing.T) {
	b, ctx := testutil.Backend(t), context.Background()
	std := 0.5
	for _, tc := range []struct {
		s  sde.SDE
		mu []float64
	}{
		{sde.SDE{Kind: sde.VE, SigmaMax: 50}.WithDefaults(), []float64{0, 0}},
		{sde.SDE{Kind: sde.VE, SigmaMax: 1e4}.WithDefaults(), []float64{1, -2}},
		{sde.SDE{Kind: sde.VP}.WithDefaults(), []float64{0, 0}},
	} {
		s, mu := tc.s, tc.mu
		pts := make([][]float64, 200)
		for i := range pts {
			a := float64(i) * 0.37
			pts[i] = []float64{mu[0] + 0.8*math.Cos(a), mu[1] + 0.6*math.Sin(1.3*a)}
		}
		score, err := sample.GaussianTimeScore(s, mu, std)
		if err != nil {
			t.Fatal(err)
		}
		a, sd := s.MeanStd(s.Eps)
		v := a*a*std*std + sd*sd
		want := func(p []float64) float64 {
			var ss float64
			for j := range p {
				ss += (p[j] - a*mu[j]) * (p[j] - a*mu[j])
			}
			return -0.5*ss/v - math.Log(2*math.Pi*v)
		}
		for _, c := range []struct {
			name string
			cfg  likelihood.Config
			tol  float64
		}{
			{"rk4", likelihood.Config{Steps: 100}, 2e-3},
			{"dopri", likelihood.Config{Steps: 2000, Tolerance: 1e-6}, 2e-3},
			{"hutchinson", likelihood.Config{Steps: 100, Hutchinson: true, Seed: 3}, 2e-3},
		} {
			res, err := likelihood.LogDensity(ctx, b, nil, s, score, pts, c.cfg)
			if err != nil {
				t.Fatalf("%s %s: %v", s.Kind, c.name, err)
			}
			var worst, mean float64
			for i, p := range pts {
				e := res.LogDensity[i] - want(p)
				worst = math.Max(worst, math.Abs(e))
				mean += e / float64(len(pts))
			}
			t.Logf("%s (sigma_max %g) mu %v %s: largest error %.2e nats, mean %.2e, %d evaluations", s.Kind, s.SigmaMax, mu, c.name, worst, mean, res.Evals)
			if worst > c.tol || math.Abs(mean) > math.Min(c.tol, 0.05) {
				t.Errorf("%s %s: largest error %.3g nats (mean %.3g), want within %g", s.Kind, c.name, worst, mean, c.tol)
			}
		}
	}
}

// TestLogDensityAgainstJAX: for the golden time-conditioned network of the VP process
// (testdata/golden/sde_vp.json), the probability-flow log-density of 4 points with the same 100
// RK4 steps matches the JAX reference's float64 integration within 1e-3 nats (the path and the
// divergence are float32 here; measured: see the log).
func TestLogDensityAgainstJAX(t *testing.T) {
	g := testutil.LoadSDE(t)
	m, store, s := g.SDEModel(t)
	score := func(st *model.Store, x, tt *graph.Node) *graph.Node { return m.ApplyAtTime(st, x, tt) }
	res, err := likelihood.LogDensity(context.Background(), testutil.Backend(t), store, s, score, g.X.Rows()[:4], likelihood.Config{Steps: g.ODESteps})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "probability-flow log-density", res.LogDensity, g.ODELogP.Data, testutil.Tol{Abs: 1e-3})
}

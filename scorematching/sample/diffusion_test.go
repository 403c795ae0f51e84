package sample_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/sde"
)

// TestDiffusionSamplersGaussian: with the exact scores of data N(mu, 0.5^2 I), every diffusion
// sampler, on both processes, ends at the data: the sample mean within 5 standard errors
// (0.5/sqrt(n)) plus the discretisation's bias (0.03) of mu, the per-coordinate std within 0.05
// of 0.5 (its standard error is 0.5/sqrt(2n) = 0.008). A reference, not a timed check.
func TestDiffusionSamplersGaussian(t *testing.T) {
	b, ctx := testutil.Backend(t), context.Background()
	mu, std := []float64{1, -2}, 0.5
	const n = 2000
	// The VE prior N(0, SigmaMax^2 I) ignores the data mean: the ODE, which does not mix, carries the
	// offset mu to the end shrunk by about 0.5/SigmaMax, so SigmaMax is large against |mu| here.
	for _, s := range []sde.SDE{sde.SDE{Kind: sde.VE, SigmaMax: 50}.WithDefaults(), sde.SDE{Kind: sde.VP}.WithDefaults()} {
		score, err := sample.GaussianTimeScore(s, mu, std)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			run  func(context.Context, sample.Config) (sample.Result, error)
			cfg  sample.Config
		}{
			{"em", func(ctx context.Context, c sample.Config) (sample.Result, error) {
				return sample.ReverseSDE(ctx, b, nil, s, score, c)
			}, sample.Config{Steps: 500}},
			{"pc", func(ctx context.Context, c sample.Config) (sample.Result, error) {
				return sample.PC(ctx, b, nil, s, score, c)
			}, sample.Config{Steps: 300}},
			{"ode rk4", func(ctx context.Context, c sample.Config) (sample.Result, error) {
				return sample.ProbabilityFlow(ctx, b, nil, s, score, c)
			}, sample.Config{Steps: 100}},
			{"ode dopri", func(ctx context.Context, c sample.Config) (sample.Result, error) {
				return sample.ProbabilityFlow(ctx, b, nil, s, score, c)
			}, sample.Config{Steps: 1000, Tolerance: 1e-5}},
		} {
			cfg := c.cfg
			cfg.N, cfg.Dim, cfg.Seed, cfg.KeepEvery, cfg.TrajectoryPoints = n, 2, 7, max(cfg.Steps/10, 1), 3
			res, err := c.run(ctx, cfg)
			if err != nil {
				t.Fatalf("%s %s: %v", s.Kind, c.name, err)
			}
			for j := range 2 {
				var m, ss float64
				for _, p := range res.Samples {
					m += p[j] / n
				}
				for _, p := range res.Samples {
					ss += (p[j] - m) * (p[j] - m) / (n - 1)
				}
				if math.Abs(m-mu[j]) > 5*std/math.Sqrt(n)+0.03 || math.Abs(math.Sqrt(ss)-std) > 0.05 {
					t.Errorf("%s %s: coordinate %d: mean %.4f (want %g), std %.4f (want %g)", s.Kind, c.name, j, m, mu[j], math.Sqrt(ss), std)
				}
			}
			if len(res.Trajectories) != 3 || len(res.TrajectorySteps) < 2 || res.TrajectorySteps[0] != 0 {
				t.Errorf("%s %s: %d trajectories at steps %v", s.Kind, c.name, len(res.Trajectories), res.TrajectorySteps)
			}
			t.Logf("%s %s: %d score evaluations", s.Kind, c.name, res.Evals)
		}
	}
}

// TestDiffusionSamplerErrors: bad configurations are refused naming the value; a cancelled run
// returns ctx's error.
func TestDiffusionSamplerErrors(t *testing.T) {
	b := testutil.Backend(t)
	s := sde.SDE{Kind: sde.VP}.WithDefaults()
	score, _ := sample.GaussianTimeScore(s, []float64{0}, 1)
	for _, c := range []struct {
		cfg  sample.Config
		want string
	}{
		{sample.Config{N: 10, Dim: 1}, "steps must be positive"},
		{sample.Config{N: 10, Dim: 1, Steps: 5, StepSize: 0.1}, "StepSize"},
		{sample.Config{N: 10, Dim: 1, Steps: 5, SNR: -1}, "SNR"},
		{sample.Config{N: 0, Dim: 1, Steps: 5}, "N must be positive"},
	} {
		if _, err := sample.PC(context.Background(), b, nil, s, score, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.cfg, err, c.want)
		}
	}
	if _, err := sample.PC(context.Background(), b, nil, sde.SDE{Kind: "ou"}, score, sample.Config{N: 1, Dim: 1, Steps: 1}); err == nil || !strings.Contains(err.Error(), `"ou"`) {
		t.Errorf("unknown SDE: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sample.ReverseSDE(ctx, b, nil, s, score, sample.Config{N: 4, Dim: 1, Steps: 10}); err != context.Canceled {
		t.Errorf("cancelled: error %v", err)
	}
}

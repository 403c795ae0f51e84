package experiment_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// tinyRingOptions is a tiny exact-loss run on the ring (a few seconds on any backend).
func tinyRingOptions(epochs int) experiment.Options {
	o := experiment.BlogOptions()
	o.Samples, o.FreshSamples, o.Sizes = 256, 256, []int{2, 16, 2}
	o.Train.Epochs, o.Train.BatchSize, o.Train.LearningRate, o.Train.ReportEvery = epochs, 128, 1e-3, 0
	return o
}

// samplingMixOptions is a tiny NCSN run on 2gaussians with three noise levels.
func samplingMixOptions() experiment.Options {
	return experiment.Options{Dataset: "2gaussians", Samples: 256, FreshSamples: 256, Sizes: []int{2, 16, 2},
		Loss: "ncsn", LossOptions: loss.Options{Sigmas: []float64{4, 2, 1}},
		Train: train.Config{Epochs: 2, BatchSize: 128, LearningRate: 1e-3}}
}

// TestLoadOrRun: the first call trains and writes the run; the second, with the same options,
// loads it (same weights); a change of option trains again and replaces it.
func TestLoadOrRun(t *testing.T) {
	b, dir := testutil.Backend(t), filepath.Join(t.TempDir(), "run")
	ctx := context.Background()
	first, loaded, err := experiment.LoadOrRun(ctx, b, dir, tinyRingOptions(2), train.Hooks{})
	if err != nil || loaded {
		t.Fatalf("first call: loaded %v, error %v; want a training run", loaded, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		t.Fatalf("the run was not written: %v", err)
	}
	again, loaded, err := experiment.LoadOrRun(ctx, b, dir, tinyRingOptions(2), train.Hooks{})
	if err != nil || !loaded {
		t.Fatalf("second call: loaded %v, error %v; want the saved run", loaded, err)
	}
	testutil.Close(t, "reloaded weights", float32s(again.Params.Weights[0]), float32s(first.Params.Weights[0]), testutil.Tol{})
	third, loaded, err := experiment.LoadOrRun(ctx, b, dir, tinyRingOptions(3), train.Hooks{})
	if err != nil || loaded {
		t.Fatalf("after a change of epochs: loaded %v, error %v; want a new training run", loaded, err)
	}
	if len(third.Result.History) != 3 {
		t.Errorf("new run has %d epochs, want 3", len(third.Result.History))
	}
	if _, loaded, _ := experiment.LoadOrRun(ctx, b, dir, tinyRingOptions(3), train.Hooks{}); !loaded {
		t.Error("the new run was not saved in place of the old one")
	}
}

func float32s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestOutcomeSamplers: Outcome.Langevin and Outcome.Annealed give exactly the samples of
// sample.Langevin with the network's score and of sample.Annealed with the noise-conditional
// network down its training levels; each refuses the other kind of network.
func TestOutcomeSamplers(t *testing.T) {
	b, ctx := testutil.Backend(t), context.Background()
	plain, err := experiment.Run(ctx, b, tinyRingOptions(2), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sample.Config{N: 50, Steps: 20, StepSize: 1e-3, Box: 1.5, Dim: 2, Seed: 3}
	got, err := plain.Langevin(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sample.Langevin(ctx, b, plain.Store, sample.MLPScore(plain.Net), cfg)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "Outcome.Langevin", testutil.Flatten(got.Samples), testutil.Flatten(want.Samples), testutil.Tol{})
	acfg := sample.AnnealedConfig{N: 50, StepsPerLevel: 5, StepSize: 0.05, Box: 8, Dim: 2, Seed: 4}
	if _, err := plain.Annealed(ctx, acfg); err == nil || !strings.Contains(err.Error(), "sample it with Langevin") {
		t.Errorf("Annealed on a plain network: error %v", err)
	}

	noisy, err := experiment.Run(ctx, b, samplingMixOptions(), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	agot, err := noisy.Annealed(ctx, acfg)
	if err != nil {
		t.Fatal(err)
	}
	acfg.Sigmas = []float64{4, 2, 1}
	awant, err := sample.Annealed(ctx, b, noisy.Store, network.NoiseMLP{Sizes: []int{3, 16, 2}}.Apply, acfg)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "Outcome.Annealed", testutil.Flatten(agot.Samples), testutil.Flatten(awant.Samples), testutil.Tol{})
	if _, err := noisy.Langevin(ctx, cfg); err == nil || !strings.Contains(err.Error(), "sample it with Annealed") {
		t.Errorf("Langevin on a noise-conditional network: error %v", err)
	}
}

// TestCheckMMD: ring samples against the ring stay within the noise floor; a ring of radius 1.2
// (two radial stds off) is far above it, at the median bandwidth and at h = 0.1. The noise floor's
// spread is about 2e-4 at n = 1000 (measured), the shifted ring's MMD^2 about 0.05 at h = 0.1.
func TestCheckMMD(t *testing.T) {
	ring := toy.BlogRing
	same, err := ring.Sample(1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	wide, err := toy.Ring{Radius: 1.2, Std: 0.1}.Sample(1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []float64{0, 0.1} {
		c, err := experiment.CheckMMD(same, ring.Sample, h, 10, 100)
		if err != nil {
			t.Fatal(err)
		}
		if c.N != 1000 || len(c.Floor.Values) != 10 || !(c.Bandwidth > 0) {
			t.Errorf("h %v: check %+v", h, c)
		}
		if h != 0 && c.Bandwidth != h {
			t.Errorf("bandwidth %v, want %v", c.Bandwidth, h)
		}
		if !c.Within() || !strings.Contains(c.String(), "within the noise floor") {
			t.Errorf("h %v: ring vs ring not within the floor: %v", h, c)
		}
		c, err = experiment.CheckMMD(wide, ring.Sample, h, 10, 100)
		if err != nil {
			t.Fatal(err)
		}
		if c.Within() || !strings.Contains(c.String(), "ABOVE the noise floor") {
			t.Errorf("h %v: a ring of radius 1.2 passes: %v", h, c)
		}
	}
	if _, err := experiment.CheckMMD(same, nil, 0, 10, 0); err == nil {
		t.Error("no error for a nil sampler")
	}
	if _, err := experiment.CheckMMD(same, ring.Sample, 0, 1, 0); err == nil {
		t.Error("no error for one repetition")
	}
}

// TestBlurredSampler: sigma 0 is the data set's sampler; otherwise the per-coordinate variance of
// N(0, I) blurred by sigma = 0.5 is 1.25 (within 5 standard errors, sqrt(2/m) 1.25 for m
// coordinates), and the same seed gives the same points.
func TestBlurredSampler(t *testing.T) {
	d, err := toy.New("gaussian", nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := experiment.BlurredSampler(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := plain(100, 1)
	b, _ := d.Sample(100, 1)
	testutil.Close(t, "sigma 0", testutil.Flatten(a), testutil.Flatten(b), testutil.Tol{})

	blur, err := experiment.BlurredSampler(d, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	pts, err := blur(n, 2)
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for _, p := range pts {
		ss += p[0]*p[0] + p[1]*p[1]
	}
	m := float64(2 * n)
	if v, tol := ss/m, 5*1.25*math.Sqrt(2/m); math.Abs(v-1.25) > tol {
		t.Errorf("variance %.4f, want 1.25 within %.4f", v, tol)
	}
	again, _ := blur(n, 2)
	testutil.Close(t, "same seed", testutil.Flatten(again), testutil.Flatten(pts), testutil.Tol{})
	if _, err := experiment.BlurredSampler(d, -1); err == nil {
		t.Error("no error for a negative sigma")
	}
	if _, err := experiment.BlurredSampler(nil, 1); err == nil {
		t.Error("no error for no data set")
	}
}

// TestPathsUpTo cuts recorded paths after a step.
func TestPathsUpTo(t *testing.T) {
	res := sample.Result{TrajectorySteps: []int{0, 10, 20, 24},
		Trajectories: [][][]float64{{{0, 0}, {1, 1}, {2, 2}, {3, 3}}, {{5, 5}, {6, 6}, {7, 7}, {8, 8}}}}
	for _, tc := range []struct{ step, want int }{{-1, 0}, {0, 1}, {15, 2}, {20, 3}, {100, 4}} {
		got := experiment.PathsUpTo(res, tc.step)
		if len(got) != 2 || len(got[0]) != tc.want || len(got[1]) != tc.want {
			t.Errorf("step %d: %d and %d points, want %d", tc.step, len(got[0]), len(got[1]), tc.want)
		}
	}
}

// TestSamplingFigures renders the trajectory and angle figures and checks their errors.
func TestSamplingFigures(t *testing.T) {
	ring := toy.BlogRing
	field, err := experiment.TrueField(ring)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := ring.Sample(300, 1)
	if err != nil {
		t.Fatal(err)
	}
	paths := [][][]float64{{{1.4, 0}, {1.1, 0.1}, {1, 0.2}}, {{-1, -1}, {-0.7, -0.7}}}
	traj, err := experiment.TrajectoryFigure("paths", field, pts, paths, 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	bare, err := experiment.TrajectoryFigure("no field", plots.Field{}, nil, paths, 1.6, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	angles, err := experiment.AngleFigure("angles", 24, experiment.PointSet{Name: "a", Points: pts},
		experiment.PointSet{Name: "b", Points: pts[:100]})
	if err != nil {
		t.Fatal(err)
	}
	png, err := plots.PNG(traj, bare, angles)
	if err != nil || len(png) < 1000 {
		t.Fatalf("rendering: %d bytes, error %v", len(png), err)
	}
	if _, err := experiment.TrajectoryFigure("bad", field, nil, [][][]float64{{{1}}}, 1.6, 0.1); err == nil {
		t.Error("no error for a 1-D path point")
	}
	if _, err := experiment.AngleFigure("bad", 1, experiment.PointSet{Name: "a", Points: pts}); err == nil {
		t.Error("no error for one bin")
	}
	if _, err := experiment.AngleFigure("bad", 10); err == nil {
		t.Error("no error for no point set")
	}
	if _, err := experiment.AngleFigure("bad", 10, experiment.PointSet{Name: "empty"}); err == nil {
		t.Error("no error for an empty point set")
	}
}

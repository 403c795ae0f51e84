package experiment_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
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

// TestLoadOrRunShared: a run saved in one notebook's folder under root is found by options (the
// data's default parameters, left out or written out, are the same options) and
// copied into another's instead of training again (same weights, loadable from the new folder);
// a folder that is not a run, a run of other options or a damaged one is passed over, and with no
// match it trains; an empty root (or none) finds nothing.
func TestLoadOrRunShared(t *testing.T) {
	b, root, ctx := testutil.Backend(t), t.TempDir(), context.Background()
	first, err := experiment.Run(ctx, b, tinyRingOptions(2), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.WriteDir(filepath.Join(root, "01", "exact")); err != nil {
		t.Fatal(err)
	}
	other, err := experiment.Run(ctx, b, tinyRingOptions(1), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.WriteDir(filepath.Join(root, "00-other")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "00-broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "00-broken", "summary.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := experiment.FindRun(b, filepath.Join(root, "missing"), tinyRingOptions(2)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("FindRun in a missing folder: error %v, want os.ErrNotExist", err)
	}
	dir := filepath.Join(root, "03", "ring")
	spelled := tinyRingOptions(2) // The same run, its data's default parameters written out.
	spelled.DataParams = toy.BlogRing.Params()
	got, from, err := experiment.LoadOrRunShared(ctx, b, root, dir, spelled, train.Hooks{})
	if err != nil || from != filepath.Join(root, "01", "exact") {
		t.Fatalf("LoadOrRunShared: from %q, error %v; want the run in 01/exact", from, err)
	}
	testutil.Close(t, "shared weights", float32s(got.Params.Weights[0]), float32s(first.Params.Weights[0]), testutil.Tol{})
	copied, err := experiment.Load(b, dir)
	if err != nil {
		t.Fatalf("the shared run was not copied into %s: %v", dir, err)
	}
	testutil.Close(t, "copied weights", float32s(copied.Params.Weights[0]), float32s(first.Params.Weights[0]), testutil.Tol{})
	if _, from, err := experiment.LoadOrRunShared(ctx, b, root, dir, tinyRingOptions(2), train.Hooks{}); err != nil || from != dir {
		t.Errorf("second call: from %q, error %v; want its own folder %s", from, err, dir)
	}
	trained, from, err := experiment.LoadOrRunShared(ctx, b, root, dir, tinyRingOptions(3), train.Hooks{})
	if err != nil || from != "" || len(trained.Result.History) != 3 {
		t.Errorf("options of no saved run: from %q, error %v; want a new 3-epoch run", from, err)
	}
}

func float32s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestOutcomeSample: Outcome.Sample gives exactly the samples of sample.Langevin with the model's
// score for a plain model and of sample.Annealed with the noise-conditional model down its training
// levels (the sampler its kind calls for); annealing a plain model is refused; a zero Box starts in
// the run's window and a zero Dim is the data's.
func TestOutcomeSample(t *testing.T) {
	b, ctx := testutil.Backend(t), context.Background()
	plain, err := experiment.Run(ctx, b, tinyRingOptions(2), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sample.Config{N: 50, Steps: 20, StepSize: 1e-3, Seed: 3}
	got, err := plain.Sample(ctx, "", cfg)
	if err != nil {
		t.Fatal(err)
	}
	withBox := cfg
	withBox.Box, _ = plain.Window()
	withBox.Dim = 2
	want, err := sample.Langevin(ctx, b, plain.Store, sample.ModelScore(plain.Model), withBox)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "Outcome.Sample, plain model", testutil.Flatten(got.Samples), testutil.Flatten(want.Samples), testutil.Tol{})
	acfg := sample.Config{N: 50, Steps: 5, StepSize: 0.05, Box: 8, Dim: 2, Seed: 4}
	if _, err := plain.Sample(ctx, sample.SamplerAnnealed, acfg); err == nil || !strings.Contains(err.Error(), "needs a noise-conditional model") {
		t.Errorf("annealing a plain model: error %v", err)
	}

	noisy, err := experiment.Run(ctx, b, samplingMixOptions(), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	agot, err := noisy.Sample(ctx, "", acfg)
	if err != nil {
		t.Fatal(err)
	}
	acfg.Sigmas = []float64{4, 2, 1}
	m := network.Model{Kind: network.KindNoiseMLP, Sizes: []int{3, 16, 2}, Sigmas: acfg.Sigmas}
	awant, err := sample.Annealed(ctx, b, noisy.Store, m.ApplyAt, acfg)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "Outcome.Sample, noise-conditional model", testutil.Flatten(agot.Samples), testutil.Flatten(awant.Samples), testutil.Tol{})
}

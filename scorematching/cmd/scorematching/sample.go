package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/points"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
)

func runSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sample", "--model DIR [--sampler langevin|annealed] [--n N] [--steps K] [--step-size E] [--seed S] [--plot FILE]", stderr)
	modelDir := fs.String("model", "", "model directory written by train (required)")
	sampler := fs.String("sampler", "", "langevin (plain network) or annealed (noise-conditional network); default: the one the model needs")
	n := fs.Int("n", 1000, "number of samples (particles)")
	steps := fs.Int("steps", 1000, "Langevin steps (annealed: steps per noise level)")
	stepSize := fs.Float64("step-size", 1e-3, "step size eps (annealed: at the smallest noise level)")
	seed := fs.Uint64("seed", 0, "seed of the start points and the noise")
	box := fs.Float64("box", 0, "start points uniform in [-box, box]^D (default: the data's extent)")
	plotFile := fs.String("plot", "", "also write a PNG of the samples and a few trajectories to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model"); err != nil {
		return err
	}
	if *plotFile != "" && !strings.EqualFold(filepath.Ext(*plotFile), ".png") {
		return fmt.Errorf("--plot %q: the figure is a PNG image; give a file name ending in .png", *plotFile)
	}
	switch {
	case *n <= 0:
		return fmt.Errorf("--n must be positive, got %d", *n)
	case *steps <= 0:
		return fmt.Errorf("--steps must be positive, got %d", *steps)
	case !(*stepSize > 0) || math.IsInf(*stepSize, 0):
		return fmt.Errorf("--step-size must be positive and finite, got %v", *stepSize)
	case *box < 0 || math.IsInf(*box, 0) || math.IsNaN(*box):
		return fmt.Errorf("--box must be positive and finite, got %v", *box)
	}
	saved, err := network.Load(*modelDir)
	if err != nil {
		return err
	}
	noiseNet := isNoiseModel(saved)
	if *sampler == "" {
		*sampler = map[bool]string{false: "langevin", true: "annealed"}[noiseNet]
	}
	if *sampler != "langevin" && *sampler != "annealed" {
		return fmt.Errorf("unknown sampler %q: known samplers are langevin, annealed", *sampler)
	}
	if noiseNet != (*sampler == "annealed") {
		return fmt.Errorf("sampler %s does not fit this model: a noise-conditional model (trained with --loss ncsn) needs annealed, a plain one langevin", *sampler)
	}
	dim := saved.Sizes[len(saved.Sizes)-1]
	if *box == 0 {
		*box = dataExtent(saved.Meta, dim)
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	store := model.NewStore()
	if err := network.SetParams(store, saved.Params); err != nil {
		return err
	}
	keep := max(*steps/50, 1)
	var res sample.Result
	if noiseNet {
		sigmas, err := metaSigmas(saved.Meta)
		if err != nil {
			return err
		}
		m := network.NoiseMLP{Sizes: saved.Sizes}
		res, err = sample.Annealed(ctx, b, store, m.Apply, sample.AnnealedConfig{N: *n, Sigmas: sigmas, StepsPerLevel: *steps,
			StepSize: *stepSize, Seed: *seed, Box: *box, Dim: dim, KeepEvery: keep * len(sigmas), TrajectoryPoints: min(plottedPaths, *n)})
		if err != nil {
			return err
		}
	} else {
		res, err = sample.Langevin(ctx, b, store, sample.MLPScore(network.MLP{Sizes: saved.Sizes}), sample.Config{N: *n, Steps: *steps,
			StepSize: *stepSize, Seed: *seed, Box: *box, Dim: dim, KeepEvery: keep, TrajectoryPoints: min(plottedPaths, *n)})
		if err != nil {
			return err
		}
	}
	stopped(ctx)
	if *plotFile != "" {
		if dim != 2 {
			return fmt.Errorf("--plot draws 2-D points; this model's points have %d dimensions", dim)
		}
		p, err := plots.TrajectoriesAt(fmt.Sprintf("%d %s samples; paths from o (start) to • (end)", *n, *sampler), res.Samples, res.Trajectories, res.TrajectorySteps, *box)
		if err != nil {
			return err
		}
		if err := plots.WritePNG(*plotFile, p); err != nil {
			return err
		}
	}
	var buf bytes.Buffer // Written at once, so a failure never leaves partial output.
	header := "x,y"
	if dim != 2 {
		header = header1(dim)
	}
	if err := points.Write(&buf, header, res.Samples); err != nil {
		return err
	}
	_, err = stdout.Write(buf.Bytes())
	return err
}

// header1 is "x1,...,xD".
func header1(dim int) string {
	h := ""
	for i := 1; i <= dim; i++ {
		if i > 1 {
			h += ","
		}
		h += fmt.Sprintf("x%d", i)
	}
	return h
}

// dataExtent is 1.1 times the largest coordinate of 2000 points of the data set the model was
// trained on (recorded in its metadata), or 3 when it is unknown.
func dataExtent(meta map[string]any, dim int) float64 {
	name, _ := meta["dataset"].(string)
	params := map[string]float64{}
	if name == "ring" {
		params["radius"], _ = meta["radius"].(float64)
		params["std"], _ = meta["std"].(float64)
	} else if p, ok := meta["data_params"].(map[string]any); ok {
		for k, v := range p {
			if f, ok := v.(float64); ok {
				params[k] = f
			}
		}
	}
	d, err := toy.New(name, params)
	if err != nil || d.Dim() != dim {
		return 3
	}
	pts, err := d.Sample(2000, 1)
	if err != nil {
		return 3
	}
	m := 0.0
	for _, p := range pts {
		for _, v := range p {
			m = math.Max(m, math.Abs(v))
		}
	}
	return 1.1 * m
}

// plottedPaths is how many particles' paths sample --plot draws.
const plottedPaths = 8

// metaSigmas reads the noise levels a noise-conditional model was trained with.
func metaSigmas(meta map[string]any) ([]float64, error) {
	raw, ok := meta[network.MetaSigmas].([]any)
	if !ok || len(raw) == 0 {
		return nil, fmt.Errorf("the model's metadata has no noise levels (%q): was it trained with --loss ncsn?", network.MetaSigmas)
	}
	if len(raw) > loss.MaxNoiseLevels {
		return nil, fmt.Errorf("the model's metadata lists %d noise levels, more than %d, the most this program takes", len(raw), loss.MaxNoiseLevels)
	}
	sigmas := make([]float64, len(raw))
	for i, v := range raw {
		f, ok := v.(float64)
		if !ok || !(f > 0) {
			return nil, fmt.Errorf("the model's noise level %d is %v", i, v)
		}
		sigmas[i] = f
	}
	if err := loss.CheckSigmas(sigmas); err != nil {
		return nil, fmt.Errorf("the model's noise levels: %w", err)
	}
	return sigmas, nil
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/points"
	"github.com/gosm/gosm/scorematching/sample"
)

func runSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sample", "--model DIR [--sampler langevin|annealed] [--n N] [--steps K] [--step-size E] [--seed S] [--plot FILE]", stderr)
	modelDir := fs.String("model", "", "model directory written by train (required)")
	sampler := fs.String("sampler", "", "langevin or annealed (noise-conditional models only); default: the one the model's kind calls for (annealed for a noise-conditional model, which langevin runs at its smallest noise level)")
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
	b, err := backend.New()
	if err != nil {
		return err
	}
	run, err := experiment.Load(b, *modelDir)
	if err != nil {
		return err
	}
	if *sampler == "" {
		*sampler = sample.DefaultSampler(run.Model)
	}
	dim := run.Model.Dim()
	if *box == 0 {
		*box, _ = run.Window()
	}
	keep := max(*steps/50, 1)
	if *sampler == sample.SamplerAnnealed {
		keep *= len(run.Model.Sigmas)
	}
	res, err := run.Sample(ctx, *sampler, sample.Config{N: *n, Steps: *steps, StepSize: *stepSize, Seed: *seed, Box: *box, Dim: dim,
		KeepEvery: keep, TrajectoryPoints: min(plottedPaths, *n)})
	if err != nil {
		return err
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

// plottedPaths is how many particles' paths sample --plot draws.
const plottedPaths = 8

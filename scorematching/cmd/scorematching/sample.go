package main

import (
	"bytes"
	"context"
	"flag"
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
	fs := newFlags("sample", "--model DIR [--sampler langevin|annealed|em|pc|ode] [--n N] [--steps K] [--step-size E] [--snr R] [--tolerance T] [--seed S] [--plot FILE]", stderr)
	modelDir := fs.String("model", "", "model directory written by train (required)")
	sampler := fs.String("sampler", "", "langevin, annealed (noise-conditional models), em, pc or ode (models trained with --loss sde); default: the one the model's kind calls for (annealed for a noise-conditional model, pc for an sde one; langevin uses the smallest noise level or time)")
	snr := fs.Float64("snr", 0, fmt.Sprintf("pc: the corrector's signal-to-noise ratio (0: %g)", sample.DefaultSNR))
	tolerance := fs.Float64("tolerance", 0, "ode: integrate adaptively (Dormand-Prince) at this tolerance, --steps being its step budget (0: --steps fixed RK4 steps)")
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
	window, _ := run.Window()
	if *box == 0 {
		*box = window
	}
	keep := max(*steps/50, 1)
	if *sampler == sample.SamplerAnnealed {
		keep *= len(run.Model.Sigmas)
	}
	cfg := sample.Config{N: *n, Steps: *steps, Seed: *seed, Dim: dim, KeepEvery: keep, TrajectoryPoints: min(plottedPaths, *n)}
	switch *sampler {
	case sample.SamplerEM, sample.SamplerPC, sample.SamplerODE: // From the SDE's prior, steps set by the SDE.
		if extra := setFlagsOf(fs, "step-size", "box"); extra != "" {
			return fmt.Errorf("--%s is for the Langevin samplers; %s starts from the SDE's prior and its steps follow the SDE", extra, *sampler)
		}
		cfg.SNR, cfg.Tolerance = *snr, *tolerance
	default:
		if extra := setFlagsOf(fs, "snr", "tolerance"); extra != "" {
			return fmt.Errorf("--%s is for the diffusion samplers (em, pc, ode), not %s", extra, *sampler)
		}
		cfg.StepSize, cfg.Box = *stepSize, *box
	}
	res, err := run.Sample(ctx, *sampler, cfg)
	if err != nil {
		return err
	}
	stopped(ctx)
	if *plotFile != "" {
		if dim != 2 {
			return fmt.Errorf("--plot draws 2-D points; this model's points have %d dimensions", dim)
		}
		p, err := plots.TrajectoriesAt(fmt.Sprintf("%d %s samples; paths from o (start) to • (end)", *n, *sampler), res.Samples, res.Trajectories, res.TrajectorySteps, window)
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

// setFlagsOf returns the first of names set on the command line, or "".
func setFlagsOf(fs *flag.FlagSet, names ...string) string {
	for _, name := range names {
		if isSet(fs, name) {
			return name
		}
	}
	return ""
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/likelihood"
	"github.com/gosm/gosm/scorematching/points"
)

func runLikelihood(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("likelihood", "--model DIR --points FILE [--steps N] [--tolerance T] [--hutchinson] [--seed S]", stderr)
	modelDir := fs.String("model", "", "model directory written by train --loss sde (required)")
	pointsFile := fs.String("points", "", "CSV file of points, one per line, optional header; - for stdin (required)")
	steps := fs.Int("steps", likelihood.DefaultSteps, "RK4 steps of the probability-flow ODE (with --tolerance: the step budget)")
	tolerance := fs.Float64("tolerance", 0, "integrate adaptively (Dormand-Prince) at this relative and absolute tolerance (0: fixed RK4 steps)")
	hutchinson := fs.Bool("hutchinson", false, "estimate the divergence with one Rademacher vector per point (for large D) instead of exactly")
	seed := fs.Uint64("seed", 0, "seed of Hutchinson's vectors")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model", "points"); err != nil {
		return err
	}
	switch {
	case *steps <= 0:
		return fmt.Errorf("--steps must be positive, got %d", *steps)
	case !(*tolerance >= 0) || *tolerance >= 1:
		return fmt.Errorf("--tolerance must be in [0, 1), got %v", *tolerance)
	case isSet(fs, "seed") && !*hutchinson:
		return fmt.Errorf("--seed seeds Hutchinson's vectors: give --hutchinson too")
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	run, err := experiment.Load(b, *modelDir)
	if err != nil {
		return err
	}
	if !run.Model.TimeConditional() {
		return fmt.Errorf("%s holds a %s model: the log-density by the probability-flow ODE needs a model trained with --loss sde", *modelDir, run.Model.Kind)
	}
	dim := run.Model.Dim()
	in, err := openInput(*pointsFile)
	if err != nil {
		return err
	}
	defer in.Close()
	pts, err := points.Read(in, dim)
	if err != nil {
		return fmt.Errorf("points file %s: %w", *pointsFile, err)
	}
	res, err := run.Likelihood(ctx, pts, likelihood.Config{Steps: *steps, Tolerance: *tolerance, Hutchinson: *hutchinson, Seed: *seed})
	if err != nil {
		return err
	}
	stopped(ctx)
	logp := make([][]float64, len(pts))
	for i, v := range res.LogDensity {
		logp[i] = []float64{v}
	}
	var buf bytes.Buffer // Written at once, so a failure never leaves partial output.
	if err := points.Write(&buf, likelihoodHeader(dim), pts, logp); err != nil {
		return err
	}
	_, err = stdout.Write(buf.Bytes())
	return err
}

// likelihoodHeader is "x,y,logp" in 2-D and "x1,...,xD,logp" otherwise.
func likelihoodHeader(dim int) string {
	if dim == 2 {
		return "x,y,logp"
	}
	cols := make([]string, 0, dim+1)
	for i := 1; i <= dim; i++ {
		cols = append(cols, fmt.Sprintf("x%d", i))
	}
	return strings.Join(append(cols, "logp"), ",")
}

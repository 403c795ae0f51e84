package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/points"
)

func runScore(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("score", "--model DIR --points FILE [--sigma S]", stderr)
	modelDir := fs.String("model", "", "model directory written by train or reproduce (required)")
	pointsFile := fs.String("points", "", "CSV file of points, one per line, optional header; - for stdin (required)")
	sigma := fs.Float64("sigma", 0, "noise-conditional models: the noise level at which to evaluate s(x, sigma) (default: the smallest level it was trained on)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model", "points"); err != nil {
		return err
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	run, err := experiment.Load(b, *modelDir)
	if err != nil {
		return err
	}
	m := run.Model
	if !m.NoiseConditional() && isSet(fs, "sigma") {
		return fmt.Errorf("--sigma is for noise-conditional models (trained with --loss ncsn); %s holds a plain score network s(x)", *modelDir)
	}
	if isSet(fs, "sigma") && (!(*sigma > 0) || math.IsInf(*sigma, 0)) {
		return fmt.Errorf("--sigma must be positive and finite, got %v", *sigma)
	}
	dim := m.Dim() // The data's dimension: the score's.
	in, err := openInput(*pointsFile)
	if err != nil {
		return err
	}
	defer in.Close()
	pts, err := points.Read(in, dim)
	if err != nil {
		return fmt.Errorf("points file %s: %w", *pointsFile, err)
	}
	scores, err := run.ScoresAt(pts, *sigma)
	if err != nil {
		return err
	}
	// Written to a buffer first so that a failure never leaves partial output.
	var buf bytes.Buffer
	if err := points.Write(&buf, header(dim), pts, scores); err != nil {
		return err
	}
	_, err = stdout.Write(buf.Bytes())
	return err
}

func openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("points file: %w", err)
	}
	return f, nil
}

// header is "x,y,sx,sy" in 2-D and "x1,...,xD,s1,...,sD" otherwise.
func header(dim int) string {
	if dim == 2 {
		return "x,y,sx,sy"
	}
	var cols []string
	for _, prefix := range []string{"x", "s"} {
		for i := 1; i <= dim; i++ {
			cols = append(cols, fmt.Sprintf("%s%d", prefix, i))
		}
	}
	return strings.Join(cols, ",")
}

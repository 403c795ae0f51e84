package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/net"
	"github.com/gosm/gosm/scorematching/points"
)

func runScore(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("score", "--model DIR --points FILE", stderr)
	modelDir := fs.String("model", "", "model directory written by train or reproduce (required)")
	pointsFile := fs.String("points", "", "CSV file of points, one per line, optional header; - for stdin (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "model", "points"); err != nil {
		return err
	}
	saved, err := net.Load(*modelDir)
	if err != nil {
		return err
	}
	dim := saved.Sizes[0]
	in, err := openInput(*pointsFile)
	if err != nil {
		return err
	}
	defer in.Close()
	pts, err := points.Read(in, dim)
	if err != nil {
		return fmt.Errorf("points file %s: %w", *pointsFile, err)
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	scorer, _, err := net.LoadScorer(b, *modelDir)
	if err != nil {
		return err
	}
	scores, err := scorer.Scores(pts)
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

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/bench"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "--workload blog|dim|sample [--steps N] [--backend CONFIG] [--dims 2,8,32,128,512]", stderr)
	workload := fs.String("workload", "blog", "workload: blog, dim or sample (see package bench)")
	steps := fs.Int("steps", 50, "timed steps, after one compile step and a short warm-up")
	config := fs.String("backend", "", "backend configuration (default: $GOMLX_BACKEND, else "+backend.Default+")")
	dimsFlag := fs.String("dims", "2,8,32,128,512", "dimensions of the dim workload")
	label := fs.String("label", "", "name of the backend in the results (default: its configuration)")
	lossName := fs.String("loss", "exact", "loss of the dim workload (exact, sliced, sliced-vr, denoising)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *steps <= 0 {
		return fmt.Errorf("--steps must be positive, got %d", *steps)
	}
	if *workload != "dim" {
		for _, f := range []string{"loss", "dims"} {
			if isSet(fs, f) {
				return fmt.Errorf("--%s is for the dim workload; workload %s does not use it", f, *workload)
			}
		}
	}
	dims, err := splitInts(*dimsFlag)
	if err != nil {
		return fmt.Errorf("--dims: %w", err)
	}
	if *config == "" {
		*config = backend.Config()
	}
	b, err := backend.NewWithConfig(*config)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: workload %s on %s\n", *workload, backend.Describe(b))
	if *label == "" {
		*label = *config
	}
	results, err := bench.Run(ctx, b, *label, *workload, *steps, dims, *lossName)
	stopped(ctx)
	for _, r := range results {
		line, _ := json.Marshal(r)
		fmt.Fprintln(stdout, string(line))
	}
	return err
}

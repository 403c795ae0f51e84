// Command scorematching reproduces the blog post "Score Matching, Toy Datasets, and JAX" in Go,
// with the corrected maths, and trains and evaluates score networks without Jupyter.
//
// Usage:
//
//	scorematching reproduce --out DIR [--epochs N] [--seed S]
//	scorematching train --dataset ring --loss exact --epochs N --batch B --lr LR --seed S --out DIR
//	scorematching score --model DIR --points FILE
//	scorematching bench --workload blog|dim|sample [--steps N] [--backend CONFIG]
//	scorematching sample --model DIR [--sampler langevin|annealed] [--n N] [--steps K] [--step-size E] [--seed S] [--plot FILE]
//	scorematching datasets
//	scorematching lab [--port N] [--no-browser] [--install-only] [--no-xla]
//
// Run "scorematching help" or "scorematching COMMAND -h" for every option. The backend is GoMLX's
// pure Go backend unless GOMLX_BACKEND says otherwise (see package backend).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// command is one sub-command: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"reproduce": {"the blog end to end: sample the ring, train with the exact loss, draw the scores", runReproduce},
	"train":     {"train a score network on a data set and write the model, log and figures", runTrain},
	"score":     {"print the learned score at points read from a CSV file", runScore},
	"bench":     {"time a workload (blog, dim, sample) and print one JSON line per measurement", runBench},
	"lab":       {"set up (once) and start JupyterLab on the notebooks", runLab},
	"sample":    {"draw samples from a trained model with Langevin dynamics (CSV x,y on stdout)", runSample},
	"datasets":  {"list the toy data sets and their parameters", runDatasets},
}

// errUsage marks errors for which the usage was already printed.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the process exit status: 0 on success, 1 on
// failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "scorematching: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "scorematching %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "scorematching: score matching on toy data sets, in Go on GoMLX.")
	fmt.Fprintln(w, "\nUsage: scorematching COMMAND [options]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'scorematching COMMAND -h' for the options of a command.")
	fmt.Fprintln(w, "Environment: GOMLX_BACKEND picks the backend (default \"go:parallelism=-1\"; e.g. \"xla:cpu\").")
}

// splitInts parses a comma-separated list of integers such as "2,64,128,64,2".
func splitInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f)) // Sscanf("%d") accepted "64.5" as 64.
		if err != nil {
			return nil, fmt.Errorf("%q is not a comma-separated list of integers", s)
		}
		out = append(out, v)
	}
	return out, nil
}

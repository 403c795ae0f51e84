// Command scorematching reproduces the blog post "Score Matching, Toy Datasets, and JAX" in Go,
// with the corrected maths, and trains and evaluates score networks without Jupyter.
//
// Usage:
//
//	scorematching reproduce --out DIR [--epochs N] [--seed S]
//	scorematching train --dataset ring --loss exact|sliced|denoising|ncsn|sde [--sde ve|vp] --epochs N --batch B --lr LR --seed S --out DIR
//	scorematching score --model DIR --points FILE
//	scorematching bench --workload blog|dim|sample [--steps N] [--backend CONFIG]
//	scorematching sample --model DIR [--sampler langevin|annealed|em|pc|ode] [--n N] [--steps K] [--step-size E] [--snr R] [--tolerance T] [--seed S] [--plot FILE]
//	scorematching likelihood --model DIR --points FILE [--steps N] [--tolerance T] [--hutchinson]
//	scorematching datasets
//	scorematching lab [--port N] [--no-browser] [--install-only] [--no-xla]
//
// Run "scorematching help" or "scorematching COMMAND -h" for every option. The backend is GoMLX's
// pure Go backend unless GOMLX_BACKEND says otherwise (see package backend).
//
// Exit status: 0 on success and for help, 1 on failure, 2 on a usage error. The first Ctrl-C (or
// SIGTERM) stops a computation after its current step, and the command writes what it has; a
// second one ends the process at once (status 130, or 143 for SIGTERM), and so does a step that
// has not returned 10 s after the first (GOSM_STOP_GRACE, a Go duration, changes the delay).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// command is one sub-command: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"reproduce":  {"the blog end to end: sample the ring, train with the exact loss, draw the scores", runReproduce},
	"train":      {"train a score network on a data set and write the model, log and figures", runTrain},
	"score":      {"print the learned score at points read from a CSV file", runScore},
	"bench":      {"time a workload (blog, dim, sample) and print one JSON line per measurement", runBench},
	"lab":        {"set up (once) and start JupyterLab on the notebooks", runLab},
	"sample":     {"draw samples from a trained model: Langevin, annealed, or for sde models reverse SDE, predictor-corrector, ODE (CSV on stdout)", runSample},
	"likelihood": {"print a model's log-density (nats) at points read from a CSV file, by the probability-flow ODE (sde models)", runLikelihood},
	"datasets":   {"list the toy data sets and their parameters", runDatasets},
}

// errUsage marks errors for which the usage was already printed: run exits 2.
var errUsage = errors.New("usage")

// errHelp marks a request for help (-h, --help) whose usage was already printed: run exits 0.
var errHelp = errors.New("help requested")

func main() {
	ctx, stop := notifySignals(context.Background(), os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit status: 0 on success and for
// help (help, -h, --help, -help, "help COMMAND", "COMMAND -h"), 1 on failure, 2 on a usage error
// (no command, an unknown one, bad flags, stray arguments, a missing required flag), always with
// the usage printed on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if isHelp(args[0]) {
		if args[0] != "help" || len(args) == 1 {
			usage(stderr)
			return 0
		}
		if len(args) > 2 {
			fmt.Fprintf(stderr, "scorematching help: unexpected argument(s): %s\n\n", strings.Join(args[2:], " "))
			usage(stderr)
			return 2
		}
		args = []string{args[1], "-h"} // help COMMAND: the options of COMMAND.
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "scorematching: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		switch {
		case errors.Is(err, errHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, context.Canceled):
			// A Ctrl-C or SIGTERM that the command honoured between two steps: what it had is written.
			fmt.Fprintf(stderr, "scorematching %s: interrupted; %s\n", args[0], interruptedNote(args[0]))
			return exitInterrupted
		}
		fmt.Fprintf(stderr, "scorematching %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// exitInterrupted is the exit status of a command stopped by its first Ctrl-C or SIGTERM, after
// writing what it had (128 + SIGINT, as a shell reports an interrupted program).
const exitInterrupted = 130

// interruptedNote says what an interrupted command left behind.
func interruptedNote(command string) string {
	switch command {
	case "train", "reproduce":
		return "the model of the last completed epoch, its log, figures and checkpoint are written (continue with --resume DIR)"
	}
	return "nothing was written"
}

// isHelp reports whether arg asks for help at the top level.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
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
	fmt.Fprintln(w, "Environment: GOMLX_BACKEND picks the backend (default \"go:parallelism=-1\", which a plain \"go\" also")
	fmt.Fprintln(w, "means; e.g. \"xla:cpu\"). Ctrl-C stops after the current step and writes what the command has;")
	fmt.Fprintf(w, "a second Ctrl-C quits at once, and so does a step that has not returned %v later (%s).\n", defaultStopGrace, StopGraceEnvVar)
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

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/sde"
	"github.com/gosm/gosm/scorematching/toy"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/train"
)

func runReproduce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := experiment.BlogOptions()
	fs := newFlags("reproduce", "--out DIR [--epochs N] [--seed S]", stderr)
	out := fs.String("out", "", "output directory (required): figures, log.csv, model.json, summary.json")
	fs.IntVar(&o.Train.Epochs, "epochs", o.Train.Epochs, "epochs (the blog's 1000 by default)")
	seed := fs.Uint64("seed", 0, "seed of the data, the initial weights and the batch order")
	overwrite := fs.Bool("overwrite", false, overwriteHelp)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "out"); err != nil {
		return err
	}
	o.DataSeed, o.InitSeed, o.Train.Seed = *seed, *seed, *seed
	o.Train.CheckpointEvery = 100
	return trainAndWrite(ctx, o, *out, *overwrite, stdout, stderr)
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := experiment.BlogOptions()
	o.Train.CheckpointEvery = 10
	fs := newFlags("train", "--dataset ring --loss exact --epochs N --batch B --lr LR --seed S --out DIR  |  --resume DIR [--epochs N]", stderr)
	out := fs.String("out", "", "output directory (required): model, log, figures, checkpoint")
	resume := fs.String("resume", "", "continue the run saved in this directory (its options; --epochs may raise the total)")
	fs.StringVar(&o.Dataset, "dataset", "ring", "data set (see 'scorematching datasets')")
	dataParams := fs.String("data-params", "", "data set parameters, e.g. count=4,std=0.08 (see 'scorematching datasets')")
	projections := fs.Int("projections", loss.DefaultProjections, "sliced losses: projection vectors per point")
	projDist := fs.String("projection-dist", loss.DefaultProjectionDist.String(), "sliced losses: gaussian, rademacher or sphere")
	sigma := fs.Float64("sigma", loss.DefaultSigma, "denoising loss: noise level")
	sigmas := fs.String("sigmas", fmt.Sprintf("%g,%g,%d", loss.DefaultSigmaMin, loss.DefaultSigmaMax, loss.DefaultSigmaLevels), "ncsn loss: noise levels min,max,n (geometric)")
	sdeKind := fs.String("sde", string(loss.DefaultSDE), "sde loss: the forward process, ve or vp")
	sigmaMin := fs.Float64("sigma-min", sde.DefaultSigmaMin, "sde loss, ve: smallest noise level")
	sigmaMax := fs.Float64("sigma-max", sde.DefaultSigmaMax, "sde loss, ve: largest noise level (0: the largest distance between two data points)")
	betaMin := fs.Float64("beta-min", sde.DefaultBetaMin, "sde loss, vp: beta(0)")
	betaMax := fs.Float64("beta-max", sde.DefaultBetaMax, "sde loss, vp: beta(1)")
	likelihoodWeighting := fs.Bool("likelihood-weighting", false, "sde loss: weight by g(t)^2 instead of std(t)^2")
	radius := fs.Float64("radius", toy.BlogRing.Radius, "ring radius (the ring's radius parameter, as --data-params radius=R)")
	std := fs.Float64("std", toy.BlogRing.Std, "ring radial standard deviation (as --data-params std=S)")
	fs.IntVar(&o.Samples, "samples", o.Samples, "number of training points")
	fs.StringVar(&o.Loss, "loss", o.Loss, "loss: "+strings.Join(loss.Names(), ", ")+" (blog-flawed: the blog's, for demonstration)")
	fs.IntVar(&o.Train.Epochs, "epochs", o.Train.Epochs, "epochs")
	fs.IntVar(&o.Train.BatchSize, "batch", o.Train.BatchSize, "batch size")
	fs.Float64Var(&o.Train.LearningRate, "lr", o.Train.LearningRate, "Adam learning rate")
	fs.IntVar(&o.Train.ReportEvery, "report-every", o.Train.ReportEvery, "print the loss on all data every N epochs (0: never)")
	fs.IntVar(&o.Train.CheckpointEvery, "checkpoint-every", o.Train.CheckpointEvery, "write checkpoint.json every N epochs (and at the end)")
	sizes := fs.String("sizes", "2,64,128,64,2", "MLP layer sizes, input first")
	seed := fs.Uint64("seed", 0, "seed of the data, the initial weights and the batch order")
	overwrite := fs.Bool("overwrite", false, overwriteHelp)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *resume != "" {
		if extra := setFlagsExcept(fs, "resume", "epochs", "out"); len(extra) > 0 {
			return fmt.Errorf("--resume continues a run with the options it was started with: --%s cannot be changed (only --epochs)", extra[0])
		}
		if *out != "" && !samePath(*out, *resume) {
			return fmt.Errorf("--resume writes into the run's own directory %q, not --out %q", *resume, *out)
		}
		epochs := 0
		if isSet(fs, "epochs") {
			epochs = o.Train.Epochs
		}
		return resumeAndWrite(ctx, *resume, epochs, stdout, stderr)
	}
	if err := required(fs, "out"); err != nil {
		return err
	}
	params, err := dataSetParams(fs, o.Dataset, *dataParams, *radius, *std)
	if err != nil {
		return err
	}
	o.DataParams = params
	if err := checkLossFlags(fs, o.Loss); err != nil {
		return err
	}
	dist, err := loss.ParseProjection(*projDist)
	if err != nil {
		return fmt.Errorf("--projection-dist: %w", err)
	}
	o.LossOptions = loss.Options{Projections: *projections, ProjectionDist: dist, Sigma: *sigma, LikelihoodWeighting: *likelihoodWeighting,
		SDE: sde.SDE{Kind: sde.Kind(*sdeKind), SigmaMin: *sigmaMin, SigmaMax: *sigmaMax, BetaMin: *betaMin, BetaMax: *betaMax}}
	if o.LossOptions.Sigmas, err = loss.ParseSigmas(*sigmas); err != nil {
		return fmt.Errorf("--sigmas: %w", err)
	}
	if err := o.LossOptions.Validate(o.Loss); err != nil {
		return err
	}
	if o.Sizes, err = splitInts(*sizes); err != nil {
		return fmt.Errorf("--sizes: %w", err)
	}
	o.DataSeed, o.InitSeed, o.Train.Seed = *seed, *seed, *seed
	return trainAndWrite(ctx, o, *out, *overwrite, stdout, stderr)
}

// dataSetParams returns the parameters of the data set named by --dataset: those of --data-params,
// and for the ring also --radius and --std (shortcuts for its two parameters; naming one twice is
// an error, and the ring defaults to the blog's). Missing parameters take the data set's defaults.
func dataSetParams(fs *flag.FlagSet, dataset, text string, radius, std float64) (map[string]float64, error) {
	params, err := toy.ParseParams(text)
	if err != nil {
		return nil, fmt.Errorf("--data-params: %w", err)
	}
	if dataset != "ring" {
		if isSet(fs, "radius") || isSet(fs, "std") {
			return nil, fmt.Errorf("--radius and --std are for the ring; for dataset %q use --data-params", dataset)
		}
		return params, nil
	}
	if params == nil {
		params = map[string]float64{}
	}
	for _, f := range []struct {
		name  string
		value float64
	}{{"radius", radius}, {"std", std}} {
		if !isSet(fs, f.name) {
			continue
		}
		if _, both := params[f.name]; both {
			return nil, fmt.Errorf("the ring's %s is given twice, by --%s and --data-params", f.name, f.name)
		}
		params[f.name] = f.value
	}
	d, err := toy.New("ring", params)
	if err != nil {
		return nil, err
	}
	return d.Params(), nil // Every parameter, defaults included.
}

const overwriteHelp = "replace the run already in --out (its files are removed first; other files there are never touched)"

// checkLossFlags refuses a loss option given for a loss that does not use it (see
// loss.UsesOption; each option's flag has the option's name), rather than silently ignoring it.
func checkLossFlags(fs *flag.FlagSet, lossName string) error {
	for _, option := range loss.OptionNames() {
		if isSet(fs, option) && !loss.UsesOption(lossName, option) {
			return fmt.Errorf("--%s is for the loss %s; loss %s does not use it", option, strings.Join(loss.OptionUsers(option), " and "), lossName)
		}
	}
	return nil
}

// samePath reports whether a and b name the same directory ("r/c1/" and "r/c1" do).
func samePath(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

// trainAndWrite runs o and writes its outputs into dir, which must be new or empty, or hold a
// previous run that overwrite allows to replace (see experiment.PrepareRunDir). An interrupted
// run (Ctrl-C) still writes what it has, so no finished epoch is lost.
func trainAndWrite(ctx context.Context, o experiment.Options, dir string, overwrite bool, stdout, stderr io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	removed, err := experiment.PrepareRunDir(dir, overwrite)
	if err != nil {
		return err
	}
	if len(removed) > 0 {
		fmt.Fprintf(stderr, "--overwrite: removed the previous run's %s from %s\n", strings.Join(removed, ", "), dir)
	}
	if err := checkWritableDir(dir); err != nil {
		return err
	}
	unlock, err := files.Lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	b, err := backend.New()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backend: %s\n", backend.Describe(b))
	m, err := o.Model()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Data: %d points of %s; %s model %v; loss %s; Adam lr %g, batch %d, %d epochs\n",
		o.Samples, o.Spec(), m.Kind, m.Sizes, o.LossConfig().Describe(o.Loss), o.Train.LearningRate, o.Train.BatchSize, o.Train.Epochs)
	o.CheckpointDir = dir
	outcome, runErr := experiment.Run(ctx, b, o, cliHooks(stdout, stderr))
	stopped(ctx)
	return writeOutcome(outcome, runErr, dir, stdout, stderr)
}

// resumeAndWrite continues the run in dir (see experiment.Resume) and writes its outputs there.
func resumeAndWrite(ctx context.Context, dir string, epochs int, stdout, stderr io.Writer) error {
	if _, err := os.Stat(filepath.Join(dir, experiment.OptionsFile)); err != nil {
		return fmt.Errorf("--resume %s: not a run directory (no %s)", dir, experiment.OptionsFile)
	}
	if err := checkWritableDir(dir); err != nil { // Before training, not after.
		return err
	}
	unlock, err := files.Lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	if removed, err := experiment.RemoveLeftovers(dir); err != nil {
		return err
	} else if len(removed) > 0 {
		fmt.Fprintf(stderr, "removed %s, left in %s by a run that was killed while writing\n", strings.Join(removed, ", "), dir)
	}
	b, err := backend.New()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backend: %s\n", backend.Describe(b))
	outcome, runErr := experiment.Resume(ctx, b, dir, epochs, cliHooks(stdout, stderr))
	stopped(ctx)
	if outcome != nil {
		fmt.Fprintf(stdout, "Resumed %s: %d epochs in all.\n", dir, outcome.Options.Train.Epochs)
	}
	return writeOutcome(outcome, runErr, dir, stdout, stderr)
}

func cliHooks(stdout, stderr io.Writer) train.Hooks {
	return train.Hooks{
		Report:   func(r train.Record) { experiment.PrintReport(stdout, r) },
		Progress: train.TerminalProgress(stderr, isTerminal(stderr)),
	}
}

// writeOutcome writes a finished, interrupted or diverged run's outputs into dir: nothing
// trained is lost. It returns runErr, if any, after writing.
func writeOutcome(outcome *experiment.Outcome, runErr error, dir string, stdout, stderr io.Writer) error {
	if outcome == nil {
		return runErr
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "\nstopped after %d epochs: writing what was trained so far\n", len(outcome.Result.History))
	}
	s, err := outcome.WriteDir(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Trained %d steps in %.1f s (%.1f ms/step).\n", s.Steps, s.Seconds, s.MsPerStep)
	switch {
	case s.FinalLoss == nil:
		fmt.Fprintln(stdout, "No epoch completed and no loss reported: the initial model was kept.")
	case s.ExactLossFloor != nil && loss.EstimatesExact(outcome.Options.Loss):
		fmt.Fprintf(stdout, "Final loss %.3f (the true score's loss is %.3f).\n", *s.FinalLoss, *s.ExactLossFloor)
	default:
		fmt.Fprintf(stdout, "Final loss %.3f.\n", *s.FinalLoss)
	}
	if s.FisherRelative != nil {
		fmt.Fprintf(stdout, "Fisher divergence on %d fresh points: %.4f, relative %.4f\n", outcome.Options.FreshSamples, *s.FisherAbsolute, *s.FisherRelative)
		if outcome.Model.TimeConditional() {
			fmt.Fprintln(stdout, "(of the score at the least noisy time, t = eps, the hardest to learn: judge an sde model by its samples and its likelihood)")
		}
	} else {
		fmt.Fprintln(stdout, "No Fisher divergence: this data set has no known score (judge it by its samples).")
	}
	fmt.Fprintf(stdout, "Wrote %s: model.json, log.csv, summary.json, %v\n", dir, s.FigureFilesSaved)
	return runErr
}

// checkWritableDir creates dir if needed and checks that a file can be created in it, so that a
// bad --out fails before training rather than after.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory %q: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("output directory %q is not writable: %w", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

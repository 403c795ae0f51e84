// Package experiment wires the pieces into the runs the command and the notebooks share: sample a
// toy data set, train a score network on it, measure it against the true score, and write the
// results (figures, loss log, model) to a directory.
package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// Options describe one training run.
type Options struct {
	// Dataset names the data distribution (see toy.Names); "" or "ring" is the ring of Ring.
	Dataset string `json:"dataset,omitempty"`
	// DataParams are the parameters of Dataset other than the ring (nil: its defaults); for the
	// ring they are an error (its parameters are Ring).
	DataParams map[string]float64 `json:"data_params,omitempty"`
	Ring       toy.Ring           // The ring's parameters, when Dataset is the ring.
	Samples    int                // Training points drawn from it.
	DataSeed   uint64             // Seeds the training points.
	Sizes      []int              // MLP layer sizes.
	InitSeed   uint64             // Seeds the initial weights.
	Loss       string             // Loss name (see loss.ByName).
	// LossOptions configure the sliced, denoising and ncsn losses; zero fields take the defaults
	// of loss.DefaultOptions.
	LossOptions loss.Options `json:"loss_options"`
	Train       train.Config // Epochs, batch size, learning rate, batch-order seed, report interval.
	// FreshSamples is the number of new ring points, drawn with seed DataSeed+1, on which the
	// learned score is compared with the true one.
	FreshSamples int
	// CheckpointDir, if set, receives options.json when the run starts and checkpoint.json every
	// Train.CheckpointEvery epochs and at the end, so that Resume can continue the run.
	CheckpointDir string `json:"-"`
}

// OptionsFile is the name of the file that records a run's options in its directory.
const OptionsFile = "options.json"

// BlogOptions are the blog's set-up with the corrected loss: 10,000 ring points (R = 1,
// std = 0.1), the 2-64-128-64-2 tanh MLP, the exact loss, Adam at 1e-4, batches of 512, 1000 epochs.
func BlogOptions() Options {
	return Options{
		Ring:         toy.BlogRing,
		Samples:      10000,
		DataSeed:     0,
		Sizes:        append([]int(nil), network.BlogSizes...),
		InitSeed:     0,
		Loss:         "exact",
		Train:        train.BlogConfig(),
		FreshSamples: 10000,
	}
}

// IsRing reports whether the data set is the ring of o.Ring.
func (o Options) IsRing() bool { return o.Dataset == "" || o.Dataset == "ring" }

// Data returns the data distribution.
func (o Options) Data() (toy.Dataset, error) {
	if o.IsRing() {
		if len(o.DataParams) > 0 { // Not silently ignored: the ring's parameters live in Ring.
			return nil, fmt.Errorf("data parameters %v given for the ring: set Options.Ring (radius, std) instead", o.DataParams)
		}
		return o.Ring, o.Ring.Validate()
	}
	return toy.New(o.Dataset, o.DataParams)
}

// TrainingData returns the run's training points: o.Samples points of the data set, drawn with
// seed o.DataSeed.
func (o Options) TrainingData() ([][]float64, error) {
	dist, err := o.Data()
	if err != nil {
		return nil, err
	}
	return dist.Sample(o.Samples, o.DataSeed)
}

// LossConfig returns o.LossOptions with the defaults filled in (loss.Options.WithDefaults).
func (o Options) LossConfig() loss.Options { return o.LossOptions.WithDefaults() }

// NetSizes are the layer sizes of the network trained: Sizes, with one more input (log sigma)
// for a noise-conditional loss (see loss.NoiseConditional).
func (o Options) NetSizes() []int {
	sizes := append([]int(nil), o.Sizes...)
	if loss.NoiseConditional(o.Loss) && len(sizes) > 0 {
		sizes[0]++
	}
	return sizes
}

// Validate returns an error naming the first bad option.
func (o Options) Validate() error {
	d, err := o.Data()
	if err != nil {
		return err
	}
	if o.Samples <= 0 {
		return fmt.Errorf("number of samples must be positive, got %d", o.Samples)
	}
	if o.FreshSamples <= 0 {
		return fmt.Errorf("number of fresh samples must be positive, got %d", o.FreshSamples)
	}
	if err := (network.MLP{Sizes: o.Sizes}).CheckScoreDim(d.Dim()); err != nil {
		return err
	}
	if _, err := loss.New(o.Loss, o.LossConfig()); err != nil {
		return err
	}
	if err := o.Train.Validate(); err != nil {
		return err
	}
	if o.Train.BatchSize > o.Samples {
		return fmt.Errorf("batch size %d is larger than the data (%d points)", o.Train.BatchSize, o.Samples)
	}
	if err := o.checkMemory(d.Dim()); err != nil {
		return err
	}
	return checkScale(d, o.DataSeed)
}

// MaxDataScale bounds the coordinates of the training data: the networks compute in float32, in
// which squared norms and their sums over a batch must stay finite (and far from float32's range,
// about 3.4e38); no toy data set needs more than a few tens.
const MaxDataScale = 1e6

// checkScale draws a few points of d and refuses a data set whose coordinates are beyond
// MaxDataScale (or not finite), naming it with its parameters: parameters such as a radius of
// 1e20 would otherwise give non-finite losses and scores far from their cause.
func checkScale(d toy.Dataset, seed uint64) error {
	pts, err := d.Sample(1000, seed)
	if err != nil {
		return err
	}
	for _, p := range pts {
		for _, v := range p {
			if !(math.Abs(v) <= MaxDataScale) {
				return fmt.Errorf("the data set %s has a coordinate %g, beyond the +-%g the networks (float32) can train on: check its parameters",
					toy.Label(d.Name(), d.Params()), v, float64(MaxDataScale))
			}
		}
	}
	return nil
}

// checkMemory bounds, before anything is allocated, the memory the run implies (see package
// limits): its training and fresh points, its network, and its loss on a batch and, when the
// loss is reported, on all the data at once.
func (o Options) checkMemory(dim int) error {
	for _, c := range []struct {
		what string
		n    int
	}{{"training points", o.Samples}, {"fresh points", o.FreshSamples}} {
		// Each point is kept as a float64 row (with its slice header) and a float32 copy.
		if err := limits.Check(fmt.Sprintf("%d %s of dimension %d", c.n, c.what, dim), limits.Of(c.n, 24+12*dim)); err != nil {
			return err
		}
	}
	steps := limits.Of(o.Train.Epochs, (o.Samples+o.Train.BatchSize-1)/o.Train.BatchSize)
	if _, ok := steps.Bytes(); !ok {
		return fmt.Errorf("%d epochs of %d points in batches of %d: more steps than this program can count", o.Train.Epochs, o.Samples, o.Train.BatchSize)
	}
	// The loss history keeps a record per epoch (and its copies in the checkpoint and the log).
	if err := limits.Check(fmt.Sprintf("the loss history of %d epochs", o.Train.Epochs), limits.Of(o.Train.Epochs, 128)); err != nil {
		return err
	}
	evalRows := o.Train.BatchSize
	if o.Train.ReportEvery > 0 {
		evalRows = o.Samples
	}
	lc := o.LossConfig()
	return train.CheckMemory(o.NetSizes(), o.Train.BatchSize, evalRows, lc.ActivationCopies(o.Loss, dim), lc.Describe(o.Loss))
}

// identity is what a checkpoint records of the run it belongs to (see train.Trainer.Identity):
// the data set and its parameters, the number of points, the loss and its options, the network's
// sizes, the seeds, and a fingerprint of the training data, so that a checkpoint is never resumed
// under another run's options.
func (o Options) identity(data [][]float64) map[string]string {
	text := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
	name, params := o.Dataset, o.DataParams
	if o.IsRing() {
		name, params = "ring", map[string]float64{"radius": o.Ring.Radius, "std": o.Ring.Std}
	}
	return map[string]string{
		"dataset":          name,
		"data_params":      text(params),
		"samples":          fmt.Sprint(o.Samples),
		"data_seed":        fmt.Sprint(o.DataSeed),
		"init_seed":        fmt.Sprint(o.InitSeed),
		"loss":             o.Loss,
		"loss_options":     text(o.LossConfig()),
		"sizes":            text(o.NetSizes()),
		"data_fingerprint": train.DataFingerprint(data),
	}
}

// Outcome is a finished (or interrupted) run.
type Outcome struct {
	Options Options
	Backend string          // Description of the backend used.
	Data    [][]float64     // The training points.
	Result  train.Result    // Loss history and reports.
	Params  network.Params  // The trained weights.
	Fisher  *metrics.Fisher // Learned vs true score on fresh points; nil where no true score is known.
	Net     network.MLP     // The network.
	Store   *model.Store    // The store holding the trained weights.
	backend compute.Backend // To evaluate the trained network.
	// The evaluators of the network, built on first use and kept: each compiles once per batch
	// shape, and reads the store's current weights at every call.
	scorer      *network.Scorer
	noiseScorer *network.NoiseScorer
}

// Run samples the data, trains the network, and measures it. Progress goes to hooks. If ctx is
// cancelled, Run stops between two steps and returns the outcome so far with ctx's error.
func Run(ctx context.Context, backend compute.Backend, o Options, hooks train.Hooks) (*Outcome, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.CheckpointDir != "" {
		data, err := json.MarshalIndent(o, "", "  ")
		if err == nil {
			err = os.MkdirAll(o.CheckpointDir, 0o755)
		}
		if err == nil {
			err = files.WriteAtomic(filepath.Join(o.CheckpointDir, OptionsFile), append(data, '\n'))
		}
		if err != nil {
			return nil, fmt.Errorf("recording the run's options: %w", err)
		}
	}
	return run(ctx, backend, o, hooks, nil)
}

// Resume continues the run whose options.json and checkpoint.json are in dir, up to epochs epochs
// in all (0: the number planned when it started). The result is the same, loss by loss and weight
// by weight, as that of the run had it not stopped (on the same backend).
func Resume(ctx context.Context, backend compute.Backend, dir string, epochs int, hooks train.Hooks) (*Outcome, error) {
	data, err := files.Read(filepath.Join(dir, OptionsFile))
	if err != nil {
		return nil, fmt.Errorf("resuming: %s is not a run directory: %w", dir, err)
	}
	var o Options
	if err := files.UnmarshalStrict(data, &o); err != nil {
		return nil, fmt.Errorf("resuming: %s/%s is not valid: %w", dir, OptionsFile, err)
	}
	cp, err := train.LoadCheckpoint(dir)
	if err != nil {
		return nil, fmt.Errorf("resuming: %w", err)
	}
	if epochs < 0 {
		return nil, fmt.Errorf("epochs must be positive, got %d", epochs)
	}
	if epochs > 0 {
		o.Train.Epochs = epochs
	}
	o.CheckpointDir = dir
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("resuming: %w", err)
	}
	return run(ctx, backend, o, hooks, &cp)
}

// run trains (from scratch, or from the checkpoint cp) and measures the result.
func run(ctx context.Context, backend compute.Backend, o Options, hooks train.Hooks, cp *train.Checkpoint) (*Outcome, error) {
	data, err := o.TrainingData()
	if err != nil {
		return nil, err
	}
	lossFn, err := loss.New(o.Loss, o.LossConfig())
	if err != nil {
		return nil, err
	}
	mlp := network.MLP{Sizes: o.NetSizes()}
	store := model.NewStore()
	if err := mlp.Init(store, o.InitSeed); err != nil {
		return nil, err
	}
	tr := &train.Trainer{Backend: backend, Store: store, Net: mlp, Loss: lossFn, Config: o.Train, Hooks: hooks,
		CheckpointDir: o.CheckpointDir, Resume: cp, NoiseConditional: loss.NoiseConditional(o.Loss), Identity: o.identity(data)}
	res, runErr := tr.Run(ctx, data)
	out := &Outcome{Options: o, Backend: backend.Name(), Data: data, Result: res, Net: mlp, Store: store, backend: backend}
	// An interrupted or diverged run still returns what it has (the last finite weights).
	if runErr != nil && ctx.Err() == nil && !errors.Is(runErr, train.ErrDiverged) {
		return nil, fmt.Errorf("training: %w", runErr)
	}
	if out.Params, err = mlp.GetParams(store); err != nil {
		return nil, err
	}
	if out.Fisher, err = out.measure(); err != nil {
		return nil, err
	}
	return out, runErr
}

// Scorer returns an evaluator of the trained network (plain networks only; see Scores).
func (o *Outcome) Scorer() (*network.Scorer, error) {
	if o.scorer == nil {
		s, err := network.NewScorer(o.backend, o.Store, o.Net)
		if err != nil {
			return nil, err
		}
		o.scorer = s
	}
	return o.scorer, nil
}

// Scores evaluates the learned score at points: the network itself, or for a noise-conditional
// network its score at the smallest noise level, the closest to the data's.
func (o *Outcome) Scores(points [][]float64) ([][]float64, error) {
	if loss.NoiseConditional(o.Options.Loss) {
		sigmas := o.Options.LossConfig().Sigmas
		if o.noiseScorer == nil {
			ns, err := network.NewNoiseScorer(o.backend, o.Store, network.NoiseMLP{Sizes: o.Net.Sizes})
			if err != nil {
				return nil, err
			}
			o.noiseScorer = ns
		}
		return o.noiseScorer.Scores(points, sigmas[len(sigmas)-1])
	}
	scorer, err := o.Scorer()
	if err != nil {
		return nil, err
	}
	return scorer.Scores(points)
}

// measure compares the learned score with the true one on fresh points, for data sets whose
// score is known; for the others it returns nil.
func (o *Outcome) measure() (*metrics.Fisher, error) {
	dist, err := o.Options.Data()
	if err != nil {
		return nil, err
	}
	analytic, ok := dist.(toy.Analytic)
	if !ok {
		return nil, nil
	}
	fresh, err := dist.Sample(o.Options.FreshSamples, o.Options.DataSeed+1)
	if err != nil {
		return nil, err
	}
	learned, err := o.Scores(fresh)
	if err != nil {
		return nil, err
	}
	f, err := metrics.FisherDivergence(learned, toy.Scores(analytic, fresh))
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// PrintReport writes a loss report line the way the blog prints it.
func PrintReport(w io.Writer, r train.Record) {
	if r.Epoch < 0 {
		fmt.Fprintf(w, "Initial loss: %.3f\n", r.Loss)
		return
	}
	fmt.Fprintf(w, "End of epoch %d: loss=%.3f\n", r.Epoch, r.Loss)
}

package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/likelihood"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// Outcome is a finished (or interrupted) run, or one loaded from its directory (Load).
type Outcome struct {
	Options Options
	Backend string          // Description of the backend used.
	Data    [][]float64     // The training points.
	Result  train.Result    // Loss history and reports.
	Params  network.Params  // The trained weights.
	Fisher  *metrics.Fisher // Learned vs true score on fresh points; nil where no true score is known.
	Model   network.Model   // The score model trained (its kind, sizes and noise levels).
	Store   *model.Store    // The store holding the trained weights.
	backend compute.Backend // To evaluate the trained network.
	// scorer evaluates the model, built on first use and kept: it compiles once per batch shape
	// and reads the store's current weights at every call.
	scorer *network.Scorer
	// dataUnknown marks a model loaded without a record of its data set (see Load).
	dataUnknown bool
	// floor caches the exact-loss floor (see exactLossFloor); floorKnown says it was computed.
	floor      *float64
	floorKnown bool
}

// Run samples the data, trains the network, and measures it. Progress goes to hooks. If ctx is
// cancelled, Run stops between two calls of the training step (see train.Trainer.Run) and returns
// the outcome so far with ctx's error.
func Run(ctx context.Context, backend compute.Backend, o Options, hooks train.Hooks) (*Outcome, error) {
	r, err := o.resolve()
	if err != nil {
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
	return run(ctx, backend, o, r, hooks, nil)
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
		return nil, fmt.Errorf("resuming: %s/%s is not valid (written by an earlier version of this program? start a new run): %w", dir, OptionsFile, err)
	}
	cp, err := train.LoadCheckpoint(dir)
	if err != nil {
		return nil, fmt.Errorf("resuming: %w", err)
	}
	if epochs < 0 {
		return nil, fmt.Errorf("epochs must not be negative (0: the number planned when the run started), got %d", epochs)
	}
	if epochs > 0 {
		o.Train.Epochs = epochs
	}
	o.CheckpointDir = dir
	r, err := o.resolve()
	if err != nil {
		return nil, fmt.Errorf("resuming: %w", err)
	}
	return run(ctx, backend, o, r, hooks, &cp)
}

// run trains o, resolved as r (from scratch, or from the checkpoint cp) and measures the result.
func run(ctx context.Context, backend compute.Backend, o Options, r resolved, hooks train.Hooks, cp *train.Checkpoint) (*Outcome, error) {
	data, err := r.data.Sample(o.Samples, o.DataSeed)
	if err != nil {
		return nil, err
	}
	m := r.model
	store := model.NewStore()
	if err := m.Init(store, o.InitSeed); err != nil {
		return nil, err
	}
	tr := &train.Trainer{Backend: backend, Store: store, Model: m, Loss: r.loss, Config: o.Train, Hooks: hooks,
		CheckpointDir: o.CheckpointDir, Resume: cp, Identity: o.identity(data, m)}
	res, runErr := tr.Run(ctx, data)
	out := &Outcome{Options: o, Backend: backend.Name(), Data: data, Result: res, Model: m, Store: store, backend: backend}
	// An interrupted or diverged run still returns what it has (the last finite weights).
	if runErr != nil && ctx.Err() == nil && !errors.Is(runErr, train.ErrDiverged) {
		return nil, fmt.Errorf("training: %w", runErr)
	}
	if out.Params, err = m.GetParams(store); err != nil {
		return nil, err
	}
	if out.Fisher, err = out.measure(r.data); err != nil {
		return nil, err
	}
	return out, runErr
}

// LoadOrRun returns the run saved in dir (see Load) if it was trained with exactly the options o
// and completed all its epochs (loaded is then true); otherwise it runs o (progress to hooks),
// writes the outcome into dir (see WriteDir) and returns it. A notebook cell can thus be re-run,
// or the notebook re-opened, without training again, while a change of parameter retrains.
//
// If ctx is cancelled during training, what was trained so far is still written to dir and
// returned, with ctx's error; it is not reused by a later call (its epochs are incomplete).
func LoadOrRun(ctx context.Context, b compute.Backend, dir string, o Options, hooks train.Hooks) (out *Outcome, loaded bool, err error) {
	if prev := loadReusable(b, dir, o); prev != nil {
		return prev, true, nil
	}
	out, err = runInto(ctx, b, dir, o, hooks)
	return out, false, err
}

// LoadOrRunShared is LoadOrRun for runs that several notebooks train alike (notebook 03 trains
// notebook 01's ring model): before training, it also looks under root for a run saved with
// exactly the options o (see FindRun) and, if there is one, writes a copy of it into dir (so that
// later cells load it from dir as usual) instead of training. from is the folder the run came
// from: dir itself when it was there, another folder under root, or "" when it was trained.
func LoadOrRunShared(ctx context.Context, b compute.Backend, root, dir string, o Options, hooks train.Hooks) (out *Outcome, from string, err error) {
	if prev := loadReusable(b, dir, o); prev != nil {
		return prev, dir, nil
	}
	if prev, found, err := FindRun(b, root, o); err == nil {
		if _, err := prev.WriteDir(dir); err != nil {
			return nil, "", fmt.Errorf("copying the run of %s into %s: %w", found, dir, err)
		}
		return prev, found, nil
	}
	out, err = runInto(ctx, b, dir, o, hooks)
	return out, "", err
}

// loadReusable returns the run saved in dir if it is a complete run of the options o, else nil.
// A damaged or older directory is not an error (it will be replaced): it says so on stderr.
func loadReusable(b compute.Backend, dir string, o Options) *Outcome {
	prev, err := Load(b, dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "note: not reusing %s (%v); it will be replaced\n", filepath.Clean(dir), err)
		}
		return nil
	}
	if !reusable(prev, o) {
		return nil
	}
	return prev
}

// runInto runs o (progress to hooks) and writes the outcome into dir (see WriteDir), also when
// ctx was cancelled during training (what was trained so far, with ctx's error).
func runInto(ctx context.Context, b compute.Backend, dir string, o Options, hooks train.Hooks) (*Outcome, error) {
	out, runErr := Run(ctx, b, o, hooks)
	if out == nil {
		return nil, runErr
	}
	if _, err := out.WriteDir(dir); err != nil {
		return out, err
	}
	return out, runErr
}

// FindRun returns a run saved under root (in root or in a folder up to maxFindDepth levels below
// it, visited in lexical order) that was trained with exactly the options o and completed all its
// epochs, the run LoadOrRun would reuse, with its folder. Folders that hold no run, or one that
// cannot be read, are skipped. With no such run the error wraps os.ErrNotExist.
func FindRun(b compute.Backend, root string, o Options) (*Outcome, string, error) {
	var found *Outcome
	var where string
	walkErr := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || !d.IsDir():
			return nil // Unreadable entries and files are skipped.
		case depth(root, path) > maxFindDepth:
			return filepath.SkipDir
		case !summaryHasOptions(filepath.Join(path, SummaryFile), o):
			return nil
		}
		if run, err := Load(b, path); err == nil && reusable(run, o) {
			found, where = run, path
			return filepath.SkipAll
		}
		return nil
	})
	if found != nil {
		return found, where, nil
	}
	if walkErr != nil && !errors.Is(walkErr, os.ErrNotExist) {
		return nil, "", fmt.Errorf("looking for a run under %s: %w", root, walkErr)
	}
	return nil, "", fmt.Errorf("no run under %s was trained with these options: %w", root, os.ErrNotExist)
}

// maxFindDepth bounds how deep FindRun looks below its root (runs/<notebook>/<loss> is 2).
const maxFindDepth = 3

// depth is the number of folders between root and path.
func depth(root, path string) int {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." {
		return 0
	}
	return len(strings.Split(rel, string(filepath.Separator)))
}

// summaryHasOptions reads only the options recorded in the summary file at path (cheaper than
// Load) and tells whether they are o.
func summaryHasOptions(path string, o Options) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var s struct {
		Options Options `json:"options"`
	}
	return json.Unmarshal(data, &s) == nil && sameOptions(s.Options, o)
}

// reusable tells whether the loaded run prev is a complete run of the options o.
func reusable(prev *Outcome, o Options) bool {
	return sameOptions(prev.Options, o) && len(prev.Result.History) == o.Train.Epochs
}

// sameOptions compares two runs' options as they are recorded in summary.json, with the data
// set's parameters filled in (parameters left at their defaults and the same parameters written
// out are the same data).
func sameOptions(a, b Options) bool {
	a.DataParams, b.DataParams = a.FullSpec().Params, b.FullSpec().Params
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// Scorer returns the evaluator of the trained model (see network.Scorer).
func (o *Outcome) Scorer() (*network.Scorer, error) {
	if o.scorer == nil {
		s, err := network.NewScorer(o.backend, o.Store, o.Model)
		if err != nil {
			return nil, err
		}
		o.scorer = s
	}
	return o.scorer, nil
}

// Scores evaluates the learned score at points: s(x), or for a noise-conditional model its score
// at the smallest noise level, the closest to the data's.
func (o *Outcome) Scores(points [][]float64) ([][]float64, error) {
	scorer, err := o.Scorer()
	if err != nil {
		return nil, err
	}
	return scorer.Scores(points)
}

// ScoresAt evaluates the learned score at points for the score command: s(x) for a plain model
// (sigma must be 0), s(x, sigma) for a noise-conditional one (sigma 0: its smallest level). The
// memory it takes is checked first, and a score that is not finite in float32 is an error naming
// the point, so that nothing unusable is returned.
func (o *Outcome) ScoresAt(points [][]float64, sigma float64) ([][]float64, error) {
	m := o.Model
	if err := limits.Check(fmt.Sprintf("scoring %d points with layers %v", len(points), m.Sizes), train.StepMemory(m.Sizes, len(points), 1)); err != nil {
		return nil, err
	}
	scorer, err := o.Scorer()
	if err != nil {
		return nil, err
	}
	var scores [][]float64
	switch {
	case !m.NoiseConditional() && sigma != 0:
		return nil, fmt.Errorf("a noise level (%v) is for noise-conditional models; this is a plain score network s(x)", sigma)
	case !m.NoiseConditional():
		scores, err = scorer.Scores(points)
	default:
		if sigma == 0 {
			if sigma, err = m.SmallestSigma(); err != nil {
				return nil, err
			}
		}
		scores, err = scorer.ScoresAt(points, sigma)
	}
	if err != nil {
		return nil, err
	}
	if i, j, ok := batch.FirstNonFinite(scores); ok {
		cause := "the model's weights are too large"
		if m.NoiseConditional() {
			cause = fmt.Sprintf("the noise level %g is too extreme, or the model's weights too large", sigma)
		}
		return nil, fmt.Errorf("the score at point %d %v is %v, not finite in float32 (%s): nothing written", i+1, points[i], scores[i][j], cause)
	}
	return scores, nil
}

// Likelihood returns the model's log-density (nats) at every point by the probability-flow ODE
// (see package likelihood); the model must be time-conditioned (trained with the sde loss).
func (o *Outcome) Likelihood(ctx context.Context, points [][]float64, cfg likelihood.Config) (likelihood.Result, error) {
	m := o.Model
	if !m.TimeConditional() {
		return likelihood.Result{}, fmt.Errorf("the log-density by the probability-flow ODE needs a model trained with the sde loss; this one is a %s model (loss %s)", m.Kind, o.Options.Loss)
	}
	if err := limits.Check(fmt.Sprintf("the log-density of %d points with layers %v", len(points), m.Sizes),
		train.StepMemory(m.Sizes, len(points), m.Dim()+1)); err != nil {
		return likelihood.Result{}, err
	}
	score := func(store *model.Store, x, t *graph.Node) *graph.Node { return m.ApplyAtTime(store, x, t) }
	return likelihood.LogDensity(ctx, o.backend, o.Store, *m.SDE, score, points, cfg)
}

// Sample draws samples from the trained model with the named sampler ("" for the one its kind
// calls for; see sample.Model). A zero cfg.Box starts the particles uniform in the run's window
// (Window), and a zero cfg.Dim is the data's dimension.
func (o *Outcome) Sample(ctx context.Context, sampler string, cfg sample.Config) (sample.Result, error) {
	if o.backend == nil || o.Store == nil {
		return sample.Result{}, errors.New("this outcome has no trained network to sample with (use Run or Load)")
	}
	if cfg.Init == nil && cfg.Box == 0 {
		cfg.Box, _ = o.Window()
	}
	if cfg.Init == nil && cfg.Dim == 0 {
		cfg.Dim = o.Model.Dim()
	}
	return sample.Model(ctx, o.backend, o.Store, o.Model, sampler, cfg)
}

// measure compares the learned score with the true one on fresh points of dist, the run's data
// set, where its score is known; for the others it returns nil.
func (o *Outcome) measure(dist toy.Dataset) (*metrics.Fisher, error) {
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

// Package train fits a score network to data with GoMLX's Adam optimiser: seeded shuffling,
// mini-batches, a loss history, progress reports, and cancellation between two calls of the
// compiled step (every StepsPerCall steps at most).
//
// The data are shuffled on the host once per epoch with a generator seeded by Config.Seed, and cut
// into batches of Config.BatchSize rows; the last batch of an epoch keeps the rows left over (the
// blog's 10,000 points give 19 batches of 512 and one of 272). Full batches go StepsPerCall at a
// time through one call of the compiled step (see Step.RunSteps), the rest one per call. GoMLX
// compiles one graph per input shape and caches it, so the training step is compiled three times in
// all (StepsPerCall batches, one batch, the short batch), not once per epoch.
package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/noise"
)

// Config holds the training hyperparameters. BlogConfig returns the blog's.
type Config struct {
	Epochs       int     // Passes over the data.
	BatchSize    int     // Rows per batch; the last batch of an epoch may be smaller.
	LearningRate float64 // Adam's step size.
	Seed         uint64  // Seeds the batch order.
	// ReportEvery is how often, in epochs, the loss on the whole data set is computed and passed
	// to Report (the blog prints it every 100 epochs). 0 means never.
	ReportEvery int
	// CheckpointEvery is how often, in epochs, Trainer.CheckpointDir receives a checkpoint (one is
	// always written at the end). 0 means only at the end.
	CheckpointEvery int
}

// BlogConfig is the blog's training set-up: 1000 epochs of batches of 512 with Adam at 1e-4,
// the full-data loss reported every 100 epochs.
func BlogConfig() Config {
	return Config{Epochs: 1000, BatchSize: 512, LearningRate: 1e-4, Seed: 0, ReportEvery: 100}
}

// Validate returns an error naming the first bad value, or nil.
func (c Config) Validate() error {
	switch {
	case c.Epochs <= 0:
		return fmt.Errorf("epochs must be positive, got %d", c.Epochs)
	case c.BatchSize <= 0:
		return fmt.Errorf("batch size must be positive, got %d", c.BatchSize)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("learning rate must be positive and finite, got %v", c.LearningRate)
	case c.ReportEvery < 0:
		return fmt.Errorf("report interval must be >= 0, got %d", c.ReportEvery)
	case c.CheckpointEvery < 0:
		return fmt.Errorf("checkpoint interval must be >= 0, got %d", c.CheckpointEvery)
	}
	return nil
}

// Record is one point of a loss history.
type Record struct {
	Epoch   int     // 0-based epoch just finished; -1 for the loss before training.
	Loss    float64 // The loss (see History and Reports for which one).
	Seconds float64 // Wall time since training started.
}

// Result is what Run returns.
type Result struct {
	// History has one record per epoch: the mean of that epoch's mini-batch losses.
	History []Record
	// Reports holds the loss on the whole data set before training (Epoch -1), at the end of
	// every ReportEvery-th epoch (0, ReportEvery, ...), as the blog prints it, and after the last.
	Reports []Record
	Steps   int           // Optimiser steps taken.
	Elapsed time.Duration // Wall time of the training loop, with that of the run it resumed: Steps/Elapsed is the rate.
}

// Status is a snapshot of a run in progress, for progress displays.
type Status struct {
	Epoch, Epochs int     // Epoch being run (0-based) and total.
	Step, Steps   int     // Optimiser steps taken and total.
	Loss          float64 // Latest mini-batch loss.
	StepsPerSec   float64
	Elapsed, ETA  time.Duration
}

// Hooks are optional callbacks; nil fields are ignored.
type Hooks struct {
	Progress func(Status) // After every step.
	Report   func(Record) // With each entry of Result.Reports.
	Epoch    func(Record) // With each entry of Result.History.
	// Snapshot is called after every epoch with the store holding the current weights (e.g. to
	// draw the learned field while training); it decides itself how often to do any work.
	Snapshot func(epoch int, store *model.Store)
}

// Trainer trains one score network on one data set.
type Trainer struct {
	Backend compute.Backend
	Store   *model.Store
	// Model is the score model trained (its kind must be the one the loss trains, see loss.Kind).
	Model  network.Model
	Loss   loss.Func
	Config Config
	Hooks  Hooks
	// CheckpointDir, if set, receives checkpoint.json every Config.CheckpointEvery epochs and at the end.
	CheckpointDir string
	// Resume, if set, continues the run it was saved from: the store's variables are restored and
	// training goes on at the next epoch, giving the same losses and weights as an uninterrupted run.
	// The checkpoint is checked first (see Checkpoint.Validate): its identity must be Identity, its
	// configuration Config (but for the number of epochs and the checkpoint interval), its step
	// count that of its epochs on this data, and its variables exactly those of Model and Adam
	// (see CheckpointVariables).
	Resume *Checkpoint
	// Identity is what identifies the run a checkpoint belongs to: the data set and its
	// parameters, the loss and its options, the network's sizes, the seeds, a fingerprint of the
	// training data (see DataFingerprint). Package experiment fills it. It is saved in every
	// checkpoint, and Run refuses to resume from a checkpoint whose identity differs, naming every
	// key that differs (a key on one side only counts).
	Identity map[string]string
}

// ErrDiverged is wrapped by the error Run returns when the loss stops being finite.
var ErrDiverged = errors.New("training diverged")

// Run trains on data ([N][D] rows) until Config.Epochs or until ctx is cancelled, which it sees
// between two calls of the compiled step (every StepsPerCall steps at most). On cancellation it
// returns the result so far with ctx's error: the store goes back to the weights of the end of the
// last completed epoch (see stopAtEpochEnd), which the result and any checkpoint describe.
func (t *Trainer) Run(ctx context.Context, data [][]float64) (res Result, err error) {
	if err := t.Config.Validate(); err != nil {
		return res, err
	}
	x, err := batch.ToTensor(data, 0)
	if err != nil {
		return res, err
	}
	dim := x.Shape().Dimensions[1]
	if err := t.Model.CheckScoreDim(dim); err != nil {
		return res, err
	}
	n := len(data)
	if t.Config.BatchSize > n {
		return res, fmt.Errorf("batch size %d is larger than the data (%d points)", t.Config.BatchSize, n)
	}
	defer batch.Recover(&err, "training")
	first := 0 // First epoch to run.
	if cp := t.Resume; cp != nil {
		if err := t.checkResume(cp, n); err != nil {
			return res, err
		}
		if err := restoreVariables(t.Store, cp.Variables); err != nil {
			return res, fmt.Errorf("resuming: %w", err)
		}
		first, res.Steps = cp.Epochs, cp.Steps
		res.History, res.Reports = append([]Record(nil), cp.History...), append([]Record(nil), cp.Reports...)
	} else if err := t.Store.SetRNGStateFromSeed(int64(t.Config.Seed)); err != nil {
		// The stochastic losses draw their noise from the store's generator: seed it for repeatable runs.
		return res, fmt.Errorf("seeding the random generator: %w", err)
	}

	step, err := NewStep(t.Backend, t.Store, t.Model, t.Loss, t.Config.LearningRate)
	if err != nil {
		return res, err
	}
	evalLoss, err := newLossEvaluator(t.Backend, t.Store, t.Model, t.Loss)
	if err != nil {
		return res, err
	}
	start := time.Now()
	offset := 0.0 // Seconds already spent before a resume.
	if n := len(res.History); n > 0 {
		offset = res.History[n-1].Seconds
	}
	seconds := func() float64 { return offset + time.Since(start).Seconds() }
	elapsed := func() time.Duration { return time.Duration(seconds() * float64(time.Second)) }
	initialLoss := 0.0 // The full-data loss before training, when it is not finite.
	report := func(epoch int) error {
		l, err := evalWithoutDrawing(t.Store, evalLoss, x)
		if err != nil {
			return fmt.Errorf("loss on the whole data after epoch %d: %w", epoch, err)
		}
		if math.IsNaN(l) || math.IsInf(l, 0) {
			if epoch < 0 {
				// Not recorded; the first step, on a batch, names the cause (see divergence), or,
				// if that batch's loss is finite, initialLossErr does after it.
				initialLoss = l
				return nil
			}
			kept := "the initial model is kept"
			if epoch > 0 {
				kept = fmt.Sprintf("the model of the end of epoch %d is kept", epoch-1)
			}
			return fmt.Errorf("%w: the loss on all the data is %v after epoch %d; %s", ErrDiverged, l, epoch, kept)
		}
		r := Record{Epoch: epoch, Loss: l, Seconds: seconds()}
		res.Reports = append(res.Reports, r)
		if t.Hooks.Report != nil {
			t.Hooks.Report(r)
		}
		return nil
	}
	if t.Config.ReportEvery > 0 && first == 0 {
		if err := report(-1); err != nil {
			return res, err
		}
	}

	flat, err := batch.Flat(data, dim)
	if err != nil {
		return res, err
	}
	batchesPerEpoch := (n + t.Config.BatchSize - 1) / t.Config.BatchSize
	totalSteps := t.Config.Epochs * batchesPerEpoch
	rng := rand.New(rand.NewPCG(t.Config.Seed, 0xba7c4))
	for range first {
		rng.Perm(n) // Replay the batch orders of the epochs already done.
	}
	good, err := captureVariables(t.Store) // The last finite model, should an epoch diverge.
	if err != nil {
		return res, err
	}
	for epoch := first; epoch < t.Config.Epochs; epoch++ {
		perm := rng.Perm(n)
		sum := 0.0
		for b := 0; b < batchesPerEpoch; {
			if err := ctx.Err(); err != nil {
				res.Elapsed = elapsed()
				return res, t.stopAtEpochEnd(&res, b, good, err)
			}
			k := 1 // Full batches go StepsPerCall at a time; the short last one alone.
			if (b+StepsPerCall)*t.Config.BatchSize <= n {
				k = StepsPerCall
			}
			losses, err := step.runBatches(flat, dim, perm, b, k, t.Config.BatchSize)
			if err != nil {
				return res, fmt.Errorf("training step %d (epoch %d): %w", res.Steps, epoch, err)
			}
			for j, l := range losses {
				if math.IsNaN(l) || math.IsInf(l, 0) {
					if rerr := restoreVariables(t.Store, good); rerr != nil {
						return res, rerr
					}
					return res, t.divergence(l, epoch, b+j, res.Steps, first)
				}
				res.Steps++
				sum += l
				if initialLoss != 0 {
					if rerr := restoreVariables(t.Store, good); rerr != nil {
						return res, rerr
					}
					res.Steps = 0
					return res, fmt.Errorf("%w: the loss on all the data is %v on the initial weights, before any update, so the learning rate is not the cause: "+
						"check the loss's options (a noise level so small or so large that the loss overflows float32) and the data's scale. The initial model is kept",
						ErrDiverged, initialLoss)
				}
				if t.Hooks.Progress != nil {
					t.Hooks.Progress(status(epoch, t.Config.Epochs, res.Steps, totalSteps, l, elapsed()))
				}
			}
			b += k
		}
		r := Record{Epoch: epoch, Loss: sum / float64(batchesPerEpoch), Seconds: seconds()}
		res.History = append(res.History, r)
		if t.Hooks.Epoch != nil {
			t.Hooks.Epoch(r)
		}
		if t.Hooks.Snapshot != nil {
			t.Hooks.Snapshot(epoch, t.Store)
		}
		last := epoch == t.Config.Epochs-1
		// Every ReportEvery-th epoch, and the final model's loss too.
		if t.Config.ReportEvery > 0 && (epoch%t.Config.ReportEvery == 0 || last) {
			if err := report(epoch); err != nil {
				return res, t.undoEpoch(&res, good, batchesPerEpoch, err)
			}
		}
		due := t.CheckpointDir != "" && (last || (t.Config.CheckpointEvery > 0 && (epoch+1)%t.Config.CheckpointEvery == 0))
		if !last || due {
			// One copy of the end-of-epoch state serves the checkpoint and the next epoch's fallback.
			if good, err = captureVariables(t.Store); err != nil {
				return res, err
			}
		}
		if due {
			if err := t.checkpoint(res, epoch+1, good); err != nil {
				return res, err
			}
		}
	}
	res.Elapsed = elapsed()
	return res, nil
}

// divergence is the error for a non-finite loss l at batch b of epoch (step steps) of a run that
// started (or resumed) at epoch first, after the last finite model was put back in the store.
func (t *Trainer) divergence(l float64, epoch, b, steps, first int) error {
	if steps == 0 {
		// No update has been made: the learning rate cannot be the cause.
		return fmt.Errorf("%w: the loss is %v on the initial weights, before any update (epoch %d, batch %d), so the learning rate (%g) "+
			"is not the cause: check the loss's options (e.g. a noise level --sigma so small that the loss overflows) and the data. "+
			"The initial model is kept", ErrDiverged, l, epoch, b, t.Config.LearningRate)
	}
	kept := "the initial model is kept"
	if epoch > 0 {
		kept = fmt.Sprintf("the model of the end of epoch %d is kept", epoch-1)
		if epoch == first {
			kept += " (the checkpoint's)"
		}
	}
	return fmt.Errorf("%w: the loss is %v at epoch %d, batch %d (step %d); %s. "+
		"The learning rate (%g) may be too large for this loss", ErrDiverged, l, epoch, b, steps, kept, t.Config.LearningRate)
}

// undoEpoch takes back the epoch just finished when its report found the loss on all the data not
// finite (err wraps ErrDiverged): the store goes back to the end of the epoch before (good), and
// the epoch's record and steps are removed. Other errors are returned as they are.
func (t *Trainer) undoEpoch(res *Result, good []SavedVariable, steps int, err error) error {
	if !errors.Is(err, ErrDiverged) {
		return err
	}
	if rerr := restoreVariables(t.Store, good); rerr != nil {
		return rerr
	}
	res.History = res.History[:len(res.History)-1]
	res.Steps -= steps
	return err
}

// stopAtEpochEnd ends a run cancelled after stepsInEpoch steps of an unfinished epoch: the store
// goes back to the end of the last completed epoch (the variables good), so that the model, the
// loss history and the checkpoint written for it (when CheckpointDir is set) all describe the same
// epochs, and a resume continues exactly as an uninterrupted run. It returns cause, ctx's error.
func (t *Trainer) stopAtEpochEnd(res *Result, stepsInEpoch int, good []SavedVariable, cause error) error {
	if stepsInEpoch > 0 {
		if err := restoreVariables(t.Store, good); err != nil {
			return err
		}
		res.Steps -= stepsInEpoch
	}
	if t.CheckpointDir != "" && len(res.History) > 0 {
		if err := t.checkpoint(*res, len(res.History), good); err != nil {
			return err
		}
	}
	return cause
}

// Step is one compiled optimiser step: the loss on a batch, its gradients with respect to the
// network's weights, and Adam's update of the weights in the store, all in one graph. Given a
// stack of batches, one call takes one step on each in turn (see RunSteps).
type Step struct {
	exec *model.Exec
}

// StepsPerCall is how many optimiser steps Trainer.Run takes per call of the compiled graph,
// on as many full batches (the graph unrolls them: the same updates, in the same order, as one
// call per batch). On the XLA backend one call per batch cost the blog's step 2.7-2.8 ms; four
// per call, 1.8-2.2 ms (the fixed cost of a call, paid once for four steps); the Go backend's
// step is unchanged. More steps per call compile for longer and gained nothing more.
const StepsPerCall = 4

// NewStep builds the training step of m on loss lossFn, with Adam at learning rate lr (and the
// epsilon 1e-8 of JAX's Adam, which the blog used).
func NewStep(b compute.Backend, store *model.Store, m network.Model, lossFn loss.Func, lr float64) (*Step, error) {
	opt := optimizer.Adam().LearningRate(lr).Epsilon(1e-8).Done()
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		stepOn := func(x *graph.Node) *graph.Node {
			l := lossFn(LossModel(m, scope.Store()), x)
			opt.UpdateGraph(scope, x.Graph(), l)
			return l
		}
		if x.Rank() == 2 {
			return stepOn(x)
		}
		losses := make([]*graph.Node, x.Shape().Dimensions[0])
		for i := range losses {
			losses[i] = stepOn(graph.Squeeze(graph.SliceAxis(x, 0, graph.AxisElem(i)), 0))
		}
		return graph.Stack(losses, 0)
	})
	if err != nil {
		return nil, fmt.Errorf("building the training step: %w", err)
	}
	return &Step{exec: exec}, nil
}

// Run takes one step on batch ([B, D]) and returns the batch's loss before the update.
func (s *Step) Run(x *tensors.Tensor) (float64, error) {
	out, err := s.exec.Call(x)
	if err != nil {
		return 0, err
	}
	return batch.Scalar(out[0])
}

// RunSteps takes one step on each batch of batches ([K, B, D]), in order, in one call, and returns
// the K losses, each before its own update.
func (s *Step) RunSteps(batches *tensors.Tensor) ([]float64, error) {
	if batches.Rank() != 3 {
		return nil, fmt.Errorf("RunSteps takes a stack of batches [K, B, D], got shape %s", batches.Shape())
	}
	out, err := s.exec.Call(batches)
	if err != nil {
		return nil, err
	}
	return batch.Values(out[0])
}

// runBatches takes k steps from batch b of an epoch whose row order is perm: one call of Run for
// k = 1 (whatever the batch's size), one call of RunSteps on the k full batches otherwise.
func (s *Step) runBatches(flat []float32, dim int, perm []int, b, k, size int) ([]float64, error) {
	rows := perm[b*size : min((b+k)*size, len(perm))]
	if k == 1 {
		l, err := s.Run(gather(flat, dim, rows))
		return []float64{l}, err
	}
	return s.RunSteps(tensors.FromFlatDataAndDimensions(pick(flat, dim, rows), k, size, dim))
}

// evalWithoutDrawing runs eval on x and then puts the store's random generator back as it was:
// a stochastic loss (sliced, denoising) draws its noise from that generator, and a report must not
// move it, or how often the loss is reported would change the weights a seed trains to.
func evalWithoutDrawing(store *model.Store, eval *Step, x *tensors.Tensor) (float64, error) {
	rng := store.GetVariable(model.JoinPath("/", model.RNGStateVariableName))
	if rng == nil || !rng.HasValue() {
		return eval.Run(x)
	}
	state, err := rng.Value()
	if err != nil {
		return 0, fmt.Errorf("reading the random generator's state: %w", err)
	}
	saved, err := state.LocalClone()
	if err != nil {
		return 0, fmt.Errorf("saving the random generator's state: %w", err)
	}
	l, err := eval.Run(x)
	if err != nil {
		return 0, err
	}
	if err := rng.SetValue(saved); err != nil {
		return 0, fmt.Errorf("restoring the random generator's state: %w", err)
	}
	return l, nil
}

// newLossEvaluator builds the evaluation of lossFn alone (no update) for m.
func newLossEvaluator(b compute.Backend, store *model.Store, m network.Model, lossFn loss.Func) (*Step, error) {
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		return lossFn(LossModel(m, scope.Store()), x)
	})
	if err != nil {
		return nil, fmt.Errorf("building the loss evaluation: %w", err)
	}
	return &Step{exec: exec}, nil
}

// LossModel is what the losses see of the model whose weights are in store: its MLP's scores, the
// traces by forward tangents of a plain model, the noise-conditional score s(x, sigma) of a
// noise-conditional one, the score s(x, t) of a time-conditioned one, and the store's random
// generator. The last two have the gradient written by hand of network.MLP.ApplyFirstOrder: the
// losses that use them (NCSN, the SDE loss) differentiate them once, with respect to the weights.
func LossModel(m network.Model, store *model.Store) loss.Model {
	var trace loss.TraceFunc
	var noiseScore loss.NoiseScoreFunc
	var timeScore loss.TimeScoreFunc
	switch {
	case m.NoiseConditional():
		noiseScore = func(x, sigma *graph.Node) *graph.Node { return m.ApplyAtFirstOrder(store, x, sigma) }
	case m.TimeConditional():
		timeScore = func(x, t *graph.Node) *graph.Node { return m.ApplyAtTimeFirstOrder(store, x, t) }
	default:
		trace = func(x *graph.Node) (*graph.Node, *graph.Node) { return m.MLP().ApplyWithTrace(store, x) }
	}
	return loss.Model{
		Score:         func(x *graph.Node) *graph.Node { return m.MLP().Apply(store, x) },
		ScoreAndTrace: trace,
		NoiseScore:    noiseScore,
		TimeScore:     timeScore,
		Random: func(g *graph.Graph, dist string, shape shapes.Shape) *graph.Node {
			if dist == "uniform" {
				return store.RandomUniform(g, shape)
			}
			return noise.NormalFromStore(store, g, shape)
		},
	}
}

// checkpoint saves the state after epochs complete epochs, whose variables are vars.
func (t *Trainer) checkpoint(res Result, epochs int, vars []SavedVariable) error {
	return SaveCheckpoint(t.CheckpointDir, Checkpoint{Identity: t.Identity, Epochs: epochs, Steps: res.Steps, Config: t.Config,
		History: res.History, Reports: res.Reports, Variables: vars})
}

// checkResume refuses, before anything is allocated, a checkpoint that is not valid (see
// Checkpoint.Validate), or that another run or configuration wrote, or whose step count or
// variables do not fit this trainer's n data points and network: resuming it would not give the
// run it claims to continue.
func (t *Trainer) checkResume(cp *Checkpoint, n int) error {
	if err := cp.Validate(); err != nil {
		return fmt.Errorf("cannot resume: the checkpoint is not valid: %w", err)
	}
	if diff := identityDiff(cp.Identity, t.Identity); diff != "" {
		return fmt.Errorf("cannot resume: the checkpoint belongs to another run: %s", diff)
	}
	want, got := t.Config, cp.Config
	want.Epochs, got.Epochs = 0, 0 // A resumed run may be asked to go on for more epochs.
	want.CheckpointEvery, got.CheckpointEvery = 0, 0
	if want != got {
		return fmt.Errorf("cannot resume: the checkpoint was written with %+v, this run has %+v", cp.Config, t.Config)
	}
	if cp.Epochs > t.Config.Epochs {
		return fmt.Errorf("cannot resume: the checkpoint has %d epochs completed, more than the %d asked for", cp.Epochs, t.Config.Epochs)
	}
	if perEpoch := (n + t.Config.BatchSize - 1) / t.Config.BatchSize; cp.Steps != cp.Epochs*perEpoch {
		return fmt.Errorf("cannot resume: the checkpoint has %d steps in %d epochs, but this run's %d points in batches of %d take %d steps an epoch",
			cp.Steps, cp.Epochs, n, t.Config.BatchSize, perEpoch)
	}
	if err := checkVariableSet(cp.Variables, CheckpointVariables(t.Model.MLP())); err != nil {
		return fmt.Errorf("cannot resume: the checkpoint does not hold the variables of this run's network (sizes %v) and optimiser: %w", t.Model.Sizes, err)
	}
	return nil
}

func status(epoch, epochs, step, steps int, l float64, elapsed time.Duration) Status {
	s := Status{Epoch: epoch, Epochs: epochs, Step: step, Steps: steps, Loss: l, Elapsed: elapsed}
	if sec := elapsed.Seconds(); sec > 0 {
		s.StepsPerSec = float64(step) / sec
		s.ETA = time.Duration(float64(steps-step) / s.StepsPerSec * float64(time.Second))
	}
	return s
}

// gather returns the given rows of flat (rows of dim values) as a [len(rows), dim] tensor.
func gather(flat []float32, dim int, rows []int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(pick(flat, dim, rows), len(rows), dim)
}

// pick returns the given rows of flat (rows of dim values), one after the other.
func pick(flat []float32, dim int, rows []int) []float32 {
	picked := make([]float32, 0, len(rows)*dim)
	for _, r := range rows {
		picked = append(picked, flat[r*dim:(r+1)*dim]...)
	}
	return picked
}

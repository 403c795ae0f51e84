// Package bench defines the project's speed workloads once, for the bench command, the Go
// benchmarks (go test -bench) and the JAX counterparts in testdata/jaxref/bench.py:
//
//   - blog: one training step of the blog's set-up: a batch of 512 ring points, the 2-64-128-64-2
//     tanh MLP, the exact score-matching loss, its gradients and Adam's update, float32. As in
//     training (see train.StepsPerCall), each call of the compiled graph takes several steps;
//     the time is per step.
//   - dim: the same step for data in D dimensions (MLP D-64-128-64-D, standard normal points):
//     the exact trace costs one reverse pass per dimension, so its cost grows with D.
//   - sample: one Langevin update (step 1e-3) of 10,000 particles, started uniform in [-1.5, 1.5]^2,
//     with the blog's untrained MLP as the score: a score evaluation plus Gaussian noise. The score
//     is evaluated as the samplers do (sample.Chunked: in chunks of particles on the Go backend).
//
// Every workload reports the steady-state milliseconds per step (the first call, which compiles
// the graph, is timed apart as CompileMs) and the process's peak resident memory.
package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/noise"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// Workloads lists the workload names.
var Workloads = []string{"blog", "dim", "sample"}

// Dims are the dimensions of the dim workload.
var Dims = []int{2, 8, 32, 128, 512}

// Sizes used by the workloads.
const (
	BatchSize      = 512
	DataPoints     = 10000
	Particles      = 10000
	LangevinStepSz = 1e-3
	warmUpSteps    = 3
)

// Result is one measurement. Its JSON form is the last line the bench command prints.
type Result struct {
	Workload  string  `json:"workload"`
	Backend   string  `json:"backend"`
	Dim       int     `json:"dim"`
	Loss      string  `json:"loss,omitempty"` // The loss of the dim workload.
	Steps     int     `json:"steps"`
	MsPerStep float64 `json:"ms_per_step"`
	CompileMs float64 `json:"compile_ms"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// Projected20000S is the time of the blog's 20,000 steps at this speed (blog workload only).
	Projected20000S float64 `json:"projected_20000_steps_s,omitempty"`
}

// stepper is one call of a workload's compiled graph, run on its i-th input.
type stepper func(i int) error

// measure times the first call apart (compilation), warms up, then times steps steps, made
// perCall at a time by each call of step (steps is rounded up to a whole number of calls), rounds
// times over, and reports the fastest round.
func measure(ctx context.Context, name, backend string, dim, steps, perCall, rounds int, step stepper) (Result, error) {
	if steps <= 0 {
		return Result{}, fmt.Errorf("number of steps must be positive, got %d", steps)
	}
	if rounds <= 0 {
		return Result{}, fmt.Errorf("number of rounds must be positive, got %d", rounds)
	}
	calls := (steps + perCall - 1) / perCall
	steps = calls * perCall
	step0 := step
	step = func(i int) error { // Stops between two steps when ctx is cancelled (Ctrl-C).
		if err := ctx.Err(); err != nil {
			return err
		}
		return step0(i)
	}
	start := time.Now()
	if err := step(0); err != nil {
		return Result{}, err
	}
	compile := time.Since(start)
	for i := 1; i <= warmUpSteps; i++ {
		if err := step(i); err != nil {
			return Result{}, err
		}
	}
	ms := math.Inf(1)
	for round := range rounds {
		start = time.Now()
		for i := range calls {
			if err := step(warmUpSteps + 1 + round*calls + i); err != nil {
				return Result{}, err
			}
		}
		ms = min(ms, float64(time.Since(start).Microseconds())/1000/float64(steps))
	}
	r := Result{Workload: name, Backend: backend, Dim: dim, Steps: steps, MsPerStep: ms,
		CompileMs: float64(compile.Microseconds()) / 1000, PeakRSSMB: PeakRSSMB()}
	if name == "blog" {
		r.Projected20000S = ms * 20000 / 1000
	}
	return r, nil
}

// PeakRSSMB returns the process's peak resident set size in MiB (0 where unknown).
func PeakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB.
}

// Run runs the named workload for steps steps (for dim, once per dimension in dims, training with
// the loss called lossName; blog is the exact loss's step by definition, and sample trains nothing).
func Run(ctx context.Context, b compute.Backend, backendName, workload string, steps int, dims []int, lossName string) ([]Result, error) {
	switch workload {
	case "blog":
		r, err := blog(ctx, b, backendName, steps)
		return []Result{r}, err
	case "dim":
		for _, d := range dims { // Every dimension is checked before the first is timed.
			if err := checkDim(lossName, d); err != nil {
				return nil, err
			}
		}
		var out []Result
		for _, d := range dims {
			r, err := dimLoss(ctx, b, backendName, lossName, d, steps, 1)
			if err != nil {
				return out, err
			}
			out = append(out, r)
		}
		return out, nil
	case "sample":
		r, err := sampleStep(ctx, b, backendName, steps)
		return []Result{r}, err
	}
	return nil, fmt.Errorf("unknown workload %q: known workloads are %v", workload, Workloads)
}

// Blog measures the blog workload.
func Blog(b compute.Backend, backendName string, steps int) (Result, error) {
	return blog(context.Background(), b, backendName, steps)
}

func blog(ctx context.Context, b compute.Backend, backendName string, steps int) (Result, error) {
	data, err := toy.BlogRing.Sample(DataPoints, 0)
	if err != nil {
		return Result{}, err
	}
	return trainStep(ctx, b, backendName, "blog", data, network.BlogSizes, steps, 1, loss.Exact)
}

// DimLoss measures the training step of the loss called lossName (with its default options; see
// loss.ByName) for data in d dimensions: the dim workload for any loss, e.g. "sliced", whose
// cost, unlike the exact loss's, does not grow with d.
func DimLoss(b compute.Backend, backendName, lossName string, d, steps int) (Result, error) {
	return dimLoss(context.Background(), b, backendName, lossName, d, steps, 1)
}

// DimLossFastest is DimLoss timed rounds times over on the same compiled step, keeping the
// fastest round: the measure least disturbed by whatever else the machine is doing, for the
// price of one compilation (on xla:cpu, 1.6 to 3 s a loss and dimension, more than the timed
// steps themselves at small D).
func DimLossFastest(b compute.Backend, backendName, lossName string, d, steps, rounds int) (Result, error) {
	return dimLoss(context.Background(), b, backendName, lossName, d, steps, rounds)
}

func dimLoss(ctx context.Context, b compute.Backend, backendName, lossName string, d, steps, rounds int) (Result, error) {
	if err := checkDim(lossName, d); err != nil {
		return Result{}, err
	}
	lossFn, err := loss.ByName(lossName)
	if err != nil {
		return Result{}, err
	}
	data := gaussian(DataPoints, d, 0)
	r, err := trainStep(ctx, b, backendName, "dim", data, dimSizes(d), steps, rounds, lossFn)
	r.Loss = lossName
	return r, err
}

// dimSizes are the layer sizes of the dim workload's network for d-dimensional data.
func dimSizes(d int) []int { return []int{d, 64, 128, 64, d} }

// checkDim refuses, before anything is allocated, a dimension that is not positive or whose data
// and training step would need more memory than the limit (see package limits), and a loss the
// dim workload cannot run.
func checkDim(lossName string, d int) error {
	if d <= 0 {
		return fmt.Errorf("dimension must be positive, got %d", d)
	}
	if loss.NoiseConditional(lossName) {
		return fmt.Errorf("the dim workload takes plain score networks; loss %q is noise-conditional", lossName)
	}
	if _, err := loss.ByName(lossName); err != nil {
		return err
	}
	if err := limits.Check(fmt.Sprintf("dim workload: %d points of dimension %d", DataPoints, d), limits.Of(DataPoints, 24+12*d)); err != nil {
		return err
	}
	return train.CheckMemory(dimSizes(d), BatchSize, BatchSize, loss.DefaultOptions().ActivationCopies(lossName, d), lossName)
}

func trainStep(ctx context.Context, b compute.Backend, backendName, name string, data [][]float64, sizes []int, steps, rounds int, lossFn loss.Func) (r Result, err error) {
	defer batch.Recover(&err, name+" workload")
	mlp := network.Model{Kind: network.KindMLP, Sizes: sizes}
	store := model.NewStore()
	if err := mlp.Init(store, 0); err != nil {
		return Result{}, err
	}
	if err := store.SetRNGStateFromSeed(0); err != nil { // For the stochastic losses.
		return Result{}, err
	}
	step, err := train.NewStep(b, store, mlp, lossFn, 1e-4)
	if err != nil {
		return Result{}, err
	}
	// As train.Trainer.Run does: train.StepsPerCall batches per call of the compiled step.
	stacks := fixedBatches(data, BatchSize*train.StepsPerCall)
	for i, s := range stacks {
		if stacks[i], err = restack(s, train.StepsPerCall); err != nil {
			return Result{}, err
		}
	}
	r, err = measure(ctx, name, backendName, sizes[0], steps, train.StepsPerCall, rounds, func(i int) error {
		losses, err := step.RunSteps(stacks[i%len(stacks)])
		for j, l := range losses {
			if err == nil && (math.IsNaN(l) || math.IsInf(l, 0)) {
				err = fmt.Errorf("%s workload: loss is %v at step %d", name, l, i*train.StepsPerCall+j)
			}
		}
		return err
	})
	return r, err
}

// restack views the batch t [k*B, D] as k batches of B rows, [k, B, D].
func restack(t *tensors.Tensor, k int) (*tensors.Tensor, error) {
	flat, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, err
	}
	dims := t.Shape().Dimensions
	return tensors.FromFlatDataAndDimensions(flat, k, dims[0]/k, dims[1]), nil
}

// Sample measures one Langevin update of Particles points with the blog's (untrained) MLP.
func Sample(b compute.Backend, backendName string, steps int) (r Result, err error) {
	return sampleStep(context.Background(), b, backendName, steps)
}

func sampleStep(ctx context.Context, b compute.Backend, backendName string, steps int) (r Result, err error) {
	defer batch.Recover(&err, "sample workload")
	mlp := network.MLP{Sizes: network.BlogSizes}
	store := model.NewStore()
	if err := mlp.Init(store, 0); err != nil {
		return Result{}, err
	}
	if err := store.SetRNGStateFromSeed(0); err != nil {
		return Result{}, err
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		z := noise.NormalFromStore(scope.Store(), x.Graph(), x.Shape())
		score := sample.Chunked(func(store *model.Store, x *graph.Node) *graph.Node { return mlp.Apply(store, x) })
		return sample.LangevinStep(func(x *graph.Node) *graph.Node { return score(scope.Store(), x) }, x, LangevinStepSz, z)
	})
	if err != nil {
		return Result{}, err
	}
	x := fixedBatches(uniform(Particles, 2, 1.5), Particles)[0]
	return measure(ctx, "sample", backendName, 2, steps, 1, 1, func(int) error {
		out, err := exec.Call(x)
		if err != nil {
			return err
		}
		x = out[0] // The particles move on.
		return nil
	})
}

// fixedBatches shuffles data with a fixed seed and cuts it into full batches of size rows (the
// incomplete last batch is dropped, so every step has the same shape).
func fixedBatches(data [][]float64, size int) []*tensors.Tensor {
	dim := len(data[0])
	perm := rand.New(rand.NewPCG(0, 0)).Perm(len(data))
	var out []*tensors.Tensor
	for start := 0; start+size <= len(data); start += size {
		rows := make([][]float64, size)
		for i, r := range perm[start : start+size] {
			rows[i] = data[r]
		}
		t, err := batch.ToTensor(rows, dim)
		if err != nil {
			panic(err) // The workloads' own data: a bug, turned into an error by the caller's batch.Recover.
		}
		out = append(out, t)
	}
	return out
}

// uniform returns n points uniform in [-half, half]^d, seeded.
func uniform(n, d int, half float64) [][]float64 {
	rng := rand.New(rand.NewPCG(1, 0))
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = make([]float64, d)
		for j := range pts[i] {
			pts[i][j] = half * (2*rng.Float64() - 1)
		}
	}
	return pts
}

// gaussian returns n standard normal points in d dimensions, seeded.
func gaussian(n, d int, seed uint64) [][]float64 {
	g := toy.Gaussian{Dim: d}
	pts, _ := g.Sample(n, seed)
	return pts
}

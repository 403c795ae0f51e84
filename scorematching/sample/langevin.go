// Package sample draws points from a distribution known only through its score s(x) = grad log p(x),
// with Langevin dynamics:
//
//	x <- x + eps s(x) + sqrt(2 eps) z,   z ~ N(0, I).
//
// For a small step eps and many steps, the particles' distribution approaches p, whatever the start
// (Roberts and Tweedie 1996; the error of the discretisation is O(eps)). Two samplers share one
// engine:
//
//   - Langevin runs plain Langevin dynamics with a score s(x): a trained model (ModelScore) or an
//     analytic score written in graph ops (RingScore, MixtureScore).
//   - Annealed runs annealed Langevin dynamics (Song and Ermon 2019) with a noise-conditional score
//     s(x, sigma): T steps at each noise level sigma_1 > ... > sigma_L, with step
//     alpha_i = eps sigma_i^2 / sigma_L^2. Large noise levels let particles cross between modes,
//     which plain Langevin cannot do in any reasonable time (see Annealed).
//
// Both run in GoMLX: one graph holds Chunk steps (1 by default; more are unrolled), compiled once
// and called again and again with the particles left on the device (they come back to the host
// only to be recorded, and every 100 steps to check that they are still finite). The step size
// and noise level of each step are inputs of that graph, so one compilation serves a decaying
// step and every level of annealing. The noise comes from GoMLX's counter-based generator, seeded
// from Config.Seed: the same seed gives the same samples on the same backend (the Go and XLA
// backends draw different numbers from the same seed), whatever Chunk is.
//
// Why one step per graph by default: measured on a 2-core machine (Go backend and XLA CPU),
// unrolling 2 to 10 steps in one graph made no measurable difference per step on the Go backend,
// and on XLA it only added compilation time, which grows much faster than the graph: 25 unrolled
// steps of the ring's score took about 13 s to compile, 100 steps over a minute, against a step
// of well under a millisecond.
//
// Choosing the step size. The step must be small against the smallest length scale of p, squared:
// for the blog's ring (radial std 0.1) the score pulls back with stiffness 1/std^2 = 100, and the
// radial motion is the discretised Ornstein-Uhlenbeck process r <- r - eps (r - R)/std^2 + ..., which
// is unstable for eps >= 2 std^2 = 0.02 and, below that, inflates the radial variance by
// 1/(1 - eps/(2 std^2)) (e.g. 2.6% on the std at eps = 1e-3). Too small a step only costs steps:
// the particles need about 1/(eps k) steps to forget their start for a stiffness k, and the slow
// direction (around the ring, diffusion with coefficient 1/r^2) needs a time of order 1, i.e. 1/eps
// steps.
package sample

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/autodiff"
	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/noise"
)

// LangevinStep returns one Langevin update of the batch x ([N, D]) with step size eps, given the
// score function s and standard normal noise of x's shape: x + eps s(x) + sqrt(2 eps) noise.
func LangevinStep(s autodiff.RowFunc, x *graph.Node, eps float64, noise *graph.Node) *graph.Node {
	drift := graph.MulScalar(s(x), eps)
	return graph.Add(graph.Add(x, drift), graph.MulScalar(noise, math.Sqrt(2*eps)))
}

// langevinStepNode is LangevinStep with the step size as a scalar graph node, so that one compiled
// graph serves every step size (decay, annealing).
func langevinStepNode(score, x, eps, noise *graph.Node) *graph.Node {
	drift := graph.Mul(score, eps)
	return graph.Add(graph.Add(x, drift), graph.Mul(noise, graph.Sqrt(graph.MulScalar(eps, 2))))
}

// Score builds the score s(x) of a batch x [N, D] in a graph and returns it with x's shape. The
// store holds the variables the score may read (a network's weights); an analytic score ignores it.
// A trained model's Apply method is a Score (see ModelScore); RingScore and MixtureScore are
// analytic ones.
type Score func(store *model.Store, x *graph.Node) *graph.Node

// NoiseScore builds a noise-conditional score s(x, sigma): the score of the data distribution
// convolved with N(0, sigma^2 I), for a batch x [N, D] and the noise level of each row, sigma
// [N, 1] (every row has the same value during annealed Langevin; the [N, 1] shape broadcasts
// against x and can be concatenated to a network's input). A noise-conditional model's ApplyAt
// method (store, x, sigma) is a NoiseScore (network.Model.ApplyAt); NoisyMixtureScore is an exact,
// analytic one.
type NoiseScore func(store *model.Store, x, sigma *graph.Node) *graph.Node

// ErrDiverged is wrapped by the error of a sampler whose particles stopped being finite.
var ErrDiverged = errors.New("sampling diverged")

// checkEvery is how often (in steps) the sampler checks that the particles are still finite.
const checkEvery = 100

// DefaultChunk is the number of steps in one compiled graph when Config.Chunk is 0 (see the
// package documentation for why it is 1).
const DefaultChunk = 1

// Config sets up a sampling run: plain Langevin dynamics (Langevin: Steps steps from StepSize)
// or annealed Langevin dynamics (Annealed: Steps steps at each of the noise levels Sigmas, the step
// StepSize at the smallest level). Fields that one sampler does not use must be zero.
type Config struct {
	// N is the number of particles (independent chains). With Init set, 0 means len(Init).
	N int
	// Steps is the number of Langevin steps (annealed: at each noise level).
	Steps int
	// StepSize is eps, the step of the first update (annealed: the step at the last, smallest
	// level; level i uses alpha_i = eps sigma_i^2 / sigma_L^2).
	StepSize float64
	// Decay multiplies the step size after every step (eps_t = StepSize * Decay^t), in (0, 1];
	// 0 means 1 (no decay). A decaying step trades the O(eps) bias for slower mixing, as the JAX
	// score-matching notebook does. Plain Langevin only.
	Decay float64
	// Sigmas are the noise levels sigma_1 > sigma_2 > ... > sigma_L of annealed Langevin, largest
	// first (see Geometric). Sampling a noise-conditional model (Model) with Sigmas nil uses the
	// levels it was trained on.
	Sigmas []float64
	// Seed seeds both the start points and the noise: the same seed gives the same samples.
	Seed uint64
	// Init, if set, holds the start points (one row per particle); otherwise the particles start
	// uniform in the box [-Box, Box]^Dim.
	Init [][]float64
	// Box is the half-width of the box of uniform start points (used when Init is nil).
	Box float64
	// Dim is the dimension of the points (used when Init is nil).
	Dim int
	// KeepEvery, if positive, records the first TrajectoryPoints particles every KeepEvery steps
	// (counted over all levels; and at the start and the end) in Result.Trajectories, for plots.
	// 0 records nothing.
	KeepEvery int
	// TrajectoryPoints is how many particles' trajectories to keep; 0 means all N.
	TrajectoryPoints int
	// KeepLevels keeps all particles at the end of every noise level in Result.Levels (annealed).
	KeepLevels bool
	// Chunk is the number of steps unrolled in one compiled graph; 0 means DefaultChunk (1). It
	// changes speed only (a larger chunk compiles more slowly), never the samples.
	Chunk int
	// Progress, if set, is called after every chunk with the number of steps done and the total.
	Progress func(done, total int)
	// SNR is the signal-to-noise ratio r of the Langevin corrector of predictor-corrector sampling
	// (PC): each corrector step has size 2 alpha (r ||z|| / ||s||)^2; 0 means DefaultSNR.
	SNR float64
	// Tolerance, if positive, makes the probability-flow ODE sampler (ProbabilityFlow) adaptive:
	// Dormand-Prince 5(4) with relative and absolute tolerance Tolerance (Steps is then its step
	// budget); 0 runs Steps fixed RK4 steps.
	Tolerance float64
}

// Result holds the particles at the end and, if asked for, their trajectories.
type Result struct {
	// Samples are the particles after the last step, one row per particle.
	Samples [][]float64
	// Trajectories[p][t] is the position of particle p at step TrajectorySteps[t].
	Trajectories [][][]float64
	// TrajectorySteps are the step numbers of the recorded positions (0 is the start).
	TrajectorySteps []int
	// Evals, for ProbabilityFlow, is the number of score evaluations (per particle).
	Evals int
	// Levels, for Annealed only, are the particles at the end of each noise level (Levels[i] after
	// level i; the last one equals Samples). Only filled when KeepLevels is set.
	Levels [][][]float64
}

// Langevin runs plain Langevin dynamics x <- x + eps_t s(x) + sqrt(2 eps_t) z with the score s,
// in GoMLX on backend. The store holds the variables the score reads (e.g. the trained model, see
// ModelScore); nil gives an empty store, enough for an analytic score. The store is only read: the
// sampler keeps its own random state and never touches the store's generator.
//
// Errors name the bad configuration value. If the particles stop being finite (the step is too
// large for the score) the error wraps ErrDiverged and says at which step, and the result holds
// what there was then: Samples, the particles when it was found (non-finite ones included), and
// the trajectories recorded before. If ctx is cancelled, Langevin stops between two chunks and
// returns the particles as they are with ctx's error.
func Langevin(ctx context.Context, backend compute.Backend, store *model.Store, score Score, cfg Config) (Result, error) {
	if score == nil {
		return Result{}, errors.New("langevin: the score function is nil")
	}
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	decay := cfg.Decay
	if decay == 0 {
		decay = 1
	}
	steps := make([]float64, cfg.Steps)
	for t := range steps {
		steps[t] = cfg.StepSize * math.Pow(decay, float64(t))
	}
	if last := steps[len(steps)-1]; !(last > 0) {
		return Result{}, fmt.Errorf("langevin: step size decays to %v by step %d (step size %v, decay %v): use fewer steps or a decay closer to 1", last, cfg.Steps, cfg.StepSize, decay)
	}
	noiseScore := func(store *model.Store, x, _ *graph.Node) *graph.Node { return score(store, x) }
	r := run{backend: backend, store: store, score: noiseScore, cfg: cfg, steps: steps}
	return r.do(ctx)
}

// validate checks the configuration and returns an error naming the first bad value.
func (cfg Config) validate() error {
	if cfg.Steps <= 0 {
		return fmt.Errorf("langevin: number of steps must be positive, got %d", cfg.Steps)
	}
	if !(cfg.StepSize > 0) || math.IsInf(cfg.StepSize, 0) {
		return fmt.Errorf("langevin: step size must be positive and finite, got %v", cfg.StepSize)
	}
	if cfg.Decay != 0 && (!(cfg.Decay > 0) || cfg.Decay > 1) {
		return fmt.Errorf("langevin: step decay must be in (0, 1] (or 0 for none), got %v", cfg.Decay)
	}
	if cfg.Sigmas != nil || cfg.KeepLevels {
		return errors.New("langevin: Sigmas and KeepLevels are for annealed Langevin (plain Langevin has no noise levels)")
	}
	if err := cfg.validateStart("langevin"); err != nil {
		return err
	}
	return cfg.checkMemory("langevin", limits.Of(cfg.Steps), fmt.Sprintf("%d steps", cfg.Steps))
}

// validateStart checks what both samplers need to place their particles and record them; who
// names the sampler in the error.
func (s Config) validateStart(who string) error {
	if s.Init != nil {
		if len(s.Init) == 0 {
			return fmt.Errorf("%s: Init is empty: give start points or leave Init nil", who)
		}
		if s.N != 0 && s.N != len(s.Init) {
			return fmt.Errorf("%s: N is %d but Init has %d points (leave N 0 to use them all)", who, s.N, len(s.Init))
		}
		if err := batch.Check(s.Init, 0); err != nil {
			return fmt.Errorf("%s: start points: %w", who, err)
		}
	} else {
		if s.N <= 0 {
			return fmt.Errorf("%s: number of particles N must be positive, got %d", who, s.N)
		}
		if s.Dim <= 0 {
			return fmt.Errorf("%s: dimension Dim must be positive when Init is not given, got %d", who, s.Dim)
		}
		if !(s.Box > 0) || math.IsInf(s.Box, 0) {
			return fmt.Errorf("%s: box half-width Box must be positive and finite when Init is not given, got %v", who, s.Box)
		}
	}
	if s.KeepEvery < 0 {
		return fmt.Errorf("%s: KeepEvery must be 0 (no trajectories) or positive, got %d", who, s.KeepEvery)
	}
	n := s.N
	if s.Init != nil {
		n = len(s.Init)
	}
	if s.TrajectoryPoints < 0 || s.TrajectoryPoints > n {
		return fmt.Errorf("%s: TrajectoryPoints must be between 0 (all) and N = %d, got %d", who, n, s.TrajectoryPoints)
	}
	if s.Chunk < 0 {
		return fmt.Errorf("%s: Chunk must be 0 (default %d) or positive, got %d", who, DefaultChunk, s.Chunk)
	}
	return nil
}

// checkMemory bounds, before anything is allocated, what a run of steps steps keeps on the host
// (see package limits): the particles (float64 rows and a float32 copy), the per-step schedule
// (step size, noise level and their float32 copies) and the recorded trajectories; stepsText
// says how many steps in the error.
func (s Config) checkMemory(who string, steps limits.Size, stepsText string) error {
	n, dim := s.N, s.Dim
	if s.Init != nil {
		n, dim = len(s.Init), len(s.Init[0])
	}
	what := fmt.Sprintf("%s with %d particles of dimension %d", who, n, dim)
	if err := limits.Check(what, limits.Of(n, 24+12*dim)); err != nil {
		return err
	}
	if err := limits.Check(fmt.Sprintf("%s: the schedule of %s", who, stepsText), steps.Times(8+8+4+4)); err != nil {
		return err
	}
	if s.KeepEvery > 0 {
		kept := s.TrajectoryPoints
		if kept == 0 {
			kept = n
		}
		total, _ := steps.Bytes()
		frames := total/int64(s.KeepEvery) + 1
		return limits.Check(fmt.Sprintf("%s: trajectories of %d particles over %s, one position every %d", who, kept, stepsText, s.KeepEvery),
			limits.Of(kept, 24+8*dim).Times(int(frames)).Plus(limits.Of(int(frames), 8)))
	}
	return nil
}

// points returns the start points (a copy of init, or uniform in the box, seeded).
func (s Config) points() [][]float64 {
	if s.Init != nil {
		out := make([][]float64, len(s.Init))
		for i, p := range s.Init {
			out[i] = append([]float64(nil), p...)
		}
		return out
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x1a9e_5717))
	out := make([][]float64, s.N)
	for i := range out {
		out[i] = make([]float64, s.Dim)
		for j := range out[i] {
			out[i][j] = s.Box * (2*rng.Float64() - 1)
		}
	}
	return out
}

// run is one sampling run: a sequence of steps, each with its step size and noise level.
type run struct {
	backend   compute.Backend
	store     *model.Store
	score     NoiseScore
	cfg       Config
	steps     []float64 // Step size of every step.
	sigmas    []float64 // Noise level of every step (nil for plain Langevin).
	levelEnds []int     // Step counts at which a noise level ends (annealed, KeepLevels).
}

func (r *run) do(ctx context.Context) (res Result, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	pts := r.cfg.points()
	n, dim := len(pts), len(pts[0])
	chunk := r.cfg.Chunk
	if chunk == 0 {
		chunk = DefaultChunk
	}
	trajPoints := r.cfg.TrajectoryPoints
	if trajPoints == 0 {
		trajPoints = n
	}
	store := r.store
	if store == nil {
		store = model.NewStore()
	}
	defer batch.Recover(&err, "sampling") // GoMLX reports graph errors (e.g. a score of the wrong shape) by panics.
	exec, err := model.NewExec(r.backend, store, func(scope *model.Scope, x, rng, eps, sigma *graph.Node) (*graph.Node, *graph.Node) {
		length := eps.Shape().Dimensions[0]
		for k := range length {
			epsK := graph.Reshape(graph.Slice(eps, graph.AxisElem(k)))
			sigmaK := graph.BroadcastToDims(graph.Reshape(graph.Slice(sigma, graph.AxisElem(k)), 1, 1), x.Shape().Dimensions[0], 1)
			s := inChunks(func(rows ...*graph.Node) *graph.Node { return r.score(scope.Store(), rows[0], rows[1]) }, x, sigmaK)
			if !s.Shape().Equal(x.Shape()) {
				panic(fmt.Errorf("the score returned shape %s for points of shape %s", s.Shape(), x.Shape()))
			}
			var z *graph.Node
			rng, z = noise.Normal(rng, x.Shape())
			x = langevinStepNode(s, x, epsK, z)
		}
		return x, rng
	})
	if err != nil {
		return Result{}, fmt.Errorf("sampling: building the Langevin graph: %w", err)
	}
	defer exec.Finalize() // Frees the compiled graphs now rather than at garbage collection.
	rngState, err := graph.RNGStateFromSeed(int64(r.cfg.Seed))
	if err != nil {
		return Result{}, fmt.Errorf("sampling: seeding the generator: %w", err)
	}
	x, err := batch.ToTensor(pts, dim)
	if err != nil {
		return Result{}, fmt.Errorf("sampling: the start points: %w", err)
	}

	record := func(step int, rows [][]float64) {
		res.TrajectorySteps = append(res.TrajectorySteps, step)
		for p := range trajPoints {
			res.Trajectories[p] = append(res.Trajectories[p], append([]float64(nil), rows[p]...))
		}
	}
	if r.cfg.KeepEvery > 0 {
		res.Trajectories = make([][][]float64, trajPoints)
		record(0, pts)
	}
	levelEnd := map[int]bool{}
	for _, e := range r.levelEnds {
		levelEnd[e] = true
	}

	total := len(r.steps)
	for done := 0; done < total; {
		if err := ctx.Err(); err != nil {
			rows, _ := batch.FromTensor(x, n, dim)
			res.Samples = rows
			return res, err
		}
		length := min(chunk, total-done)
		if r.cfg.KeepEvery > 0 { // Stop at the next recorded step.
			length = min(length, r.cfg.KeepEvery-done%r.cfg.KeepEvery)
		}
		for e := done + 1; e < done+length; e++ { // And at the end of a noise level.
			if levelEnd[e] {
				length = e - done
				break
			}
		}
		eps := make([]float32, length)
		sig := make([]float32, length)
		for k := range length {
			eps[k] = float32(r.steps[done+k])
			if r.sigmas != nil {
				sig[k] = float32(r.sigmas[done+k])
			}
		}
		out, err := exec.Call(x, rngState, tensors.FromFlatDataAndDimensions(eps, length), tensors.FromFlatDataAndDimensions(sig, length))
		if err != nil {
			return Result{}, fmt.Errorf("sampling: running steps %d to %d: %w", done+1, done+length, err)
		}
		x, rngState = out[0], out[1]
		done += length
		keep := r.cfg.KeepEvery > 0 && (done%r.cfg.KeepEvery == 0 || done == total)
		if keep || levelEnd[done] || done == total || done/checkEvery != (done-length)/checkEvery {
			// Copy the particles to the host only when needed: it costs more than a step on XLA.
			rows, err := batch.FromTensor(x, n, dim)
			if err != nil {
				return Result{}, err
			}
			if i, j, bad := batch.FirstNonFinite(rows); bad {
				res.Samples = rows
				return res, fmt.Errorf("%w: particle %d coordinate %d is %v after step %d (step size there %v): the step is too large for this score (it must be well below the squared length scale of the distribution)", ErrDiverged, i, j, rows[i][j], done, r.steps[done-1])
			}
			if keep {
				record(done, rows)
			}
			if levelEnd[done] {
				res.Levels = append(res.Levels, rows)
			}
			if done == total {
				res.Samples = rows
			}
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress(done, total)
		}
	}
	return res, nil
}

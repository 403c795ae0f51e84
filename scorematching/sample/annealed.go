package sample

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/loss"
)

// AnnealedConfig sets up annealed Langevin dynamics (see Annealed).
type AnnealedConfig struct {
	// N is the number of particles. With Init set, 0 means len(Init).
	N int
	// Sigmas are the noise levels sigma_1 > sigma_2 > ... > sigma_L, largest first (see Geometric).
	Sigmas []float64
	// StepsPerLevel is T, the number of Langevin steps at each noise level.
	StepsPerLevel int
	// StepSize is eps, the step at the last (smallest) level; level i uses
	// alpha_i = eps sigma_i^2 / sigma_L^2.
	StepSize float64
	// Seed seeds both the start points and the noise.
	Seed uint64
	// Init, if set, holds the start points; otherwise they are uniform in [-Box, Box]^Dim.
	Init [][]float64
	// Box is the half-width of the box of uniform start points (used when Init is nil).
	Box float64
	// Dim is the dimension of the points (used when Init is nil).
	Dim int
	// KeepEvery, if positive, records the first TrajectoryPoints particles every KeepEvery steps
	// (counted over all levels) in Result.Trajectories. 0 records nothing.
	KeepEvery int
	// TrajectoryPoints is how many particles' trajectories to keep; 0 means all N.
	TrajectoryPoints int
	// KeepLevels keeps all particles at the end of every noise level in Result.Levels.
	KeepLevels bool
	// Chunk is the number of steps unrolled in one compiled graph; 0 means DefaultChunk.
	Chunk int
	// Progress, if set, is called after every chunk with the number of steps done and the total.
	Progress func(done, total int)
}

// Annealed runs annealed Langevin dynamics (Song and Ermon 2019, Algorithm 1) with the
// noise-conditional score s(x, sigma): for each level i = 1..L, StepsPerLevel steps of
//
//	x <- x + alpha_i s(x, sigma_i) + sqrt(2 alpha_i) z,   alpha_i = eps sigma_i^2 / sigma_L^2,
//
// each level starting where the previous one ended. At a large sigma the noisy distribution is
// smooth and nearly unimodal, so the particles spread over every mode in proportion to its mass;
// as sigma shrinks they settle into the modes without having to cross between them. Plain
// Langevin cannot do this: from a uniform start each particle falls into the nearest mode, and
// the mass of each mode is then fixed by the start, not by p, for a time that grows exponentially
// with the barrier between the modes (its score near a mode does not even depend on the mode's
// weight). That is a property of the dynamics, not a bug; see the package's tests.
//
// The step alpha_i proportional to sigma_i^2 keeps the signal-to-noise ratio of each update the
// same at every level (the score of the noisy distribution scales as 1/sigma). The particles end
// at the last level's noisy distribution, p convolved with N(0, sigma_L^2 I), not p itself: take
// sigma_L small against p's length scales. store and the errors are as for Langevin.
func Annealed(ctx context.Context, backend compute.Backend, store *model.Store, score NoiseScore, cfg AnnealedConfig) (Result, error) {
	if score == nil {
		return Result{}, errors.New("annealed langevin: the score function is nil")
	}
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	last := cfg.Sigmas[len(cfg.Sigmas)-1]
	var steps, sigmas []float64
	var ends []int
	for _, s := range cfg.Sigmas {
		alpha := cfg.StepSize * (s * s) / (last * last)
		for range cfg.StepsPerLevel {
			steps = append(steps, alpha)
			sigmas = append(sigmas, s)
		}
		ends = append(ends, len(steps))
	}
	r := run{backend: backend, store: store, score: score, start: cfg.start(), steps: steps, sigmas: sigmas,
		keepEvery: cfg.KeepEvery, trajPoints: cfg.TrajectoryPoints, chunk: cfg.Chunk, progress: cfg.Progress}
	if cfg.KeepLevels {
		r.levelEnds = ends
	}
	return r.do(ctx)
}

func (cfg AnnealedConfig) validate() error {
	if len(cfg.Sigmas) == 0 {
		return errors.New("annealed langevin: no noise levels: Sigmas is empty")
	}
	for i, s := range cfg.Sigmas {
		if !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("annealed langevin: noise level %d must be positive and finite, got %v", i, s)
		}
		if i > 0 && !(s < cfg.Sigmas[i-1]) {
			return fmt.Errorf("annealed langevin: noise levels must decrease, largest first: level %d is %v after %v", i, s, cfg.Sigmas[i-1])
		}
	}
	if cfg.StepsPerLevel <= 0 {
		return fmt.Errorf("annealed langevin: steps per level must be positive, got %d", cfg.StepsPerLevel)
	}
	if !(cfg.StepSize > 0) || math.IsInf(cfg.StepSize, 0) {
		return fmt.Errorf("annealed langevin: step size must be positive and finite, got %v", cfg.StepSize)
	}
	if err := cfg.start().validate("annealed langevin"); err != nil {
		return err
	}
	return cfg.start().checkMemory("annealed langevin", limits.Of(len(cfg.Sigmas), cfg.StepsPerLevel), fmt.Sprintf("%d levels x %d steps", len(cfg.Sigmas), cfg.StepsPerLevel))
}

func (cfg AnnealedConfig) start() start {
	return start{n: cfg.N, init: cfg.Init, box: cfg.Box, dim: cfg.Dim, seed: cfg.Seed,
		keepEvery: cfg.KeepEvery, trajPoints: cfg.TrajectoryPoints, chunk: cfg.Chunk}
}

// Geometric returns n noise levels from hi down to lo in geometric progression (equal ratios),
// hi first: the schedule of Song and Ermon (2019); NCSN's toy runs use Geometric(20, 1, 10). It
// is loss.GeometricSigmas with errors instead of panics, and asks for at least two distinct levels.
func Geometric(hi, lo float64, n int) ([]float64, error) {
	if !(lo > 0) || math.IsInf(lo, 0) {
		return nil, fmt.Errorf("smallest noise level must be positive and finite, got %v", lo)
	}
	if !(hi > lo) || math.IsInf(hi, 0) {
		return nil, fmt.Errorf("largest noise level must be finite and larger than the smallest (%v), got %v", lo, hi)
	}
	if n < 2 {
		return nil, fmt.Errorf("number of noise levels must be at least 2, got %d", n)
	}
	return loss.GeometricSigmas(hi, lo, n), nil
}

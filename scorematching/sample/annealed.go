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
func Annealed(ctx context.Context, backend compute.Backend, store *model.Store, score NoiseScore, cfg Config) (Result, error) {
	if score == nil {
		return Result{}, errors.New("annealed langevin: the score function is nil")
	}
	if err := cfg.validateAnnealed(); err != nil {
		return Result{}, err
	}
	last := cfg.Sigmas[len(cfg.Sigmas)-1]
	var steps, sigmas []float64
	var ends []int
	for _, s := range cfg.Sigmas {
		alpha := cfg.StepSize * (s * s) / (last * last)
		for range cfg.Steps {
			steps = append(steps, alpha)
			sigmas = append(sigmas, s)
		}
		ends = append(ends, len(steps))
	}
	r := run{backend: backend, store: store, score: score, cfg: cfg, steps: steps, sigmas: sigmas}
	if cfg.KeepLevels {
		r.levelEnds = ends
	}
	return r.do(ctx)
}

func (cfg Config) validateAnnealed() error {
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
	if cfg.Steps <= 0 {
		return fmt.Errorf("annealed langevin: steps per level must be positive, got %d", cfg.Steps)
	}
	if cfg.Decay != 0 {
		return fmt.Errorf("annealed langevin: Decay is for plain Langevin (annealing sets the step of each level), got %v", cfg.Decay)
	}
	if !(cfg.StepSize > 0) || math.IsInf(cfg.StepSize, 0) {
		return fmt.Errorf("annealed langevin: step size must be positive and finite, got %v", cfg.StepSize)
	}
	if err := cfg.validateStart("annealed langevin"); err != nil {
		return err
	}
	return cfg.checkMemory("annealed langevin", limits.Of(len(cfg.Sigmas), cfg.Steps), fmt.Sprintf("%d levels x %d steps", len(cfg.Sigmas), cfg.Steps))
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

package sample

import (
	"context"
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/network"
)

// Samplers: the values of Model's sampler argument.
const (
	// SamplerLangevin is plain Langevin dynamics (Langevin) with the model's score s(x); for a
	// noise-conditional model, its score at the smallest noise level.
	SamplerLangevin = "langevin"
	// SamplerAnnealed is annealed Langevin dynamics (Annealed) down the noise levels of a
	// noise-conditional model.
	SamplerAnnealed = "annealed"
	// SamplerEM, SamplerPC and SamplerODE are the diffusion samplers of a time-conditioned model:
	// ReverseSDE, PC and ProbabilityFlow (see diffusion.go).
	SamplerEM  = "em"
	SamplerPC  = "pc"
	SamplerODE = "ode"
)

// DefaultSampler is the sampler a model's kind calls for: annealed Langevin for a
// noise-conditional model, plain Langevin for a plain one.
func DefaultSampler(m network.Model) string {
	switch {
	case m.NoiseConditional():
		return SamplerAnnealed
	case m.TimeConditional():
		return SamplerPC
	}
	return SamplerLangevin
}

// Samplers lists the sampler names Model takes.
func Samplers() []string {
	return []string{SamplerLangevin, SamplerAnnealed, SamplerEM, SamplerPC, SamplerODE}
}

// ModelScore is the score of a trained model (network.Model.Apply: s(x), or s(x, sigma_L) for a
// noise-conditional model), with the weights read from the store given to the sampler.
func ModelScore(m network.Model) Score {
	return func(store *model.Store, x *graph.Node) *graph.Node { return m.Apply(store, x) }
}

// Model draws samples from the trained model m, whose weights are in store, with the named
// sampler ("" for DefaultSampler(m)): SamplerLangevin runs Langevin with ModelScore(m);
// SamplerAnnealed, for a noise-conditional model only, runs Annealed with m.ApplyAt on cfg.Sigmas,
// or on the levels m was trained on when cfg.Sigmas is nil; SamplerEM, SamplerPC and SamplerODE,
// for a time-conditioned model only, run ReverseSDE, PC and ProbabilityFlow on its SDE.
func Model(ctx context.Context, backend compute.Backend, store *model.Store, m network.Model, sampler string, cfg Config) (Result, error) {
	if err := m.Validate(); err != nil {
		return Result{}, err
	}
	if sampler == "" {
		sampler = DefaultSampler(m)
	}
	switch sampler {
	case SamplerLangevin:
		if m.NoiseConditional() {
			if _, err := m.SmallestSigma(); err != nil {
				return Result{}, err
			}
		}
		return Langevin(ctx, backend, store, ModelScore(m), cfg)
	case SamplerAnnealed:
		if !m.NoiseConditional() {
			return Result{}, fmt.Errorf("sampler %s needs a noise-conditional model (trained with --loss ncsn); this one is a plain score network s(x): use %s", SamplerAnnealed, SamplerLangevin)
		}
		if cfg.Sigmas == nil {
			if len(m.Sigmas) == 0 {
				return Result{}, fmt.Errorf("sampler %s: the model records no noise levels and Config.Sigmas is nil", SamplerAnnealed)
			}
			cfg.Sigmas = m.Sigmas
		}
		return Annealed(ctx, backend, store, m.ApplyAt, cfg)
	case SamplerEM, SamplerPC, SamplerODE:
		if !m.TimeConditional() {
			return Result{}, fmt.Errorf("sampler %s needs a time-conditioned model (trained with --loss sde); this one is a %s model: use %s", sampler, m.Kind, DefaultSampler(m))
		}
		score := func(store *model.Store, x, t *graph.Node) *graph.Node { return m.ApplyAtTime(store, x, t) }
		switch sampler {
		case SamplerEM:
			return ReverseSDE(ctx, backend, store, *m.SDE, score, cfg)
		case SamplerPC:
			return PC(ctx, backend, store, *m.SDE, score, cfg)
		}
		return ProbabilityFlow(ctx, backend, store, *m.SDE, score, cfg)
	}
	return Result{}, fmt.Errorf("unknown sampler %q: known samplers are %s", sampler, strings.Join(Samplers(), ", "))
}

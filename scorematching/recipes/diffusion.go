package recipes

// The diffusion counterpart of every recipe: the same data, network widths, batches, learning rate
// and seed, trained with the sde loss (package sde: VE, its largest noise level from the data),
// sampled with predictor-corrector and with the probability-flow ODE, and measured like the
// recipes' samples (MMD^2 against its noise floor, the data set's statistic), with the model's
// exact log-likelihood of fresh points beside the true log-density where it is known.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/likelihood"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// Defaults of the diffusion runs.
const (
	// DefaultDiffusionEpochs is the training length of Diffusion's recipes.
	DefaultDiffusionEpochs = 500
	// PCSteps and ODESteps are the steps of the two samplers compared (PC: two score evaluations
	// a step; ODE: four, RK4).
	PCSteps  = 500
	ODESteps = 100
	// NLLPoints is the number of fresh points whose log-likelihood is computed, and NLLSteps the
	// RK4 steps of that integration.
	NLLPoints = 500
	NLLSteps  = 100
	// DiffusionResultFile is the file RunDiffusion writes in its folder.
	DiffusionResultFile = "diffusion.json"
)

// Diffusion returns the sde counterpart of r: the sde loss (default process), epochs epochs
// (0: DefaultDiffusionEpochs), predictor-corrector sampling with PCSteps steps.
func (r Recipe) Diffusion(epochs int) Recipe {
	r = r.withDefaults()
	if epochs <= 0 {
		epochs = DefaultDiffusionEpochs
	}
	r.Loss, r.LossOptions, r.Epochs = "sde", loss.Options{}, epochs
	r.Sampler, r.Steps, r.StepSize = sample.SamplerPC, PCSteps, 0
	r.Why = "the sde counterpart of the recipe: same data, network, batches and learning rate"
	return r
}

// SamplerResult is one sampler's samples measured: MMD^2 against fresh data beside its noise
// floor, and the data set's statistic.
type SamplerResult struct {
	Sampler     string  `json:"sampler"`
	Steps       int     `json:"steps"`
	Seconds     float64 `json:"seconds"`
	Evals       int     `json:"evals"` // Score evaluations per particle.
	MMD2        float64 `json:"mmd2"`
	FloorMean   float64 `json:"floor_mean"`
	FloorStd    float64 `json:"floor_std"`
	Statistic   string  `json:"statistic,omitempty"`
	StatSamples float64 `json:"stat_samples"`
	StatData    float64 `json:"stat_data"`
}

// Z is how many floor standard deviations MMD2 lies above the floor's mean: within 3, the samples
// cannot be told from data at this sample size.
func (s SamplerResult) Z() float64 {
	if s.FloorStd == 0 {
		return math.NaN()
	}
	return (s.MMD2 - s.FloorMean) / s.FloorStd
}

// NLLResult compares the model's exact log-likelihood of fresh points (nats, by the
// probability-flow ODE) with their true log-density.
type NLLResult struct {
	Points  int     `json:"points"`
	Model   float64 `json:"model"` // Mean log-likelihood under the model.
	True    float64 `json:"true"`  // Mean true log-density.
	Seconds float64 `json:"seconds"`
}

// Gap is True - Model: how many nats per point the model's density falls short (the KL
// divergence from the data to the model, estimated on the points; at least 0 up to the noise).
func (n NLLResult) Gap() float64 { return n.True - n.Model }

// DiffusionResult is what RunDiffusion measured on one data set.
type DiffusionResult struct {
	Recipe       Recipe          `json:"recipe"`
	Backend      string          `json:"backend"`
	TrainSeconds float64         `json:"train_seconds"`
	Samplers     []SamplerResult `json:"samplers"`
	NLL          *NLLResult      `json:"nll,omitempty"` // Where the data set's density is known.
}

// RunDiffusion trains r (a Diffusion recipe; progress to hooks), writes the run to
// outDir/<dataset>-sde/, samples r.Particles points with predictor-corrector (PCSteps) and the
// probability-flow ODE (ODESteps RK4 steps), measures both, computes the log-likelihood of
// NLLPoints fresh points where the true density is known, and writes the result (diffusion.json).
func RunDiffusion(ctx context.Context, b compute.Backend, r Recipe, outDir string, hooks train.Hooks) (*DiffusionResult, error) {
	r = r.withDefaults()
	if r.Loss != "sde" {
		return nil, fmt.Errorf("dataset %s: a diffusion run needs the sde loss, not %s (see Recipe.Diffusion)", r.Dataset, r.Loss)
	}
	o, err := r.Options()
	if err != nil {
		return nil, err
	}
	run, err := experiment.Run(ctx, b, o, hooks)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	dir := filepath.Join(outDir, r.Dataset+"-sde")
	if _, err := run.WriteDir(dir); err != nil {
		return nil, err
	}
	res := &DiffusionResult{Recipe: r, Backend: run.Backend, TrainSeconds: run.Result.Elapsed.Seconds()}
	for _, c := range []struct {
		sampler string
		steps   int
	}{{sample.SamplerPC, PCSteps}, {sample.SamplerODE, ODESteps}} {
		start := time.Now()
		out, err := run.Sample(ctx, c.sampler, sample.Config{N: r.Particles, Steps: c.steps, Seed: r.Seed})
		if err != nil {
			return nil, fmt.Errorf("dataset %s: sampling with %s: %w", r.Dataset, c.sampler, err)
		}
		sr := SamplerResult{Sampler: c.sampler, Steps: c.steps, Seconds: time.Since(start).Seconds(), Evals: out.Evals}
		m, err := r.Measure(run, out.Samples)
		if err != nil {
			return nil, err
		}
		sr.MMD2, sr.FloorMean, sr.FloorStd = m.MMD2, m.Floor.Mean, m.Floor.Std
		sr.Statistic, sr.StatSamples, sr.StatData = m.Statistic, m.StatSamples, m.StatData
		res.Samplers = append(res.Samplers, sr)
	}
	if res.NLL, err = nll(ctx, run, r.Seed); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	return res, files.WriteAtomic(filepath.Join(dir, DiffusionResultFile), append(data, '\n'))
}

// nll compares the model's log-likelihood of NLLPoints fresh points with their true log-density,
// for a data set whose density is known (nil otherwise).
func nll(ctx context.Context, run *experiment.Outcome, seed uint64) (*NLLResult, error) {
	d, err := run.Options.Data()
	if err != nil {
		return nil, err
	}
	a, ok := d.(toy.Analytic)
	if !ok {
		return nil, nil
	}
	fresh, err := d.Sample(NLLPoints, seed+freshSeed+10)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	lik, err := run.Likelihood(ctx, fresh, likelihood.Config{Steps: NLLSteps})
	if err != nil {
		return nil, err
	}
	n := &NLLResult{Points: len(fresh), Seconds: time.Since(start).Seconds()}
	for i, p := range fresh {
		n.Model += lik.LogDensity[i] / float64(len(fresh))
		n.True += a.LogDensity(p) / float64(len(fresh))
	}
	return n, nil
}

// DiffusionTable returns a Markdown table of diffusion results, one row per data set, beside the
// annealed-Langevin results of the same data sets where given (ncsn, by data set name; may be
// nil): MMD^2 z-scores (within 3: indistinguishable from data at n = Particles), the gap between
// the true and the model's mean log-likelihood where known, and the times.
func DiffusionTable(results []DiffusionResult, ncsn map[string]Result) string {
	var sb strings.Builder
	sb.WriteString("| data set | epochs | train (s) | NCSN annealed z | PC z | ODE z | PC (s) | ODE (s) | statistic: data / PC / ODE | log-lik. gap (nats) |\n")
	sb.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n")
	for _, d := range results {
		name := d.Recipe.Dataset
		annealed := "—"
		if n, ok := ncsn[name]; ok && n.Recipe.Sampler == sample.SamplerAnnealed {
			annealed = fmt.Sprintf("%.1f", n.FloorZ())
		}
		var z, secs [2]string
		stat := "—"
		for i, s := range d.Samplers {
			if i < 2 {
				z[i], secs[i] = fmt.Sprintf("%.1f", s.Z()), fmt.Sprintf("%.1f", s.Seconds)
			}
		}
		if len(d.Samplers) == 2 && d.Samplers[0].Statistic != "" {
			stat = fmt.Sprintf("%s: %.3f / %.3f / %.3f", d.Samplers[0].Statistic, d.Samplers[0].StatData, d.Samplers[0].StatSamples, d.Samplers[1].StatSamples)
		}
		gap := "—"
		if d.NLL != nil {
			gap = fmt.Sprintf("%.3f", d.NLL.Gap())
		}
		fmt.Fprintf(&sb, "| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s |\n",
			name, d.Recipe.Epochs, d.TrainSeconds, annealed, z[0], z[1], secs[0], secs[1], stat, gap)
	}
	return sb.String()
}

// LoadDiffusionResults reads back the diffusion.json of each named data set from outDir.
func LoadDiffusionResults(outDir string, names []string) ([]DiffusionResult, error) {
	out := make([]DiffusionResult, 0, len(names))
	for _, name := range names {
		data, err := files.Read(filepath.Join(outDir, name+"-sde", DiffusionResultFile))
		if err != nil {
			return nil, fmt.Errorf("dataset %s: no diffusion result yet (run the training cell): %w", name, err)
		}
		var r DiffusionResult
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("dataset %s: %s is not valid: %w", name, DiffusionResultFile, err)
		}
		out = append(out, r)
	}
	return out, nil
}

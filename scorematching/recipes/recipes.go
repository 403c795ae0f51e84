// Package recipes holds a training recipe for every toy data set in the plane (loss, network,
// training length, sampler), chosen and measured for the tour of all the data sets: Run trains,
// samples and measures one data set and saves the result, Grid and Table show them all.
package recipes

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/points"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// Recipe is how notebook 04 trains a score network on one data set of the registry (its
// defaults) and samples from it. Recipes lists the chosen recipe of every data set. Zero
// fields take defaults: 10,000 samples, hidden layers 64-128-64 (the blog's), batches of 2048,
// learning rate 2e-3, DefaultParticles particles.
type Recipe struct {
	Dataset string `json:"dataset"` // Registry name (toy.Names), with its default parameters.
	// Loss is "exact", "denoising" or "ncsn"; LossOptions set its noise level(s) (zero fields:
	// loss.DefaultOptions).
	Loss        string       `json:"loss"`
	LossOptions loss.Options `json:"loss_options"`
	// Samples training points, seeded by Seed (which also seeds the weights, the batch order and
	// the sampler).
	Samples      int     `json:"samples"`
	Seed         uint64  `json:"seed"`
	Hidden       []int   `json:"hidden"` // Hidden layer widths of the MLP (tanh).
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"` // Adam's step.
	// Sampler is sample.SamplerLangevin or sample.SamplerAnnealed. Steps is the number of Langevin steps
	// (annealed: per noise level) and StepSize the step (annealed: at the smallest level; level i
	// uses StepSize sigma_i^2 / sigma_L^2). The particles start uniform in the window of the data.
	Sampler   string  `json:"sampler"`
	Steps     int     `json:"steps"`
	StepSize  float64 `json:"step_size"`
	Particles int     `json:"particles"` // Samples drawn, and fresh data points they are compared with.
	// Why is one line on the choice, for the notebook's table.
	Why string `json:"why"`
}

// DefaultParticles is the default number of samples drawn per data set (and of fresh data
// points in each MMD estimate).
const DefaultParticles = 2000

// table are the recipes, in the order of toy.Names. The sampler settings were chosen by
// measuring the MMD of the samples (see Result) over steps per level in {10, 25, 50, 100}
// and three step sizes, on the networks these recipes train (xla:cpu, seed 0): with a learned
// score, 25 steps per level at eps = 0.1 sigma_L^2 was best or close for most sets, and longer
// runs were worse (the particles drift towards the learned field's own equilibrium).
var table = []Recipe{
	{Dataset: "ring", Loss: "exact", Epochs: 150, LearningRate: 1e-3, BatchSize: 512,
		Sampler: sample.SamplerLangevin, Steps: 250, StepSize: 2.5e-4,
		Why: "one smooth, connected mode with a known score: the exact loss; Langevin with a step far below std² = 0.01, and a short run"},
	{Dataset: "rings", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(1.5, 0.05, 8)}, Hidden: wide, Epochs: 1500,
		Sampler: sample.SamplerAnnealed, Steps: 50, StepSize: 1.25e-4,
		Why: "four thin rings (std 0.08) with empty gaps: only annealing moves particles from ring to ring; the hardest set here, trained three times longer (at 500 epochs the samples were a blurred disk)"},
	{Dataset: "gaussian", Loss: "denoising", LossOptions: loss.Options{Sigma: 0.1}, Epochs: 40, LearningRate: 1e-3, BatchSize: 512,
		Sampler: sample.SamplerLangevin, Steps: 500, StepSize: 0.02,
		Why: "one smooth mode: denoising at sigma 0.1 learns N(0, 1.01 I), close enough, with no Jacobian; plain Langevin mixes fast"},
	{Dataset: "2gaussians", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(8, 0.1, 10)}, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 100, StepSize: 1e-3,
		Why: "NCSN's example: weights 0.2 and 0.8, 14 apart; the ladder starts at 8 so that the modes merge, and 100 steps per level share the mass out"},
	{Dataset: "8gaussians", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(4, 0.05, 10)}, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 2.5e-4,
		Why: "eight separated modes of equal weight"},
	{Dataset: "circles", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(2, 0.05, 9)}, Hidden: wide, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 2.5e-4,
		Why: "two circles with a gap: from a uniform start, Langevin would fill them in proportion to their basins, not their weights"},
	{Dataset: "moons", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(2, 0.05, 10)}, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 2.5e-4,
		Why: "two curved halves with a gap between them; no closed-form score"},
	{Dataset: "swissroll", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(3, 0.05, 10)}, Hidden: wide, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 2.5e-4,
		Why: "one long curve whose turns are separated by gaps"},
	{Dataset: "pinwheel", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(3, 0.05, 10)}, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 1.25e-4,
		Why: "five thin arms that meet near the centre"},
	{Dataset: "2spirals", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(3, 0.05, 10)}, Hidden: wide, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 2.5e-4,
		Why: "two interleaved spirals, close together"},
	{Dataset: "checkerboard", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(3, 0.05, 10)}, Hidden: wide, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 2.5e-4,
		Why: "eight flat squares touching at corners: the score is zero inside them and jumps at their edges"},
	{Dataset: "line", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(3, 0.03, 10)}, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 9e-5,
		Why: "a segment, with no density in the plane and so no score: only its noisy versions have one"},
	{Dataset: "sine", Loss: "ncsn", LossOptions: loss.Options{Sigmas: loss.GeometricSigmas(3, 0.03, 10)}, Epochs: 500,
		Sampler: sample.SamplerAnnealed, Steps: 25, StepSize: 9e-5,
		Why: "a curve with no density in the plane, as the line"},
}

// wide is the hidden layers of the harder data sets' networks (the others use the blog's 64-128-64).
var wide = []int{128, 128, 128}

// All returns the recipe of every data set of the registry, in the order of toy.Names.
func All() []Recipe {
	out := make([]Recipe, len(table))
	for i, r := range table {
		out[i] = r.withDefaults()
	}
	return out
}

// For returns the recipe of the named data set.
func For(name string) (Recipe, error) {
	for _, r := range table {
		if r.Dataset == name {
			return r.withDefaults(), nil
		}
	}
	return Recipe{}, fmt.Errorf("no recipe for dataset %q: the datasets with one are %s", name, strings.Join(Names(), ", "))
}

// withDefaults fills the fields the table leaves out, and copies the slices.
func (r Recipe) withDefaults() Recipe {
	if r.Samples == 0 {
		r.Samples = 10000
	}
	if len(r.Hidden) == 0 {
		r.Hidden = []int{64, 128, 64} // The blog's network.
	}
	if r.BatchSize == 0 {
		r.BatchSize = 2048
	}
	if r.LearningRate == 0 {
		r.LearningRate = 2e-3
	}
	if r.Particles == 0 {
		r.Particles = DefaultParticles
	}
	r.Hidden = slices.Clone(r.Hidden)
	r.LossOptions.Sigmas = slices.Clone(r.LossOptions.Sigmas)
	return r
}

// Names returns the data sets that have a recipe, in the order of toy.Names: every data set
// in the plane. The one-dimensional warm-up "mixture1d" (notebook 00) has none: the grid of
// figures of notebook 04 is drawn in the plane.
func Names() []string {
	names := make([]string, len(table))
	for i, r := range table {
		names[i] = r.Dataset
	}
	return names
}

// List parses a comma-separated list of data set names (spaces allowed); "" or "all"
// gives every data set with a recipe (Names). Unknown or repeated names are errors.
func List(list string) ([]string, error) {
	if s := strings.TrimSpace(list); s == "" || s == "all" {
		return Names(), nil
	}
	var out []string
	for _, f := range strings.Split(list, ",") {
		name := strings.TrimSpace(f)
		if _, err := For(name); err != nil {
			return nil, err
		}
		if slices.Contains(out, name) {
			return nil, fmt.Errorf("dataset %q listed twice", name)
		}
		out = append(out, name)
	}
	return out, nil
}

// Scaled returns the recipe with its number of epochs multiplied by scale (at least one epoch)
// and, if particles > 0, that many particles: the notebook's knobs for a quick run.
func (r Recipe) Scaled(scale float64, particles int) Recipe {
	r = r.withDefaults()
	if scale > 0 {
		r.Epochs = max(1, int(math.Round(float64(r.Epochs)*scale)))
	}
	if particles > 0 {
		r.Particles = particles
	}
	return r
}

// Options returns the training run of the recipe.
func (r Recipe) Options() (experiment.Options, error) {
	r = r.withDefaults()
	d, err := toy.New(r.Dataset, nil)
	if err != nil {
		return experiment.Options{}, err
	}
	sizes := append(append([]int{d.Dim()}, r.Hidden...), d.Dim())
	o := experiment.Options{Dataset: r.Dataset, Samples: r.Samples, DataSeed: r.Seed, Sizes: sizes, InitSeed: r.Seed,
		Loss: r.Loss, LossOptions: r.LossOptions, FreshSamples: 10000,
		Train: train.Config{Epochs: r.Epochs, BatchSize: r.BatchSize, LearningRate: r.LearningRate, Seed: r.Seed}}
	return o, r.validate(o)
}

func (r Recipe) validate(o experiment.Options) error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	diffusion := r.Sampler == sample.SamplerEM || r.Sampler == sample.SamplerPC || r.Sampler == sample.SamplerODE
	switch {
	case !slices.Contains(sample.Samplers(), r.Sampler):
		return fmt.Errorf("dataset %s: unknown sampler %q (want one of %v)", r.Dataset, r.Sampler, sample.Samplers())
	case r.Sampler == sample.SamplerAnnealed && !loss.NoiseConditional(r.Loss):
		return fmt.Errorf("dataset %s: annealed Langevin needs a noise-conditional network (loss ncsn), not %s", r.Dataset, r.Loss)
	case diffusion && r.Loss != "sde":
		return fmt.Errorf("dataset %s: sampler %s needs a time-conditioned network (loss sde), not %s", r.Dataset, r.Sampler, r.Loss)
	case r.Steps <= 0:
		return fmt.Errorf("dataset %s: sampler steps must be positive, got %d", r.Dataset, r.Steps)
	case diffusion && r.StepSize != 0:
		return fmt.Errorf("dataset %s: the diffusion sampler %s takes no step size (the SDE sets it), got %v", r.Dataset, r.Sampler, r.StepSize)
	case !diffusion && (!(r.StepSize > 0) || math.IsInf(r.StepSize, 0)):
		return fmt.Errorf("dataset %s: sampler step size must be positive and finite, got %v", r.Dataset, r.StepSize)
	case r.Particles < 2:
		return fmt.Errorf("dataset %s: at least 2 particles are needed, got %d", r.Dataset, r.Particles)
	}
	return nil
}

// SamplerText describes the sampler in a few words, e.g. "annealed Langevin, 10 levels x 25
// steps, eps 0.00025".
func (r Recipe) SamplerText() string {
	if r.Sampler == sample.SamplerAnnealed {
		return fmt.Sprintf("annealed Langevin, %d levels x %d steps, eps %g", len(r.withDefaults().lossConfig().Sigmas), r.Steps, r.StepSize)
	}
	if loss.NoiseConditional(r.Loss) {
		return fmt.Sprintf("Langevin with s(x, sigma_L), %d steps, eps %g", r.Steps, r.StepSize)
	}
	return fmt.Sprintf("Langevin, %d steps, eps %g", r.Steps, r.StepSize)
}

// LossText describes the loss and its noise levels, e.g. "ncsn, sigma 4 to 0.05 (10 levels)".
func (r Recipe) LossText() string {
	c := r.lossConfig()
	switch r.Loss {
	case "denoising":
		return fmt.Sprintf("denoising, sigma %g", c.Sigma)
	case "ncsn":
		return fmt.Sprintf("ncsn, sigma %.3g to %.3g (%d levels)", c.Sigmas[0], c.Sigmas[len(c.Sigmas)-1], len(c.Sigmas))
	}
	return r.Loss
}

func (r Recipe) lossConfig() loss.Options {
	return r.LossOptions.WithDefaults()
}

// Result is what Run measured on one data set; it is saved as dataset.json in the
// data set's folder.
type Result struct {
	Recipe  Recipe `json:"recipe"`
	Backend string `json:"backend"`
	// TrainSeconds, SampleSeconds and MetricSeconds time the three parts of the run.
	TrainSeconds  float64 `json:"train_seconds"`
	SampleSeconds float64 `json:"sample_seconds"`
	MetricSeconds float64 `json:"metric_seconds"`
	FinalLoss     float64 `json:"final_loss"` // Mean mini-batch loss of the last epoch.
	// FisherRelative is the learned score (for ncsn: at the smallest noise level) against the
	// true one on 10,000 fresh points, E||s_model - s||^2 / E||s||^2; nil where no score is known.
	FisherRelative *float64 `json:"fisher_relative,omitempty"`
	// MMD2 is the unbiased MMD^2 between the samples and as many fresh data points, with the
	// Gaussian kernel of bandwidth Bandwidth (BandwidthFraction times the median distance
	// between data points); Floor is the same estimate between two fresh data samples of that
	// size, repeated.
	Bandwidth float64            `json:"bandwidth"`
	MMD2      float64            `json:"mmd2"`
	Floor     metrics.NoiseFloor `json:"floor"`
	// GaussianMMD2 is the same MMD^2 for samples of the normal distribution with the data's mean
	// and covariance: what a model that knows only the first two moments would score, a scale
	// for MMD2 (the floor is the other end).
	GaussianMMD2 float64 `json:"gaussian_mmd2"`
	// Statistic names a property of the data set that the samples should reproduce (empty if
	// none); StatSamples is its value on the samples, StatData on fresh data.
	Statistic   string  `json:"statistic,omitempty"`
	StatSamples float64 `json:"stat_samples"`
	StatData    float64 `json:"stat_data"`
	Escaped     int     `json:"escaped"` // Samples outside the plotting window.
}

// FloorZ is how many standard deviations of the noise floor the MMD^2 lies above the floor's
// mean: within about 3, the samples cannot be told from data at this sample size.
func (d Result) FloorZ() float64 {
	if d.Floor.Std == 0 {
		return math.NaN()
	}
	return (d.MMD2 - d.Floor.Mean) / d.Floor.Std
}

// Line is a one-line summary of the result.
func (d Result) Line() string {
	s := fmt.Sprintf("%-12s %-38s trained %5.1f s, sampled %4.1f s:", d.Recipe.Dataset, d.Recipe.LossText(), d.TrainSeconds, d.SampleSeconds)
	if d.FisherRelative != nil {
		s += fmt.Sprintf(" rel. Fisher %.3f,", *d.FisherRelative)
	}
	s += fmt.Sprintf(" MMD² %.2e (data vs data %.1e ± %.1e: z = %.1f; fitted Gaussian %.1e)", d.MMD2, d.Floor.Mean, d.Floor.Std, d.FloorZ(), d.GaussianMMD2)
	if d.Statistic != "" {
		s += fmt.Sprintf(", %s %.3f (data %.3f)", d.Statistic, d.StatSamples, d.StatData)
	}
	return s
}

// GridFile is the file that Grid writes in the output folder. Run writes, in a data set's
// folder, experiment.ResultFile and experiment.SamplesFile besides the run's own files.
const GridFile = "grid.png"

// BandwidthFraction is the MMD kernel's bandwidth as a fraction of the median distance
// between data points. The median itself (the usual heuristic) makes the kernel as wide as the
// whole data set: it sees how the mass is shared out, but a normal distribution with the data's
// mean and covariance already comes close to most of these shapes at that scale. Their features
// (the gaps between arms or rings, the squares of the checkerboard) are about a quarter of it.
const BandwidthFraction = 0.25

// Seeds of the fresh data of the metrics, offset from the recipe's seed (the training data use
// the seed itself and the Fisher divergence's fresh points seed+1).
const (
	freshSeed = 2
	floorSeed = 100
	floorReps = 10
)

// Run trains the recipe's network (progress to hooks), samples Particles points with its
// sampler, measures them against fresh data, and writes everything to outDir/<dataset>/: the run
// (Outcome.WriteDir: model, loss log, figures, summary.json, which Load reads back), the samples
// (samples.csv) and the result (dataset.json, which LoadResults reads back). If ctx is
// cancelled it stops (between two training steps, or two sampler steps) and returns ctx's error,
// leaving that data set's results unwritten.
func Run(ctx context.Context, b compute.Backend, r Recipe, outDir string, hooks train.Hooks) (*Result, error) {
	r = r.withDefaults()
	o, err := r.Options()
	if err != nil {
		return nil, err
	}
	run, err := experiment.Run(ctx, b, o, hooks)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	dir := filepath.Join(outDir, r.Dataset)
	if _, err := run.WriteDir(dir); err != nil {
		return nil, err
	}
	res := &Result{Recipe: r, Backend: run.Backend, TrainSeconds: run.Result.Elapsed.Seconds()}
	if n := len(run.Result.History); n > 0 {
		res.FinalLoss = run.Result.History[n-1].Loss
	}
	if run.Fisher != nil {
		rel := run.Fisher.Relative
		res.FisherRelative = &rel
	}

	start := time.Now()
	samples, err := r.Sample(ctx, run)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: sampling: %w", r.Dataset, err)
	}
	res.SampleSeconds = time.Since(start).Seconds()
	var csv bytes.Buffer
	if err := points.Write(&csv, "x,y", samples); err != nil {
		return nil, err
	}
	if err := files.WriteAtomic(filepath.Join(dir, experiment.SamplesFile), csv.Bytes()); err != nil {
		return nil, err
	}

	start = time.Now()
	if err := res.measure(samples, run); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	res.MetricSeconds = time.Since(start).Seconds()
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	return res, files.WriteAtomic(filepath.Join(dir, experiment.ResultFile), append(data, '\n'))
}

// Sample draws r.Particles points with r's sampler (Sampler, Steps, StepSize, Seed) from the
// trained network of run (from Run, or Load of its folder), starting uniform in the data's
// window. With sample.SamplerLangevin, a noise-conditional network is used at its smallest noise level,
// s(x, sigma_L): plain Langevin with the best score it has, to compare with annealing.
func (r Recipe) Sample(ctx context.Context, run *experiment.Outcome) ([][]float64, error) {
	r = r.withDefaults()
	if r.Particles < 2 || r.Steps <= 0 {
		return nil, fmt.Errorf("sampling %s: need at least 2 particles and 1 step, got %d and %d", r.Dataset, r.Particles, r.Steps)
	}
	// Annealing walks down the levels the network was trained on; Box 0 starts in the run's window.
	res, err := run.Sample(ctx, r.Sampler, sample.Config{N: r.Particles, Steps: r.Steps, StepSize: r.StepSize, Seed: r.Seed})
	if err != nil {
		return nil, fmt.Errorf("sampling %s: %w", r.Dataset, err)
	}
	return res.Samples, nil
}

// SamplesFigure draws points (samples, or data) on the window of run's data set; points
// outside it are left out and counted in the title.
func SamplesFigure(title string, run *experiment.Outcome, pts [][]float64) (*plot.Plot, error) {
	half, step := run.Window()
	half += step
	var inside [][]float64
	for _, p := range pts {
		if math.Abs(p[0]) <= half && math.Abs(p[1]) <= half {
			inside = append(inside, p)
		}
	}
	if k := len(pts) - len(inside); k > 0 {
		title += fmt.Sprintf(" (%d outside)", k)
	}
	return plots.Samples(title, inside, half)
}

// Measure compares samples drawn from run's network with fresh data of its data set: MMD^2, its
// noise floor, the fitted Gaussian's MMD^2, the data set's statistic and the number of samples
// outside the window. It returns a Result with those fields and Recipe set (Run
// adds the timings, the loss and the Fisher divergence).
func (r Recipe) Measure(run *experiment.Outcome, samples [][]float64) (*Result, error) {
	d := &Result{Recipe: r.withDefaults(), Backend: run.Backend}
	if err := d.measure(samples, run); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	return d, nil
}

// measure fills the MMD, its noise floor and the data set's statistic.
func (d *Result) measure(samples [][]float64, run *experiment.Outcome) error {
	dist, err := run.Options.Data()
	if err != nil {
		return err
	}
	n, seed := len(samples), d.Recipe.Seed
	fresh, err := dist.Sample(n, seed+freshSeed)
	if err != nil {
		return err
	}
	median, err := metrics.MedianBandwidth(fresh, nil)
	if err != nil {
		return err
	}
	d.Bandwidth = BandwidthFraction * median
	if d.MMD2, err = metrics.MMD2Unbiased(samples, fresh, d.Bandwidth); err != nil {
		return err
	}
	if d.Floor, err = metrics.MMDNoiseFloor(dist.Sample, n, d.Bandwidth, floorReps, seed+floorSeed); err != nil {
		return err
	}
	moments, err := dist.Sample(n, seed+freshSeed+1)
	if err != nil {
		return err
	}
	if d.GaussianMMD2, err = metrics.MMD2Unbiased(metrics.FittedGaussian(moments, n, seed+freshSeed+2), fresh, d.Bandwidth); err != nil {
		return err
	}
	if d.Statistic, d.StatSamples = toy.StatisticOf(dist, samples); d.Statistic != "" {
		_, d.StatData = toy.StatisticOf(dist, fresh)
	} else {
		d.StatSamples = 0 // JSON has no NaN.
	}
	half, step := run.Window()
	half += step // The window of the figures.
	for _, p := range samples {
		if math.Abs(p[0]) > half || math.Abs(p[1]) > half {
			d.Escaped++
		}
	}
	return nil
}

// LoadResults reads back the dataset.json of each named data set from outDir.
func LoadResults(outDir string, names []string) ([]Result, error) {
	out := make([]Result, 0, len(names))
	for _, name := range names {
		r, err := readResult(filepath.Join(outDir, name))
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// readResult reads the dataset.json that Run wrote into dir.
func readResult(dir string) (Result, error) {
	var r Result
	data, err := os.ReadFile(filepath.Join(dir, experiment.ResultFile))
	if err != nil {
		return r, fmt.Errorf("no result yet (run the training cell): %w", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s is not valid: %w", experiment.ResultFile, err)
	}
	return r, nil
}

// PanelSide is the side of one panel of Grid.
const PanelSide = 3.4 * vg.Inch

// Grid draws one row per named data set saved in outDir by Run, with three
// panels: the data, the learned score field over them (for ncsn, at the smallest noise level;
// over the shaded log-density where it is known), and the samples, on the same window. It loads
// each run (Load) to evaluate its network on the grid, returns the figure as PNG bytes, and also
// writes it to outDir/grid.png.
func Grid(b compute.Backend, outDir string, names []string) ([]byte, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no dataset to draw")
	}
	var rows [][]*plot.Plot
	for _, name := range names {
		row, err := row(b, filepath.Join(outDir, name))
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", name, err)
		}
		rows = append(rows, row)
	}
	img := vgimg.NewWith(vgimg.UseWH(PanelSide*3, PanelSide*vg.Length(len(rows))), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(rows), Cols: 3, PadX: vg.Points(10), PadY: vg.Points(12),
		PadLeft: vg.Points(4), PadRight: vg.Points(8), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
	canvases := plot.Align(rows, tiles, dc)
	for i, row := range rows {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	data, err := plots.CanvasPNG(img)
	if err != nil {
		return nil, fmt.Errorf("rendering the grid: %w", err)
	}
	return data, files.WriteAtomic(filepath.Join(outDir, GridFile), data)
}

// row draws the three panels of one data set.
func row(b compute.Backend, dir string) ([]*plot.Plot, error) {
	run, err := experiment.Load(b, dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, experiment.SamplesFile))
	if err != nil {
		return nil, fmt.Errorf("no samples yet (run the training cell): %w", err)
	}
	samples, err := points.Read(f, 2)
	f.Close()
	if err != nil {
		return nil, err
	}
	res, _ := readResult(dir) // Optional here: without it the titles lack the divergence.
	_, learned, err := run.ScoreFields()
	if err != nil {
		return nil, err
	}
	half, step := run.Window()
	name := run.Options.Dataset
	shown := run.Data[:min(len(run.Data), len(samples))]
	dataFig, err := plots.Samples(fmt.Sprintf("%s: data (%d points)", name, len(shown)), shown, half+step)
	if err != nil {
		return nil, err
	}
	fieldTitle := fmt.Sprintf("%s: learned score (%s)", name, run.Options.Loss)
	if sigma, err := run.Model.SmallestSigma(); err == nil {
		fieldTitle = fmt.Sprintf("%s: learned score at sigma %.2g", name, sigma)
	}
	if res.FisherRelative != nil {
		fieldTitle += fmt.Sprintf(", rel. Fisher %.3f", *res.FisherRelative)
	}
	// The data set's log-density is shaded where it is known (for ncsn, that of the data, not of
	// the data blurred at sigma_L, which is what the network learned).
	fieldFig, err := plots.QuiverWith(fieldTitle, learned, shown[:min(len(shown), 1000)], half+step, step,
		plots.QuiverOptions{LogDensity: run.LogDensity()})
	if err != nil {
		return nil, err
	}
	sampler := "Langevin"
	if res.Recipe.Sampler == sample.SamplerAnnealed {
		sampler = "annealed Langevin"
	}
	sampleTitle := fmt.Sprintf("%s: %d samples, %s", name, len(samples), sampler)
	if res.Floor.Std > 0 {
		sampleTitle += fmt.Sprintf("\nMMD² %.2g, z = %.0f", res.MMD2, res.FloorZ())
	}
	sampleFig, err := SamplesFigure(sampleTitle, run, samples)
	if err != nil {
		return nil, err
	}
	row := []*plot.Plot{dataFig, fieldFig, sampleFig}
	for _, p := range row {
		p.Title.TextStyle.Font.Size = vg.Points(10)
		p.X.Label.Text, p.Y.Label.Text = "", ""
	}
	return row, nil
}

// Table returns a Markdown table of the results: loss, sampler, training time, relative
// Fisher divergence (where the score is known), MMD^2 against its noise floor, and the data
// set's statistic on the samples and on data.
func Table(results []Result) string {
	var sb strings.Builder
	sb.WriteString("| data set | loss | sampler | epochs | train (s) | sample (s) | rel. Fisher | MMD² ×10³ | data vs data ×10³ (mean ± std) | z | fitted Gaussian ×10³ | statistic | samples | data |\n")
	sb.WriteString("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n")
	for _, d := range results {
		fisher := "—"
		if d.FisherRelative != nil {
			fisher = fmt.Sprintf("%.3f", *d.FisherRelative)
		}
		stat, sv, dv := "—", "", ""
		if d.Statistic != "" {
			stat, sv, dv = d.Statistic, fmt.Sprintf("%.3f", d.StatSamples), fmt.Sprintf("%.3f", d.StatData)
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %d | %.1f | %.1f | %s | %.2f | %.2f ± %.2f | %.1f | %.1f | %s | %s | %s |\n",
			d.Recipe.Dataset, greek(d.Recipe.LossText()), greek(d.Recipe.SamplerText()), d.Recipe.Epochs, d.TrainSeconds, d.SampleSeconds,
			fisher, 1e3*d.MMD2, 1e3*d.Floor.Mean, 1e3*d.Floor.Std, d.FloorZ(), 1e3*d.GaussianMMD2, stat, sv, dv)
	}
	return sb.String()
}

// greek writes sigma, eps and x as the symbols σ, ε and ×, for the Markdown table.
func greek(s string) string {
	return strings.NewReplacer("sigma", "σ", "eps ", "ε ", " x ", " × ").Replace(s)
}

package experiment

// Notebook 03 (Langevin sampling): reuse a trained run when its options match, sample from a
// run's learned score with the right sampler, compare samples with data by MMD against the
// data-vs-data noise floor, and two figures (particle paths over a score field, the histogram of
// the angles of points in the plane).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// LoadOrRun returns the run saved in dir (see Load) if it was trained with exactly the options o
// and completed all its epochs (loaded is then true); otherwise it runs o (progress to hooks),
// writes the outcome into dir (see WriteDir) and returns it. A notebook cell can thus be re-run,
// or the notebook re-opened, without training again, while a change of parameter retrains.
//
// If ctx is cancelled during training, what was trained so far is still written to dir and
// returned, with ctx's error; it is not reused by a later call (its epochs are incomplete).
func LoadOrRun(ctx context.Context, b compute.Backend, dir string, o Options, hooks train.Hooks) (out *Outcome, loaded bool, err error) {
	if prev, err := Load(b, dir); err == nil && sameOptions(prev.Options, o) && len(prev.Result.History) == o.Train.Epochs {
		return prev, true, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		// A damaged or older directory is replaced, not an error: say so and train.
		fmt.Fprintf(os.Stderr, "note: not reusing %s (%v); training again\n", filepath.Clean(dir), err)
	}
	out, runErr := Run(ctx, b, o, hooks)
	if out == nil {
		return nil, false, runErr
	}
	if _, err := out.WriteDir(dir); err != nil {
		return out, false, err
	}
	return out, false, runErr
}

// sameOptions compares two runs' options as they are recorded in summary.json.
func sameOptions(a, b Options) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// Langevin runs plain Langevin dynamics (sample.Langevin) with the learned score of a plain
// network (losses "exact", "sliced", "denoising", ...). For a noise-conditional network ("ncsn")
// use Annealed.
func (o *Outcome) Langevin(ctx context.Context, cfg sample.Config) (sample.Result, error) {
	if loss.NoiseConditional(o.Options.Loss) {
		return sample.Result{}, fmt.Errorf("the %q network is noise-conditional, s(x, sigma): sample it with Annealed", o.Options.Loss)
	}
	if o.backend == nil || o.Store == nil {
		return sample.Result{}, errors.New("this outcome has no trained network to sample with (use Run or Load)")
	}
	return sample.Langevin(ctx, o.backend, o.Store, sample.MLPScore(o.Net), cfg)
}

// Annealed runs annealed Langevin dynamics (sample.Annealed) with the learned score s(x, sigma)
// of a noise-conditional network (loss "ncsn"). If cfg.Sigmas is nil it walks down the noise
// levels the network was trained on.
func (o *Outcome) Annealed(ctx context.Context, cfg sample.AnnealedConfig) (sample.Result, error) {
	if !loss.NoiseConditional(o.Options.Loss) {
		return sample.Result{}, fmt.Errorf("the %q network is a plain score s(x), not noise-conditional: sample it with Langevin", o.Options.Loss)
	}
	if o.backend == nil || o.Store == nil {
		return sample.Result{}, errors.New("this outcome has no trained network to sample with (use Run or Load)")
	}
	if cfg.Sigmas == nil {
		cfg.Sigmas = o.Options.LossConfig().Sigmas
	}
	m := network.NoiseMLP{Sizes: o.Net.Sizes}
	if err := m.Validate(); err != nil {
		return sample.Result{}, err
	}
	return sample.Annealed(ctx, o.backend, o.Store, m.Apply, cfg)
}

// MMDCheck is the comparison of samples with fresh data by the unbiased MMD^2 (see
// metrics.MMD2Unbiased), next to the spread of the same estimate between two fresh data samples
// of the same size (metrics.MMDNoiseFloor).
type MMDCheck struct {
	N         int     // Points in the samples, and in each fresh data sample.
	Bandwidth float64 // Gaussian kernel bandwidth h.
	MMD2      float64 // Samples vs fresh data.
	// Floor is MMD^2 between pairs of fresh data samples: the estimate's spread when there is no
	// difference to find.
	Floor metrics.NoiseFloor
}

// Within reports whether MMD2 lies within the noise floor: below its largest value and below its
// mean plus three standard deviations, whichever is larger.
func (c MMDCheck) Within() bool {
	return c.MMD2 <= math.Max(c.Floor.Max, c.Floor.Mean+3*c.Floor.Std)
}

// String is one line: the estimate, the floor and the verdict.
func (c MMDCheck) String() string {
	verdict := "within the noise floor (no difference seen at this sample size)"
	if !c.Within() {
		verdict = "ABOVE the noise floor (the samples differ from the data)"
		if c.Floor.Std > 0 {
			verdict = fmt.Sprintf("ABOVE the noise floor by %.0f floor stds (the samples differ from the data)", (c.MMD2-c.Floor.Mean)/c.Floor.Std)
		}
	}
	return fmt.Sprintf("MMD^2 %.5f (h = %.3g, n = %d) | data vs data: %.5f +- %.5f, max %.5f (%d pairs) | %s",
		c.MMD2, c.Bandwidth, c.N, c.Floor.Mean, c.Floor.Std, c.Floor.Max, len(c.Floor.Values), verdict)
}

// CheckMMD compares samples with len(samples) fresh points of draw (drawn with seed) by MMD^2, and
// computes the noise floor from reps pairs of fresh samples of the same size (seeds seed+1 ...
// seed+2 reps). A bandwidth of 0 takes the median heuristic (metrics.MedianBandwidth) of the
// samples and the fresh points; the floor uses the same bandwidth. The cost is about
// (2 reps + 1) MMD estimates: 0.1 s each for 2000 points in 2-D.
func CheckMMD(samples [][]float64, draw func(n int, seed uint64) ([][]float64, error), bandwidth float64, reps int, seed uint64) (MMDCheck, error) {
	if draw == nil {
		return MMDCheck{}, errors.New("MMD check: the data sampling function is nil")
	}
	n := len(samples)
	fresh, err := draw(n, seed)
	if err != nil {
		return MMDCheck{}, err
	}
	if bandwidth == 0 {
		if bandwidth, err = metrics.MedianBandwidth(samples, fresh); err != nil {
			return MMDCheck{}, err
		}
	}
	c := MMDCheck{N: n, Bandwidth: bandwidth}
	if c.MMD2, err = metrics.MMD2Unbiased(samples, fresh, bandwidth); err != nil {
		return MMDCheck{}, err
	}
	if c.Floor, err = metrics.MMDNoiseFloor(draw, n, bandwidth, reps, seed+1); err != nil {
		return MMDCheck{}, err
	}
	return c, nil
}

// BlurredSampler returns a sampler of d convolved with N(0, sigma^2 I): points of d with
// independent normal noise of standard deviation sigma added to each coordinate. It is the
// distribution annealed Langevin dynamics ends at when its last noise level is sigma, the right
// reference for its samples. sigma 0 gives d's own sampler.
func BlurredSampler(d toy.Dataset, sigma float64) (func(n int, seed uint64) ([][]float64, error), error) {
	if d == nil {
		return nil, errors.New("blurred sampler: no data set")
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("blurred sampler: sigma must be non-negative and finite, got %v", sigma)
	}
	return func(n int, seed uint64) ([][]float64, error) {
		pts, err := d.Sample(n, seed)
		if err != nil || sigma == 0 {
			return pts, err
		}
		rng := rand.New(rand.NewPCG(seed, 0xb1a2_2ed))
		for _, p := range pts {
			for j := range p {
				p[j] += sigma * rng.NormFloat64()
			}
		}
		return pts, nil
	}, nil
}

// PathsUpTo returns the trajectories recorded in res (sample.Result.Trajectories) cut after the
// given step: the positions recorded at steps up to and including it. It shows the start of a long
// run, whose full paths would cover the figure.
func PathsUpTo(res sample.Result, step int) [][][]float64 {
	keep := 0
	for keep < len(res.TrajectorySteps) && res.TrajectorySteps[keep] <= step {
		keep++
	}
	out := make([][][]float64, len(res.Trajectories))
	for i, path := range res.Trajectories {
		out[i] = path[:min(keep, len(path))]
	}
	return out
}

// StepsUpTo returns the step numbers of the positions PathsUpTo(res, step) keeps: those of
// res.TrajectorySteps up to and including step.
func StepsUpTo(res sample.Result, step int) []int {
	keep := 0
	for keep < len(res.TrajectorySteps) && res.TrajectorySteps[keep] <= step {
		keep++
	}
	return res.TrajectorySteps[:keep:keep]
}

// TrajectoryFigure draws a score field as arrows (plots.Quiver, with its scaling) over samples,
// and on top the paths of a few particles: paths[p][t] is the position of particle p at its t-th
// recorded step (sample.Result.Trajectories). Each path is a coloured line from an open circle
// (its start) to a filled dot (its end). The window is [-half, half]^2 and step is the spacing of
// the field's grid. field may be empty (no arrows). A line under the title says which particles
// the paths are (samples taken as all the particles) and how many positions each has;
// TrajectoryFigureAt also says every how many steps they were recorded.
func TrajectoryFigure(title string, field plots.Field, samples [][]float64, paths [][][]float64, half, step float64) (*plot.Plot, error) {
	return TrajectoryFigureAt(title, field, samples, paths, nil, half, step)
}

// TrajectoryFigureAt is TrajectoryFigure for paths recorded at the given step numbers (e.g.
// PathsUpTo(res, n) with StepsUpTo(res, n)), which the line under the title states
// (plots.PathsCaption): "paths: particles 1-8 of 2000, position every 10 steps (steps 0-400)".
func TrajectoryFigureAt(title string, field plots.Field, samples [][]float64, paths [][][]float64, steps []int, half, step float64) (*plot.Plot, error) {
	title += "\n" + plots.PathsCaption(paths, len(samples), steps)
	var p *plot.Plot
	var err error
	if len(field.Points) > 0 {
		p, err = plots.Quiver(title, field, samples, half, step, 0)
	} else {
		p, err = plots.Samples(title, samples, half)
	}
	if err != nil {
		return nil, err
	}
	if err := plots.AddPaths(p, paths, 0); err != nil {
		return nil, fmt.Errorf("trajectory figure: %w", err)
	}
	return p, nil
}

// PointSet is a named set of points, one curve of AngleFigure.
type PointSet struct {
	Name   string
	Points [][]float64
}

// AngleFigure plots, for each set, the density of the angle atan2(y, x) of its points as a
// histogram with bins equal bins on [-pi, pi), drawn as a step line, and the uniform density
// 1/(2 pi) as a dashed line: for the ring, every set of good samples lies on it up to the
// histogram's noise (a relative standard deviation of about sqrt(bins / n) per bin).
func AngleFigure(title string, bins int, sets ...PointSet) (*plot.Plot, error) {
	if bins < 2 {
		return nil, fmt.Errorf("angle figure: at least 2 bins, got %d", bins)
	}
	if len(sets) == 0 {
		return nil, errors.New("angle figure: no point set to plot")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "angle atan2(x2, x1) (radians)"
	p.Y.Label.Text = "density"
	p.X.Min, p.X.Max = -math.Pi, math.Pi
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	width := 2 * math.Pi / float64(bins)
	hi := 1 / (2 * math.Pi)
	for i, s := range sets {
		if len(s.Points) == 0 {
			return nil, fmt.Errorf("angle figure: set %q has no points", s.Name)
		}
		counts := make([]float64, bins)
		for _, pt := range s.Points {
			if len(pt) < 2 {
				return nil, fmt.Errorf("angle figure: set %q has a point with %d coordinates, want 2", s.Name, len(pt))
			}
			k := int((math.Atan2(pt[1], pt[0]) + math.Pi) / width)
			counts[min(max(k, 0), bins-1)]++
		}
		xy := make(plotter.XYs, 0, 2*bins)
		for k, c := range counts {
			d := c / (float64(len(s.Points)) * width)
			hi = math.Max(hi, d)
			x0 := -math.Pi + float64(k)*width
			xy = append(xy, plotter.XY{X: x0, Y: d}, plotter.XY{X: x0 + width, Y: d})
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("angle figure: set %q: %w", s.Name, err)
		}
		line.Color, line.Width = plots.PaletteColor(i), vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(s.Name, line)
	}
	u, err := plotter.NewLine(plotter.XYs{{X: -math.Pi, Y: 1 / (2 * math.Pi)}, {X: math.Pi, Y: 1 / (2 * math.Pi)}})
	if err != nil {
		return nil, err
	}
	u.Color, u.Width, u.Dashes = color.Black, vg.Points(1), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(u)
	p.Legend.Add("uniform, 1/(2 pi)", u)
	// Room above the curves for the legend.
	p.Y.Min, p.Y.Max = 0, hi*(1.15+0.1*float64(len(sets)))
	return p, nil
}

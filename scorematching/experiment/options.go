// Package experiment runs what the command and the notebooks share: it resolves a run's options
// once (data set, score model, loss, training), trains (from scratch or resuming a checkpoint),
// measures the learned score against the true one, and saves and loads a run directory in one
// format (see WriteDir and Load).
package experiment

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sde"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// Options describe one training run.
type Options struct {
	// Dataset names the data distribution (see toy.Names); "" is the ring.
	Dataset string `json:"dataset,omitempty"`
	// DataParams are Dataset's parameters by name (nil or missing names: its defaults; the
	// ring's are radius and std).
	DataParams map[string]float64 `json:"data_params,omitempty"`
	Samples    int                // Training points drawn from it.
	DataSeed   uint64             // Seeds the training points.
	Sizes      []int              // MLP layer sizes of the data (D, hidden..., D); see Model.
	InitSeed   uint64             // Seeds the initial weights.
	Loss       string             // Loss name (see loss.Names).
	// LossOptions configure the sliced, denoising and ncsn losses; zero fields take the defaults
	// of loss.DefaultOptions.
	LossOptions loss.Options `json:"loss_options"`
	Train       train.Config // Epochs, batch size, learning rate, batch-order seed, report interval.
	// FreshSamples is the number of new points of the data set, drawn with seed DataSeed+1, on
	// which the learned score is compared with the true one (where it is known).
	FreshSamples int
	// CheckpointDir, if set, receives options.json when the run starts and checkpoint.json every
	// Train.CheckpointEvery epochs and at the end, so that Resume can continue the run.
	CheckpointDir string `json:"-"`
}

// OptionsFile is the name of the file that records a run's options in its directory.
const OptionsFile = "options.json"

// BlogOptions are the blog's set-up with the corrected loss: 10,000 points of the blog's ring
// (R = 1, std = 0.1), the 2-64-128-64-2 tanh MLP, the exact loss, Adam at 1e-4, batches of 512,
// 1000 epochs.
func BlogOptions() Options {
	return Options{
		Dataset:      "ring", // Its default parameters are the blog's.
		Samples:      10000,
		DataSeed:     0,
		Sizes:        append([]int(nil), network.BlogSizes...),
		InitSeed:     0,
		Loss:         "exact",
		Train:        train.BlogConfig(),
		FreshSamples: 10000,
	}
}

// Spec names the run's data set ({Name, Params}; "" is the ring).
func (o Options) Spec() toy.Spec {
	name := o.Dataset
	if name == "" {
		name = "ring"
	}
	return toy.Spec{Name: name, Params: o.DataParams}
}

// FullSpec is Spec with every parameter of the data set, defaults included (Spec itself where the
// data set cannot be built): how a run records its data set.
func (o Options) FullSpec() toy.Spec {
	spec := o.Spec()
	if d, err := spec.New(); err == nil {
		spec = toy.SpecOf(d)
	}
	return spec
}

// Data returns the data distribution.
func (o Options) Data() (toy.Dataset, error) { return o.Spec().New() }

// TrainingData returns the run's training points: o.Samples points of the data set, drawn with
// seed o.DataSeed.
func (o Options) TrainingData() ([][]float64, error) {
	dist, err := o.Data()
	if err != nil {
		return nil, err
	}
	return dist.Sample(o.Samples, o.DataSeed)
}

// LossConfig returns o.LossOptions with the defaults filled in (loss.Options.WithDefaults).
// A VE process's zero SigmaMax is set from the data (see DataSigmaMax).
func (o Options) LossConfig() loss.Options {
	c := o.LossOptions.WithDefaults()
	if c.SDE.Kind == sde.VE && c.SDE.SigmaMax == 0 {
		if d, err := o.Data(); err == nil {
			c.SDE.SigmaMax = DataSigmaMax(d)
		}
	}
	return c
}

// DataSigmaMax is the largest noise level of a VE process for the data set d: the largest
// distance between two of 1000 of its points (seed 1), rounded up to 2 significant digits, as
// Song and Ermon (2020, technique 1) advise, so that the prior covers the whole data set and the
// particles can cross between its modes. It is at least 1.
func DataSigmaMax(d toy.Dataset) float64 {
	pts, err := d.Sample(1000, 1)
	if err != nil {
		return 1
	}
	var m float64
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			var ss float64
			for k := range pts[i] {
				v := pts[i][k] - pts[j][k]
				ss += v * v
			}
			m = math.Max(m, ss)
		}
	}
	m = math.Sqrt(m)
	if !(m > 1) || math.IsInf(m, 0) {
		return 1
	}
	scale := math.Pow(10, math.Floor(math.Log10(m))-1)
	return math.Ceil(m/scale) * scale
}

// Model returns the score model the run trains: the kind its loss trains (loss.Kind), on Sizes
// with one more input (log sigma) for a noise-conditional model, which also records the loss's
// noise levels, and network.TimeFeatures more for a time-conditioned one, which records the
// loss's process.
func (o Options) Model() (network.Model, error) {
	kind, err := loss.Kind(o.Loss)
	if err != nil {
		return network.Model{}, err
	}
	if len(o.Sizes) < 2 {
		return network.Model{}, fmt.Errorf("an MLP needs at least an input and an output size, got sizes %v", o.Sizes)
	}
	d := o.Sizes[len(o.Sizes)-1]
	if o.Sizes[0] != d {
		return network.Model{}, fmt.Errorf("a score network maps R^D to R^D: sizes %v must start and end with D (the data's dimension)", o.Sizes)
	}
	hidden := o.Sizes[1 : len(o.Sizes)-1]
	switch kind {
	case network.KindNoiseMLP:
		return network.NewModel(kind, d, hidden, o.LossConfig().Sigmas)
	case network.KindTimeMLP:
		return network.NewTimeModel(o.LossConfig().SDE, d, hidden)
	}
	return network.NewModel(kind, d, hidden, nil)
}

// Validate returns an error naming the first bad option.
func (o Options) Validate() error {
	_, err := o.resolve()
	return err
}

// resolved is a run's options turned into what the run uses: the data set, the loss and the score
// model. resolve builds them once, checking every option on the way.
type resolved struct {
	data  toy.Dataset
	loss  loss.Func
	model network.Model
}

// resolve checks the options and returns what they resolve to, or an error naming the first bad
// option.
func (o Options) resolve() (resolved, error) {
	var r resolved
	var err error
	if r.data, err = o.Data(); err != nil {
		return r, err
	}
	if o.Samples <= 0 {
		return r, fmt.Errorf("number of samples must be positive, got %d", o.Samples)
	}
	if o.FreshSamples <= 0 {
		return r, fmt.Errorf("number of fresh samples must be positive, got %d", o.FreshSamples)
	}
	if err := (network.MLP{Sizes: o.Sizes}).CheckScoreDim(r.data.Dim()); err != nil {
		return r, err
	}
	if r.loss, err = loss.New(o.Loss, o.LossConfig()); err != nil {
		return r, err
	}
	if r.model, err = o.Model(); err != nil {
		return r, err
	}
	if err := o.Train.Validate(); err != nil {
		return r, err
	}
	if o.Train.BatchSize > o.Samples {
		return r, fmt.Errorf("batch size %d is larger than the data (%d points)", o.Train.BatchSize, o.Samples)
	}
	if err := o.checkMemory(r.data.Dim(), r.model); err != nil {
		return r, err
	}
	return r, checkScale(r.data, o.DataSeed)
}

// MaxDataScale bounds the coordinates of the training data: the networks compute in float32, in
// which squared norms and their sums over a batch must stay finite (and far from float32's range,
// about 3.4e38); no toy data set needs more than a few tens.
const MaxDataScale = 1e6

// scaleSamples is how many points checkScale draws.
const scaleSamples = 1000

// checkScale draws a few points of d and refuses a data set whose coordinates are beyond
// MaxDataScale (or not finite), naming it with its parameters: parameters such as a radius of
// 1e20 would otherwise give non-finite losses and scores far from their cause.
func checkScale(d toy.Dataset, seed uint64) error {
	pts, err := d.Sample(scaleSamples, seed)
	if err != nil {
		return err
	}
	for _, p := range pts {
		for _, v := range p {
			if !(math.Abs(v) <= MaxDataScale) {
				return fmt.Errorf("the data set %s has a coordinate %g, beyond the +-%g the networks (float32) can train on: check its parameters",
					toy.SpecOf(d), v, float64(MaxDataScale))
			}
		}
	}
	return nil
}

// checkMemory bounds, before anything is allocated, the memory the run implies (see package
// limits): its training and fresh points, its network, and its loss on a batch and, when the
// loss is reported, on all the data at once.
func (o Options) checkMemory(dim int, m network.Model) error {
	for _, c := range []struct {
		what string
		n    int
	}{{"training points", o.Samples}, {"fresh points", o.FreshSamples}} {
		// Each point is kept as a float64 row (with its slice header) and a float32 copy.
		if err := limits.Check(fmt.Sprintf("%d %s of dimension %d", c.n, c.what, dim), limits.Of(c.n, 24+12*dim)); err != nil {
			return err
		}
	}
	steps := limits.Of(o.Train.Epochs, (o.Samples+o.Train.BatchSize-1)/o.Train.BatchSize)
	if _, ok := steps.Bytes(); !ok {
		return fmt.Errorf("%d epochs of %d points in batches of %d: more steps than this program can count", o.Train.Epochs, o.Samples, o.Train.BatchSize)
	}
	// The loss history keeps a record per epoch (and its copies in the checkpoint and the log).
	if err := limits.Check(fmt.Sprintf("the loss history of %d epochs", o.Train.Epochs), limits.Of(o.Train.Epochs, 128)); err != nil {
		return err
	}
	evalRows := o.Train.BatchSize
	if o.Train.ReportEvery > 0 {
		evalRows = o.Samples
	}
	lc := o.LossConfig()
	return train.CheckMemory(m.Sizes, o.Train.BatchSize, evalRows, lc.ActivationCopies(o.Loss, dim), lc.Describe(o.Loss))
}

// identity is what a checkpoint records of the run it belongs to (see train.Trainer.Identity):
// the data set and its parameters, the number of points, the loss and its options, the network's
// sizes, the seeds, and a fingerprint of the training data, so that a checkpoint is never resumed
// under another run's options.
func (o Options) identity(data [][]float64, m network.Model) map[string]string {
	text := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
	spec := o.FullSpec()
	return map[string]string{
		"dataset":          spec.Name,
		"data_params":      text(spec.Params),
		"samples":          fmt.Sprint(o.Samples),
		"data_seed":        fmt.Sprint(o.DataSeed),
		"init_seed":        fmt.Sprint(o.InitSeed),
		"loss":             o.Loss,
		"loss_options":     text(o.LossConfig()),
		"sizes":            text(m.Sizes),
		"data_fingerprint": train.DataFingerprint(data),
	}
}

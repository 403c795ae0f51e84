package network

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/sde"
)

// Kind says how a score model's MLP is called: a plain score network s(x), or a noise-conditional
// one s(x, sigma). Both are the same MLP parameters; the kind is recorded with them (see Save).
type Kind string

// The kinds of score model.
const (
	// KindMLP is a plain score network s(x): an MLP from R^D to R^D.
	KindMLP Kind = "mlp"
	// KindNoiseMLP is a noise-conditional score network for data in D dimensions, the network of
	// NCSN-style multi-level denoising score matching, as a plain MLP f with sizes D+1, ..., D:
	//
	//	s(x, sigma) = f([x, log sigma]) / sigma
	//
	// The network sees the noise level through an extra input column, log sigma (the levels are
	// geometric, so log sigma is evenly spaced and of order 1), and its output is divided by sigma
	// as in NCSNv2 (Song and Ermon, 2020): the score of data perturbed at level sigma has size about
	// 1/sigma, so f stays of order 1 at every level and the sigma^2-weighted loss is 0.5 ||f + z||^2.
	KindNoiseMLP Kind = "noise-mlp"
	// KindTimeMLP is a time-conditioned score network s(x, t) of a score SDE (package sde), an
	// MLP f with sizes D+TimeFeatures, ..., D:
	//
	//	s(x, t) = f([x, e(t)]) / std(t)
	//
	// where e(t) are sinusoidal features of t (see TimeFeatures) and std(t) the SDE's kernel
	// std, so that f stays of order 1 at every time and the std^2-weighted denoising loss is
	// 0.5 ||f + z||^2, as for KindNoiseMLP.
	KindTimeMLP Kind = "time-mlp"
)

// Model is a score model: an MLP (tanh between layers) and how to call it. A noise-conditional
// model also records the noise levels it was trained on, largest first; its score "at the data" is
// its score at the smallest level.
type Model struct {
	Kind   Kind      `json:"kind"`
	Sizes  []int     `json:"sizes"`
	Sigmas []float64 `json:"sigmas,omitempty"` // KindNoiseMLP: the noise levels, largest first.
	SDE    *sde.SDE  `json:"sde,omitempty"`    // KindTimeMLP: the process whose scores it learns.
}

// NewModel returns the model of the given kind for dim-dimensional data with the given hidden
// widths (sizes dim, hidden..., dim; dim+1, hidden..., dim for a noise-conditional model) and
// noise levels (noise-conditional models only), checked by Validate.
func NewModel(kind Kind, dim int, hidden []int, sigmas []float64) (Model, error) {
	m := Model{Kind: kind, Sizes: append(append([]int{dim + kind.extraInputs()}, hidden...), dim), Sigmas: sigmas}
	return m, m.Validate()
}

// NewTimeModel returns the time-conditioned model (KindTimeMLP) of the process s for
// dim-dimensional data with the given hidden widths, checked by Validate.
func NewTimeModel(s sde.SDE, dim int, hidden []int) (Model, error) {
	m := Model{Kind: KindTimeMLP, Sizes: append(append([]int{dim + TimeFeatures}, hidden...), dim), SDE: &s}
	return m, m.Validate()
}

// extraInputs is how many inputs a model of the kind takes besides x: 1 (log sigma) for
// KindNoiseMLP, TimeFeatures for KindTimeMLP, none for KindMLP.
func (k Kind) extraInputs() int {
	switch k {
	case KindNoiseMLP:
		return 1
	case KindTimeMLP:
		return TimeFeatures
	}
	return 0
}

// NoiseConditional reports whether the model is s(x, sigma) (KindNoiseMLP).
func (m Model) NoiseConditional() bool { return m.Kind == KindNoiseMLP }

// TimeConditional reports whether the model is s(x, t) of a score SDE (KindTimeMLP).
func (m Model) TimeConditional() bool { return m.Kind == KindTimeMLP }

// MLP returns the underlying MLP.
func (m Model) MLP() MLP { return MLP{Sizes: m.Sizes} }

// Dim is the dimension D of the data: the MLP's output size.
func (m Model) Dim() int { return m.Sizes[len(m.Sizes)-1] }

// Validate returns an error unless the kind is known, the sizes are a valid MLP that fits it (a
// plain model maps R^D to R^D; a noise-conditional one takes D+1 inputs, x and log sigma, for D
// outputs), and the noise levels are valid (see CheckSigmas) for a noise-conditional model and
// absent for a plain one. A noise-conditional model may have no levels yet (before training).
func (m Model) Validate() error {
	if err := m.MLP().Validate(); err != nil {
		return err
	}
	in, out := m.Sizes[0], m.Dim()
	switch m.Kind {
	case KindMLP:
		if in != out {
			return fmt.Errorf("a model of kind %q maps R^D to R^D, but its sizes %v have input size %d and output size %d", KindMLP, m.Sizes, in, out)
		}
		if len(m.Sigmas) > 0 || m.SDE != nil {
			return fmt.Errorf("a model of kind %q has no noise levels or SDE, got %d levels and SDE %v", KindMLP, len(m.Sigmas), m.SDE)
		}
	case KindNoiseMLP:
		if in != out+1 {
			return fmt.Errorf("a model of kind %q takes D+1 inputs (x and log sigma) for D outputs, but its sizes %v have input size %d and output size %d",
				KindNoiseMLP, m.Sizes, in, out)
		}
		if len(m.Sigmas) > 0 {
			if err := CheckSigmas(m.Sigmas); err != nil {
				return err
			}
		}
	case KindTimeMLP:
		if in != out+TimeFeatures {
			return fmt.Errorf("a model of kind %q takes D+%d inputs (x and the time features) for D outputs, but its sizes %v have input size %d and output size %d",
				KindTimeMLP, TimeFeatures, m.Sizes, in, out)
		}
		if m.SDE == nil {
			return fmt.Errorf("a model of kind %q needs its SDE", KindTimeMLP)
		}
		if len(m.Sigmas) > 0 {
			return fmt.Errorf("a model of kind %q has no noise levels, got %d", KindTimeMLP, len(m.Sigmas))
		}
		if err := m.SDE.Validate(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("model kind %q is not one this program knows (%q, %q or %q)", m.Kind, KindMLP, KindNoiseMLP, KindTimeMLP)
	}
	return nil
}

// CheckScoreDim returns an error unless m is a valid model (Validate) of dim-dimensional data:
// sizes dim, ..., dim for a plain model (see MLP.CheckScoreDim), dim+1, ..., dim for a
// noise-conditional one, dim+TimeFeatures, ..., dim for a time-conditioned one.
func (m Model) CheckScoreDim(dim int) error {
	if m.Kind == KindMLP {
		if err := m.MLP().CheckScoreDim(dim); err != nil {
			return err
		}
		return m.Validate()
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Dim() != dim {
		what := "a noise-conditional"
		if m.TimeConditional() {
			what = "a time-conditioned"
		}
		return fmt.Errorf("%s score network for %d-D data must have sizes %d, ..., %d, but sizes are %v", what, dim, dim+m.Kind.extraInputs(), dim, m.Sizes)
	}
	return nil
}

// SmallestSigma is the smallest noise level of a noise-conditional model (the last), at which
// its score is closest to the data's; an error if it records none.
func (m Model) SmallestSigma() (float64, error) {
	if !m.NoiseConditional() || len(m.Sigmas) == 0 {
		return 0, fmt.Errorf("the %s model records no noise levels", m.Kind)
	}
	return m.Sigmas[len(m.Sigmas)-1], nil
}

// Init puts freshly initialised weights (LeCun-normal, zero biases; see MLP.InitParams) into store.
func (m Model) Init(store *model.Store, seed uint64) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return m.MLP().Init(store, seed)
}

// GetParams copies the model's current weights out of store.
func (m Model) GetParams(store *model.Store) (Params, error) { return m.MLP().GetParams(store) }

// Apply returns the model's score of a batch x [B, D]: s(x) for a plain model, s(x, sigma_L) at
// the smallest noise level for a noise-conditional one (it panics if the model records no
// levels), s(x, eps) at the smallest time for a time-conditioned one. The variables must be in the store (Init, SetParams).
func (m Model) Apply(store *model.Store, x *graph.Node) *graph.Node {
	if m.TimeConditional() {
		return m.ApplyAtTime(store, x, graph.ConstAs(x, m.SDE.Eps))
	}
	if !m.NoiseConditional() {
		return m.MLP().Apply(store, x)
	}
	sigma, err := m.SmallestSigma()
	if err != nil {
		panic(err)
	}
	return m.ApplyAt(store, x, graph.ConstAs(x, sigma))
}

// ApplyAt returns s(x, sigma) = f([x, log sigma]) / sigma of a noise-conditional model for a batch
// x [B, D] and the noise level of every row, sigma [B, 1] (or a scalar for all rows, or [B]); see
// PackedNoiseScore. It panics for a plain model.
func (m Model) ApplyAt(store *model.Store, x, sigma *graph.Node) *graph.Node {
	return m.applyAt(func(in *graph.Node) *graph.Node { return m.MLP().Apply(store, in) }, x, sigma)
}

// ApplyAtFirstOrder is ApplyAt with the network's gradient written by hand (see
// MLP.ApplyFirstOrder): the same values, and first derivatives only, all that NCSN's loss takes.
func (m Model) ApplyAtFirstOrder(store *model.Store, x, sigma *graph.Node) *graph.Node {
	return m.applyAt(func(in *graph.Node) *graph.Node { return m.MLP().ApplyFirstOrder(store, in) }, x, sigma)
}

// applyAt is ApplyAt with the MLP's forward pass mlp.
func (m Model) applyAt(mlp func(*graph.Node) *graph.Node, x, sigma *graph.Node) *graph.Node {
	if !m.NoiseConditional() {
		panic(fmt.Errorf("a %s model takes no noise level", m.Kind))
	}
	return PackedNoiseScore(mlp)(x, sigma)
}

// PackedNoiseScore turns a network f on packed rows [x, log sigma] (D+1 columns, D outputs) into
// the noise-conditional score s(x, sigma) = f([x, log sigma]) / sigma of a batch x [B, D] at the
// levels sigma (a scalar, [B] or [B, 1]; see SigmaColumn): the convention of KindNoiseMLP.
func PackedNoiseScore(f func(*graph.Node) *graph.Node) func(x, sigma *graph.Node) *graph.Node {
	return func(x, sigma *graph.Node) *graph.Node {
		col := SigmaColumn(sigma, x.Shape().Dimensions[0], x.DType())
		return graph.Div(f(graph.Concatenate([]*graph.Node{x, graph.Log(col)}, -1)), col)
	}
}

// SigmaColumn returns the noise levels of a batch of b rows as a [b, 1] column of dtype: sigma
// may be a scalar (one level for every row), a vector [b] or a column [b, 1].
func SigmaColumn(sigma *graph.Node, b int, dtype dtypes.DType) *graph.Node {
	if sigma.DType() != dtype {
		sigma = graph.ConvertDType(sigma, dtype)
	}
	switch {
	case sigma.Rank() == 0:
		return graph.BroadcastToDims(graph.Reshape(sigma, 1, 1), b, 1)
	case sigma.Rank() == 1 && sigma.Shape().Dimensions[0] == b:
		return graph.ExpandAxes(sigma, -1)
	case sigma.Rank() == 2 && sigma.Shape().Dimensions[0] == b && sigma.Shape().Dimensions[1] == 1:
		return sigma
	}
	panic(fmt.Errorf("noise levels for %d rows must be a scalar, [%d] or [%d, 1], got %s", b, b, b, sigma.Shape()))
}

// MaxNoiseLevels bounds the number of noise levels: the levels are written to options.json and
// model.json, and annealed Langevin runs its steps at every level, so a mistyped count (1e8) would
// write gigabytes and never finish. NCSN uses 10 to a few thousand levels.
const MaxNoiseLevels = 10000

// CheckSigmas returns an error unless sigmas is a non-empty list of at most MaxNoiseLevels
// levels, each valid (CheckSigma).
func CheckSigmas(sigmas []float64) error {
	if len(sigmas) == 0 {
		return fmt.Errorf("no noise levels given")
	}
	if len(sigmas) > MaxNoiseLevels {
		return fmt.Errorf("%d noise levels is more than %d, the most this program takes", len(sigmas), MaxNoiseLevels)
	}
	for i, s := range sigmas {
		if err := CheckSigma(s); err != nil {
			return fmt.Errorf("noise level %d: %w", i, err)
		}
	}
	return nil
}

// minFloat32Normal is the smallest normal float32 value, 2^-126.
const minFloat32Normal = 0x1p-126

// CheckSigma returns an error unless sigma is a noise level the networks can compute with:
// positive, finite, and within float32's normal range (a level outside it becomes 0 or +Inf in
// float32).
func CheckSigma(sigma float64) error {
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return fmt.Errorf("noise level sigma must be positive and finite, got %v", sigma)
	}
	if sigma < minFloat32Normal || sigma > math.MaxFloat32 {
		return fmt.Errorf("noise level sigma %v is outside float32's range (%.3g to %.3g), in which the losses compute", sigma, minFloat32Normal, math.MaxFloat32)
	}
	return nil
}

// Package network holds the score model (Model: an MLP called as s(x), or as s(x, sigma) for a
// noise-conditional one) whose weights live in a GoMLX model.Store, its file (Save, Load) and its
// evaluation on host points (Scorer).
//
// The MLP is the blog's network: dense layers with tanh between them and a linear output,
// LeCun-normal weights and zero biases. Layer i owns the variables "/mlp/layer_<i>/weights"
// (shape [in, out]) and "/mlp/layer_<i>/biases" (shape [out]); a layer computes x @ W + b, so a
// batch of points is a [B, D] matrix of rows.
package network

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/limits"
)

// BlogSizes are the blog's layer sizes: 2 inputs, hidden layers of 64, 128 and 64 units, 2 outputs.
var BlogSizes = []int{2, 64, 128, 64, 2}

// Scope is the model.Store scope that holds the MLP's variables.
const Scope = "mlp"

// MLP is a multilayer perceptron with tanh hidden activations and a linear output layer.
// Sizes lists the width of every layer, input first and output last.
type MLP struct {
	Sizes []int
}

// NewMLP returns an MLP after checking that it has at least two sizes, all positive.
func NewMLP(sizes []int) (MLP, error) {
	m := MLP{Sizes: append([]int(nil), sizes...)}
	return m, m.Validate()
}

// Validate returns an error naming the bad size, or nil. Besides positive sizes, every layer's
// number of weights (in x out, computed without overflow) and the parameters' total bytes must fit
// under the memory limit (see package limits): sizes whose product wraps around, or a network too
// large for this machine, are errors naming the sizes.
func (m MLP) Validate() error {
	if len(m.Sizes) < 2 {
		return fmt.Errorf("MLP needs at least an input and an output size, got %v", m.Sizes)
	}
	for i, s := range m.Sizes {
		if s <= 0 {
			return fmt.Errorf("MLP layer sizes must be positive, got %d at position %d of %v", s, i, m.Sizes)
		}
	}
	for i := range m.NumLayers() {
		in, out := m.Sizes[i], m.Sizes[i+1]
		if _, ok := limits.Of(in, out, 4).Bytes(); !ok {
			return fmt.Errorf("MLP with sizes %v: layer %d would have %d x %d weights, too many to count in bytes", m.Sizes, i, in, out)
		}
	}
	return limits.Check(fmt.Sprintf("the parameters of an MLP with sizes %v", m.Sizes), m.ParamBytes())
}

// ParamBytes is the size of the MLP's weights and biases as float32 (computed without overflow).
func (m MLP) ParamBytes() limits.Size {
	total := limits.Of(0)
	for i := range m.NumLayers() {
		in, out := m.Sizes[i], m.Sizes[i+1]
		total = total.Plus(limits.Of(in, out, 4)).Plus(limits.Of(out, 4))
	}
	return total
}

// CheckMemory returns an error unless training the MLP fits under the memory limit (see package
// limits): its weights and biases as float32, four times (the parameters, their gradients and
// Adam's two moments). The error names what (e.g. the flag that gave the sizes, "--sizes
// 2,100000,2") and the sizes. Call it before allocating a network; Init and InitParams do.
func (m MLP) CheckMemory(what string) error {
	if err := m.Validate(); err != nil {
		return err
	}
	desc := fmt.Sprintf("training an MLP with sizes %v (weights, gradients and Adam's two moments)", m.Sizes)
	if what != "" {
		desc = what + ": " + desc
	}
	return limits.Check(desc, m.TrainingBytes())
}

// TrainingBytes is the memory the MLP's parameters take while it trains: ParamBytes four times
// over (the parameters, their gradients and Adam's two moments).
func (m MLP) TrainingBytes() limits.Size {
	return m.ParamBytes().Times(4)
}

// CheckScoreDim returns an error unless the MLP maps R^dim to R^dim, as a score network must.
func (m MLP) CheckScoreDim(dim int) error {
	if err := m.Validate(); err != nil {
		return err
	}
	in, out := m.Sizes[0], m.Sizes[len(m.Sizes)-1]
	if in != dim || out != dim {
		return fmt.Errorf("a score network for %d-D data must have input and output size %d, but MLP sizes are %v", dim, dim, m.Sizes)
	}
	return nil
}

// NumLayers is the number of dense layers (len(Sizes) - 1).
func (m MLP) NumLayers() int { return len(m.Sizes) - 1 }

// WeightsPath and BiasesPath name the variables of layer i in the model.Store.
func WeightsPath(i int) string { return fmt.Sprintf("/%s/layer_%d/weights", Scope, i) }

// BiasesPath names the bias variable of layer i in the model.Store (see WeightsPath).
func BiasesPath(i int) string { return fmt.Sprintf("/%s/layer_%d/biases", Scope, i) }

// Apply builds the forward pass for a batch x of shape [B, Sizes[0]] and returns [B, Sizes[last]].
// The variables must already be in the store (see Init or Load).
func (m MLP) Apply(store *model.Store, x *graph.Node) *graph.Node {
	params := m.paramNodes(store, x.Graph())
	h := x
	for i := range m.NumLayers() {
		h = graph.Add(graph.MatMul(h, params[2*i]), graph.ExpandAxes(params[2*i+1], 0))
		if i < m.NumLayers()-1 {
			h = tanh(h, x.Shape().Dimensions[0])
		}
	}
	return h
}

// Params are an MLP's weights on the host: Weights[i] is layer i's [in x out] matrix flattened row
// by row, Biases[i] its bias vector. It is the form in which models are saved and compared.
type Params struct {
	Sizes   []int
	Weights [][]float32
	Biases  [][]float32
}

// InitParams draws the blog's initial weights: LeCun-normal kernels (a normal truncated at two
// standard deviations, scaled so that the variance is 1/fan_in, as jax.nn.initializers.lecun_normal)
// and zero biases. The same seed gives the same weights. Sizes whose training would not fit in
// memory (see CheckMemory) are refused before anything is allocated.
func (m MLP) InitParams(seed uint64) (Params, error) {
	if err := m.CheckMemory(""); err != nil {
		return Params{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x1ec0_17))
	p := Params{Sizes: append([]int(nil), m.Sizes...)}
	for i := range m.NumLayers() {
		in, out := m.Sizes[i], m.Sizes[i+1]
		// The standard deviation of a standard normal truncated to [-2, 2] is 0.8796256610342398.
		scale := math.Sqrt(1/float64(in)) / 0.8796256610342398
		w := make([]float32, in*out)
		for j := range w {
			w[j] = float32(scale * truncatedNormal(rng))
		}
		p.Weights = append(p.Weights, w)
		p.Biases = append(p.Biases, make([]float32, out))
	}
	return p, nil
}

func truncatedNormal(rng *rand.Rand) float64 {
	for {
		if z := rng.NormFloat64(); math.Abs(z) <= 2 {
			return z
		}
	}
}

// Validate checks that the parameter arrays have the sizes Sizes asks for.
func (p Params) Validate() error {
	m := MLP{Sizes: p.Sizes}
	if err := m.Validate(); err != nil {
		return err
	}
	if len(p.Weights) != m.NumLayers() || len(p.Biases) != m.NumLayers() {
		return fmt.Errorf("MLP with sizes %v needs %d layers of weights and biases, got %d and %d",
			p.Sizes, m.NumLayers(), len(p.Weights), len(p.Biases))
	}
	for i := range m.NumLayers() {
		in, out := p.Sizes[i], p.Sizes[i+1]
		// m.Validate has checked that in*out does not overflow.
		if len(p.Weights[i]) != in*out {
			return fmt.Errorf("layer %d weights: want %d x %d = %d values, got %d", i, in, out, in*out, len(p.Weights[i]))
		}
		if len(p.Biases[i]) != out {
			return fmt.Errorf("layer %d biases: want %d values, got %d", i, out, len(p.Biases[i]))
		}
		if j, v, ok := firstNonFinite(p.Weights[i]); ok {
			return fmt.Errorf("layer %d weight %d is %v", i, j, v)
		}
		if j, v, ok := firstNonFinite(p.Biases[i]); ok {
			return fmt.Errorf("layer %d bias %d is %v", i, j, v)
		}
	}
	return nil
}

// firstNonFinite returns the index and value of the first NaN or infinite entry of values.
func firstNonFinite(values []float32) (int, float32, bool) {
	for j, v := range values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return j, v, true
		}
	}
	return 0, 0, false
}

// Init puts freshly initialised weights (see InitParams) into store, after checking that training
// them fits in memory (see CheckMemory).
func (m MLP) Init(store *model.Store, seed uint64) error {
	p, err := m.InitParams(seed)
	if err != nil {
		return err
	}
	return SetParams(store, p)
}

// SetParams writes p into store, creating the variables or replacing their values.
func SetParams(store *model.Store, p Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for i := range len(p.Sizes) - 1 {
		w := tensors.FromFlatDataAndDimensions(append([]float32(nil), p.Weights[i]...), p.Sizes[i], p.Sizes[i+1])
		b := tensors.FromFlatDataAndDimensions(append([]float32(nil), p.Biases[i]...), p.Sizes[i+1])
		if err := setVariable(store, WeightsPath(i), w); err != nil {
			return err
		}
		if err := setVariable(store, BiasesPath(i), b); err != nil {
			return err
		}
	}
	return nil
}

func setVariable(store *model.Store, path string, value *tensors.Tensor) error {
	if v := store.GetVariable(path); v != nil {
		if !v.Shape().Equal(value.Shape()) {
			return fmt.Errorf("variable %s has shape %s, cannot set a value of shape %s", path, v.Shape(), value.Shape())
		}
		if err := v.SetValue(value); err != nil {
			return fmt.Errorf("setting %s: %w", path, err)
		}
		return nil
	}
	if _, err := store.CreateVariable(path, value); err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	return nil
}

// GetParams copies the MLP's current weights out of store.
func (m MLP) GetParams(store *model.Store) (Params, error) {
	p := Params{Sizes: append([]int(nil), m.Sizes...)}
	for i := range m.NumLayers() {
		w, err := variableData(store, WeightsPath(i))
		if err != nil {
			return Params{}, err
		}
		b, err := variableData(store, BiasesPath(i))
		if err != nil {
			return Params{}, err
		}
		p.Weights = append(p.Weights, w)
		p.Biases = append(p.Biases, b)
	}
	return p, p.Validate()
}

func variableData(store *model.Store, path string) ([]float32, error) {
	v := store.GetVariable(path)
	if v == nil {
		return nil, fmt.Errorf("variable %s is not in the store", path)
	}
	t, err := v.Value()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	data, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return data, nil
}

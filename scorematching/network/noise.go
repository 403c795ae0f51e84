package network

import (
	"errors"
	"fmt"
	"math"

	"github.com/gosm/gosm/scorematching/loss"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Model kinds, as recorded under MetaKind in a saved model's metadata (see Save): a plain score
// network s(x), or a noise-conditional one s(x, sigma). Both are saved as the same MLP parameters;
// only the kind says how to call them.
const (
	MetaKind     = "kind"
	KindMLP      = "mlp"
	KindNoiseMLP = "noise-mlp"
	// MetaSigmas is the metadata key under which a noise-conditional model records the noise
	// levels it was trained on (largest first).
	MetaSigmas = "sigmas"
)

// NoiseMLP is a noise-conditional score network s(x, sigma) for data in D dimensions, the
// network of NCSN-style multi-level denoising score matching (loss.NCSN), as a plain MLP:
//
//	s(x, sigma) = f([x, log sigma]) / sigma
//
// where f is the MLP with Sizes (input D+1, output D, tanh between layers). The network sees the
// noise level through an extra input column, log sigma (the levels are geometric, so log sigma is
// evenly spaced and of order 1), and its output is divided by sigma as in NCSNv2 (Song and Ermon,
// 2020, "Improved Techniques for Training Score-Based Generative Models"): the score of data
// perturbed at level sigma has size about 1/sigma, so f stays of order 1 at every level and the
// sigma^2-weighted loss is 0.5 ||f + z||^2.
//
// Because it IS an MLP (MLP() returns it), its variables, Params, Save, Load, SetParams and
// GetParams are the MLP's, unchanged: a NoiseMLP and a plain MLP cannot share a store. Record
// MetaKind: KindNoiseMLP (and MetaSigmas) in the metadata when saving, so that a reader knows to
// call Apply with a noise level.
type NoiseMLP struct {
	Sizes []int
}

// NewNoiseMLP returns the NoiseMLP for dim-dimensional data with the given hidden widths: sizes
// dim+1, hidden..., dim.
func NewNoiseMLP(dim int, hidden ...int) (NoiseMLP, error) {
	m := NoiseMLP{Sizes: append(append([]int{dim + 1}, hidden...), dim)}
	return m, m.Validate()
}

// MLP returns the underlying MLP f (input D+1, output D).
func (m NoiseMLP) MLP() MLP { return MLP{Sizes: m.Sizes} }

// Dim is the dimension D of the data (the output size).
func (m NoiseMLP) Dim() int { return m.Sizes[len(m.Sizes)-1] }

// Validate returns an error unless the sizes are a valid MLP whose input is one wider than its
// output.
func (m NoiseMLP) Validate() error {
	if err := m.MLP().Validate(); err != nil {
		return err
	}
	if in, out := m.Sizes[0], m.Sizes[len(m.Sizes)-1]; in != out+1 {
		return fmt.Errorf("a noise-conditional MLP takes D+1 inputs (x and log sigma) for D outputs, but sizes are %v", m.Sizes)
	}
	return nil
}

// CheckScoreDim returns an error unless the network is a noise-conditional score network for
// dim-dimensional data (sizes dim+1, ..., dim).
func (m NoiseMLP) CheckScoreDim(dim int) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Dim() != dim {
		return fmt.Errorf("a noise-conditional score network for %d-D data must have sizes %d, ..., %d, but sizes are %v", dim, dim+1, dim, m.Sizes)
	}
	return nil
}

// Init puts freshly initialised weights (LeCun-normal, zero biases; see MLP.InitParams) into store.
func (m NoiseMLP) Init(store *model.Store, seed uint64) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return m.MLP().Init(store, seed)
}

// GetParams copies the network's current weights out of store (the MLP's Params).
func (m NoiseMLP) GetParams(store *model.Store) (Params, error) { return m.MLP().GetParams(store) }

// Apply returns s(x, sigma) = f([x, log sigma]) / sigma for a batch x [B, D] and the noise level
// of every row, sigma [B, 1] (or a scalar for one level for all rows, or [B]): loss.PackedNoiseScore
// of the underlying MLP. The variables must be in the store (Init, SetParams).
func (m NoiseMLP) Apply(store *model.Store, x, sigma *graph.Node) *graph.Node {
	return loss.PackedNoiseScore(func(in *graph.Node) *graph.Node { return m.MLP().Apply(store, in) })(x, sigma)
}

// NoiseScorer evaluates a trained NoiseMLP on batches of points at a given noise level; it
// compiles once per batch shape.
type NoiseScorer struct {
	net  NoiseMLP
	exec *model.Exec
}

// NewNoiseScorer returns a NoiseScorer for the NoiseMLP whose weights are in store.
func NewNoiseScorer(backend compute.Backend, store *model.Store, m NoiseMLP) (*NoiseScorer, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x, sigma *graph.Node) *graph.Node {
		return m.Apply(scope.Store(), x, sigma)
	})
	if err != nil {
		return nil, fmt.Errorf("building the noise-conditional score evaluation: %w", err)
	}
	return &NoiseScorer{net: m, exec: exec}, nil
}

// Scores returns s(x, sigma) for every row x of points, all at noise level sigma.
func (s *NoiseScorer) Scores(points [][]float64, sigma float64) (scores [][]float64, err error) {
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return nil, fmt.Errorf("noise level must be positive and finite, got %v", sigma)
	}
	flat, err := checkedBatch(points, s.net.Dim())
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			scores, err = nil, fmt.Errorf("evaluating the noise-conditional score network: %v", r)
		}
	}()
	out, err := s.exec.Call(tensors.FromFlatDataAndDimensions(flat, len(points), s.net.Dim()), float32(sigma))
	if err != nil {
		return nil, fmt.Errorf("evaluating the noise-conditional score network: %w", err)
	}
	res, err := tensors.CopyFlatData[float32](out[0])
	if err != nil {
		return nil, err
	}
	return rows(res, s.net.Dim()), nil
}

// checkedBatch returns points as a flat float32 [len(points), dim] batch, refusing an empty batch,
// rows of the wrong length and non-finite coordinates.
func checkedBatch(points [][]float64, dim int) ([]float32, error) {
	if len(points) == 0 {
		return nil, errors.New("no points to score")
	}
	flat := make([]float32, 0, len(points)*dim)
	for i, p := range points {
		if len(p) != dim {
			return nil, fmt.Errorf("point %d has %d coordinates, the network takes %d", i, len(p), dim)
		}
		for j, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("point %d coordinate %d is %v", i, j, v)
			}
			flat = append(flat, float32(v))
		}
	}
	return flat, nil
}

package network

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/autodiff"
)

// Scorer evaluates a trained MLP on batches of points; it compiles once per batch shape.
type Scorer struct {
	net      MLP
	exec     *model.Exec
	jacobian *model.Exec
}

// NewScorer returns a Scorer for the MLP whose weights are in store.
func NewScorer(backend compute.Backend, store *model.Store, m MLP) (*Scorer, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		return m.Apply(scope.Store(), x)
	})
	if err != nil {
		return nil, fmt.Errorf("building the score evaluation: %w", err)
	}
	jacobian, err := model.NewExec(backend, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		_, jac := autodiff.Jacobian(func(x *graph.Node) *graph.Node { return m.Apply(scope.Store(), x) }, x)
		return jac
	})
	if err != nil {
		return nil, fmt.Errorf("building the Jacobian evaluation: %w", err)
	}
	return &Scorer{net: m, exec: exec, jacobian: jacobian}, nil
}

// Scores returns the network's output s(x) for every row of points.
func (s *Scorer) Scores(points [][]float64) ([][]float64, error) {
	res, err := s.call(s.exec, points)
	if err != nil {
		return nil, err
	}
	return rows(res, s.net.Sizes[len(s.net.Sizes)-1]), nil
}

// Jacobians returns, for every row x of points, the network's Jacobian J[i][j] = d s_i / d x_j
// (see autodiff.Jacobian).
func (s *Scorer) Jacobians(points [][]float64) ([][][]float64, error) {
	res, err := s.call(s.jacobian, points)
	if err != nil {
		return nil, err
	}
	in, out := s.net.Sizes[0], s.net.Sizes[len(s.net.Sizes)-1]
	jacs := make([][][]float64, len(points))
	for b := range jacs {
		jacs[b] = rows(res[b*in*out:(b+1)*in*out], in)
	}
	return jacs, nil
}

// rows cuts flat into rows of width columns, converting to float64.
func rows(flat []float32, width int) [][]float64 {
	out := make([][]float64, len(flat)/width)
	for i := range out {
		out[i] = make([]float64, width)
		for j := range width {
			out[i][j] = float64(flat[i*width+j])
		}
	}
	return out
}

// call runs exec on points (checked and converted to a float32 batch) and returns its flat output.
func (s *Scorer) call(exec *model.Exec, points [][]float64) (res []float32, err error) {
	flat, err := checkedBatch(points, s.net.Sizes[0])
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("evaluating the score network: %v", r)
		}
	}()
	outputs, err := exec.Call(tensors.FromFlatDataAndDimensions(flat, len(points), s.net.Sizes[0]))
	if err != nil {
		return nil, fmt.Errorf("evaluating the score network: %w", err)
	}
	return tensors.CopyFlatData[float32](outputs[0])
}

// LoadScorer reads the model saved in dir (see Save) and returns a Scorer for it, with the saved
// file's content.
func LoadScorer(backend compute.Backend, dir string) (*Scorer, Saved, error) {
	saved, err := Load(dir)
	if err != nil {
		return nil, Saved{}, err
	}
	store := model.NewStore()
	if err := SetParams(store, saved.Params); err != nil {
		return nil, Saved{}, err
	}
	s, err := NewScorer(backend, store, MLP{Sizes: saved.Sizes})
	return s, saved, err
}

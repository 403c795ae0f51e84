package net

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Scorer evaluates a trained MLP on batches of points; it compiles once per batch shape.
type Scorer struct {
	net  MLP
	exec *model.Exec
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
	return &Scorer{net: m, exec: exec}, nil
}

// Scores returns the network's output s(x) for every row of points.
func (s *Scorer) Scores(points [][]float64) (out [][]float64, err error) {
	dim := s.net.Sizes[0]
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
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("evaluating the score network: %v", r)
		}
	}()
	outputs, err := s.exec.Call(tensors.FromFlatDataAndDimensions(flat, len(points), dim))
	if err != nil {
		return nil, fmt.Errorf("evaluating the score network: %w", err)
	}
	res, err := tensors.CopyFlatData[float32](outputs[0])
	if err != nil {
		return nil, err
	}
	outDim := s.net.Sizes[len(s.net.Sizes)-1]
	out = make([][]float64, len(points))
	for i := range out {
		out[i] = make([]float64, outDim)
		for j := range outDim {
			out[i][j] = float64(res[i*outDim+j])
		}
	}
	return out, nil
}

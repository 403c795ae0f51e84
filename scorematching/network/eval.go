package network

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/autodiff"
	"github.com/gosm/gosm/scorematching/batch"
)

// Scorer evaluates a trained score model on batches of points, host rows in and out; each
// evaluation compiles once per batch shape and reads the store's current weights.
type Scorer struct {
	model    Model
	exec     *model.Exec // s(x): Model.Apply.
	at       *model.Exec // s(x, sigma): Model.ApplyAt (noise-conditional models), or s(x, t): Model.ApplyAtTime.
	jacobian *model.Exec
}

// NewScorer returns a Scorer for the model whose weights are in store.
func NewScorer(backend compute.Backend, store *model.Store, m Model) (*Scorer, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	s := &Scorer{model: m}
	var err error
	if s.exec, err = model.NewExec(backend, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		return m.Apply(scope.Store(), x)
	}); err != nil {
		return nil, fmt.Errorf("building the score evaluation: %w", err)
	}
	switch {
	case m.NoiseConditional():
		if s.at, err = model.NewExec(backend, store, func(scope *model.Scope, x, sigma *graph.Node) *graph.Node {
			return m.ApplyAt(scope.Store(), x, sigma)
		}); err != nil {
			return nil, fmt.Errorf("building the noise-conditional score evaluation: %w", err)
		}
	case m.TimeConditional():
		if s.at, err = model.NewExec(backend, store, func(scope *model.Scope, x, t *graph.Node) *graph.Node {
			return m.ApplyAtTime(scope.Store(), x, t)
		}); err != nil {
			return nil, fmt.Errorf("building the time-conditioned score evaluation: %w", err)
		}
	}
	if s.jacobian, err = model.NewExec(backend, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		_, jac := autodiff.Jacobian(func(x *graph.Node) *graph.Node { return m.Apply(scope.Store(), x) }, x)
		return jac
	}); err != nil {
		return nil, fmt.Errorf("building the Jacobian evaluation: %w", err)
	}
	return s, nil
}

// Model returns the model the Scorer evaluates.
func (s *Scorer) Model() Model { return s.model }

// Scores returns the model's score for every row of points: s(x), or for a noise-conditional
// model s(x, sigma_L) at its smallest noise level (an error if it records none).
func (s *Scorer) Scores(points [][]float64) (scores [][]float64, err error) {
	if s.model.NoiseConditional() {
		sigma, err := s.model.SmallestSigma()
		if err != nil {
			return nil, err
		}
		return s.ScoresAt(points, sigma)
	}
	res, err := s.call(s.exec, points)
	if err != nil {
		return nil, err
	}
	return batch.Rows(res, s.model.Dim()), nil
}

// ScoresAt returns s(x, sigma) of a noise-conditional model for every row x of points, all at
// noise level sigma.
func (s *Scorer) ScoresAt(points [][]float64, sigma float64) (scores [][]float64, err error) {
	if !s.model.NoiseConditional() {
		return nil, fmt.Errorf("a %s model takes no noise level", s.model.Kind)
	}
	if err := CheckSigma(sigma); err != nil {
		return nil, err
	}
	res, err := s.call(s.at, points, float32(sigma))
	if err != nil {
		return nil, err
	}
	return batch.Rows(res, s.model.Dim()), nil
}

// ScoresAtTime returns s(x, t) of a time-conditioned model for every row x of points, all at
// time t in [Eps, 1] of its SDE.
func (s *Scorer) ScoresAtTime(points [][]float64, t float64) (scores [][]float64, err error) {
	if !s.model.TimeConditional() {
		return nil, fmt.Errorf("a %s model takes no time", s.model.Kind)
	}
	if !(t >= s.model.SDE.Eps && t <= 1) {
		return nil, fmt.Errorf("time t must be in [%g, 1], got %v", s.model.SDE.Eps, t)
	}
	res, err := s.call(s.at, points, float32(t))
	if err != nil {
		return nil, err
	}
	return batch.Rows(res, s.model.Dim()), nil
}

// Jacobians returns, for every row x of points, the Jacobian J[i][j] = d s_i / d x_j of the
// model's score (Scores; see autodiff.Jacobian).
func (s *Scorer) Jacobians(points [][]float64) ([][][]float64, error) {
	res, err := s.call(s.jacobian, points)
	if err != nil {
		return nil, err
	}
	d := s.model.Dim()
	jacs := make([][][]float64, len(points))
	for b := range jacs {
		jacs[b] = batch.Rows(res[b*d*d:(b+1)*d*d], d)
	}
	return jacs, nil
}

// call runs exec on points (checked and converted to a float32 batch) and more inputs, and
// returns its flat output.
func (s *Scorer) call(exec *model.Exec, points [][]float64, more ...any) (res []float32, err error) {
	x, err := batch.ToTensor(points, s.model.Dim())
	if err != nil {
		return nil, err
	}
	defer batch.Recover(&err, "evaluating the score model")
	outputs, err := exec.Call(append([]any{x}, more...)...)
	if err != nil {
		return nil, fmt.Errorf("evaluating the score model: %w", err)
	}
	return tensors.CopyFlatData[float32](outputs[0])
}

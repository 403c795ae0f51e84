// Package likelihood computes the exact log-density of a score-based diffusion model at given
// points, by the probability-flow ODE and the instantaneous change of variables (Song et al., ICLR
// 2021, section 4.3; Chen et al., "Neural Ordinary Differential Equations", 2018):
//
//	dx/dt = f~(x, t) = f(x, t) - 1/2 g(t)^2 s(x, t),    d log p_t(x(t))/dt = -div f~(x(t), t)
//
// so, integrating from t = Eps (the point x) to t = 1,
//
//	log p_Eps(x) = log p_1(x(1)) + int_Eps^1 div f~(x(t), t) dt
//
// with p_1 the prior. For f = c(t) x, div f~ = c(t) D - 1/2 g(t)^2 div s. The divergence of the
// score is exact (the trace of the per-example Jacobian, D reverse passes, package autodiff) or,
// for large D, Hutchinson's unbiased estimate v . (grad_x (v . s)) with one Rademacher vector v
// per point, fixed along the path. The log-density is in nats.
package likelihood

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/autodiff"
	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/sde"
)

// Config sets up the integration.
type Config struct {
	// Steps is the number of fixed RK4 steps from Eps to 1, or, with Tolerance, the step budget of
	// Dormand-Prince. 0 means DefaultSteps.
	Steps int
	// Tolerance, if positive, integrates adaptively (Dormand-Prince 5(4), relative and absolute
	// tolerance Tolerance).
	Tolerance float64
	// Hutchinson estimates the divergence with one Rademacher vector per point (seeded by Seed)
	// instead of computing it exactly.
	Hutchinson bool
	Seed       uint64
}

// DefaultSteps is the number of RK4 steps when Config.Steps is 0.
const DefaultSteps = 100

// Result is the log-density of every point and the work it took.
type Result struct {
	LogDensity []float64 // Nats, one per point.
	Evals      int       // Evaluations of the score and its divergence (per point).
}

// LogDensity returns log p_Eps at every point of points (rows of D coordinates) for the process s
// and its time-conditioned score (the store holds the variables the score reads).
func LogDensity(ctx context.Context, b compute.Backend, store *model.Store, s sde.SDE, score sample.TimeScore, points [][]float64, cfg Config) (res Result, err error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	if err := batch.Check(points, 0); err != nil {
		return Result{}, fmt.Errorf("likelihood: %w", err)
	}
	if cfg.Steps < 0 || !(cfg.Tolerance >= 0) || cfg.Tolerance >= 1 {
		return Result{}, fmt.Errorf("likelihood: steps must be non-negative and the tolerance in [0, 1), got %d and %v", cfg.Steps, cfg.Tolerance)
	}
	if cfg.Steps == 0 {
		cfg.Steps = DefaultSteps
	}
	n, d := len(points), len(points[0])
	if store == nil {
		store = model.NewStore()
	}
	defer batch.Recover(&err, "likelihood")
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x, t, v *graph.Node) (*graph.Node, *graph.Node) {
		st := scope.Store()
		f := func(x *graph.Node) *graph.Node { return score(st, x, t) }
		if !cfg.Hutchinson {
			return autodiff.Trace(f, x)
		}
		sc := f(x)
		grad := graph.Gradient(graph.ReduceAllSum(graph.Mul(sc, v)), x)[0]
		return sc, graph.ReduceSum(graph.Mul(grad, v), -1)
	})
	if err != nil {
		return Result{}, fmt.Errorf("likelihood: building the divergence: %w", err)
	}
	vRows := make([][]float64, n)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x11ce))
	for i := range vRows {
		vRows[i] = make([]float64, d)
		for j := range vRows[i] {
			vRows[i][j] = 1
			if cfg.Hutchinson && rng.Uint64()&1 == 0 {
				vRows[i][j] = -1
			}
		}
	}
	v, err := batch.ToTensor(vRows, d)
	if err != nil {
		return Result{}, err
	}
	// The state: the N*D coordinates, then the N accumulated divergences.
	y := make([]float64, n*d+n)
	for i, p := range points {
		copy(y[i*d:], p)
	}
	deriv := func(t float64, y, dy []float64) error {
		x, err := batch.ToTensor(batch.Rows64(y[:n*d], d), d)
		if err != nil {
			return fmt.Errorf("likelihood: the path at t = %g: %w", t, err)
		}
		out, err := exec.Call(x, float32(t), v)
		if err != nil {
			return err
		}
		res.Evals++
		sc, err := batch.Values(out[0])
		if err != nil {
			return err
		}
		div, err := batch.Values(out[1])
		if err != nil {
			return err
		}
		c, g2 := s.DriftCoef(t), s.G2(t)
		for j := range n * d {
			dy[j] = c*y[j] - 0.5*g2*sc[j]
		}
		for i := range n {
			dy[n*d+i] = c*float64(d) - 0.5*g2*div[i]
		}
		return nil
	}
	if cfg.Tolerance > 0 {
		if _, err := sde.DoPri(ctx, deriv, y, s.Eps, 1, cfg.Tolerance, cfg.Tolerance, cfg.Steps); err != nil {
			return Result{}, fmt.Errorf("likelihood: %w", err)
		}
	} else if err := sde.RK4(ctx, deriv, y, s.Eps, 1, cfg.Steps); err != nil {
		return Result{}, fmt.Errorf("likelihood: %w", err)
	}
	res.LogDensity = make([]float64, n)
	for i := range n {
		res.LogDensity[i] = s.PriorLogDensity(y[i*d:(i+1)*d]) + y[n*d+i]
		if math.IsNaN(res.LogDensity[i]) || math.IsInf(res.LogDensity[i], 0) {
			return Result{}, fmt.Errorf("likelihood: the log-density at point %d %v is %v", i, points[i], res.LogDensity[i])
		}
	}
	return res, nil
}

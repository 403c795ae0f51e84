package sample

// Samplers of score-based diffusion (Song et al., ICLR 2021): from the prior at t = 1 back to the
// data at t = Eps, with the learned scores s(x, t) of the marginals p_t of a forward process
// dx = f(x, t) dt + g(t) dw (package sde; f(x, t) = c(t) x for the VE and VP processes).
//
//   - ReverseSDE: Euler-Maruyama on the reverse-time SDE dx = [f - g^2 s] dt + g dw-bar, run
//     backwards in Steps equal steps; the last step adds no noise.
//   - PC: predictor-corrector, each of Steps times t_i doing one Langevin corrector step at t_i,
//     x <- x + e s + sqrt(2 e) z with e = 2 alpha (SNR ||z|| / ||s||)^2 (norms averaged over the
//     particles), then one reverse-diffusion predictor step of the process discretised as
//     x_i = (1 + fc) x_{i-1} + G z (sde.SDE.Discretize): x <- x - fc x + G^2 s + G z. The last
//     predictor adds no noise.
//   - ProbabilityFlow: the deterministic ODE dx/dt = f - 1/2 g^2 s, whose marginals are the same
//     p_t, from 1 to Eps with RK4 (Steps steps) or Dormand-Prince (Config.Tolerance).
//
// All three start from Config.Init, or from N particles of the prior N(0, PriorStd^2 I) drawn
// with Config.Seed, and call the score through one compiled graph per batch shape, one call per
// evaluation (the particles go to the device and back each time: the arithmetic of a step is on
// the host, in float64).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/sde"
)

// TimeScore builds a time-conditioned score s(x, t): the score of the marginal p_t of a forward
// process, for a batch x [N, D] at the time t (a scalar of x's dtype). network.Model.ApplyAtTime
// of a time-conditioned model is one; GaussianTimeScore is an exact, analytic one.
type TimeScore func(store *model.Store, x, t *graph.Node) *graph.Node

// DefaultSNR is the corrector's signal-to-noise ratio when Config.SNR is 0. score_sde uses 0.16
// for VE processes on images, where the noise's norm grows like sqrt(D) with the score's; in two
// dimensions the score's norm near the data is set by the data's own spread, and 0.16 makes the
// corrector's last steps add noise of about 0.04 per coordinate, far above sigma_min. Measured on
// the ring's sde model (500 epochs, 2000 particles, 500 steps, xla:cpu): mean radius 1.021 at
// 0.16, 1.009 at 0.05, 1.007 at 0.02 (the data: 1.000; Euler-Maruyama 1.005).
const DefaultSNR = 0.05

// timeScorer evaluates a TimeScore on host particles: one compiled graph, one call per
// evaluation.
type timeScorer struct {
	exec *model.Exec
	n, d int
	// evals counts the calls.
	evals int
}

func newTimeScorer(b compute.Backend, store *model.Store, score TimeScore, n, d int) (*timeScorer, error) {
	if store == nil {
		store = model.NewStore()
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, x, t *graph.Node) *graph.Node {
		s := inChunks(func(rows ...*graph.Node) *graph.Node { return score(scope.Store(), rows[0], t) }, x)
		if !s.Shape().Equal(x.Shape()) {
			panic(fmt.Errorf("the score returned shape %s for points of shape %s", s.Shape(), x.Shape()))
		}
		return s
	})
	if err != nil {
		return nil, fmt.Errorf("building the score evaluation: %w", err)
	}
	return &timeScorer{exec: exec, n: n, d: d}, nil
}

// scores returns s(x, t) for the particles x (flat, N*D).
func (ts *timeScorer) scores(x []float64, t float64) (out []float64, err error) {
	defer batch.Recover(&err, "evaluating the score")
	rows := batch.Rows64(x, ts.d)
	in, err := batch.ToTensor(rows, ts.d)
	if err != nil {
		return nil, fmt.Errorf("the particles at t = %g: %w", t, err)
	}
	res, err := ts.exec.Call(in, float32(t))
	if err != nil {
		return nil, err
	}
	ts.evals++
	return batch.Values(res[0])
}

// diffusion is one run of a diffusion sampler: its particles (flat, N*D), its recording, its noise.
type diffusion struct {
	cfg    Config
	sde    sde.SDE
	scorer *timeScorer
	x      []float64
	n, d   int
	rng    *rand.Rand
	res    Result
}

// start validates the configuration, places the particles and compiles the score.
func startDiffusion(who string, b compute.Backend, store *model.Store, s sde.SDE, score TimeScore, cfg Config) (*diffusion, error) {
	if score == nil {
		return nil, fmt.Errorf("%s: the score function is nil", who)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", who, err)
	}
	if cfg.Steps <= 0 {
		return nil, fmt.Errorf("%s: number of steps must be positive, got %d", who, cfg.Steps)
	}
	if cfg.Init == nil && cfg.Box == 0 {
		cfg.Box = s.PriorStd() // Only to pass validateStart: the prior is not a box.
	}
	if cfg.Sigmas != nil || cfg.KeepLevels || cfg.Decay != 0 || cfg.StepSize != 0 {
		return nil, fmt.Errorf("%s: Sigmas, KeepLevels, Decay and StepSize are for the Langevin samplers (the SDE sets the steps)", who)
	}
	if !(cfg.SNR >= 0) || math.IsInf(cfg.SNR, 0) || !(cfg.Tolerance >= 0) || cfg.Tolerance >= 1 {
		return nil, fmt.Errorf("%s: SNR must be non-negative and finite and Tolerance in [0, 1), got %v and %v", who, cfg.SNR, cfg.Tolerance)
	}
	if err := cfg.validateStart(who); err != nil {
		return nil, err
	}
	if err := cfg.checkMemory(who, limits.Of(cfg.Steps), fmt.Sprintf("%d steps", cfg.Steps)); err != nil {
		return nil, err
	}
	r := &diffusion{cfg: cfg, sde: s, rng: rand.New(rand.NewPCG(cfg.Seed, 0xd1ff))}
	var pts [][]float64
	if cfg.Init != nil {
		pts = cfg.points()
	} else {
		pts = make([][]float64, cfg.N)
		std := s.PriorStd()
		for i := range pts {
			pts[i] = make([]float64, cfg.Dim)
			for j := range pts[i] {
				pts[i][j] = std * r.rng.NormFloat64()
			}
		}
	}
	r.n, r.d = len(pts), len(pts[0])
	for _, p := range pts {
		r.x = append(r.x, p...)
	}
	var err error
	if r.scorer, err = newTimeScorer(b, store, score, r.n, r.d); err != nil {
		return nil, err
	}
	if cfg.KeepEvery > 0 {
		r.record(0)
	}
	return r, nil
}

// record keeps the first TrajectoryPoints particles as the positions at step.
func (r *diffusion) record(step int) {
	keep := r.cfg.TrajectoryPoints
	if keep == 0 {
		keep = r.n
	}
	if r.res.Trajectories == nil {
		r.res.Trajectories = make([][][]float64, keep)
	}
	r.res.TrajectorySteps = append(r.res.TrajectorySteps, step)
	for p := range keep {
		r.res.Trajectories[p] = append(r.res.Trajectories[p], append([]float64(nil), r.x[p*r.d:(p+1)*r.d]...))
	}
}

// stepDone records, checks and reports after step done of total.
func (r *diffusion) stepDone(who string, done, total int) error {
	for i, v := range r.x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w (%s): particle %d coordinate %d is %v after step %d: try more steps", ErrDiverged, who, i/r.d, i%r.d, v, done)
		}
	}
	if r.cfg.KeepEvery > 0 && (done%r.cfg.KeepEvery == 0 || done == total) {
		r.record(done)
	}
	if r.cfg.Progress != nil {
		r.cfg.Progress(done, total)
	}
	return nil
}

// finish returns the result with the particles as rows.
func (r *diffusion) finish() Result {
	r.res.Samples = batch.Rows64(r.x, r.d)
	r.res.Evals = r.scorer.evals
	return r.res
}

// times returns the Steps+1 times from 1 down to Eps, equally spaced, and the step.
func (r *diffusion) times() ([]float64, float64) {
	n := r.cfg.Steps
	dt := (1 - r.sde.Eps) / float64(n)
	ts := make([]float64, n+1)
	for i := range ts {
		ts[i] = 1 - float64(i)*dt
	}
	ts[n] = r.sde.Eps
	return ts, dt
}

// ReverseSDE samples by Euler-Maruyama on the reverse-time SDE (see the notes above): Steps steps
// from t = 1 to Eps. ctx's cancellation stops it between steps with the particles as they are.
func ReverseSDE(ctx context.Context, b compute.Backend, store *model.Store, s sde.SDE, score TimeScore, cfg Config) (res Result, err error) {
	const who = "reverse SDE"
	r, err := startDiffusion(who, b, store, s, score, cfg)
	if err != nil {
		return Result{}, err
	}
	ts, dt := r.times()
	for i := range cfg.Steps {
		if err := ctx.Err(); err != nil {
			return r.finish(), err
		}
		t := ts[i]
		sc, err := r.scorer.scores(r.x, t)
		if err != nil {
			return Result{}, err
		}
		c, g2 := s.DriftCoef(t), s.G2(t)
		noise := math.Sqrt(g2 * dt)
		last := i == cfg.Steps-1
		for j := range r.x {
			r.x[j] += (-c*r.x[j] + g2*sc[j]) * dt
			if !last {
				r.x[j] += noise * r.rng.NormFloat64()
			}
		}
		if err := r.stepDone(who, i+1, cfg.Steps); err != nil {
			return Result{}, err
		}
	}
	return r.finish(), nil
}

// PC samples by predictor-corrector (see the notes above): Steps times from 1 to Eps, each with
// a Langevin corrector step (signal-to-noise ratio Config.SNR) and a reverse-diffusion predictor
// step. ctx's cancellation stops it between steps.
func PC(ctx context.Context, b compute.Backend, store *model.Store, s sde.SDE, score TimeScore, cfg Config) (res Result, err error) {
	const who = "predictor-corrector"
	r, err := startDiffusion(who, b, store, s, score, cfg)
	if err != nil {
		return Result{}, err
	}
	snr := cfg.SNR
	if snr == 0 {
		snr = DefaultSNR
	}
	ts, dt := r.times()
	if s.Kind == sde.VP && s.Beta(1)*dt > 0.5 {
		return Result{}, fmt.Errorf("%s: the vp process discretised in %d steps has beta dt = %.3g at t = 1, too large (at most 0.5): use at least %d steps",
			who, cfg.Steps, s.Beta(1)*dt, int(math.Ceil(2*s.Beta(1)*(1-s.Eps))))
	}
	z := make([]float64, len(r.x))
	for i := range cfg.Steps {
		if err := ctx.Err(); err != nil {
			return r.finish(), err
		}
		t := ts[i]
		fc, G := s.Discretize(t, dt)
		// Corrector: one Langevin step at t.
		sc, err := r.scorer.scores(r.x, t)
		if err != nil {
			return Result{}, err
		}
		for j := range z {
			z[j] = r.rng.NormFloat64()
		}
		gradNorm, noiseNorm := r.meanNorm(sc), r.meanNorm(z)
		alpha := 1.0
		if s.Kind == sde.VP {
			alpha = 1 - G*G
		}
		step := 2 * alpha * (snr * noiseNorm / gradNorm) * (snr * noiseNorm / gradNorm)
		if gradNorm == 0 {
			step = 0
		}
		for j := range r.x {
			r.x[j] += step*sc[j] + math.Sqrt(2*step)*z[j]
		}
		// Predictor: one reverse-diffusion step from t to t - dt.
		if sc, err = r.scorer.scores(r.x, t); err != nil {
			return Result{}, err
		}
		last := i == cfg.Steps-1
		for j := range r.x {
			r.x[j] += -fc*r.x[j] + G*G*sc[j]
			if !last {
				r.x[j] += G * r.rng.NormFloat64()
			}
		}
		if err := r.stepDone(who, i+1, cfg.Steps); err != nil {
			return Result{}, err
		}
	}
	return r.finish(), nil
}

// meanNorm is the mean over the particles of the Euclidean norm of v's rows.
func (r *diffusion) meanNorm(v []float64) float64 {
	var sum float64
	for p := range r.n {
		var ss float64
		for _, x := range v[p*r.d : (p+1)*r.d] {
			ss += x * x
		}
		sum += math.Sqrt(ss)
	}
	return sum / float64(r.n)
}

// ProbabilityFlow samples by integrating the probability-flow ODE from t = 1 to Eps: Steps fixed
// RK4 steps, or, with Config.Tolerance > 0, Dormand-Prince 5(4) with that tolerance and at most
// Steps steps. Result.Evals counts the score evaluations. Trajectories are recorded at the RK4
// steps only.
func ProbabilityFlow(ctx context.Context, b compute.Backend, store *model.Store, s sde.SDE, score TimeScore, cfg Config) (res Result, err error) {
	const who = "probability-flow ODE"
	r, err := startDiffusion(who, b, store, s, score, cfg)
	if err != nil {
		return Result{}, err
	}
	f := r.flow()
	if cfg.Tolerance > 0 {
		if _, err := sde.DoPri(ctx, f, r.x, 1, s.Eps, cfg.Tolerance, cfg.Tolerance, cfg.Steps); err != nil {
			if errors.Is(err, sde.ErrTooManySteps) {
				err = fmt.Errorf("%w: raise Steps or Tolerance", err)
			}
			return Result{}, fmt.Errorf("%s: %w", who, err)
		}
		if err := r.stepDone(who, cfg.Steps, cfg.Steps); err != nil {
			return Result{}, err
		}
		return r.finish(), nil
	}
	ts, _ := r.times()
	for i := range cfg.Steps {
		if err := sde.RK4(ctx, f, r.x, ts[i], ts[i+1], 1); err != nil {
			return r.finish(), fmt.Errorf("%s: %w", who, err)
		}
		if err := r.stepDone(who, i+1, cfg.Steps); err != nil {
			return Result{}, err
		}
	}
	return r.finish(), nil
}

// flow is the probability-flow ODE's right-hand side, f(x, t) - 1/2 g(t)^2 s(x, t).
func (r *diffusion) flow() sde.Deriv {
	return func(t float64, x, dx []float64) error {
		sc, err := r.scorer.scores(x, t)
		if err != nil {
			return err
		}
		c, g2 := r.sde.DriftCoef(t), r.sde.G2(t)
		for j := range dx {
			dx[j] = c*x[j] - 0.5*g2*sc[j]
		}
		return nil
	}
}

// GaussianTimeScore is the exact score of the marginals p_t of the process s for data
// N(mean, std^2 I): p_t = N(a(t) mean, (a(t)^2 std^2 + std(t)^2) I), so
// s(x, t) = -(x - a(t) mean) / (a(t)^2 std^2 + std(t)^2). It tests the samplers and the
// likelihood, whose results are then known in closed form.
func GaussianTimeScore(s sde.SDE, mean []float64, std float64) (TimeScore, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if !(std > 0) || math.IsInf(std, 0) || len(mean) == 0 {
		return nil, fmt.Errorf("gaussian score: std must be positive and finite and the mean non-empty, got %v and %v", std, mean)
	}
	return func(_ *model.Store, x, t *graph.Node) *graph.Node {
		a, sd := s.MeanNode(t), s.StdNode(t)
		variance := graph.Add(graph.MulScalar(graph.Square(a), std*std), graph.Square(sd))
		mu := graph.Mul(a, graph.ExpandAxes(graph.ConstAsDType(x.Graph(), x.DType(), mean), 0))
		return graph.Neg(graph.Div(graph.Sub(x, mu), variance))
	}, nil
}

package sample_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
)

var ctx = context.Background()

func ringScore(t *testing.T) sample.Score {
	t.Helper()
	s, err := sample.RingScore(toy.BlogRing)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLangevinRing runs Langevin dynamics with the ring's analytic score (R = 1, std = 0.1) from
// a uniform start in [-1.5, 1.5]^2 and checks that it reproduces the ring.
//
// Parameters: N = 2000 particles, eps = 1e-3, 2000 steps. The score is stiff: radially it pulls
// back like -(r - R)/std^2, stiffness k = 100, so the radial update is a discretised
// Ornstein-Uhlenbeck process, unstable for eps >= 2/k = 0.02, and whose stationary std is inflated
// by 1/sqrt(1 - eps k/2): 0.1026 at eps = 1e-3 (0.1054 at 2e-3), well inside the tolerance. The
// radius forgets its start in about 1/(eps k) = 10 steps; the angle, which the box start makes
// non-uniform (corners), diffuses with variance 2 eps t / r^2, and its slowest visible
// non-uniformity (cos 4 theta, the square's) decays like exp(-16 eps t): gone by t = 300 steps,
// but over 100 seeds 1000 steps still gave 11 p-values below 0.05 where 5 are expected, 4000 steps
// gave 5, so 2000 steps it is. With N = 2000 the standard errors are 0.1/sqrt(2000) = 0.0022 on the
// mean radius and about 0.0016 on its std.
//
// Checks: mean radius within 0.02 of R, std within 0.03 of std, and a KS test of the angles against
// the uniform distribution with p > 0.01 (p is uniform on [0, 1] when the angles are uniform, so a
// fixed seed fails by chance with probability 0.01). Measured over seeds 0-39 with these
// parameters: p < 0.05 for 1 seed of 40 on each backend, none below 0.01. Seed 0 gives p = 0.86 on
// the Go backend and 0.055 on XLA (the backends draw different noise from the same seed).
func TestLangevinRing(t *testing.T) {
	res, err := sample.Langevin(ctx, testutil.Backend(t), nil, ringScore(t),
		sample.Config{N: 2000, Steps: 2000, StepSize: 1e-3, Box: 1.5, Dim: 2, Seed: 0})
	if err != nil {
		t.Fatal(err)
	}
	mean, std := metrics.RadiusMoments(res.Samples)
	d, p := metrics.AngleKS(res.Samples)
	t.Logf("radius mean %.4f (R = 1), std %.4f (ring 0.1, discretised chain 0.1026), angle KS D = %.4f p = %.3f", mean, std, d, p)
	if math.Abs(mean-1) > 0.02 {
		t.Errorf("mean radius %.4f, want 1 within 0.02", mean)
	}
	if math.Abs(std-0.1) > 0.03 {
		t.Errorf("radius std %.4f, want 0.1 within 0.03", std)
	}
	if !(p > 0.01) {
		t.Errorf("angles are not uniform: KS D = %.4f, p = %.3g", d, p)
	}
}

// TestLangevinExactGaussianChain checks the update rule x <- x + eps_t s(x) + sqrt(2 eps_t) z
// exactly, with the standard normal's score s(x) = -x (a one-component MixtureScore), for which
// the chain is linear: from x_0 = (2, -1) in every particle, the mean and variance of each
// coordinate follow m_{t+1} = (1 - eps_t) m_t and v_{t+1} = (1 - eps_t)^2 v_t + 2 eps_t, whatever
// eps_t. With a constant eps = 0.5 the variance tends to 1/(1 - eps/2) = 4/3, not 1: the O(eps)
// bias of the discretisation. A decaying step (0.5 x 0.97^t) is checked the same way. N = 4000
// particles give 8000 coordinates; the bounds are 5 standard errors (sqrt(v/8000) on the mean,
// v sqrt(2/7999) on the variance).
func TestLangevinExactGaussianChain(t *testing.T) {
	s, err := sample.MixtureScore([]float64{1}, [][]float64{{0, 0}}, []float64{1})
	if err != nil {
		t.Fatal(err)
	}
	for _, decay := range []float64{0, 0.97} {
		const n, steps, eps = 4000, 60, 0.5
		init := make([][]float64, n)
		for i := range init {
			init[i] = []float64{2, -1}
		}
		res, err := sample.Langevin(ctx, testutil.Backend(t), nil, s,
			sample.Config{Init: init, Steps: steps, StepSize: eps, Decay: decay, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		shrink, v := 1.0, 0.0
		for step := range steps {
			e := eps
			if decay != 0 {
				e = eps * math.Pow(decay, float64(step))
			}
			shrink *= 1 - e
			v = (1-e)*(1-e)*v + 2*e
		}
		// Standardise each coordinate by its own exact mean, then pool.
		var sum, sum2 float64
		for _, p := range res.Samples {
			for j, x0 := range []float64{2, -1} {
				z := p[j] - x0*shrink
				sum += z
				sum2 += z * z
			}
		}
		m := float64(2 * n)
		mean := sum / m
		variance := (sum2 - m*mean*mean) / (m - 1)
		t.Logf("decay %v: mean offset %.4f (want 0 within %.4f), variance %.4f (want %.4f within %.4f)",
			decay, mean, 5*math.Sqrt(v/m), variance, v, 5*v*math.Sqrt(2/(m-1)))
		if math.Abs(mean) > 5*math.Sqrt(v/m) {
			t.Errorf("decay %v: mean is off by %.4f from the exact chain's", decay, mean)
		}
		if math.Abs(variance-v) > 5*v*math.Sqrt(2/(m-1)) {
			t.Errorf("decay %v: variance %.4f, exact chain %.4f", decay, variance, v)
		}
	}
}

// TestLangevinSeeds checks that the same seed gives the same samples, a different seed different
// ones, and that the number of steps per compiled graph (Chunk) does not change them (the noise is
// drawn in the same order; rel 1e-5 allows a backend to fuse float32 operations differently).
func TestLangevinSeeds(t *testing.T) {
	b := testutil.Backend(t)
	run := func(seed uint64, chunk int) [][]float64 {
		res, err := sample.Langevin(ctx, b, nil, ringScore(t),
			sample.Config{N: 300, Steps: 30, StepSize: 1e-3, Box: 1.5, Dim: 2, Seed: seed, Chunk: chunk})
		if err != nil {
			t.Fatal(err)
		}
		return res.Samples
	}
	a, again, other, chunked := run(5, 0), run(5, 0), run(6, 0), run(5, 3)
	testutil.Close(t, "same seed", testutil.Flatten(again), testutil.Flatten(a), testutil.Tol{})
	testutil.Close(t, "same seed, 3 steps per graph", testutil.Flatten(chunked), testutil.Flatten(a), testutil.Tol{Rel: 1e-5, Abs: 1e-5})
	worst, _ := testutil.Tol{Abs: 0.01}.MaxErr(testutil.Flatten(other), testutil.Flatten(a))
	if worst <= 1 {
		t.Errorf("seeds 5 and 6 gave samples within 0.01 of each other")
	}
}

// TestLangevinTrajectories checks the recorded trajectories: the start, every KeepEvery steps
// (here 10, with chunks of 4 steps that must stop at the recorded steps) and the end (step 24).
func TestLangevinTrajectories(t *testing.T) {
	init := [][]float64{{1, 0}, {0, 1}, {-1, 0}, {0, -1}, {0.5, 0.5}}
	res, err := sample.Langevin(ctx, testutil.Backend(t), nil, ringScore(t),
		sample.Config{Init: init, Steps: 24, StepSize: 1e-3, KeepEvery: 10, TrajectoryPoints: 3, Chunk: 4})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 10, 20, 24}; !equalInts(res.TrajectorySteps, want) {
		t.Fatalf("trajectory steps %v, want %v", res.TrajectorySteps, want)
	}
	if len(res.Trajectories) != 3 || len(res.Samples) != 5 {
		t.Fatalf("%d trajectories and %d samples, want 3 and 5", len(res.Trajectories), len(res.Samples))
	}
	for p, traj := range res.Trajectories {
		if len(traj) != 4 {
			t.Fatalf("trajectory %d has %d positions, want 4", p, len(traj))
		}
		testutil.Close(t, "trajectory start", traj[0], init[p], testutil.Tol{})
		testutil.Close(t, "trajectory end", traj[3], res.Samples[p], testutil.Tol{})
	}
	// Chunk 1 must record the same positions (to float32 round-off).
	again, err := sample.Langevin(ctx, testutil.Backend(t), nil, ringScore(t),
		sample.Config{Init: init, Steps: 24, StepSize: 1e-3, KeepEvery: 10, TrajectoryPoints: 3, Chunk: 1})
	if err != nil {
		t.Fatal(err)
	}
	for p := range res.Trajectories {
		testutil.Close(t, "trajectory with chunk 1", testutil.Flatten(again.Trajectories[p]), testutil.Flatten(res.Trajectories[p]), testutil.Tol{Rel: 1e-5, Abs: 1e-5})
	}
}

// TestLangevinModelScore checks the learned-score path: one step with the blog's MLP (untrained
// weights, seed 0) and one with a zero score, same seed, so the same noise: their difference,
// divided by eps = 0.1, must be the network's output at the start points as network.Scorer computes
// it (float32: abs 1e-4 of the largest score covers the round-off of x + eps s - x at |x| <= 1.5).
// The sampler must also leave the store's own random generator alone.
func TestLangevinModelScore(t *testing.T) {
	b := testutil.Backend(t)
	mlp := network.Model{Kind: network.KindMLP, Sizes: network.BlogSizes}
	store := model.NewStore()
	if err := mlp.Init(store, 0); err != nil {
		t.Fatal(err)
	}
	cfg := sample.Config{N: 64, Steps: 1, StepSize: 0.1, Box: 1.5, Dim: 2, Seed: 3, KeepEvery: 1}
	withNet, err := sample.Langevin(ctx, b, store, sample.ModelScore(mlp), cfg)
	if err != nil {
		t.Fatal(err)
	}
	zero := func(_ *model.Store, x *graph.Node) *graph.Node { return graph.ZerosLike(x) }
	without, err := sample.Langevin(ctx, b, store, zero, cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := make([][]float64, cfg.N)
	for p := range start {
		start[p] = withNet.Trajectories[p][0]
	}
	scorer, err := network.NewScorer(b, store, mlp)
	if err != nil {
		t.Fatal(err)
	}
	want, err := scorer.Scores(start)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 0, 2*cfg.N)
	for p := range withNet.Samples {
		for j := range 2 {
			got = append(got, (withNet.Samples[p][j]-without.Samples[p][j])/cfg.StepSize)
		}
	}
	testutil.Close(t, "drift / eps = network score", got, testutil.Flatten(want), testutil.Tol{Abs: 1e-4})
	if v := store.GetVariable("/" + model.RNGStateVariableName); v != nil {
		t.Errorf("the sampler created the store's random state %s", v.Name())
	}
}

// TestLangevinErrors checks that bad configurations are refused with an error naming the value.
func TestLangevinErrors(t *testing.T) {
	ok := sample.Config{N: 10, Steps: 5, StepSize: 1e-3, Box: 1.5, Dim: 2}
	for _, tc := range []struct {
		name string
		edit func(c *sample.Config)
		want string
	}{
		{"zero particles", func(c *sample.Config) { c.N = 0 }, "N must be positive, got 0"},
		{"zero steps", func(c *sample.Config) { c.Steps = 0 }, "number of steps must be positive, got 0"},
		{"negative step", func(c *sample.Config) { c.StepSize = -1 }, "step size must be positive and finite, got -1"},
		{"NaN step", func(c *sample.Config) { c.StepSize = math.NaN() }, "got NaN"},
		{"infinite step", func(c *sample.Config) { c.StepSize = math.Inf(1) }, "got +Inf"},
		{"decay above 1", func(c *sample.Config) { c.Decay = 1.5 }, "decay must be in (0, 1]"},
		{"negative decay", func(c *sample.Config) { c.Decay = -0.5 }, "got -0.5"},
		{"decay to zero", func(c *sample.Config) { c.Decay = 1e-200; c.Steps = 3 }, "decays to 0"},
		{"no dimension", func(c *sample.Config) { c.Dim = 0 }, "Dim must be positive"},
		{"no box", func(c *sample.Config) { c.Box = 0 }, "Box must be positive"},
		{"N and Init disagree", func(c *sample.Config) { c.Init = [][]float64{{0, 1}} }, "N is 10 but Init has 1 points"},
		{"ragged Init", func(c *sample.Config) { c.N = 0; c.Init = [][]float64{{0, 1}, {1}} }, "start points: point 1 has 1 coordinates, want 2"},
		{"NaN Init", func(c *sample.Config) { c.N = 0; c.Init = [][]float64{{0, math.NaN()}} }, "coordinate 1 is NaN"},
		{"empty Init", func(c *sample.Config) { c.Init = [][]float64{} }, "Init is empty"},
		{"negative KeepEvery", func(c *sample.Config) { c.KeepEvery = -1 }, "KeepEvery must be 0"},
		{"too many trajectories", func(c *sample.Config) { c.TrajectoryPoints = 11 }, "between 0 (all) and N = 10, got 11"},
		{"negative chunk", func(c *sample.Config) { c.Chunk = -2 }, "Chunk must be 0"},
	} {
		cfg := ok
		tc.edit(&cfg)
		_, err := sample.Langevin(ctx, testutil.Backend(t), nil, ringScore(t), cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := sample.Langevin(ctx, testutil.Backend(t), nil, nil, ok); err == nil {
		t.Error("a nil score was accepted")
	}
	bad := func(_ *model.Store, x *graph.Node) *graph.Node {
		return graph.Slice(x, graph.AxisRange(), graph.AxisElem(0))
	}
	if _, err := sample.Langevin(ctx, testutil.Backend(t), nil, bad, ok); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("a score of the wrong shape: error %v, want one about its shape", err)
	}
}

// TestLangevinDiverges checks that a step above the ring's stability limit (2 std^2 = 0.02) is
// reported as a divergence naming the step size, instead of returning NaN samples.
func TestLangevinDiverges(t *testing.T) {
	res, err := sample.Langevin(ctx, testutil.Backend(t), nil, ringScore(t),
		sample.Config{N: 100, Steps: 300, StepSize: 0.05, Box: 1.5, Dim: 2, KeepEvery: 10})
	if !errors.Is(err, sample.ErrDiverged) || !strings.Contains(err.Error(), "0.05") {
		t.Fatalf("error %v, want a divergence (sample.ErrDiverged) naming step size 0.05", err)
	}
	// What there was when it was found: the particles, some not finite, and the finite path before.
	if len(res.Samples) != 100 {
		t.Fatalf("%d samples with the divergence, want the 100 particles", len(res.Samples))
	}
	if _, _, bad := batch.FirstNonFinite(res.Samples); !bad {
		t.Errorf("the samples returned with the divergence are all finite")
	}
	if n := len(res.TrajectorySteps); n < 2 || len(res.Trajectories) != 100 {
		t.Fatalf("recorded %d steps of %d paths before the divergence, want at least the start and one more of all 100", n, len(res.Trajectories))
	}
	for _, path := range res.Trajectories {
		if _, _, bad := batch.FirstNonFinite(path); bad {
			t.Fatalf("a recorded path holds a non-finite position: %v", path)
		}
	}
	t.Logf("%v", err)
}

// TestLangevinCancelAndProgress checks that a cancelled context stops the run with its error and
// the particles as they are, and that Progress sees every chunk up to the total.
func TestLangevinCancelAndProgress(t *testing.T) {
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	init := [][]float64{{1, 0}, {0, 1}}
	res, err := sample.Langevin(cctx, testutil.Backend(t), nil, ringScore(t), sample.Config{Init: init, Steps: 10, StepSize: 1e-3})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: error %v, want context.Canceled", err)
	}
	testutil.Close(t, "particles of a cancelled run", testutil.Flatten(res.Samples), testutil.Flatten(init), testutil.Tol{})

	var seen []int
	_, err = sample.Langevin(ctx, testutil.Backend(t), nil, ringScore(t), sample.Config{Init: init, Steps: 10, StepSize: 1e-3, Chunk: 5,
		Progress: func(done, total int) {
			if total != 10 {
				t.Errorf("progress total %d, want 10", total)
			}
			seen = append(seen, done)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 10}; !equalInts(seen, want) {
		t.Errorf("progress saw %v, want %v", seen, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

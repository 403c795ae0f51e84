package loss_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/train"
)

func TestGeometricSigmas(t *testing.T) {
	got := loss.GeometricSigmas(1, 0.01, 5)
	want := []float64{1, math.Pow(0.01, 0.25), 0.1, math.Pow(0.01, 0.75), 0.01}
	testutil.Close(t, "GeometricSigmas(1, 0.01, 5)", got, want, testutil.Tol{Rel: 1e-14})
	for i := 1; i < len(got); i++ {
		if r := got[i] / got[i-1]; math.Abs(r-math.Pow(0.01, 0.25)) > 1e-14 {
			t.Errorf("ratio %d: %v", i, r)
		}
	}
	if got := loss.GeometricSigmas(0.5, 0.5, 1); len(got) != 1 || got[0] != 0.5 {
		t.Errorf("one level: %v", got)
	}
	parsed, err := loss.ParseSigmas("0.01, 1, 5")
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "ParseSigmas", parsed, want, testutil.Tol{Rel: 1e-14})
	for _, c := range []struct{ in, want string }{
		{"0.01,1", "want min,max,n"},
		{"a,1,3", "two numbers and an integer"},
		{"0.01,1,2.5", "two numbers and an integer"},
		{"0,1,3", "positive and finite"},
		{"1,0.01,3", "larger than the largest"},
		{"0.01,1,0", "at least 1"},
		{"0.01,1,1", "min = max"},
		{"0.01,+Inf,3", "positive and finite"},
		{"0.05,1,100000000", "more than 10000"}, // Wrote a 2.6 GB options.json, then ran out of memory.
	} {
		if _, err := loss.ParseSigmas(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseSigmas(%q): error %v, want one containing %q", c.in, err, c.want)
		}
	}
}

// noiseStore returns a store with a freshly initialised noise-conditional model.
func noiseStore(t *testing.T, nm network.Model, seed uint64) *model.Store {
	t.Helper()
	store := model.NewStore()
	if err := nm.Init(store, seed); err != nil {
		t.Fatal(err)
	}
	return store
}

// TestNCSNAgainstHost evaluates NCSN with noise the test controls (stubRandom: the uniform draw
// picks each row's level, the normal draw is z) on 64 points in 2-D, with an untrained
// 3-16-16-2 noise-conditional model and 5 levels, and recomputes the loss on the host: the level of row b is
// sigmas[floor(5 u_b)], x~ = x + sigma_b z_b, the scores s(x~, sigma_b) come from a
// network.Scorer (ScoresAt, rows grouped by level), and the loss is mean_b 0.5 ||sigma_b s + z_b||^2.
// Both the explicit network (NCSN(sigmas, nm.ApplyAt)) and the packed form (NCSN(sigmas, nil) with
// m.Score = the underlying MLP, as train's loss.Model gives it) must give it. Tolerance: rel 1e-5
// / abs 1e-5 (float32; the host adds in float64). Also checks that every level was drawn.
func TestNCSNAgainstHost(t *testing.T) {
	nm, err := network.NewModel(network.KindNoiseMLP, 2, []int{16, 16}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := noiseStore(t, nm, 1)
	sigmas := loss.GeometricSigmas(1, 0.01, 5)
	pts := gaussianPoints(64, 2, 1, 9)
	x := testutil.Tensor32(testutil.Flatten(pts), 64, 2)
	scorer, err := network.NewScorer(testutil.Backend(t), store, nm)
	if err != nil {
		t.Fatal(err)
	}
	for _, packed := range []bool{false, true} {
		stub := newStubRandom(4)
		exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			st := scope.Store()
			if packed {
				m := loss.Model{Score: func(in *graph.Node) *graph.Node { return nm.MLP().Apply(st, in) }, Random: stub.Random}
				return loss.NCSN(sigmas, nil)(m, x)
			}
			m := loss.Model{Random: stub.Random}
			return loss.NCSN(sigmas, func(x, sigma *graph.Node) *graph.Node { return nm.ApplyAt(st, x, sigma) })(m, x)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(x)
		if err != nil {
			t.Fatal(err)
		}
		got := testutil.Flat32(t, out[0])

		u, z := stub.drawn["uniform"], stub.drawn["normal"]
		byLevel := map[int][]int{}
		for b := range pts {
			k := min(int(math.Floor(float64(float32(u[b]))*float64(len(sigmas)))), len(sigmas)-1)
			byLevel[k] = append(byLevel[k], b)
		}
		if len(byLevel) != len(sigmas) {
			t.Errorf("only %d of %d levels drawn for 64 rows", len(byLevel), len(sigmas))
		}
		var sum float64
		for k, rows := range byLevel {
			sigma := sigmas[k]
			noisy := make([][]float64, len(rows))
			for i, b := range rows {
				noisy[i] = make([]float64, 2)
				for j := range 2 {
					noisy[i][j] = float64(float32(pts[b][j])) + float64(float32(sigma))*float64(float32(z[2*b+j]))
				}
			}
			scores, err := scorer.ScoresAt(noisy, sigma)
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range rows {
				for j := range 2 {
					r := sigma*scores[i][j] + float64(float32(z[2*b+j]))
					sum += 0.5 * r * r
				}
			}
		}
		want := sum / float64(len(pts))
		testutil.Close(t, map[bool]string{false: "NCSN (explicit network)", true: "NCSN (packed input)"}[packed], got, []float64{want}, testutil.Tol{Rel: 1e-5, Abs: 1e-5})
	}
}

// TestPackedNoiseScoreIsNoiseModel checks that loss.PackedNoiseScore applied to a noise-conditional model's
// underlying MLP is network.Model.ApplyAt of a noise-conditional model (the two packages agree on [x, log sigma] and the division
// by sigma), for per-row levels: equal to float32 round-off (rel 1e-6, abs 1e-6 * scale).
func TestPackedNoiseScoreIsNoiseModel(t *testing.T) {
	nm, err := network.NewModel(network.KindNoiseMLP, 3, []int{8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := noiseStore(t, nm, 2)
	pts := gaussianPoints(10, 3, 1, 4)
	sig := []float32{0.01, 0.03, 0.1, 0.3, 1, 3, 0.02, 0.2, 2, 0.5}
	exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x, sigma *graph.Node) (*graph.Node, *graph.Node) {
		st := scope.Store()
		packed := loss.PackedNoiseScore(func(in *graph.Node) *graph.Node { return nm.MLP().Apply(st, in) })
		return packed(x, sigma), nm.ApplyAt(st, x, sigma)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(testutil.Tensor32(testutil.Flatten(pts), 10, 3), tensors.FromFlatDataAndDimensions(sig, 10, 1))
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "PackedNoiseScore vs Model.ApplyAt", testutil.Flat32(t, out[0]), testutil.Flat32(t, out[1]), testutil.Tol{Rel: 1e-6, Abs: 1e-6})
}

// TestNCSNTrainsGaussian trains a 3-32-32-2 noise-conditional model with NCSN on 4 levels, geometric from 1 to
// 0.125, on 10,000 points of N(0, I) in 2-D, through train.NewStep with
// loss.NCSN(sigmas, nil) and the noise-conditional model (train's loss.Model as it is), Adam at
// 3e-3, batches of 500 (the store's generator seeded), 1200 steps. For N(0, I) the noisy score
// at level sigma is s* = -x/(1 + sigma^2) and the loss's minimum is the mean over the levels of
// 0.5 D/(1 + sigma^2) = 0.8064 (D = 2).
//
//  1. The loss decreases: the mean of the last 200 step losses is below the mean of the first
//     20, and within 0.02 of the minimum (that mean's SE is about 0.003).
//  2. At every level, on 5,000 fresh points of N(0, (1 + sigma^2) I), the sigma^2-weighted
//     squared error E||sigma (s - s*)||^2 (twice the excess loss at that level; the loss's own
//     scale is E||z||^2 = 2) is below 0.02. The error relative to E||s*||^2 is logged: it is
//     largest at the smallest level, because the sigma^2 weighting lets the absolute error of
//     sigma s, not of s, be the same at every level.
//
// Measured (2 cores, about 5 s): first-20 mean 0.927 (Go backend) / 0.936 (xla:cpu), last-200
// mean 0.809 / 0.813; weighted errors from the largest level down 0.0091, 0.0024, 0.0022, 0.0032
// (Go) and 0.0100, 0.0055, 0.0071, 0.0060 (xla:cpu); relative errors 0.009 to 0.10 (Go), 0.010
// to 0.20 (xla:cpu).
func TestNCSNTrainsGaussian(t *testing.T) {
	const (
		steps     = 1200
		batchSize = 500
	)
	sigmas := loss.GeometricSigmas(1, 0.125, 4)
	nm, err := network.NewModel(network.KindNoiseMLP, 2, []int{32, 32}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := noiseStore(t, nm, 0)
	if err := store.SetRNGStateFromSeed(0); err != nil {
		t.Fatal(err)
	}
	step, err := train.NewStep(testutil.Backend(t), store, nm, loss.NCSN(sigmas, nil), 3e-3)
	if err != nil {
		t.Fatal(err)
	}
	data := gaussianPoints(10_000, 2, 1, 5)
	losses := make([]float64, steps)
	for i := range steps {
		start := (i * batchSize) % len(data)
		x, err := batch.ToTensor(data[start:start+batchSize], 2)
		if err != nil {
			t.Fatal(err)
		}
		if losses[i], err = step.Run(x); err != nil {
			t.Fatal(err)
		}
	}
	var minimum float64
	for _, s := range sigmas {
		minimum += 0.5 * 2 / (1 + s*s) / float64(len(sigmas))
	}
	first, _, _ := moments(losses[:20])
	last, lastVar, _ := moments(losses[steps-200:])
	t.Logf("NCSN loss: first 20 steps %.4f, last 200 steps %.4f (SE %.3g), analytic minimum %.4f", first, last, math.Sqrt(lastVar/200), minimum)
	if !(last < first) {
		t.Errorf("the loss did not decrease: first 20 steps %.4f, last 200 %.4f", first, last)
	}
	if math.Abs(last-minimum) > 0.02 {
		t.Errorf("the loss over the last 200 steps is %.4f, not within 0.02 of the minimum %.4f", last, minimum)
	}

	scorer, err := network.NewScorer(testutil.Backend(t), store, nm)
	if err != nil {
		t.Fatal(err)
	}
	for k, s := range sigmas {
		a := 1 / (1 + s*s)
		fresh := gaussianPoints(5000, 2, math.Sqrt(1+s*s), uint64(10+k))
		learned, err := scorer.ScoresAt(fresh, s)
		if err != nil {
			t.Fatal(err)
		}
		var num, den float64
		for i, p := range fresh {
			for j := range p {
				num += math.Pow(learned[i][j]+a*p[j], 2)
				den += math.Pow(a*p[j], 2)
			}
		}
		weighted := s * s * num / float64(len(fresh))
		t.Logf("level %d (sigma %.3f): E||sigma (s - s*)||^2 = %.4f, relative squared error to s* %.4f", k, s, weighted, num/den)
		if weighted > 0.02 {
			t.Errorf("level %d (sigma %.3f): weighted squared error %.4f > 0.02", k, s, weighted)
		}
	}
}

package sample_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
)

// evalNoiseScore evaluates s(x, sigma) on the host's points, in float64 (analytic scores follow
// the dtype of x).
func evalNoiseScore(t *testing.T, s sample.NoiseScore, points [][]float64, sigma float64) [][]float64 {
	t.Helper()
	n, d := len(points), len(points[0])
	exec, err := graph.NewExec(testutil.Backend(t), func(x, sig *graph.Node) *graph.Node {
		return s(nil, x, graph.BroadcastToDims(graph.Reshape(sig, 1, 1), n, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(testutil.Flatten(points), n, d), sigma)
	if err != nil {
		t.Fatal(err)
	}
	flat := testutil.Flat64(t, out[0])
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = flat[i*d : (i+1)*d]
	}
	return rows
}

func evalScore(t *testing.T, s sample.Score, points [][]float64) [][]float64 {
	t.Helper()
	return evalNoiseScore(t, func(st *model.Store, x, _ *graph.Node) *graph.Node { return s(st, x) }, points, 0)
}

// TestRingScoreMatchesToy checks the graph version of the ring's score against toy.Ring.Score
// (float64 on both sides: rel 1e-12 of the largest value) on ring samples, a point far out and
// the origin, where both return (0, 0).
func TestRingScoreMatchesToy(t *testing.T) {
	ring := toy.Ring{Radius: 1.5, Std: 0.2}
	s, err := sample.RingScore(ring)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := ring.Sample(200, 3)
	if err != nil {
		t.Fatal(err)
	}
	pts = append(pts, []float64{3, -4}, []float64{1e-3, 0}, []float64{0, 0})
	got := evalScore(t, s, pts)
	testutil.Close(t, "ring score", testutil.Flatten(got), testutil.Flatten(ring.Scores(pts)), testutil.Tol{Rel: 1e-12, Abs: 1e-12})
	if _, err := sample.RingScore(toy.Ring{Radius: 1, Std: 0}); err == nil {
		t.Error("RingScore accepted std 0")
	}
}

// mixtureLogDensity is the log-density of an isotropic Gaussian mixture, written directly
// (stds[k] + extra variance sigma2 for the noisy mixture).
func mixtureLogDensity(w []float64, mu [][]float64, stds []float64, sigma2 float64, x []float64) float64 {
	var p, total float64
	for _, wk := range w {
		total += wk
	}
	d := float64(len(x))
	for k := range w {
		v := stds[k]*stds[k] + sigma2
		var d2 float64
		for j := range x {
			d2 += (x[j] - mu[k][j]) * (x[j] - mu[k][j])
		}
		p += w[k] / total * math.Exp(-d2/(2*v)) / math.Pow(2*math.Pi*v, d/2)
	}
	return math.Log(p)
}

// TestMixtureScoresAreGradients checks MixtureScore and NoisyMixtureScore (three 3-D components
// of different weights and stds) against central finite differences (step 1e-5) of the
// log-density of the mixture and of the mixture with variances std_k^2 + sigma^2 (the exact
// convolution with N(0, sigma^2)): truncation error O(h^2 s”') and
// round-off O(1e-16/h) are both below 1e-8, so rel 1e-6 / abs 1e-6 leaves a wide margin while any
// wrong term would be O(1).
func TestMixtureScoresAreGradients(t *testing.T) {
	w := []float64{1, 3, 2} // Normalised inside: 1/6, 1/2, 1/3.
	mu := [][]float64{{-2, 0, 1}, {2, 1, -1}, {0, -3, 0}}
	stds := []float64{0.8, 1.3, 0.5}
	pts := [][]float64{{0, 0, 0}, {-2, 0.5, 1}, {1, 1, -1}, {0.3, -2, 0.4}, {5, 5, 5}}
	fd := func(sigma2 float64) [][]float64 {
		const h = 1e-5
		out := make([][]float64, len(pts))
		for i, p := range pts {
			out[i] = make([]float64, len(p))
			for j := range p {
				a := append([]float64(nil), p...)
				b := append([]float64(nil), p...)
				a[j] += h
				b[j] -= h
				out[i][j] = (mixtureLogDensity(w, mu, stds, sigma2, a) - mixtureLogDensity(w, mu, stds, sigma2, b)) / (2 * h)
			}
		}
		return out
	}
	s, err := sample.MixtureScore(w, mu, stds)
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "mixture score", testutil.Flatten(evalScore(t, s, pts)), testutil.Flatten(fd(0)), testutil.Tol{Rel: 1e-6, Abs: 1e-6})
	ns, err := sample.NoisyMixtureScore(w, mu, stds)
	if err != nil {
		t.Fatal(err)
	}
	for _, sigma := range []float64{0.5, 3} {
		testutil.Close(t, "noisy mixture score", testutil.Flatten(evalNoiseScore(t, ns, pts, sigma)),
			testutil.Flatten(fd(sigma*sigma)), testutil.Tol{Rel: 1e-6, Abs: 1e-6})
	}
}

// TestMixtureScoreErrors checks that bad mixtures are refused with an error naming the value.
func TestMixtureScoreErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    []float64
		mu   [][]float64
		std  []float64
		want string
	}{
		{"no components", nil, nil, nil, "at least one"},
		{"counts differ", []float64{1}, [][]float64{{0}, {1}}, []float64{1}, "got 1, 2 and 1"},
		{"negative weight", []float64{1, -1}, [][]float64{{0}, {1}}, []float64{1, 1}, "weight 1 must be positive and finite, got -1"},
		{"ragged means", []float64{1, 1}, [][]float64{{0, 0}, {1}}, []float64{1, 1}, "mean 1 has 1 coordinates"},
		{"NaN mean", []float64{1}, [][]float64{{math.NaN()}}, []float64{1}, "coordinate 0 is NaN"},
		{"zero std", []float64{1, 1}, [][]float64{{0}, {1}}, []float64{1, 0}, "std 1 must be positive and finite, got 0"},
	} {
		_, err := sample.NoisyMixtureScore(tc.w, tc.mu, tc.std)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestModelPicksTheSampler checks that sample.Model runs the sampler a model's kind calls for,
// with the same samples as calling that sampler by hand: Langevin with the model's score for a
// plain model, annealed Langevin on the model's own noise levels for a noise-conditional one
// (and on cfg.Sigmas when given); and that it refuses annealing a plain model and an unknown
// sampler, naming them.
func TestModelPicksTheSampler(t *testing.T) {
	b := testutil.Backend(t)
	ctx := context.Background()
	plain := network.Model{Kind: network.KindMLP, Sizes: []int{2, 8, 2}}
	noisy := network.Model{Kind: network.KindNoiseMLP, Sizes: []int{3, 8, 2}, Sigmas: []float64{1, 0.5, 0.1}}
	cfg := sample.Config{N: 16, Steps: 3, StepSize: 0.01, Box: 2, Dim: 2, Seed: 5}
	same := func(name string, got, want sample.Result) {
		t.Helper()
		testutil.Close(t, name, testutil.Flatten(got.Samples), testutil.Flatten(want.Samples), testutil.Tol{})
	}
	for _, m := range []network.Model{plain, noisy} {
		store := model.NewStore()
		if err := m.Init(store, 1); err != nil {
			t.Fatal(err)
		}
		got, err := sample.Model(ctx, b, store, m, "", cfg)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind, err)
		}
		var want sample.Result
		if m.NoiseConditional() {
			c := cfg
			c.Sigmas = m.Sigmas
			want, err = sample.Annealed(ctx, b, store, m.ApplyAt, c)
			if err == nil { // Other levels given in the config take precedence.
				c.Sigmas = []float64{2, 0.2}
				var other, ref sample.Result
				if other, err = sample.Model(ctx, b, store, m, sample.SamplerAnnealed, c); err == nil {
					ref, err = sample.Annealed(ctx, b, store, m.ApplyAt, c)
					same("annealed on cfg.Sigmas", other, ref)
				}
			}
			if err == nil { // Plain Langevin on a noise-conditional model: at its smallest level.
				var lang, ref sample.Result
				if lang, err = sample.Model(ctx, b, store, m, sample.SamplerLangevin, cfg); err == nil {
					ref, err = sample.Langevin(ctx, b, store, sample.ModelScore(m), cfg)
					same("langevin at sigma_L", lang, ref)
				}
			}
		} else {
			want, err = sample.Langevin(ctx, b, store, sample.ModelScore(m), cfg)
		}
		if err != nil {
			t.Fatal(err)
		}
		same(string(m.Kind), got, want)
		if sample.DefaultSampler(m) != map[bool]string{false: "langevin", true: "annealed"}[m.NoiseConditional()] {
			t.Errorf("DefaultSampler(%s) = %s", m.Kind, sample.DefaultSampler(m))
		}
	}
	store := model.NewStore()
	if err := plain.Init(store, 1); err != nil {
		t.Fatal(err)
	}
	for sampler, want := range map[string]string{"annealed": "needs a noise-conditional model", "hmc": `unknown sampler "hmc"`} {
		if _, err := sample.Model(ctx, b, store, plain, sampler, cfg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("sampler %s on a plain model: %v, want an error containing %q", sampler, err, want)
		}
	}
}

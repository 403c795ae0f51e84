package network_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
)

func TestNewNoiseModel(t *testing.T) {
	m, err := network.NewModel(network.KindNoiseMLP, 2, []int{64, 64}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Sizes, []int{3, 64, 64, 2}) || m.Dim() != 2 {
		t.Errorf("NewModel(noise-mlp, 2, [64 64]) = %v, Dim %d", m.Sizes, m.Dim())
	}
	if err := m.CheckScoreDim(2); err != nil {
		t.Errorf("CheckScoreDim(2): %v", err)
	}
	if err := m.CheckScoreDim(3); err == nil || !strings.Contains(err.Error(), "sizes 4, ..., 3") {
		t.Errorf("CheckScoreDim(3): %v", err)
	}
	for _, c := range []struct {
		sizes []int
		want  string
	}{
		{[]int{2, 8, 2}, "D+1 inputs"},
		{[]int{3}, "at least an input and an output"},
		{[]int{3, 0, 2}, "got 0 at position 1"},
	} {
		if err := (network.Model{Kind: network.KindNoiseMLP, Sizes: c.sizes}).Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%v): %v, want an error containing %q", c.sizes, err, c.want)
		}
	}
	// A plain MLP of the same sizes is a valid MLP but not a score network for its input size.
	if err := m.MLP().CheckScoreDim(2); err == nil {
		t.Errorf("the underlying MLP %v passed CheckScoreDim(2)", m.Sizes)
	}
}

// hostMLP evaluates an MLP's forward pass on the host in float64 (tanh hidden layers).
func hostMLP(p network.Params, x []float64) []float64 {
	h := x
	for l := range len(p.Sizes) - 1 {
		in, out := p.Sizes[l], p.Sizes[l+1]
		next := make([]float64, out)
		for o := range out {
			v := float64(p.Biases[l][o])
			for i := range in {
				v += h[i] * float64(p.Weights[l][i*out+o])
			}
			if l < len(p.Sizes)-2 {
				v = math.Tanh(v)
			}
			next[o] = v
		}
		h = next
	}
	return h
}

// TestNoiseModelApplyAt checks Model.ApplyAt of a noise-conditional model against the host formula f([x, log sigma]) / sigma with
// the MLP's forward pass in float64, for noise levels given as a column [B, 1], a vector [B] and
// a scalar (one level for all rows). Tolerance: rel 1e-5 / abs 1e-5 * scale (float32 through a
// 3-8-8-2 network; the division by sigma down to 0.01 scales values and their error alike).
func TestNoiseModelApplyAt(t *testing.T) {
	m, err := network.NewModel(network.KindNoiseMLP, 2, []int{8, 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Init(store, 3); err != nil {
		t.Fatal(err)
	}
	p, err := m.GetParams(store)
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{0.5, -1, 1.5, 0.2, -0.3, -2, 0, 0}
	sig := []float64{0.01, 0.1, 1, 3}
	want := func(sigmaOf func(b int) float64) []float64 {
		var out []float64
		for b := range 4 {
			s := sigmaOf(b)
			y := hostMLP(p, []float64{xs[2*b], xs[2*b+1], math.Log(float32Round(s))})
			for _, v := range y {
				out = append(out, v/float32Round(s))
			}
		}
		return out
	}
	x := testutil.Tensor32(xs, 4, 2)
	for _, c := range []struct {
		name  string
		sigma *tensors.Tensor
		of    func(b int) float64
	}{
		{"column", testutil.Tensor32(sig, 4, 1), func(b int) float64 { return sig[b] }},
		{"vector", testutil.Tensor32(sig, 4), func(b int) float64 { return sig[b] }},
		{"scalar", tensors.FromValue(float32(0.2)), func(int) float64 { return 0.2 }},
	} {
		exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x, sigma *graph.Node) *graph.Node {
			return m.ApplyAt(scope.Store(), x, sigma)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(x, c.sigma)
		if err != nil {
			t.Fatal(err)
		}
		testutil.Close(t, "Model.ApplyAt, sigma as a "+c.name, testutil.Flat32(t, out[0]), want(c.of), testutil.Tol{Rel: 1e-5, Abs: 1e-5})
	}
}

func float32Round(v float64) float64 { return float64(float32(v)) }

// TestNoiseModelSaveLoad saves a noise-conditional model with network.Save (its parameters are an
// MLP's, with the kind and the noise levels), loads it with network.Load into a new store, and checks that
// the kind and levels come back and that the loaded network's scores equal the original's
// exactly (same float32 weights, same graph).
func TestNoiseModelSaveLoad(t *testing.T) {
	sigmas := []float64{1, 0.1, 0.01}
	m, err := network.NewModel(network.KindNoiseMLP, 2, []int{16}, sigmas)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Init(store, 5); err != nil {
		t.Fatal(err)
	}
	p, err := m.GetParams(store)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := network.Save(dir, network.Saved{Kind: m.Kind, Sigmas: m.Sigmas, Params: p}); err != nil {
		t.Fatal(err)
	}
	saved, err := network.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Kind != network.KindNoiseMLP {
		t.Errorf("kind %v, want %q", saved.Kind, network.KindNoiseMLP)
	}
	if got := saved.Sigmas; !reflect.DeepEqual(got, sigmas) {
		t.Errorf("sigmas %v, want %v", got, sigmas)
	}
	loaded := saved.Model()
	if err := loaded.CheckScoreDim(2); err != nil {
		t.Fatal(err)
	}
	store2 := model.NewStore()
	if err := network.SetParams(store2, saved.Params); err != nil {
		t.Fatal(err)
	}
	pts := [][]float64{{0, 0}, {1, -1}, {0.3, 2}}
	for _, sigma := range sigmas {
		a, err := network.NewScorer(testutil.Backend(t), store, m)
		if err != nil {
			t.Fatal(err)
		}
		b, err := network.NewScorer(testutil.Backend(t), store2, loaded)
		if err != nil {
			t.Fatal(err)
		}
		sa, err := a.ScoresAt(pts, sigma)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := b.ScoresAt(pts, sigma)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sa, sb) {
			t.Errorf("sigma %v: scores before saving %v, after loading %v", sigma, sa, sb)
		}
	}
}

func TestNoiseModelScorerErrors(t *testing.T) {
	m, err := network.NewModel(network.KindNoiseMLP, 2, []int{4}, []float64{1, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Init(store, 0); err != nil {
		t.Fatal(err)
	}
	s, err := network.NewScorer(testutil.Backend(t), store, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pts   [][]float64
		sigma float64
		want  string
	}{
		{nil, 1, "no points"},
		{[][]float64{{1, 2, 3}}, 1, "has 3 coordinates, want 2"},
		{[][]float64{{1, math.NaN()}}, 1, "coordinate 1 is NaN"},
		{[][]float64{{1, 2}}, 0, "noise level sigma must be positive"},
		{[][]float64{{1, 2}}, math.Inf(1), "noise level sigma must be positive"},
	} {
		if _, err := s.ScoresAt(c.pts, c.sigma); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Scores(%v, %v): %v, want an error containing %q", c.pts, c.sigma, err, c.want)
		}
	}
	if _, err := network.NewScorer(testutil.Backend(t), store, network.Model{Kind: network.KindNoiseMLP, Sizes: []int{2, 2}}); err == nil {
		t.Error("NewScorer accepted a noise-conditional model of sizes 2, 2")
	}
	// Scores of a noise-conditional model are at its smallest level; a plain model takes no level.
	at, err := s.ScoresAt([][]float64{{1, 2}}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Scores([][]float64{{1, 2}}); err != nil || !reflect.DeepEqual(got, at) {
		t.Errorf("Scores = %v, %v; want ScoresAt the smallest level, %v", got, err, at)
	}
	plain, err := network.NewScorer(testutil.Backend(t), store, network.Model{Kind: network.KindMLP, Sizes: []int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.ScoresAt([][]float64{{1, 2}}, 1); err == nil || !strings.Contains(err.Error(), "takes no noise level") {
		t.Errorf("ScoresAt of a plain model: %v", err)
	}
}

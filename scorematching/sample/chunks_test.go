package sample_test

import (
	"context"
	"math"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestChunkedScore: on the Go backend, Chunked cuts 5,001 particles into chunks; their scores must
// be those of the whole batch, in the same order. The network's tanh may differ between batch sizes
// by float32 round-off (FastTanh from 2,048 rows on, in simd builds): a few 1e-7, while a chunk put
// back in the wrong place changes scores by O(1). (The samplers evaluate every score this way; their
// own tests, on fewer particles, check their samples.)
func TestChunkedScore(t *testing.T) {
	m := network.Model{Kind: network.KindMLP, Sizes: network.BlogSizes}
	store := model.NewStore()
	if err := m.Init(store, 4); err != nil {
		t.Fatal(err)
	}
	pts, _ := toy.Gaussian{Dim: 2}.Sample(5001, 6)
	score := sample.ModelScore(m)
	chunked := sample.Chunked(score)
	exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		return chunked(scope.Store(), x), score(scope.Store(), x)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(testutil.Tensor32(testutil.Flatten(pts), len(pts), 2))
	if err != nil {
		t.Fatal(err)
	}
	testutil.Close(t, "scores of 5,001 particles in chunks vs in one piece", testutil.Flat32(t, out[0]), testutil.Flat32(t, out[1]), testutil.Tol{Rel: 1e-5, Abs: 1e-5})
}

// TestSamplersInChunks runs each kind of sampler on 4,100 particles, which the Go backend's graphs
// evaluate in two chunks (with the noise level's column cut alongside for annealed Langevin, and
// the scalar time for the reverse SDE): every particle must come back, finite.
func TestSamplersInChunks(t *testing.T) {
	b, ctx := testutil.Backend(t), context.Background()
	cfg := sample.Config{N: 4100, Steps: 2, StepSize: 1e-3, Box: 2, Dim: 2, Seed: 5}
	plain := network.Model{Kind: network.KindMLP, Sizes: []int{2, 8, 2}}
	noisy := network.Model{Kind: network.KindNoiseMLP, Sizes: []int{3, 8, 2}, Sigmas: []float64{1, 0.1}}
	timed, timedStore, _ := testutil.LoadSDE(t).SDEModel(t)
	for _, c := range []struct {
		m       network.Model
		store   *model.Store
		sampler string
	}{
		{plain, nil, sample.SamplerLangevin},
		{noisy, nil, sample.SamplerAnnealed},
		{timed, timedStore, sample.SamplerEM},
	} {
		store := c.store
		if store == nil {
			store = model.NewStore()
			if err := c.m.Init(store, 1); err != nil {
				t.Fatal(err)
			}
		}
		cc := cfg
		if c.sampler == sample.SamplerEM {
			cc.StepSize = 0 // The SDE sets the steps.
		}
		res, err := sample.Model(ctx, b, store, c.m, c.sampler, cc)
		if err != nil {
			t.Fatalf("%s: %v", c.sampler, err)
		}
		if len(res.Samples) != cfg.N {
			t.Fatalf("%s: %d samples, want %d", c.sampler, len(res.Samples), cfg.N)
		}
		for i, row := range res.Samples {
			if len(row) != 2 || math.IsNaN(row[0]) || math.IsInf(row[0], 0) || math.IsNaN(row[1]) || math.IsInf(row[1], 0) {
				t.Fatalf("%s: sample %d is %v", c.sampler, i, row)
			}
		}
	}
}

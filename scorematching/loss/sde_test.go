package loss_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sde"
	"github.com/gosm/gosm/scorematching/train"
)

// TestSDETrainsGaussian trains a time-conditioned 10-64-64-2 network with the sde loss on 10,000
// points of N(0, I) in 2-D (Adam 3e-3, batches of 500, 1500 steps), for the VP process, whose
// marginals are then N(0, I) at every t (a^2 + std^2 = 1): the exact score is -x, and the
// std^2-weighted loss's minimum is E_t 0.5 E||std s* + z||^2 = E_t 0.5 D (1 - std(t)^2) =
// E_t 0.5 D a(t)^2 over t uniform in [Eps, 1] (std s* + z = -std a x_0 + a^2 z; computed here by
// quadrature). Checked: the mean of the last 300 step losses within 0.03 of that minimum
// (its standard error is about 0.003), and the learned score at t = 0.5 on 2000 fresh points
// within a relative squared error E||s - s*||^2 / E||s*||^2 of 0.02 of -x.
//
// Measured (Go backend, 2 cores, 13 s): last-300 loss 0.277 against the minimum (see the log),
// relative squared error 0.0028.
func TestSDETrainsGaussian(t *testing.T) {
	const steps, batchSize = 1500, 500
	s := sde.SDE{Kind: sde.VP}.WithDefaults()
	m, err := network.NewTimeModel(s, 2, []int{64, 64})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := m.Init(store, 0); err != nil {
		t.Fatal(err)
	}
	if err := store.SetRNGStateFromSeed(0); err != nil {
		t.Fatal(err)
	}
	step, err := train.NewStep(testutil.Backend(t), store, m, loss.SDE(s, false), 3e-3)
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
	var minimum float64 // E_t 0.5 D a(t)^2, midpoint rule.
	const q = 10000
	for k := range q {
		a, _ := s.MeanStd(s.Eps + (1-s.Eps)*(float64(k)+0.5)/q)
		minimum += 0.5 * 2 * a * a / q
	}
	last, _, _ := moments(losses[steps-300:])
	t.Logf("sde loss: last 300 steps %.4f, minimum %.4f", last, minimum)
	if math.Abs(last-minimum) > 0.03 {
		t.Errorf("the loss over the last 300 steps is %.4f, not within 0.03 of the minimum %.4f", last, minimum)
	}
	scorer, err := network.NewScorer(testutil.Backend(t), store, m)
	if err != nil {
		t.Fatal(err)
	}
	fresh := gaussianPoints(2000, 2, 1, 6)
	got, err := scorer.ScoresAtTime(fresh, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	var num, den float64
	for i, p := range fresh {
		for j := range p {
			num += (got[i][j] + p[j]) * (got[i][j] + p[j])
			den += p[j] * p[j]
		}
	}
	t.Logf("relative squared error of s(x, 0.5): %.4f", num/den)
	if num/den > 0.02 {
		t.Errorf("the learned score at t = 0.5 has relative squared error %.4f against -x, want below 0.02", num/den)
	}
}

// fixedRandom returns given values for each distribution ("uniform", "normal"), whatever the
// shape's size (which must match), as float32 constants.
type fixedRandom map[string][]float64

func (f fixedRandom) Random(g *graph.Graph, dist string, shape shapes.Shape) *graph.Node {
	vals := f[dist]
	if len(vals) != shape.Size() {
		panic(fmt.Errorf("fixed %s values: %d for shape %s", dist, len(vals), shape))
	}
	return graph.Const(g, testutil.Tensor32(vals, shape.Dimensions...))
}

// TestSDEAgainstJAX compares, for the golden time-conditioned network of the VP process
// (testdata/golden/sde_vp.json, written by the JAX reference), the per-example sde loss with
// both weightings at the reference's times and noise (drawn through DrawTimes and the loss's
// normal draw), and the scores s(x, t). Tolerance: rel 1e-5 / abs 1e-5 * scale (float32 through
// a 10-16-16-2 network; the loss's inputs were rounded to float32 by the graph).
func TestSDEAgainstJAX(t *testing.T) {
	g := testutil.LoadSDE(t)
	m, store, s := g.SDEModel(t)
	n := g.X.Shape[0]
	// Training evaluates the network through ApplyAtTimeFirstOrder (the same values, a gradient
	// written by hand); both must give the reference's losses.
	for i, lw := range []bool{false, true, false, true} {
		apply := m.ApplyAtTime
		if i >= 2 {
			apply = m.ApplyAtTimeFirstOrder
		}
		rnd := fixedRandom{"uniform": g.U.Data, "normal": g.Z.Data}
		exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			lm := loss.Model{Random: rnd.Random, TimeScore: func(x, tt *graph.Node) *graph.Node { return apply(scope.Store(), x, tt) }}
			return loss.SDEPerExample(lm, s, lw, x, loss.DrawTimes(lm, s, x))
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(testutil.Tensor32(g.X.Data, n, 2))
		if err != nil {
			t.Fatal(err)
		}
		want := g.LossPerExample.Data
		if lw {
			want = g.LossLWPerExample.Data
		}
		testutil.Close(t, fmt.Sprintf("sde loss per example (likelihood weighting %v, first-order network %v)", lw, i >= 2), testutil.Flat32(t, out[0]), want, testutil.Tol{Rel: 1e-5, Abs: 1e-5})
	}
	scorer, err := network.NewScorer(testutil.Backend(t), store, m)
	if err != nil {
		t.Fatal(err)
	}
	x := g.X.Rows()
	for i := range n {
		tt := s.Eps + (1-s.Eps)*g.U.Data[i]
		got, err := scorer.ScoresAtTime(x[i:i+1], float64(float32(tt)))
		if err != nil {
			t.Fatal(err)
		}
		testutil.Close(t, fmt.Sprintf("s(x_%d, t)", i), testutil.Flatten(got), g.TimeScores.Data[2*i:2*i+2], testutil.Tol{Rel: 1e-4, Abs: 1e-4})
	}
}

package train_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// TestLossGradients: on a 2-8-2 network, the exact loss gives one value and one gradient of all
// 42 weights and biases at every draw; the sliced loss's draws differ, the same seed gives the
// same draws, and the weights are left as they were. No draws and bad points are errors.
func TestLossGradients(t *testing.T) {
	b := testutil.Backend(t)
	m := network.Model{Kind: network.KindMLP, Sizes: []int{2, 8, 2}}
	store := model.NewStore()
	if err := m.Init(store, 1); err != nil {
		t.Fatal(err)
	}
	before, err := m.GetParams(store)
	if err != nil {
		t.Fatal(err)
	}
	points, err := toy.BlogRing.Sample(64, 2)
	if err != nil {
		t.Fatal(err)
	}
	values, grads, err := train.LossGradients(b, store, m, loss.Exact, points, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(values) != 2 || len(grads) != 2 || len(grads[0]) != 2*8+8+8*2+2 {
		t.Fatalf("exact: %d values, %d gradients of %d entries", len(values), len(grads), len(grads[0]))
	}
	if values[0] != values[1] || !reflect.DeepEqual(grads[0], grads[1]) {
		t.Errorf("exact loss varies between draws: %v", values)
	}
	for i, g := range grads[0] {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			t.Fatalf("gradient entry %d is %v", i, g)
		}
	}
	sliced := loss.Sliced(1, loss.Rademacher)
	first, _, err := train.LossGradients(b, store, m, sliced, points, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if first[0] == first[1] && first[1] == first[2] {
		t.Errorf("sliced draws do not vary: %v", first)
	}
	again, _, err := train.LossGradients(b, store, m, sliced, points, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) {
		t.Errorf("the same seed gives other draws: %v and %v", first, again)
	}
	after, err := m.GetParams(store)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Error("LossGradients changed the weights")
	}
	if _, _, err := train.LossGradients(b, store, m, loss.Exact, points, 0, 0); err == nil {
		t.Error("0 draws: no error")
	}
	if _, _, err := train.LossGradients(b, store, m, loss.Exact, [][]float64{{1, 2}, {math.NaN(), 0}}, 1, 0); err == nil || !strings.Contains(err.Error(), "point 1") {
		t.Errorf("NaN point: error %v", err)
	}
}

// TestLossGradientsOnLargeBatches: every loss's gradient must build on batches of thousands of
// points. (Once the network's forward pass was cut into chunks of rows on the Go backend for such
// batches; the sliced loss differentiates the score twice, and the second derivative of a slice
// (a pad) is not defined in GoMLX, so its gradient failed from 4,096 points on. Chunking now
// happens in the samplers only.)
func TestLossGradientsOnLargeBatches(t *testing.T) {
	b := testutil.Backend(t)
	points, err := toy.BlogRing.Sample(4100, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"exact", "sliced", "sliced-vr", "denoising"} {
		m := network.Model{Kind: network.KindMLP, Sizes: []int{2, 8, 2}}
		store := model.NewStore()
		if err := m.Init(store, 1); err != nil {
			t.Fatal(err)
		}
		fn, err := loss.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		values, grads, err := train.LossGradients(b, store, m, fn, points, 1, 0)
		if err != nil {
			t.Fatalf("%s on %d points: %v", name, len(points), err)
		}
		if math.IsNaN(values[0]) || len(grads[0]) != 2*8+8+8*2+2 {
			t.Errorf("%s: loss %v, %d gradient entries", name, values[0], len(grads[0]))
		}
	}
}

package experiment_test

import (
	"context"
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// TestRepeatGradient trains a small network briefly, then evaluates losses and gradients
// repeatedly on one batch: the exact loss gives the same value and gradient every time; the
// sliced-vr draws differ, their mean value is the exact loss within 5 standard errors, and their
// mean gradient is close to the exact gradient (both estimate the same J on the same batch).
// The trained run's loss curve (HistoryCurve) also draws in plots.RunsLossFigure, and its radial
// profile comes out of RadialCurves.
func TestRepeatGradient(t *testing.T) {
	b := testutil.Backend(t)
	out, err := experiment.Run(context.Background(), b, tinyRingOptions(2), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	batch := out.Data[:64]
	exact, exactGrads, err := out.RepeatGradient("exact", loss.Options{}, batch, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 2-16-2: 2*16 + 16 + 16*2 + 2 parameters.
	if len(exactGrads) != 2 || len(exactGrads[0]) != 82 || exact[0] != exact[1] {
		t.Fatalf("exact: values %v, %d gradients of %d entries", exact, len(exactGrads), len(exactGrads[0]))
	}
	if d, _ := metrics.RMSDistance(exactGrads[1:], exactGrads[0]); d != 0 {
		t.Errorf("exact gradient varies: distance %v", d)
	}
	const draws = 200
	opts := loss.Options{Projections: 2, ProjectionDist: loss.Rademacher}
	vr, grads, err := out.RepeatGradient("sliced-vr", opts, batch, draws, 1)
	if err != nil {
		t.Fatal(err)
	}
	mean, std := metrics.SampleMeanStd(vr)
	if std == 0 {
		t.Errorf("sliced-vr draws do not vary: %v", vr[:5])
	}
	if se := std / math.Sqrt(draws); math.Abs(mean-exact[0]) > 5*se+1e-4 {
		t.Errorf("sliced-vr mean %.5f, exact %.5f (5 SE = %.5f)", mean, exact[0], 5*se)
	}
	// The squared distance of the mean gradient from the exact one has expectation noise^2/draws;
	// allow 5 times that (in squared terms 25).
	noise, err := metrics.RMSDistance(grads, exactGrads[0])
	if err != nil {
		t.Fatal(err)
	}
	bias, _ := metrics.RMSDistance([][]float64{metrics.MeanVector(grads)}, exactGrads[0])
	if noise == 0 || bias > 5*noise/math.Sqrt(draws) {
		t.Errorf("sliced-vr gradient: noise %.4g, mean's distance from the exact gradient %.4g (bound %.4g)", noise, bias, 5*noise/math.Sqrt(draws))
	}
	again, _, _ := out.RepeatGradient("sliced-vr", opts, batch, draws, 1)
	if again[17] != vr[17] {
		t.Error("RepeatGradient with the same seed gives other draws")
	}
	if _, _, err := out.RepeatGradient("nope", loss.Options{}, batch, 1, 0); err == nil {
		t.Error("unknown loss: no error")
	}
	if _, _, err := out.RepeatGradient("exact", loss.Options{}, batch, 0, 0); err == nil {
		t.Error("0 draws: no error")
	}
	if _, err := metrics.RMSDistance(grads, []float64{1}); err == nil {
		t.Error("RMSDistance of vectors of different lengths: no error")
	}
	if v := metrics.VectorNorm([]float64{3, 4}); v != 5 {
		t.Errorf("VectorNorm = %v", v)
	}
	if m := metrics.MeanVector([][]float64{{1, 2}, {3, 6}}); m[0] != 2 || m[1] != 4 {
		t.Errorf("MeanVector = %v", m)
	}

	// The runs' loss figure renders, and refuses a run with no history.
	minimum := -1.0
	p, err := plots.RunsLossFigure("losses", &minimum, out.HistoryCurve(), out.HistoryCurve())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
	if _, err := plots.RunsLossFigure("losses", nil, (&experiment.Outcome{}).HistoryCurve()); err == nil {
		t.Error("run with no history: no error")
	}
	// And its radial profile is one curve, named by its loss.
	if _, learned, err := experiment.RadialCurves(toy.BlogRing, out); err != nil || len(learned) != 1 || learned[0].Name != "learned with exact" {
		t.Errorf("radial curves of the run: %d, %v", len(learned), err)
	}
}

package plots_test

import (
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestRadialScoreFigure: the figure of the ring's true radial score (in closed form, -((r -
// R)/std^2 + 1/r)) and a weaker learned one renders, with room above the curves for the legend,
// and a curve with no points is an error.
func TestRadialScoreFigure(t *testing.T) {
	ring := toy.BlogRing
	truth := plots.Curve{Name: "true score"}
	learned := plots.Curve{Name: "learned"}
	for i := range 61 {
		r := ring.Radius - 4*ring.Std + 8*ring.Std*float64(i)/60
		s := -((r-ring.Radius)/(ring.Std*ring.Std) + 1/r)
		truth.Epochs, truth.Values = append(truth.Epochs, r), append(truth.Values, s)
		learned.Epochs, learned.Values = append(learned.Epochs, r), append(learned.Values, 0.8*s)
	}
	p, err := plots.RadialScoreFigure("radial", truth, learned)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
	if top := truth.Values[0]; p.Y.Max <= top || math.IsInf(p.Y.Max, 0) {
		t.Errorf("y axis up to %v, want above the highest value %v", p.Y.Max, top)
	}
	if _, err := plots.RadialScoreFigure("radial", plots.Curve{Name: "none"}); err == nil {
		t.Error("truth with no points: no error")
	}
}

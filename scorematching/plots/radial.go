package plots

import (
	"math"

	"gonum.org/v1/plot"
)

// RadialScoreFigure plots radial profiles of score fields, s(x) . x/r averaged over directions
// (metrics.RadialProfile), against the distance r from the centre: one curve per learned field
// (Epochs holding the distances, Values the profile), and truth, the true score's profile, dashed
// in black. The closer a curve to the true one, the better the field was learned there.
func RadialScoreFigure(title string, truth Curve, learned ...Curve) (*plot.Plot, error) {
	truth.Dashed, truth.Color = true, OkabeBlack
	curves := append(append(make([]Curve, 0, len(learned)+1), learned...), truth)
	p, err := Loss(title, curves...)
	if err != nil {
		return nil, err
	}
	p.X.Label.Text = "distance r from the centre"
	p.Y.Label.Text = "radial component of the score, s(x) . x/r"
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, v := range c.Values {
			ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
		}
	}
	if span := ymax - ymin; span > 0 && !math.IsInf(span, 0) { // Room above the curves for the legend.
		p.Y.Min, p.Y.Max = ymin-0.05*span, ymax+0.3*span
	}
	return p, nil
}

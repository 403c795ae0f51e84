package toy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gosm/gosm/scorematching/hostmath"
)

// Pinwheel is "pinwheel", FFJORD's pinwheel: Arms bent normal blobs. A point is drawn by choosing
// an arm k uniformly, then f = (1 + RadialStd z_1, TangentialStd z_2) with z standard normal,
// the angle a = 2 pi k / Arms + Rate exp(f_1), and
//
//	x = Scale (f_1 cos a + f_2 sin a, -f_1 sin a + f_2 cos a),
//
// i.e. f rotated by -a: the farther along its arm (the larger f_1), the more a point is turned,
// which bends the arms. Defaults (New("pinwheel", nil)): 5 arms, RadialStd 0.3, TangentialStd
// 0.1, Rate 0.25, Scale 2, as in FFJORD (which draws the same number of points per arm; here the
// arm of each point is random). Since the rotation keeps norms, ||x|| = Scale ||f||, so
// E||x||^2 = Scale^2 (1 + RadialStd^2 + TangentialStd^2). There is no closed-form density.
type Pinwheel struct {
	Arms          int     // Number of arms.
	RadialStd     float64 // Standard deviation along an arm (before scaling).
	TangentialStd float64 // Standard deviation across an arm (before scaling).
	Rate          float64 // How much the arms bend.
	Scale         float64 // Scale factor applied at the end.
}

var _ Labeled = Pinwheel{}

// Validate checks that Arms >= 1, the stds and Scale are positive and finite, and Rate is finite.
func (w Pinwheel) Validate() error {
	if w.Arms < 1 || w.Arms > maxIntParam {
		return fmt.Errorf("pinwheel arms must be an integer in [1, %d], got %d", maxIntParam, w.Arms)
	}
	if err := checkPositive("pinwheel", "radial_std", w.RadialStd); err != nil {
		return err
	}
	if err := checkPositive("pinwheel", "tangential_std", w.TangentialStd); err != nil {
		return err
	}
	if math.IsNaN(w.Rate) || math.IsInf(w.Rate, 0) {
		return fmt.Errorf("pinwheel rate must be finite, got %v", w.Rate)
	}
	return checkPositive("pinwheel", "scale", w.Scale)
}

// Name is "pinwheel".
func (w Pinwheel) Name() string { return "pinwheel" }

// Dim is 2.
func (w Pinwheel) Dim() int { return 2 }

// Params returns "arms", "radial_std", "tangential_std", "rate" and "scale".
func (w Pinwheel) Params() map[string]float64 {
	return map[string]float64{"arms": float64(w.Arms), "radial_std": w.RadialStd,
		"tangential_std": w.TangentialStd, "rate": w.Rate, "scale": w.Scale}
}

// Components is Arms.
func (w Pinwheel) Components() int { return w.Arms }

// ComponentWeights returns Arms weights 1/Arms.
func (w Pinwheel) ComponentWeights() []float64 { return uniformWeights(w.Arms) }

// Sample draws n points with a generator seeded by seed.
func (w Pinwheel) Sample(n int, seed uint64) ([][]float64, error) {
	points, _, err := w.SampleLabeled(n, seed)
	return points, err
}

// SampleLabeled draws n points and the arm of each.
func (w Pinwheel) SampleLabeled(n int, seed uint64) ([][]float64, []int, error) {
	if err := w.Validate(); err != nil {
		return nil, nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x913e_5000))
	points := make([][]float64, n)
	labels := make([]int, n)
	for i := range points {
		k := rng.IntN(w.Arms)
		f1 := 1 + w.RadialStd*rng.NormFloat64()
		f2 := w.TangentialStd * rng.NormFloat64()
		a := 2*math.Pi*float64(k)/float64(w.Arms) + w.Rate*hostmath.Exp(f1)
		c, s := math.Cos(a), math.Sin(a)
		points[i] = []float64{w.Scale * (f1*c + f2*s), w.Scale * (-f1*s + f2*c)}
		labels[i] = k
	}
	return points, labels, nil
}

package toy

import (
	"fmt"
	"math"

	"github.com/gosm/gosm/scorematching/hostmath"
)

// Simpson returns the integral of f over [a, b] by the composite Simpson rule with n intervals
// of width h = (b - a)/n (n even, at least 2; f is evaluated n + 1 times):
//
//	(h/3) [f(a) + 4 f(a+h) + 2 f(a+2h) + 4 f(a+3h) + ... + 4 f(b-h) + f(b)].
//
// Its error is -(b - a) h^4 f^(4)(xi) / 180 for some xi in [a, b]: it integrates cubics exactly,
// and a smooth integrand sampled a few dozen times per length scale to about 1e-10 relative. It
// returns an error for a bad interval (not finite, or a > b) or a bad n; a == b gives 0.
func Simpson(f func(float64) float64, a, b float64, n int) (float64, error) {
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) || a > b {
		return 0, fmt.Errorf("simpson: the interval [%v, %v] must be finite with a <= b", a, b)
	}
	if n < 2 || n%2 != 0 {
		return 0, fmt.Errorf("simpson: the number of intervals must be even and at least 2, got %d", n)
	}
	if a == b {
		return 0, nil
	}
	h := (b - a) / float64(n)
	sum := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * f(a+float64(i)*h)
	}
	return sum * h / 3, nil
}

// Linspace returns n evenly spaced values from lo to hi, both included (n >= 2; n == 1 gives
// lo; n <= 0 gives nil), as numpy's linspace does.
func Linspace(lo, hi float64, n int) []float64 {
	if n <= 0 {
		return nil
	}
	if n == 1 {
		return []float64{lo}
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	out[n-1] = hi
	return out
}

// Points1D turns values into points of one coordinate (one row per value), the form Dataset,
// the networks and the samplers take.
func Points1D(xs []float64) [][]float64 {
	out := make([][]float64, len(xs))
	for i, x := range xs {
		out[i] = []float64{x}
	}
	return out
}

// Values1D returns the first coordinate of every point: for points of one coordinate, the
// values Points1D was given.
func Values1D(points [][]float64) []float64 {
	out := make([]float64, len(points))
	for i, p := range points {
		if len(p) > 0 {
			out[i] = p[0]
		} else {
			out[i] = math.NaN()
		}
	}
	return out
}

// DensityFromScore recovers a density from its score on a grid: given the score s at increasing
// points xs (at least 2, finite), it integrates s by the trapezoid rule from xs[0], which gives
// log p up to a constant (log p(x) = log p(xs[0]) + integral of s from xs[0] to x), and
// normalises exp of that so that it integrates to 1 over [xs[0], xs[len-1]], again by the
// trapezoid rule. It returns the density at xs. In one dimension this undoes the score: the
// normalising constant that the score forgets is one integral. The result is the density
// conditioned on the grid's interval; its error is O(h^2) for a grid of step h.
func DensityFromScore(xs, s []float64) ([]float64, error) {
	if len(xs) < 2 || len(xs) != len(s) {
		return nil, fmt.Errorf("density from score: need at least 2 points and one score per point, got %d points and %d scores", len(xs), len(s))
	}
	logq := make([]float64, len(xs))
	for i := range xs {
		if math.IsNaN(xs[i]) || math.IsInf(xs[i], 0) || math.IsNaN(s[i]) || math.IsInf(s[i], 0) {
			return nil, fmt.Errorf("density from score: point %d (x = %v, s = %v) is not finite", i, xs[i], s[i])
		}
		if i == 0 {
			continue
		}
		if !(xs[i] > xs[i-1]) {
			return nil, fmt.Errorf("density from score: the points must increase, got x[%d] = %v after %v", i, xs[i], xs[i-1])
		}
		logq[i] = logq[i-1] + (xs[i]-xs[i-1])*(s[i]+s[i-1])/2
	}
	top := math.Inf(-1)
	for _, l := range logq {
		top = max(top, l)
	}
	p := make([]float64, len(xs))
	var z float64
	for i, l := range logq {
		p[i] = hostmath.Exp(l - top)
		if i > 0 {
			z += (xs[i] - xs[i-1]) * (p[i] + p[i-1]) / 2
		}
	}
	for i := range p {
		p[i] /= z
	}
	return p, nil
}

// TabulatedCDF integrates a function tabulated at increasing points xs (a density, e.g. from
// DensityFromScore) from xs[0] up to x by the trapezoid rule, interpolating linearly within the
// interval that holds x: for a density, the mass below x within the table. It returns 0 for x
// at or below xs[0] (or fewer than 2 points) and the whole integral for x at or beyond the last
// point.
func TabulatedCDF(xs, p []float64, x float64) float64 {
	n := min(len(xs), len(p))
	var sum float64
	for i := 1; i < n; i++ {
		a, b := xs[i-1], xs[i]
		if x <= a {
			break
		}
		if x < b { // Part of the interval: the trapezoid up to x, with p interpolated there.
			px := p[i-1] + (p[i]-p[i-1])*(x-a)/(b-a)
			sum += (x - a) * (p[i-1] + px) / 2
			break
		}
		sum += (b - a) * (p[i-1] + p[i]) / 2
	}
	return sum
}

package toy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gosm/gosm/scorematching/hostmath"
)

// Circles is "circles": two concentric circles of radii R_0 = Radius (outer, component 0) and
// R_1 = Factor Radius (inner, component 1), with equal weights. A point is drawn by choosing a
// circle c with probability 1/2 and an angle theta uniform on [-pi, pi), then
// x = R_c (cos theta, sin theta) + Std z with z a standard normal vector in the plane.
//
// Defaults (New("circles", nil)): Radius 3, Factor 0.5, Std 0.24: FFJORD's circles
// (scikit-learn's make_circles with factor 0.5 and noise 0.08, everything times 3), except that
// the angles are random rather than evenly spaced.
//
// Unlike Rings, the noise is isotropic, so each circle's density is the normal density averaged
// over the circle, which has a closed form with the modified Bessel function I_0:
//
//	p_c(x) = 1/(2 pi Std^2) exp(-(r^2 + R_c^2) / (2 Std^2)) I_0(r R_c / Std^2),   r = ||x||,
//	p(x)   = (p_0(x) + p_1(x)) / 2,
//
// and, since I_0' = I_1, the score is s(x) = g(r) x/r with
//
//	g(r) = sum_c q_c(x) [-r + R_c I_1(z_c)/I_0(z_c)] / Std^2,   z_c = r R_c / Std^2,
//
// where q_c(x) = p_c(x) / (2 p(x)) is the posterior probability of circle c. The Bessel
// functions are computed to about 1e-15 (see besselI0eRatio).
type Circles struct {
	Radius float64 // Radius of the outer circle.
	Factor float64 // Radius of the inner circle over that of the outer one, in (0, 1).
	Std    float64 // Standard deviation of the noise on each coordinate.
}

var (
	_ Analytic = Circles{}
	_ Labeled  = Circles{}
)

// Validate checks that Radius and Std are positive and finite and Factor is in (0, 1).
func (c Circles) Validate() error {
	if err := checkPositive("circles", "radius", c.Radius); err != nil {
		return err
	}
	if !(c.Factor > 0 && c.Factor < 1) {
		return fmt.Errorf("circles factor must be in (0, 1), got %v", c.Factor)
	}
	return checkPositive("circles", "std", c.Std)
}

// Name is "circles".
func (c Circles) Name() string { return "circles" }

// Dim is 2.
func (c Circles) Dim() int { return 2 }

// Params returns "radius", "factor" and "std".
func (c Circles) Params() map[string]float64 {
	return map[string]float64{"radius": c.Radius, "factor": c.Factor, "std": c.Std}
}

// Radii returns the radii of the outer (component 0) and inner (component 1) circles.
func (c Circles) Radii() []float64 { return []float64{c.Radius, c.Factor * c.Radius} }

// Components is 2.
func (c Circles) Components() int { return 2 }

// ComponentWeights returns (1/2, 1/2).
func (c Circles) ComponentWeights() []float64 { return uniformWeights(2) }

// Sample draws n points with a generator seeded by seed.
func (c Circles) Sample(n int, seed uint64) ([][]float64, error) {
	points, _, err := c.SampleLabeled(n, seed)
	return points, err
}

// SampleLabeled draws n points and the circle of each (0 outer, 1 inner).
func (c Circles) SampleLabeled(n int, seed uint64) ([][]float64, []int, error) {
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xc14c_1e55))
	radii := c.Radii()
	points := make([][]float64, n)
	labels := make([]int, n)
	for i := range points {
		k := rng.IntN(2)
		theta := -math.Pi + 2*math.Pi*rng.Float64()
		points[i] = []float64{
			radii[k]*math.Cos(theta) + c.Std*rng.NormFloat64(),
			radii[k]*math.Sin(theta) + c.Std*rng.NormFloat64(),
		}
		labels[i] = k
	}
	return points, labels, nil
}

// terms returns, for circle k, l[k] = log p_k(x) + log(2 pi Std^2) and ratio[k] = I_1/I_0 at
// z_k. Writing exp(-(r^2 + R^2)/(2 s^2)) I_0(z) as exp(-(r - R)^2/(2 s^2)) I_0e(z) with
// I_0e(z) = exp(-z) I_0(z) keeps every factor finite.
func (c Circles) terms(radius float64) (l, ratio [2]float64) {
	s2 := c.Std * c.Std
	for k, rk := range c.Radii() {
		logI0e, rho := besselI0eRatio(radius * rk / s2)
		d := radius - rk
		l[k] = -d*d/(2*s2) + logI0e
		ratio[k] = rho
	}
	return l, ratio
}

// LogDensity is the normalised log-density log p(x).
func (c Circles) LogDensity(x []float64) float64 {
	l, _ := c.terms(math.Hypot(x[0], x[1]))
	return logSumExp(l[:]) - math.Log(2) - math.Log(2*math.Pi*c.Std*c.Std)
}

// Score is the gradient of LogDensity; (0, 0) at the origin (its limit there).
func (c Circles) Score(x []float64) []float64 {
	radius := math.Hypot(x[0], x[1])
	if radius == 0 {
		return []float64{0, 0}
	}
	l, ratio := c.terms(radius)
	q := l[:]
	softmaxInPlace(q)
	var g float64 // d log p / dr
	for k, rk := range c.Radii() {
		g += q[k] * (-radius + rk*ratio[k]) / (c.Std * c.Std)
	}
	return []float64{g * x[0] / radius, g * x[1] / radius}
}

// Assignments returns for each point the circle whose radius is nearest to ||x|| (0 outer,
// 1 inner).
func (c Circles) Assignments(points [][]float64) []int {
	radii := c.Radii()
	out := make([]int, len(points))
	for i, p := range points {
		out[i] = nearest(norm(p), radii)
	}
	return out
}

// besselI0eRatio returns log(exp(-z) I_0(z)) and I_1(z)/I_0(z) for z >= 0, where I_0 and I_1
// are the modified Bessel functions of the first kind.
//
// For z <= 1e4 it uses I_n(z) = (1/pi) int_0^pi exp(z cos t) cos(n t) dt with the trapezoidal
// rule on N + 1 points. The integrand is periodic and analytic, so the error is that of
// aliasing, about I_2N(z)/I_0(z) <= exp(-2 N^2 / z) (from I_k(z)/I_0(z) ~ exp(-k^2/(2z))); with
// N = 16 + 5 sqrt(z) it is below exp(-50), and the result is exact to rounding (exp(z (cos t -
// 1)) is computed as exp(-2 z sin^2(t/2)), without cancellation). Beyond, it uses the first
// four terms of the asymptotic series I_nu(z) ~ e^z / sqrt(2 pi z) (1 - (mu-1)/(8z) + ...),
// mu = 4 nu^2, whose next term is below 1e-17 there.
func besselI0eRatio(z float64) (logI0e, ratio float64) {
	if math.IsInf(z, 1) {
		return math.Inf(-1), 1
	}
	if z > 1e4 {
		u := 1 / (8 * z)
		i0 := 1 + u + 9.0/2*u*u + 225.0/6*u*u*u
		i1 := 1 - 3*u - 15.0/2*u*u - 315.0/6*u*u*u
		return -0.5*math.Log(2*math.Pi*z) + math.Log(i0), i1 / i0
	}
	n := 16 + int(math.Ceil(5*math.Sqrt(z)))
	h := math.Pi / float64(n)
	var s0, s1 float64
	for k := 0; k <= n; k++ {
		t := float64(k) * h
		sh := math.Sin(t / 2)
		f := hostmath.Exp(-2 * z * sh * sh)
		if k == 0 || k == n {
			f /= 2
		}
		s0 += f
		s1 += f * math.Cos(t)
	}
	return math.Log(s0 / float64(n)), s1 / s0
}

// Statistic is the share of points on the inner circle.
func (c Circles) Statistic(points [][]float64) (string, float64) {
	return "share on inner circle", Fractions(c.Assignments(points), 2)[1]
}

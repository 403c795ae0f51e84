// Package toy holds the toy distributions of the project: how to sample them and, where it is
// known in closed form, their log-density and score (the gradient of the log-density).
//
// Points are plain [][]float64 rows (one row per point, one column per coordinate), so they can
// be printed, plotted and written to CSV without any framework.
package toy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gosm/gosm/scorematching/hostmath"
)

// Ring is the blog's ring: a distribution in the plane whose radius r = ||x|| is normal with mean
// Radius and standard deviation Std, and whose angle is uniform on [-pi, pi).
//
// Its density in the plane is p(x) = N(r; Radius, Std) / (2 pi r): the radial normal density
// spread over the circle of circumference 2 pi r.
type Ring struct {
	Radius float64 // R, the mean radius.
	Std    float64 // sigma, the standard deviation of the radius.
}

// BlogRing is the ring used by the blog: radius 1, radial standard deviation 0.1.
var BlogRing = Ring{Radius: 1, Std: 0.1}

// NewRing returns a Ring after checking that radius and std are positive and finite.
func NewRing(radius, std float64) (Ring, error) {
	r := Ring{Radius: radius, Std: std}
	return r, r.Validate()
}

// Validate returns an error naming the bad parameter, or nil.
func (r Ring) Validate() error {
	if !(r.Radius > 0) || math.IsInf(r.Radius, 0) {
		return fmt.Errorf("ring radius must be positive and finite, got %v", r.Radius)
	}
	if !(r.Std > 0) || math.IsInf(r.Std, 0) {
		return fmt.Errorf("ring std must be positive and finite, got %v", r.Std)
	}
	return nil
}

// Dim is the dimension of the ring's points (2).
func (r Ring) Dim() int { return 2 }

// Sample draws n points with a generator seeded by seed: the same seed gives the same points.
func (r Ring) Sample(n int, seed uint64) ([][]float64, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("number of samples must be positive, got %d", n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed_41e9))
	points := make([][]float64, n)
	for i := range points {
		radius := r.Radius + r.Std*rng.NormFloat64()
		theta := -math.Pi + 2*math.Pi*rng.Float64()
		points[i] = []float64{radius * math.Cos(theta), radius * math.Sin(theta)}
	}
	return points, nil
}

// LogDensity is the normalised log-density in the plane:
// log p(x) = -(r-R)^2 / (2 sigma^2) - log(sigma sqrt(2 pi)) - log(2 pi r).
func (r Ring) LogDensity(x []float64) float64 {
	radius := math.Hypot(x[0], x[1])
	z := (radius - r.Radius) / r.Std
	return -0.5*z*z - math.Log(r.Std*math.Sqrt(2*math.Pi)) - math.Log(2*math.Pi*radius)
}

// Score is the gradient of LogDensity:
// s(x) = -[(r - R)/sigma^2 + 1/r] x/r.
// The 1/r term comes from the 1/(2 pi r) factor of the density; the score is singular at the
// origin, where Score returns (0, 0).
func (r Ring) Score(x []float64) []float64 {
	radius := math.Hypot(x[0], x[1])
	if radius == 0 {
		return []float64{0, 0}
	}
	c := -((radius-r.Radius)/(r.Std*r.Std) + 1/radius) / radius
	return []float64{c * x[0], c * x[1]}
}

// BlogRadialPDF is what the blog calls the ring's "pdf": the normal density of the radius,
// N(r; R, sigma). It is the density of r, not of x in the plane (it lacks the 1/(2 pi r) factor),
// and it is kept only so the notebooks can show the difference.
func (r Ring) BlogRadialPDF(x []float64) float64 {
	z := (math.Hypot(x[0], x[1]) - r.Radius) / r.Std
	return hostmath.Exp(-0.5*z*z) / (r.Std * math.Sqrt(2*math.Pi))
}

// BlogFlawedScore is the blog's score formula, (R/r - 1) x. It drops the 1/sigma^2 factor and the
// -x/r^2 term of the true score (see Score): it points towards the ring, but is 100 times too
// weak for sigma = 0.1. Kept only so the notebooks can compare it with Score.
func (r Ring) BlogFlawedScore(x []float64) []float64 {
	radius := math.Hypot(x[0], x[1])
	if radius == 0 {
		return []float64{0, 0}
	}
	c := r.Radius/radius - 1
	return []float64{c * x[0], c * x[1]}
}

// Scores applies Score to every row of points.
func (r Ring) Scores(points [][]float64) [][]float64 {
	out := make([][]float64, len(points))
	for i, p := range points {
		out[i] = r.Score(p)
	}
	return out
}

// MeanSquaredScore returns E||s(x)||^2 under the ring, by Simpson's rule over the radius (the
// angle does not matter): the integral of N(r; R, sigma) [(r - R)/sigma^2 + 1/r]^2 over r > 0,
// normalised by the mass of r > 0. For the blog's ring it is about 98.968, so the exact loss of
// the true score, -0.5 E||s||^2, is about -49.484 (the JAX reference agrees: testdata/golden).
//
// Strictly, the integral diverges: the density does not vanish at the centre, where |s| grows
// like 1/r. The quadrature leaves out r < 1e-6 R. That part weighs about exp(-R^2/(2 sigma^2)):
// negligible when R/sigma is above 6 or so (the blog's ring has 10), but not for wide rings
// (R/sigma = 5 already changes the result), whose exact-loss floor is then not well defined.
func (r Ring) MeanSquaredScore() float64 {
	lo := math.Max(r.Radius-12*r.Std, r.Radius*1e-6)
	hi := r.Radius + 12*r.Std
	const n = 20000 // Even number of intervals.
	h := (hi - lo) / n
	var sum, mass float64
	for i := 0; i <= n; i++ {
		rho := lo + float64(i)*h
		w := 2.0
		if i == 0 || i == n {
			w = 1
		} else if i%2 == 1 {
			w = 4
		}
		z := (rho - r.Radius) / r.Std
		density := hostmath.Exp(-0.5*z*z) / (r.Std * math.Sqrt(2*math.Pi))
		s := (rho-r.Radius)/(r.Std*r.Std) + 1/rho
		sum += w * density * s * s
		mass += w * density
	}
	return sum / mass
}

package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Rings is "rings": Count concentric rings of radii R_k = k Radius / Count, k = 1..Count, with
// equal weights. A point is drawn by choosing a ring k uniformly, then a radius R_k + Std z (z
// standard normal) and an angle uniform on [-pi, pi), exactly as Ring draws one ring.
//
// Defaults (New("rings", nil)): Count 4, Radius 3, Std 0.08, i.e. radii 0.75, 1.5, 2.25 and 3:
// FFJORD's rings, whose noise is isotropic (0.08 on each coordinate) rather than radial, and
// whose angles are evenly spaced rather than random.
//
// Its density is the equal-weight mixture of the ring densities (see Ring),
//
//	p(x) = (1/Count) sum_k N(r; R_k, Std) / (2 pi r),   r = ||x||,
//
// and its score is s(x) = -[sum_k q_k(r) (r - R_k)/Std^2 + 1/r] x/r, where q_k(r) is the
// posterior probability of ring k (proportional to N(r; R_k, Std)). Like Ring, it ignores the
// fold of negative radii, whose mass Phi(-R_1/Std) is about 1e-20 for the defaults.
type Rings struct {
	Count  int     // Number of rings.
	Radius float64 // Radius of the outermost ring.
	Std    float64 // Standard deviation of the radius around each ring.
}

var (
	_ Analytic = Rings{}
	_ Labeled  = Rings{}
)

// Validate checks that Count >= 1 and Radius and Std are positive and finite.
func (r Rings) Validate() error {
	if r.Count < 1 || r.Count > maxIntParam {
		return fmt.Errorf("rings count must be an integer in [1, %d], got %d", maxIntParam, r.Count)
	}
	if err := checkPositive("rings", "radius", r.Radius); err != nil {
		return err
	}
	return checkPositive("rings", "std", r.Std)
}

// Name is "rings".
func (r Rings) Name() string { return "rings" }

// Dim is 2.
func (r Rings) Dim() int { return 2 }

// Params returns "count", "radius" and "std".
func (r Rings) Params() map[string]float64 {
	return map[string]float64{"count": float64(r.Count), "radius": r.Radius, "std": r.Std}
}

// Radii returns R_k = k Radius / Count, k = 1..Count, innermost first (component k-1).
func (r Rings) Radii() []float64 {
	out := make([]float64, r.Count)
	for i := range out {
		out[i] = float64(i+1) * r.Radius / float64(r.Count)
	}
	return out
}

// Components is Count.
func (r Rings) Components() int { return r.Count }

// ComponentWeights returns Count weights 1/Count.
func (r Rings) ComponentWeights() []float64 { return uniformWeights(r.Count) }

// Sample draws n points with a generator seeded by seed.
func (r Rings) Sample(n int, seed uint64) ([][]float64, error) {
	points, _, err := r.SampleLabeled(n, seed)
	return points, err
}

// SampleLabeled draws n points and the ring of each (0 is the innermost).
func (r Rings) SampleLabeled(n int, seed uint64) ([][]float64, []int, error) {
	if err := r.Validate(); err != nil {
		return nil, nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x41e9_5000))
	radii := r.Radii()
	points := make([][]float64, n)
	labels := make([]int, n)
	for i := range points {
		k := rng.IntN(r.Count)
		radius := radii[k] + r.Std*rng.NormFloat64()
		theta := -math.Pi + 2*math.Pi*rng.Float64()
		points[i] = []float64{radius * math.Cos(theta), radius * math.Sin(theta)}
		labels[i] = k
	}
	return points, labels, nil
}

// radialLog fills out[k] with -(r - R_k)^2 / (2 Std^2): the part of log p that depends on k.
func (r Rings) radialLog(radius float64, radii, out []float64) {
	for k, rk := range radii {
		z := (radius - rk) / r.Std
		out[k] = -0.5 * z * z
	}
}

// LogDensity is the normalised log-density log p(x) (+Inf at the origin, where the 1/r factor
// is singular).
func (r Rings) LogDensity(x []float64) float64 {
	radius := math.Hypot(x[0], x[1])
	radii := r.Radii()
	l := make([]float64, len(radii))
	r.radialLog(radius, radii, l)
	return logSumExp(l) - math.Log(float64(r.Count)) - math.Log(r.Std*math.Sqrt(2*math.Pi)) - math.Log(2*math.Pi*radius)
}

// Score is the gradient of LogDensity; (0, 0) at the origin, where it is singular.
func (r Rings) Score(x []float64) []float64 {
	radius := math.Hypot(x[0], x[1])
	if radius == 0 {
		return []float64{0, 0}
	}
	radii := r.Radii()
	q := make([]float64, len(radii))
	r.radialLog(radius, radii, q)
	softmaxInPlace(q)
	var dr float64 // d log p / dr
	for k, rk := range radii {
		dr -= q[k] * (radius - rk) / (r.Std * r.Std)
	}
	dr -= 1 / radius
	return []float64{dr * x[0] / radius, dr * x[1] / radius}
}

// Assignments returns for each point the ring whose radius is nearest to ||x|| (0 is the
// innermost): the most probable ring, since the rings share one Std.
func (r Rings) Assignments(points [][]float64) []int {
	radii := r.Radii()
	out := make([]int, len(points))
	for i, p := range points {
		out[i] = nearest(norm(p), radii)
	}
	return out
}

// RingFractions returns the fraction of points assigned to each ring (Assignments); each should
// be about 1/Count for samples of Rings.
func (r Rings) RingFractions(points [][]float64) []float64 {
	return Fractions(r.Assignments(points), r.Count)
}

// Statistic is the largest deviation of a ring's share of points from its weight.
func (r Rings) Statistic(points [][]float64) (string, float64) {
	return "largest ring share error", maxDeviation(r.RingFractions(points), r.ComponentWeights())
}

package toy

import (
	"math"
	"math/rand/v2"
)

// moonsShift is the offset FFJORD adds after scaling, which centres the moons at the origin in
// x (with the default scale 2).
var moonsShift = [2]float64{-1, -0.2}

// Moons is "moons": two interleaved half circles, scikit-learn's make_moons scaled and shifted as
// in FFJORD. A point is drawn by choosing a moon c with probability 1/2 and t uniform in
// [0, pi], then
//
//	upper moon (c = 0): m = (cos t, sin t)
//	lower moon (c = 1): m = (1 - cos t, 1/2 - sin t)
//	x = Scale m + (-1, -0.2) + Std z,
//
// with z a standard normal vector. Defaults (New("moons", nil)): Scale 2, Std 0.2 (FFJORD:
// make_moons noise 0.1, then times 2); the noiseless moons then span [-3, 3] x [-1.2, 1.8] and
// the mean is (0, 0.3). scikit-learn spaces t evenly and splits the points half and half; here
// both are random, so that every point is an independent draw. There is no closed-form density.
type Moons struct {
	Scale float64 // Scale factor of the unit half circles.
	Std   float64 // Standard deviation of the noise on each coordinate, after scaling.
}

var _ Labeled = Moons{}

// Validate checks that Scale is positive and finite and Std non-negative and finite.
func (m Moons) Validate() error {
	if err := checkPositive("moons", "scale", m.Scale); err != nil {
		return err
	}
	return checkNonNegative("moons", "std", m.Std)
}

// Name is "moons".
func (m Moons) Name() string { return "moons" }

// Dim is 2.
func (m Moons) Dim() int { return 2 }

// Params returns "scale" and "std".
func (m Moons) Params() map[string]float64 {
	return map[string]float64{"scale": m.Scale, "std": m.Std}
}

// Components is 2.
func (m Moons) Components() int { return 2 }

// ComponentWeights returns (1/2, 1/2).
func (m Moons) ComponentWeights() []float64 { return uniformWeights(2) }

// Sample draws n points with a generator seeded by seed.
func (m Moons) Sample(n int, seed uint64) ([][]float64, error) {
	points, _, err := m.SampleLabeled(n, seed)
	return points, err
}

// SampleLabeled draws n points and the moon of each (0 upper, 1 lower).
func (m Moons) SampleLabeled(n int, seed uint64) ([][]float64, []int, error) {
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x300a_5000))
	points := make([][]float64, n)
	labels := make([]int, n)
	for i := range points {
		c := rng.IntN(2)
		t := math.Pi * rng.Float64()
		u, v := math.Cos(t), math.Sin(t)
		if c == 1 {
			u, v = 1-u, 0.5-v
		}
		points[i] = []float64{
			m.Scale*u + moonsShift[0] + m.Std*rng.NormFloat64(),
			m.Scale*v + moonsShift[1] + m.Std*rng.NormFloat64(),
		}
		labels[i] = c
	}
	return points, labels, nil
}

// arcDistances returns the distance from x to the noiseless upper and lower moons.
func (m Moons) arcDistances(x []float64) (upper, lower float64) {
	// In the unscaled frame, each moon is a half circle of radius 1: the upper one centred at
	// (0, 0) with y >= 0, the lower one centred at (1, 1/2) with y <= 1/2.
	u := (x[0] - moonsShift[0]) / m.Scale
	v := (x[1] - moonsShift[1]) / m.Scale
	half := func(dx, dy, side float64) float64 {
		if dy*side >= 0 {
			return math.Abs(math.Hypot(dx, dy) - 1)
		}
		return min(math.Hypot(dx-1, dy), math.Hypot(dx+1, dy))
	}
	return m.Scale * half(u, v, 1), m.Scale * half(u-1, v-0.5, -1)
}

// Distance is the distance from x to the nearer noiseless moon: zero on the moons, and for
// samples at most the norm of their noise, so it is a measure of how far a sampler's points
// stray from the data.
func (m Moons) Distance(x []float64) float64 {
	a, b := m.arcDistances(x)
	return min(a, b)
}

// Assignments returns for each point the nearer moon (0 upper, 1 lower).
func (m Moons) Assignments(points [][]float64) []int {
	out := make([]int, len(points))
	for i, p := range points {
		if a, b := m.arcDistances(p); b < a {
			out[i] = 1
		}
	}
	return out
}

// Statistic is the mean distance of points to the noiseless moons.
func (m Moons) Statistic(points [][]float64) (string, float64) {
	return "mean distance to the moons", meanOf(points, m.Distance)
}

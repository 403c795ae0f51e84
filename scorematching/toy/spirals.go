package toy

import (
	"math"
	"math/rand/v2"
)

// TwoSpirals is "2spirals", FFJORD's two interleaved spirals. With T = 2 pi Turns, a point is
// drawn as t = T sqrt(v), v uniform in [0, 1) (so that points are spread evenly along the
// spiral's area), u_1, u_2 uniform in [0, 1), a sign c = +1 or -1 with probability 1/2 each, and
//
//	x = c [Scale (-t cos t, t sin t) + Jitter (u_1, u_2)] + Std z,
//
// with z a standard normal vector: the second spiral (c = -1, component 1) is the first rotated
// by pi. Defaults (New("2spirals", nil)): Turns 1.5 (540 degrees), Scale 1/3, Jitter 1/6, Std
// 0.1, as in FFJORD (which adds 0.5 U before dividing by 3). The mean is 0 by symmetry. There is
// no closed-form density.
type TwoSpirals struct {
	Turns  float64 // Number of turns of each spiral.
	Scale  float64 // Scale factor of the spiral.
	Jitter float64 // Width of the uniform offset of each coordinate.
	Std    float64 // Standard deviation of the normal noise on each coordinate.
}

var _ Labeled = TwoSpirals{}

// Validate checks that Turns and Scale are positive and finite and Jitter and Std non-negative
// and finite.
func (s TwoSpirals) Validate() error {
	if err := checkPositive("2spirals", "turns", s.Turns); err != nil {
		return err
	}
	if err := checkPositive("2spirals", "scale", s.Scale); err != nil {
		return err
	}
	if err := checkNonNegative("2spirals", "jitter", s.Jitter); err != nil {
		return err
	}
	return checkNonNegative("2spirals", "std", s.Std)
}

// Name is "2spirals".
func (s TwoSpirals) Name() string { return "2spirals" }

// Dim is 2.
func (s TwoSpirals) Dim() int { return 2 }

// Params returns "turns", "scale", "jitter" and "std".
func (s TwoSpirals) Params() map[string]float64 {
	return map[string]float64{"turns": s.Turns, "scale": s.Scale, "jitter": s.Jitter, "std": s.Std}
}

// Components is 2.
func (s TwoSpirals) Components() int { return 2 }

// ComponentWeights returns (1/2, 1/2).
func (s TwoSpirals) ComponentWeights() []float64 { return uniformWeights(2) }

// Sample draws n points with a generator seeded by seed.
func (s TwoSpirals) Sample(n int, seed uint64) ([][]float64, error) {
	points, _, err := s.SampleLabeled(n, seed)
	return points, err
}

// SampleLabeled draws n points and the spiral of each (0: c = +1, 1: c = -1).
func (s TwoSpirals) SampleLabeled(n int, seed uint64) ([][]float64, []int, error) {
	if err := s.Validate(); err != nil {
		return nil, nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x2591_5000))
	total := 2 * math.Pi * s.Turns
	points := make([][]float64, n)
	labels := make([]int, n)
	for i := range points {
		k := rng.IntN(2)
		t := total * math.Sqrt(rng.Float64())
		a := -s.Scale*t*math.Cos(t) + s.Jitter*rng.Float64()
		b := s.Scale*t*math.Sin(t) + s.Jitter*rng.Float64()
		if k == 1 {
			a, b = -a, -b
		}
		points[i] = []float64{a + s.Std*rng.NormFloat64(), b + s.Std*rng.NormFloat64()}
		labels[i] = k
	}
	return points, labels, nil
}

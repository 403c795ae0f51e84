package toy

import (
	"math"
	"math/rand/v2"
)

// SwissRoll is "swissroll", the 2-D swiss roll: t uniform in [1.5 pi, 4.5 pi] (one and a half
// turns) and
//
//	x = Scale (t cos t, t sin t) + Std z,
//
// with z a standard normal vector. Defaults (New("swissroll", nil)): Scale 0.2, Std 0.2: FFJORD's
// swissroll (scikit-learn's make_swiss_roll with noise 1, coordinates 0 and 2, divided by 5).
// The noiseless spiral's radius is Scale t, from 0.94 to 2.83, and the mean of the points is
// Scale (2, 2/(3 pi)). There is no closed-form density.
type SwissRoll struct {
	Scale float64 // Scale factor of the spiral.
	Std   float64 // Standard deviation of the noise on each coordinate, after scaling.
}

var _ Dataset = SwissRoll{}

// Validate checks that Scale is positive and finite and Std non-negative and finite.
func (s SwissRoll) Validate() error {
	if err := checkPositive("swissroll", "scale", s.Scale); err != nil {
		return err
	}
	return checkNonNegative("swissroll", "std", s.Std)
}

// Name is "swissroll".
func (s SwissRoll) Name() string { return "swissroll" }

// Dim is 2.
func (s SwissRoll) Dim() int { return 2 }

// Params returns "scale" and "std".
func (s SwissRoll) Params() map[string]float64 {
	return map[string]float64{"scale": s.Scale, "std": s.Std}
}

// Sample draws n points with a generator seeded by seed.
func (s SwissRoll) Sample(n int, seed uint64) ([][]float64, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a15_5011))
	points := make([][]float64, n)
	for i := range points {
		t := 1.5 * math.Pi * (1 + 2*rng.Float64())
		points[i] = []float64{
			s.Scale*t*math.Cos(t) + s.Std*rng.NormFloat64(),
			s.Scale*t*math.Sin(t) + s.Std*rng.NormFloat64(),
		}
	}
	return points, nil
}

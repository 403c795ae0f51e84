package toy

import (
	"math"
	"math/rand/v2"
)

// Line is "line": the diagonal y = x, for x uniform in [-Extent, Extent], plus normal noise of
// standard deviation Std on each coordinate. Defaults (New("line", nil)): Extent 2.5, Std 0, as
// FFJORD's line. With Std = 0 the distribution lives on a segment and has no density in the
// plane (its score is infinite off the segment): a case where score matching on the raw data is
// ill-posed and noise (Std > 0, or denoising score matching) is needed.
type Line struct {
	Extent float64 // x is uniform in [-Extent, Extent].
	Std    float64 // Standard deviation of the noise on each coordinate (0: none).
}

var _ Dataset = Line{}

// Validate checks that Extent is positive and finite and Std non-negative and finite.
func (l Line) Validate() error {
	if err := checkPositive("line", "extent", l.Extent); err != nil {
		return err
	}
	return checkNonNegative("line", "std", l.Std)
}

// Name is "line".
func (l Line) Name() string { return "line" }

// Dim is 2.
func (l Line) Dim() int { return 2 }

// Params returns "extent" and "std".
func (l Line) Params() map[string]float64 {
	return map[string]float64{"extent": l.Extent, "std": l.Std}
}

// Sample draws n points with a generator seeded by seed.
func (l Line) Sample(n int, seed uint64) ([][]float64, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x11e0_5000))
	points := make([][]float64, n)
	for i := range points {
		x := l.Extent * (2*rng.Float64() - 1)
		points[i] = []float64{x + l.Std*rng.NormFloat64(), x + l.Std*rng.NormFloat64()}
	}
	return points, nil
}

// Sine is "sine": the curve y = Amplitude sin(x), for x uniform in [-Extent, Extent], plus normal
// noise of standard deviation Std on each coordinate. Defaults (New("sine", nil)): Extent 2.5,
// Amplitude 2.5, Std 0: the data set FFJORD calls "cos" (it draws a sine). Like Line, it has no
// density in the plane when Std = 0.
type Sine struct {
	Extent    float64 // x is uniform in [-Extent, Extent].
	Amplitude float64 // Amplitude of the sine.
	Std       float64 // Standard deviation of the noise on each coordinate (0: none).
}

var _ Dataset = Sine{}

// Validate checks that Extent and Amplitude are positive and finite and Std non-negative and
// finite.
func (s Sine) Validate() error {
	if err := checkPositive("sine", "extent", s.Extent); err != nil {
		return err
	}
	if err := checkPositive("sine", "amplitude", s.Amplitude); err != nil {
		return err
	}
	return checkNonNegative("sine", "std", s.Std)
}

// Name is "sine".
func (s Sine) Name() string { return "sine" }

// Dim is 2.
func (s Sine) Dim() int { return 2 }

// Params returns "extent", "amplitude" and "std".
func (s Sine) Params() map[string]float64 {
	return map[string]float64{"extent": s.Extent, "amplitude": s.Amplitude, "std": s.Std}
}

// Sample draws n points with a generator seeded by seed.
func (s Sine) Sample(n int, seed uint64) ([][]float64, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5e1e_5000))
	points := make([][]float64, n)
	for i := range points {
		x := s.Extent * (2*rng.Float64() - 1)
		points[i] = []float64{x + s.Std*rng.NormFloat64(), s.Amplitude*math.Sin(x) + s.Std*rng.NormFloat64()}
	}
	return points, nil
}

// Statistic is the mean distance of points to the line.
func (l Line) Statistic(points [][]float64) (string, float64) {
	return "mean distance to the line", meanOf(points, func(p []float64) float64 { return math.Abs(p[1]-p[0]) / math.Sqrt2 })
}

// Statistic is the mean vertical distance of points to the curve.
func (s Sine) Statistic(points [][]float64) (string, float64) {
	return "mean vertical distance to the curve", meanOf(points, func(p []float64) float64 { return math.Abs(p[1] - s.Amplitude*math.Sin(p[0])) })
}

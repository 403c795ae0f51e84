package toy

import (
	"fmt"
	"math"
)

// The optional properties of a data set: each is a small interface that a data set implements
// when it has the property, and a function that asks for it (with a fallback where there is one),
// so that figures, metrics and runs never switch on the data set's type.

// Windowed is a data set that states the square window of its figures: [-half, half]^2, with
// quiver arrows every step (the ring: the blog's window, R + 5 std, with arrows every 0.1).
type Windowed interface {
	Window() (half, step float64)
}

// Window returns the window of d's figures: d's own (Windowed), or else 1.1 times the largest
// coordinate of points (samples of d), with a 31 x 31 grid of arrows (step = 2 half / 30).
func Window(d Dataset, points [][]float64) (half, step float64) {
	if w, ok := d.(Windowed); ok {
		return w.Window()
	}
	for _, p := range points {
		for _, v := range p {
			half = math.Max(half, math.Abs(v))
		}
	}
	half = 1.1 * math.Max(half, 1e-6)
	return half, 2 * half / 30
}

// WindowSamples and WindowSeed are the sample of DefaultWindow for a data set that states no
// window.
const (
	WindowSamples = 2000
	WindowSeed    = 1
)

// DefaultWindow is Window(d, points) for WindowSamples points of d (seed WindowSeed) where d
// states no window of its own: the window of d's figures when no other points are at hand.
func DefaultWindow(d Dataset) (half, step float64, err error) {
	if w, ok := d.(Windowed); ok {
		half, step = w.Window()
		return half, step, nil
	}
	pts, err := d.Sample(WindowSamples, WindowSeed)
	if err != nil {
		return 0, 0, fmt.Errorf("the window of %s: %w", d.Name(), err)
	}
	half, step = Window(d, pts)
	return half, step, nil
}

// ScoreNormed is a data set that knows E||s(x)||^2, the mean squared norm of its score, more
// accurately than by sampling (the ring, by quadrature).
type ScoreNormed interface {
	MeanSquaredScore() float64
}

// FloorSamples and FloorSeed are the Monte Carlo sample of ExactLossFloor for a data set that is
// Analytic but not ScoreNormed.
const (
	FloorSamples = 100_000
	FloorSeed    = 0xf1009
)

// ExactLossFloor returns -1/2 E||s(x)||^2 for a data set whose score is known: the exact
// (Hyvarinen) loss of the true score, the lowest value that loss can reach, which every loss
// figure of an exact or sliced run shows as its floor. It uses d's MeanSquaredScore where it has
// one, and otherwise a Monte Carlo mean over FloorSamples points (seed FloorSeed; its standard
// error is below a percent for the toy sets). ok is false for a data set without a known score.
func ExactLossFloor(d Dataset) (floor float64, ok bool, err error) {
	if n, isNormed := d.(ScoreNormed); isNormed {
		return -0.5 * n.MeanSquaredScore(), true, nil
	}
	a, isAnalytic := d.(Analytic)
	if !isAnalytic {
		return 0, false, nil
	}
	pts, err := d.Sample(FloorSamples, FloorSeed)
	if err != nil {
		return 0, false, fmt.Errorf("the exact-loss floor of %s: %w", d.Name(), err)
	}
	var sum float64
	for _, p := range pts {
		for _, v := range a.Score(p) {
			sum += v * v
		}
	}
	return -0.5 * sum / float64(len(pts)), true, nil
}

// Statistician is a data set with one natural statistic of a sample, to compare samples of a
// model with data: the radial std of the ring, the share of a mode, the distance to a curve.
type Statistician interface {
	Statistic(points [][]float64) (name string, value float64)
}

// StatisticOf returns d's statistic of points (see Statistician) and its name, or "" and NaN when
// d has none or points is empty.
func StatisticOf(d Dataset, points [][]float64) (name string, value float64) {
	s, ok := d.(Statistician)
	if !ok || len(points) == 0 {
		return "", math.NaN()
	}
	return s.Statistic(points)
}

// maxDeviation is the largest |got_i - want_i|.
func maxDeviation(got, want []float64) float64 {
	var m float64
	for i := range got {
		m = math.Max(m, math.Abs(got[i]-want[i]))
	}
	return m
}

// meanOf is the mean of f over points.
func meanOf(points [][]float64, f func(p []float64) float64) float64 {
	var s float64
	for _, p := range points {
		s += f(p)
	}
	return s / float64(len(points))
}

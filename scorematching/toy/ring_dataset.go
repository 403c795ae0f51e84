package toy

import "math"

// Name is the ring's registry name, "ring".
func (r Ring) Name() string { return "ring" }

// Params returns the ring's parameters: "radius" (R) and "std" (sigma).
func (r Ring) Params() map[string]float64 {
	return map[string]float64{"radius": r.Radius, "std": r.Std}
}

// Ring is a Dataset with a closed-form score.
var _ Analytic = Ring{}

// Window is the blog's window for the ring: half-width R + 5 std, arrows every 0.1.
func (r Ring) Window() (half, step float64) { return r.Radius + 5*r.Std, 0.1 }

// Statistic is the radial std of points (the std of their distances to the centre).
func (r Ring) Statistic(points [][]float64) (string, float64) {
	mean := meanOf(points, norm)
	variance := meanOf(points, func(p []float64) float64 { return (norm(p) - mean) * (norm(p) - mean) })
	return "radial std", math.Sqrt(variance * float64(len(points)) / math.Max(1, float64(len(points)-1)))
}

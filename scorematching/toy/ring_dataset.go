package toy

// Name is the ring's registry name, "ring".
func (r Ring) Name() string { return "ring" }

// Params returns the ring's parameters: "radius" (R) and "std" (sigma).
func (r Ring) Params() map[string]float64 {
	return map[string]float64{"radius": r.Radius, "std": r.Std}
}

// Ring is a Dataset with a closed-form score.
var _ Analytic = Ring{}

package bench

import "github.com/gosm/gosm/scorematching/plots"

// StepCosts returns results as the points of plots.StepCostFigure: each named by its loss (by its
// workload where it has none), at its dimension, with its milliseconds per step.
func StepCosts(results []Result) []plots.StepCost {
	costs := make([]plots.StepCost, len(results))
	for i, r := range results {
		name := r.Loss
		if name == "" {
			name = r.Workload
		}
		costs[i] = plots.StepCost{Name: name, Dim: r.Dim, Ms: r.MsPerStep}
	}
	return costs
}

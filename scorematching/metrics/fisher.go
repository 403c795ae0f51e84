// Package metrics measures how good a learned score is (Fisher divergence against the true score)
// and how good samples are (MMD between two samples, the ring's radius moments and angle uniformity,
// the weights of a mixture's components).
package metrics

import (
	"fmt"
	"math"
)

// Fisher holds the Fisher divergence between a model score and the true score on a set of points.
type Fisher struct {
	// Absolute is E[0.5 ||s_model(x) - s_true(x)||^2], averaged over the points.
	Absolute float64
	// Relative is Absolute / E[0.5 ||s_true(x)||^2]: 0 for a perfect score, 1 for the zero score.
	Relative float64
}

// FisherDivergence compares model and true scores given at the same points (one row per point).
// The points should be fresh samples of the data distribution, not the training set.
func FisherDivergence(model, truth [][]float64) (Fisher, error) {
	if len(model) == 0 || len(model) != len(truth) {
		return Fisher{}, fmt.Errorf("fisher divergence needs the same positive number of model and true scores, got %d and %d", len(model), len(truth))
	}
	var diff, norm float64
	for i := range model {
		if len(model[i]) != len(truth[i]) {
			return Fisher{}, fmt.Errorf("score %d: model has %d coordinates, truth has %d", i, len(model[i]), len(truth[i]))
		}
		for j := range model[i] {
			d := model[i][j] - truth[i][j]
			diff += 0.5 * d * d
			norm += 0.5 * truth[i][j] * truth[i][j]
		}
	}
	if norm == 0 {
		return Fisher{}, fmt.Errorf("relative fisher divergence is undefined: every true score is zero")
	}
	n := float64(len(model))
	f := Fisher{Absolute: diff / n, Relative: diff / norm}
	if math.IsNaN(f.Absolute) || math.IsInf(f.Absolute, 0) {
		return f, fmt.Errorf("fisher divergence is %v: the model's scores are not finite", f.Absolute)
	}
	return f, nil
}

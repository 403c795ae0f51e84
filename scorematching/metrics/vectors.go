package metrics

import (
	"fmt"
	"math"
)

// RMSDistance returns sqrt(mean_k ||vectors[k] - ref||^2): how far, on average, the vectors are
// from ref (e.g. gradient estimates from the exact gradient).
func RMSDistance(vectors [][]float64, ref []float64) (float64, error) {
	if len(vectors) == 0 {
		return 0, fmt.Errorf("no vectors")
	}
	var sum float64
	for k, v := range vectors {
		if len(v) != len(ref) {
			return 0, fmt.Errorf("vector %d has %d entries, the reference %d", k, len(v), len(ref))
		}
		for i := range v {
			d := v[i] - ref[i]
			sum += d * d
		}
	}
	return math.Sqrt(sum / float64(len(vectors))), nil
}

// MeanVector returns the entry-by-entry mean of vectors of equal length (nil for none).
func MeanVector(vectors [][]float64) []float64 {
	if len(vectors) == 0 {
		return nil
	}
	mean := make([]float64, len(vectors[0]))
	for _, v := range vectors {
		for i := range mean {
			mean[i] += v[i] / float64(len(vectors))
		}
	}
	return mean
}

// VectorNorm returns the Euclidean norm of v.
func VectorNorm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// SampleMeanStd returns the mean and the (sample) standard deviation of values.
func SampleMeanStd(values []float64) (mean, std float64) {
	if len(values) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range values {
		mean += v
	}
	mean /= float64(len(values))
	if len(values) < 2 {
		return mean, 0
	}
	for _, v := range values {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(values)-1))
}

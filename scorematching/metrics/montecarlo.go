package metrics

import "math"

// MonteCarlo returns the Monte Carlo estimate of E[f(x)] from samples xs, the mean of f over
// them, and its standard error s / sqrt(n), with s the sample standard deviation of f (n - 1 in
// its denominator). An estimate is typically within two standard errors of the expectation, and
// its error falls as 1/sqrt(n). For fewer than two samples the standard error is NaN (no samples:
// the mean too).
func MonteCarlo(xs []float64, f func(x float64) float64) (mean, stdErr float64) {
	n := float64(len(xs))
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	// Welford's update: no cancellation when the mean is large next to the spread.
	var m, m2 float64
	for i, x := range xs {
		v := f(x)
		d := v - m
		m += d / float64(i+1)
		m2 += d * (v - m)
	}
	if len(xs) < 2 {
		return m, math.NaN()
	}
	return m, math.Sqrt(m2 / (n - 1) / n)
}

// EmpiricalCDF is the share of the values at or below x (NaNs count as above): the empirical
// distribution function of a sample, to compare with a distribution's CDF (e.g. the share of
// Langevin samples below 0 with the mass below 0). It is NaN for no values.
func EmpiricalCDF(values []float64, x float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	n := 0
	for _, v := range values {
		if v <= x {
			n++
		}
	}
	return float64(n) / float64(len(values))
}

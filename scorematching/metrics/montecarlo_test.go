package metrics_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
)

func TestMonteCarloExact(t *testing.T) {
	// f(x) = 2x on {1, 2, 3, 4}: values 2, 4, 6, 8, mean 5, sample variance 20/3.
	mean, se := metrics.MonteCarlo([]float64{1, 2, 3, 4}, func(x float64) float64 { return 2 * x })
	if math.Abs(mean-5) > 1e-15 || math.Abs(se-math.Sqrt(20.0/3/4)) > 1e-15 {
		t.Errorf("MonteCarlo = %v +- %v, want 5 +- %v", mean, se, math.Sqrt(20.0/3/4))
	}
	// A large offset does not lose the spread (Welford's update).
	_, se = metrics.MonteCarlo([]float64{1e9, 1e9 + 1, 1e9 + 2}, func(x float64) float64 { return x })
	if math.Abs(se-math.Sqrt(1.0/3)) > 1e-9 {
		t.Errorf("standard error with an offset of 1e9 = %v, want %v", se, math.Sqrt(1.0/3))
	}
	if m, se := metrics.MonteCarlo([]float64{3}, func(x float64) float64 { return x }); m != 3 || !math.IsNaN(se) {
		t.Errorf("one sample: %v +- %v, want 3 +- NaN", m, se)
	}
	if m, se := metrics.MonteCarlo(nil, func(x float64) float64 { return x }); !math.IsNaN(m) || !math.IsNaN(se) {
		t.Errorf("no samples: %v +- %v, want NaN +- NaN", m, se)
	}
}

// TestMonteCarloCoverage estimates E[x^2] = 1 for standard normal samples 200 times (n = 1000):
// the estimate should fall within two standard errors about 95% of the time (binomial: 190 +- 3
// at one s.d.; accept 175 to 200), and the standard error should be about sqrt(2/n) = 0.0447.
func TestMonteCarloCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	within := 0
	var seSum float64
	for range 200 {
		xs := make([]float64, 1000)
		for i := range xs {
			xs[i] = rng.NormFloat64()
		}
		m, se := metrics.MonteCarlo(xs, func(x float64) float64 { return x * x })
		if math.Abs(m-1) <= 2*se {
			within++
		}
		seSum += se
	}
	if within < 175 {
		t.Errorf("%d of 200 estimates within 2 standard errors, want about 190", within)
	}
	if mse := seSum / 200; math.Abs(mse-math.Sqrt(2.0/1000)) > 0.003 {
		t.Errorf("mean standard error %.4f, want about %.4f", mse, math.Sqrt(2.0/1000))
	}
}

func TestEmpiricalCDF(t *testing.T) {
	values := []float64{-1, 0, 0.5, 2, math.NaN()}
	for _, c := range []struct{ x, want float64 }{{-2, 0}, {-1, 0.2}, {0, 0.4}, {1, 0.6}, {3, 0.8}} {
		if got := metrics.EmpiricalCDF(values, c.x); got != c.want {
			t.Errorf("EmpiricalCDF(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := metrics.EmpiricalCDF(nil, 0); !math.IsNaN(got) {
		t.Errorf("no values: %v, want NaN", got)
	}
}

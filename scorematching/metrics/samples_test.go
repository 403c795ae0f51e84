package metrics_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestRadiusMoments checks a hand case (radii 5 and 1: mean 3, std sqrt(8)) and the ring: R = 1
// and std 0.1 within 5 standard errors for 20,000 points (0.1/sqrt(n) on the mean, 0.1/sqrt(2n)
// on the std).
func TestRadiusMoments(t *testing.T) {
	m, s := metrics.RadiusMoments([][]float64{{3, 4}, {0, 1}})
	if m != 3 || math.Abs(s-math.Sqrt(8)) > 1e-15 {
		t.Errorf("RadiusMoments of radii 5 and 1 = %v, %v; want 3, sqrt(8)", m, s)
	}
	const n = 20000
	pts := mustPts(toy.BlogRing.Sample(n, 11))
	m, s = metrics.RadiusMoments(pts)
	if math.Abs(m-1) > 5*0.1/math.Sqrt(n) || math.Abs(s-0.1) > 5*0.1/math.Sqrt(2*n) {
		t.Errorf("ring radius moments %.4f, %.4f; want 1 and 0.1", m, s)
	}
	if m, s := metrics.RadiusMoments(nil); !math.IsNaN(m) || !math.IsNaN(s) {
		t.Errorf("RadiusMoments(nil) = %v, %v; want NaN, NaN", m, s)
	}
}

// TestAngleKS checks the statistic on a hand case (angles -pi/2 and pi/2, i.e. u = 1/4 and 3/4:
// D = 1/4), that ring samples pass (p > 0.01, seed fixed), that angles confined to a quarter turn
// fail (u in [1/2, 3/4], so D = 1/2; p < 1e-6), and the calibration of the p-value: over 400
// samples of 200 uniform angles the fraction with p < 0.05 must be 0.05 within 4 binomial standard
// errors (0.011). (Measured over 10,000 samples: 0.0505, 0.0509, 0.0542 at n = 20, 200, 2000; and
// 0.0099, 0.0103, 0.0097 for p < 0.01.)
func TestAngleKS(t *testing.T) {
	d, _ := metrics.AngleKS([][]float64{{0, -1}, {0, 2}})
	if math.Abs(d-0.25) > 1e-15 {
		t.Errorf("D for u = 1/4, 3/4: %v, want 0.25", d)
	}
	ring := mustPts(toy.BlogRing.Sample(2000, 3))
	d, p := metrics.AngleKS(ring)
	t.Logf("ring, n = 2000: D = %.4f, p = %.3f", d, p)
	if !(p > 0.01) {
		t.Errorf("ring angles rejected: D = %.4f, p = %.3g", d, p)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	quarter := make([][]float64, 2000)
	for i := range quarter {
		a := rng.Float64() * math.Pi / 2
		quarter[i] = []float64{math.Cos(a), math.Sin(a)}
	}
	d, p = metrics.AngleKS(quarter)
	if math.Abs(d-0.5) > 0.01 || !(p < 1e-6) {
		t.Errorf("angles in [0, pi/2]: D = %.4f, p = %.3g; want D = 0.5 and p < 1e-6", d, p)
	}
	const reps = 400
	rejected := 0
	for range reps {
		pts := make([][]float64, 200)
		for i := range pts {
			a := -math.Pi + 2*math.Pi*rng.Float64()
			pts[i] = []float64{math.Cos(a), math.Sin(a)}
		}
		if _, p := metrics.AngleKS(pts); p < 0.05 {
			rejected++
		}
	}
	frac := float64(rejected) / reps
	t.Logf("p < 0.05 in %d of %d uniform samples (%.3f)", rejected, reps, frac)
	if math.Abs(frac-0.05) > 4*math.Sqrt(0.05*0.95/reps) {
		t.Errorf("p < 0.05 for %.3f of uniform samples, want 0.05", frac)
	}
	if d, p := metrics.AngleKS(nil); !math.IsNaN(d) || !math.IsNaN(p) {
		t.Errorf("AngleKS(nil) = %v, %v; want NaN, NaN", d, p)
	}
}

// TestNearestFractions checks a hand case and the errors.
func TestNearestFractions(t *testing.T) {
	f, err := metrics.NearestFractions([][]float64{{-4, -6}, {5, 4}, {1, 0.5}, {-0.1, -0.2}}, [][]float64{{-5, -5}, {5, 5}})
	if err != nil || len(f) != 2 || f[0] != 0.5 || f[1] != 0.5 {
		t.Errorf("fractions %v, %v; want [0.5 0.5]", f, err)
	}
	for _, tc := range []struct {
		pts, centres [][]float64
		want         string
	}{
		{nil, [][]float64{{0}}, "no points"},
		{[][]float64{{0}}, nil, "no centres"},
		{[][]float64{{0}}, [][]float64{{0}, {1, 2}}, "centre 1 has 2 coordinates"},
		{[][]float64{{0, 1}}, [][]float64{{0}}, "point 0 has 2 coordinates"},
	} {
		if _, err := metrics.NearestFractions(tc.pts, tc.centres); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NearestFractions(%v, %v): error %v, want one containing %q", tc.pts, tc.centres, err, tc.want)
		}
	}
}

package toy_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/toy"
)

// mixtures1D are the mixtures the tests below check: the default, the registry variant of
// dataset_test.go, and one with a tiny weight and a narrow component far from the other (where
// the posterior switches sharply, and float64 underflow would show in a naive formula).
func mixtures1D(t *testing.T) map[string]toy.Mixture1D {
	t.Helper()
	out := map[string]toy.Mixture1D{"default": toy.DefaultMixture1D}
	for label, params := range map[string]map[string]float64{"variant": variants["mixture1d"],
		"lopsided": {"weight": 0.02, "mean1": 5, "mean2": -1, "std1": 0.1, "std2": 1.5}} {
		out[label] = mustNew(t, "mixture1d", params).(toy.Mixture1D)
	}
	return out
}

// TestMixture1DScoreIsGradient compares ScoreAt with central finite differences of
// LogDensityAt, (log p(x + h) - log p(x - h)) / (2h), h = 1e-5, at 201 points spread over
// Bounds (far into the tails, where the score is large) and at 60 samples. Truncation error
// h^2/6 |d^3 log p|: log p is quadratic within a component, so d^3 log p is only large where the
// posterior switches from one component to the other, about (jump of s) x (slope of the log
// ratio of the components)^2; for the lopsided mixture that is about 40 x 40^2 = 6e4, an error of
// 1e-6. Round-off: eps |log p| / h <= 2e-16 x 100 / 1e-5 = 2e-9 (|log p| < 100 within Bounds).
// Tolerance 1e-5 max(1, |s|); measured worst 9e-9.
func TestMixture1DScoreIsGradient(t *testing.T) {
	const h, tol = 1e-5, 1e-5
	for label, m := range mixtures1D(t) {
		lo, hi := m.Bounds()
		xs := toy.Linspace(lo, hi, 201)
		xs = append(xs, toy.Values1D(mustSample(t, m, 60, 4))...)
		worst := 0.0
		for _, x := range xs {
			s := m.ScoreAt(x)
			fd := (m.LogDensityAt(x+h) - m.LogDensityAt(x-h)) / (2 * h)
			e := math.Abs(fd-s) / math.Max(1, math.Abs(s))
			worst = math.Max(worst, e)
			if !(e <= tol) {
				t.Errorf("%s at x = %g: score %.10g, finite difference %.10g", label, x, s, fd)
			}
			// The slice methods of the Analytic interface are the same functions.
			if got := m.Score([]float64{x}); len(got) != 1 || got[0] != s {
				t.Errorf("%s: Score([%g]) = %v, ScoreAt = %v", label, x, got, s)
			}
			if got, want := m.LogDensity([]float64{x}), m.LogDensityAt(x); got != want {
				t.Errorf("%s: LogDensity([%g]) = %v, LogDensityAt = %v", label, x, got, want)
			}
		}
		t.Logf("%s: worst relative error vs finite differences %.3g", label, worst)
	}
}

// TestMixture1DClosedForms checks the density and score formulas against the components
// written out here independently, at a few points; the log-density far in a tail, where p
// underflows; and the score far out, where it is the component with the heavier tail's own
// -(x - mu)/sigma^2.
func TestMixture1DClosedForms(t *testing.T) {
	m := toy.DefaultMixture1D // 0.3 N(-2, 0.25) + 0.7 N(2, 1).
	normal := func(x, mu, s float64) float64 {
		return math.Exp(-(x-mu)*(x-mu)/(2*s*s)) / (s * math.Sqrt(2*math.Pi))
	}
	for _, x := range []float64{-3, -2, -0.5, 0, 1, 2, 4} {
		n1, n2 := 0.3*normal(x, -2, 0.5), 0.7*normal(x, 2, 1)
		p := n1 + n2
		s := (n1*(-2-x)/0.25 + n2*(2-x)/1) / p
		if got := m.DensityAt(x); math.Abs(got-p) > 1e-14*math.Max(p, 1e-300)+1e-300 {
			t.Errorf("DensityAt(%g) = %.15g, want %.15g", x, got, p)
		}
		if got := m.ScoreAt(x); math.Abs(got-s) > 1e-12*math.Max(1, math.Abs(s)) {
			t.Errorf("ScoreAt(%g) = %.15g, want %.15g", x, got, s)
		}
		if got := m.Posterior(x); math.Abs(got-n1/p) > 1e-14 {
			t.Errorf("Posterior(%g) = %.15g, want %.15g", x, got, n1/p)
		}
		if got, want := m.Unnormalized(x), p*math.Sqrt(2*math.Pi); math.Abs(got-want) > 1e-14*want {
			t.Errorf("Unnormalized(%g) = %.15g, want p Z = %.15g", x, got, want)
		}
	}
	// At x = 60, p underflows (exp(-1682)): log p is still finite, the right component's.
	if got, want := m.LogDensityAt(60), math.Log(0.7)-0.5*math.Log(2*math.Pi)-58*58/2.0; math.Abs(got-want) > 1e-12*math.Abs(want) {
		t.Errorf("LogDensityAt(60) = %.15g, want %.15g", got, want)
	}
	if got := m.ScoreAt(60); got != -58 {
		t.Errorf("ScoreAt(60) = %v, want -58", got)
	}
	// Far out on the left too, the wide component wins: its tail is the heavier one.
	if got := m.ScoreAt(-40); math.Abs(got-42) > 1e-9 {
		t.Errorf("ScoreAt(-40) = %v, want 42, the wide component's (2 + 40) / 1", got)
	}
	// A component's mean is not the mixture's mode, but the score there is small next to its
	// scale 1/sigma: the other component barely reaches it.
	if s := m.ScoreAt(-2); math.Abs(s) > 0.1 {
		t.Errorf("ScoreAt(-2) = %v, want about 0", s)
	}
}

// TestMixture1DQuadrature checks Expect and the closed forms it should reproduce: the density
// integrates to 1 (Simpson, and a midpoint sum on 2 million cells independently of Expect);
// E x and Var x match Mean and Variance; Z = integral of q is sqrt(2 pi); CDF(x) is the integral
// of p up to x (the mass below Bounds' lo, under 3e-19, is left out); and Hyvarinen's
// identity in one dimension, E[s'] = -E[s^2] (integration by parts), with s' by central
// differences. Tolerances 1e-9 relative (Simpson with h = sigma/20 is exact to about 1e-12 on
// these Gaussians).
func TestMixture1DQuadrature(t *testing.T) {
	for label, m := range mixtures1D(t) {
		if mass := m.Expect(func(float64) float64 { return 1 }); math.Abs(mass-1) > 1e-9 {
			t.Errorf("%s: integral of p = %.12g, want 1", label, mass)
		}
		lo, hi := m.Bounds()
		const cells = 2_000_000
		w := (hi - lo) / cells
		var mid float64
		for i := range cells {
			mid += m.DensityAt(lo+(float64(i)+0.5)*w) * w
		}
		if math.Abs(mid-1) > 1e-9 {
			t.Errorf("%s: midpoint sum of p = %.12g, want 1", label, mid)
		}
		mean := m.Expect(func(x float64) float64 { return x })
		if math.Abs(mean-m.Mean()) > 1e-9*math.Max(1, math.Abs(m.Mean())) {
			t.Errorf("%s: E x = %.12g by quadrature, Mean() = %.12g", label, mean, m.Mean())
		}
		v := m.Expect(func(x float64) float64 { return (x - mean) * (x - mean) })
		if math.Abs(v-m.Variance()) > 1e-9*m.Variance() {
			t.Errorf("%s: Var x = %.12g by quadrature, Variance() = %.12g", label, v, m.Variance())
		}
		z, err := toy.Simpson(m.Unnormalized, lo, hi, 200_000)
		if err != nil || math.Abs(z-m.NormalizingConstant()) > 1e-9 {
			t.Errorf("%s: integral of q = %.12g (%v), want Z = %.12g", label, z, err, m.NormalizingConstant())
		}
		for _, x := range []float64{lo, m.Mean1, (m.Mean1 + m.Mean2) / 2, m.Mean2 + m.Std2, hi} {
			below, err := toy.Simpson(m.DensityAt, lo, x, 100_000)
			if err != nil || math.Abs(m.CDF(x)-below) > 1e-9 {
				t.Errorf("%s: CDF(%g) = %.12g, integral of p up to x = %.12g (%v)", label, x, m.CDF(x), below, err)
			}
		}
		const h = 1e-4
		ds := m.Expect(func(x float64) float64 { return (m.ScoreAt(x+h) - m.ScoreAt(x-h)) / (2 * h) })
		if e2 := m.MeanSquaredScore(); math.Abs(ds+e2) > 1e-6*e2 {
			t.Errorf("%s: E[s'] = %.10g, want -E[s^2] = %.10g", label, ds, -e2)
		}
	}
}

// TestMixture1DSampleMoments checks the sample mean and variance of n = 40,000 points against
// Mean and Variance within 5 standard errors: s/sqrt(n) for the mean, and
// sqrt((m4 - s^4)/n) for the variance (m4 the sample's fourth central moment), so a false alarm
// is below 1e-6 per check. It also checks the fraction of points from component 0.
func TestMixture1DSampleMoments(t *testing.T) {
	const n = 40_000
	for label, m := range mixtures1D(t) {
		pts, labels, err := m.SampleLabeled(n, 21)
		if err != nil {
			t.Fatal(err)
		}
		xs := toy.Values1D(pts)
		var mean float64
		for _, x := range xs {
			mean += x
		}
		mean /= n
		var m2, m4 float64
		for _, x := range xs {
			d := (x - mean) * (x - mean)
			m2 += d
			m4 += d * d
		}
		m2, m4 = m2/n, m4/n
		if se := math.Sqrt(m2 / n); math.Abs(mean-m.Mean()) > 5*se {
			t.Errorf("%s: sample mean %.5g, want %.5g +- 5*%.3g", label, mean, m.Mean(), se)
		}
		if se := math.Sqrt((m4 - m2*m2) / n); math.Abs(m2-m.Variance()) > 5*se {
			t.Errorf("%s: sample variance %.5g, want %.5g +- 5*%.3g", label, m2, m.Variance(), se)
		}
		var k0 float64
		for _, k := range labels {
			if k == 0 {
				k0++
			}
		}
		if se := math.Sqrt(m.Weight * (1 - m.Weight) / n); math.Abs(k0/n-m.Weight) > 5*se {
			t.Errorf("%s: share of component 0 = %.4f, want %.4f +- 5*%.4f", label, k0/n, m.Weight, se)
		}
	}
}

func TestMixture1DValidate(t *testing.T) {
	if _, err := toy.NewMixture1D(0.3, -2, 2, 0.5, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m    toy.Mixture1D
		want string
	}{
		{toy.Mixture1D{Weight: 0, Std1: 1, Std2: 1}, "weight"},
		{toy.Mixture1D{Weight: 1.5, Std1: 1, Std2: 1}, "weight"},
		{toy.Mixture1D{Weight: 0.5, Mean1: math.NaN(), Std1: 1, Std2: 1}, "mean1"},
		{toy.Mixture1D{Weight: 0.5, Std1: math.Inf(1), Std2: 1}, "std1"},
		{toy.Mixture1D{Weight: 0.5, Std1: 1}, "std2"},
	} {
		err := c.m.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", c.m, err, c.want)
		}
		if pts, err := c.m.Sample(10, 0); err == nil || pts != nil {
			t.Errorf("Sample of %+v: %d points, error %v", c.m, len(pts), err)
		}
	}
}

// TestSimpson checks the rule on integrals known in closed form: a cubic (exact for any even n),
// sin on [0, pi] (error pi^5/(180 n^4), checked to fall 16-fold when n doubles), and the bad
// arguments.
func TestSimpson(t *testing.T) {
	cubic := func(x float64) float64 { return 4*x*x*x - 3*x*x + 2*x - 1 } // Integral on [-1, 2]: [x^4 - x^3 + x^2 - x] = 10 - 4.
	if got, err := toy.Simpson(cubic, -1, 2, 2); err != nil || math.Abs(got-6) > 1e-12 {
		t.Errorf("cubic: %v, %v; want 6", got, err)
	}
	var prev float64
	for _, n := range []int{8, 16, 32} {
		got, err := toy.Simpson(math.Sin, 0, math.Pi, n)
		if err != nil {
			t.Fatal(err)
		}
		e := math.Abs(got - 2)
		if bound := math.Pow(math.Pi, 5) / (180 * math.Pow(float64(n), 4)); e > bound {
			t.Errorf("sin, n = %d: error %.3g above the bound %.3g", n, e, bound)
		}
		if prev > 0 && math.Abs(prev/e-16) > 0.5 {
			t.Errorf("sin, n = %d: error fell %.2f-fold, want about 16", n, prev/e)
		}
		prev = e
	}
	if got, err := toy.Simpson(math.Exp, 1, 1, 2); err != nil || got != 0 {
		t.Errorf("empty interval: %v, %v", got, err)
	}
	for _, c := range []struct {
		a, b float64
		n    int
		want string
	}{{0, 1, 3, "even"}, {0, 1, 0, "even"}, {1, 0, 2, "interval"}, {math.NaN(), 1, 2, "interval"}, {0, math.Inf(1), 2, "interval"}} {
		if _, err := toy.Simpson(math.Exp, c.a, c.b, c.n); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Simpson(exp, %v, %v, %d): error %v, want one about the %s", c.a, c.b, c.n, err, c.want)
		}
	}
}

func TestLinspaceAndPoints1D(t *testing.T) {
	xs := toy.Linspace(-1, 2, 4)
	if len(xs) != 4 || xs[0] != -1 || xs[1] != 0 || xs[2] != 1 || xs[3] != 2 {
		t.Errorf("Linspace(-1, 2, 4) = %v", xs)
	}
	if got := toy.Linspace(0.1, 0.7, 7); got[6] != 0.7 {
		t.Errorf("Linspace ends at %v, want exactly 0.7", got[6])
	}
	if got := toy.Linspace(3, 4, 1); len(got) != 1 || got[0] != 3 {
		t.Errorf("Linspace(3, 4, 1) = %v", got)
	}
	if got := toy.Linspace(3, 4, 0); got != nil {
		t.Errorf("Linspace(3, 4, 0) = %v", got)
	}
	pts := toy.Points1D(xs)
	if len(pts) != 4 || len(pts[2]) != 1 || pts[2][0] != 1 {
		t.Errorf("Points1D = %v", pts)
	}
	back := toy.Values1D(append(pts, nil))
	if len(back) != 5 || back[3] != 2 || !math.IsNaN(back[4]) {
		t.Errorf("Values1D = %v, want the values and NaN for an empty point", back)
	}
}

// TestDensityFromScore recovers the mixture's density from its score on a grid of 2001 points over
// [-5, 6]: the trapezoid rule's error is O(h^2) with h = 0.0055, and the result is the density
// conditioned on the window (its mass there, CDF(6) - CDF(-5), divides p). Tolerance 1e-4 of the
// peak density.
func TestDensityFromScore(t *testing.T) {
	m := toy.DefaultMixture1D
	xs := toy.Linspace(-5, 6, 2001)
	s := make([]float64, len(xs))
	for i, x := range xs {
		s[i] = m.ScoreAt(x)
	}
	p, err := toy.DensityFromScore(xs, s)
	if err != nil {
		t.Fatal(err)
	}
	mass := m.CDF(6) - m.CDF(-5)
	worst := 0.0
	for i, x := range xs {
		worst = math.Max(worst, math.Abs(p[i]-m.DensityAt(x)/mass))
	}
	if worst > 1e-4*0.28 {
		t.Errorf("largest error of the recovered density %.3g, want below %.3g", worst, 1e-4*0.28)
	}
	t.Logf("largest error %.3g", worst)
	for _, c := range []struct {
		xs, s []float64
		want  string
	}{
		{[]float64{0}, []float64{0}, "at least 2"},
		{[]float64{0, 1}, []float64{0}, "one score per point"},
		{[]float64{0, 1, 1}, []float64{0, 0, 0}, "increase"},
		{[]float64{0, 1}, []float64{0, math.NaN()}, "not finite"},
	} {
		if _, err := toy.DensityFromScore(c.xs, c.s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DensityFromScore(%v, %v): error %v, want one saying %q", c.xs, c.s, err, c.want)
		}
	}
}

func TestTabulatedCDF(t *testing.T) {
	xs := []float64{0, 1, 2, 4}
	p := []float64{0, 1, 1, 0} // A trapezoid: mass 0.5 + 1 + 1 = 2.5.
	for _, c := range []struct{ x, want float64 }{
		{-1, 0}, {0, 0}, {0.5, 0.125}, {1, 0.5}, {1.5, 1}, {2, 1.5}, {3, 2.25}, {4, 2.5}, {9, 2.5},
	} {
		if got := toy.TabulatedCDF(xs, p, c.x); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("TabulatedCDF(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := toy.TabulatedCDF([]float64{1}, []float64{1}, 2); got != 0 {
		t.Errorf("one point: %v, want 0", got)
	}
	// On the mixture's tabulated density, the mass below 0 is its CDF there (within the window).
	m := toy.DefaultMixture1D
	xs = toy.Linspace(-8, 12, 4001)
	p = make([]float64, len(xs))
	for i, x := range xs {
		p[i] = m.DensityAt(x)
	}
	if got, want := toy.TabulatedCDF(xs, p, 0), m.CDF(0); math.Abs(got-want) > 1e-5 {
		t.Errorf("mass of the mixture below 0: %.6f from the table, CDF(0) = %.6f", got, want)
	}
}

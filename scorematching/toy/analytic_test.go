package toy_test

import (
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/toy"
)

// analyticCases returns the registered data sets (defaults and variants) that have a
// closed-form score. The data sets without one must not implement Analytic: their names are
// listed here so that a new data set is classified on purpose.
func analyticCases(t *testing.T) []testCase {
	t.Helper()
	wantAnalytic := map[string]bool{"ring": true, "rings": true, "gaussian": true, "2gaussians": true, "8gaussians": true, "circles": true, "mixture1d": true,
		"moons": false, "swissroll": false, "pinwheel": false, "2spirals": false, "checkerboard": false, "line": false, "sine": false}
	var out []testCase
	for _, c := range allCases(t) {
		want, ok := wantAnalytic[c.name]
		if !ok {
			t.Errorf("%s: say in analyticCases whether it has a closed-form score", c.name)
		}
		_, is := mustNew(t, c.name, c.params).(toy.Analytic)
		if is != want {
			t.Errorf("%s: implements Analytic = %v, want %v", c.label, is, want)
		}
		if is {
			out = append(out, c)
		}
	}
	return out
}

// TestAnalyticScoreIsGradient compares Score with central finite differences of LogDensity,
// (log p(x + h e_d) - log p(x - h e_d)) / (2h), at 60 points drawn from each data set and, for
// 2-D ones, at the 49 points of a 7 x 7 grid over twice the sample's bounding box (off the data,
// where the score is large). h = 1e-5.
//
// Truncation error: h^2/6 |d^3 log p|. The third derivative is largest where the posterior
// switches between two components; for the sharpest case here (rings with std 0.08 and 0.75
// between rings) the radial score changes by 0.75/0.08^2 = 117 over a width of about
// 0.08^2/0.75 = 0.0085, so |d^3 log p| <= 117/0.0085^2 = 1.6e6 and the error is <= 2.7e-5 where
// |s| is about 58: a relative 5e-7. Round-off error: eps |log p| / h <= 2.2e-16 * 1e4 / 1e-5 =
// 2.2e-7 (|log p| < 1e4 on these points). Tolerance: 1e-5 max(1, |s|), 20 times the larger of
// the two (measured worst: 2.4e-8).
func TestAnalyticScoreIsGradient(t *testing.T) {
	const h, tol = 1e-5, 1e-5
	for _, c := range analyticCases(t) {
		a := mustNew(t, c.name, c.params).(toy.Analytic)
		pts := mustSample(t, a, 60, 3)
		if a.Dim() == 2 {
			lo, hi := box(pts)
			for i := range 7 {
				for j := range 7 {
					x := lo[0] + (hi[0]-lo[0])*(float64(i)-1.5)/3
					y := lo[1] + (hi[1]-lo[1])*(float64(j)-1.5)/3
					if x != 0 || y != 0 {
						pts = append(pts, []float64{x, y})
					}
				}
			}
		}
		worst := 0.0
		for _, x := range pts {
			s := a.Score(x)
			if len(s) != len(x) {
				t.Fatalf("%s: Score(%v) has %d coordinates", c.label, x, len(s))
			}
			for d := range x {
				xp := append([]float64(nil), x...)
				xm := append([]float64(nil), x...)
				xp[d] += h
				xm[d] -= h
				fd := (a.LogDensity(xp) - a.LogDensity(xm)) / (2 * h)
				e := math.Abs(fd-s[d]) / math.Max(1, math.Abs(s[d]))
				worst = math.Max(worst, e)
				if !(e <= tol) {
					t.Errorf("%s at %v: Score[%d] = %.10g, finite difference %.10g", c.label, x, d, s[d], fd)
				}
			}
		}
		t.Logf("%s: worst relative error vs finite differences %.3g", c.label, worst)
	}
}

// box returns the bounding box of points.
func box(points [][]float64) (lo, hi []float64) {
	lo = append([]float64(nil), points[0]...)
	hi = append([]float64(nil), points[0]...)
	for _, p := range points {
		for j, v := range p {
			lo[j] = math.Min(lo[j], v)
			hi[j] = math.Max(hi[j], v)
		}
	}
	return lo, hi
}

// TestLogDensityIntegratesToOne sums exp(LogDensity) times the cell area over the cell centres
// of a grid on [-B, B]^2, for every 2-D analytic data set. The step is a third of the data set's
// smallest std: for a smooth density the midpoint sum then differs from the integral by the
// density's Fourier transform at 2 pi / h (Poisson summation), about exp(-2 pi^2 std^2 / h^2) =
// exp(-18 pi^2) ~ 1e-77 for a Gaussian profile. B is the farthest centre or ring plus 8 stds, so
// the mass outside the box is below exp(-32) ~ 1e-14. The singular points of the rings (1/r at
// the origin, weight exp(-R^2/(2 std^2)) <= 1e-9 here) are never on the grid (it uses cell
// centres, and the origin is a cell corner). Ring and Rings miss the mass of the negative radii
// that their density ignores, Phi(-R/std) <= 2e-11 here. Tolerance: 1e-6 on the total mass.
func TestLogDensityIntegratesToOne(t *testing.T) {
	for _, c := range analyticCases(t) {
		a := mustNew(t, c.name, c.params).(toy.Analytic)
		if a.Dim() != 2 {
			continue
		}
		p := a.Params()
		var reach, std float64 // Farthest mode from the origin, smallest std.
		switch c.name {
		case "ring", "rings", "circles":
			reach, std = p["radius"], p["std"]
		case "gaussian":
			reach, std = 0, p["std"]
		case "2gaussians":
			reach, std = p["offset"]*math.Sqrt2, p["std"]
		case "8gaussians":
			reach, std = p["radius"], p["std"]
		default:
			t.Fatalf("%s: no grid for the integral: add one", c.label)
		}
		b := reach + 8*std
		cells := 2 * int(math.Ceil(b/(std/3))) // Even, so the origin is a cell corner.
		h := 2 * b / float64(cells)
		var mass float64
		x := make([]float64, 2)
		for i := range cells {
			x[0] = -b + (float64(i)+0.5)*h
			for j := range cells {
				x[1] = -b + (float64(j)+0.5)*h
				mass += math.Exp(a.LogDensity(x))
			}
		}
		mass *= h * h
		if math.Abs(mass-1) > 1e-6 {
			t.Errorf("%s: integral of the density over [-%g, %g]^2 = %.9f, want 1 +- 1e-6", c.label, b, b, mass)
		}
		t.Logf("%s: integral %.12f (%d x %d cells of side %.4g)", c.label, mass, cells, cells, h)
	}
}

// TestCirclesDensityByQuadrature checks the Bessel-function density of Circles against its
// definition, the normal density averaged over each circle: p(x) = 1/2 sum_c (1/M) sum_m
// N(x; R_c (cos t_m, sin t_m), std^2 I) with M = 4096 equally spaced angles t_m. The trapezoidal
// rule on a periodic analytic integrand has an error about exp(-M^2 / (2 z)) with
// z = r R_c / std^2 <= 4000 here (points up to radius 10), and z <= 1.1e4 for the circles of
// std 0.01 (points up to radius 1.1): exp(-760) at worst, far below rounding. The sum is taken
// in the log domain (logsumexp) so that far points do not underflow. Tolerance: 1e-10 absolute
// on log p, which allows for rounding in the 4096-term sum.
func TestCirclesDensityByQuadrature(t *testing.T) {
	for _, c := range []toy.Circles{{Radius: 3, Factor: 0.5, Std: 0.24}, {Radius: 2, Factor: 0.3, Std: 0.1}, {Radius: 1, Factor: 0.9, Std: 1}, {Radius: 1, Factor: 0.5, Std: 0.01}} {
		pts := mustSample(t, c, 20, 1)
		pts = append(pts, []float64{0, 0}, []float64{1e-9, 0}, []float64{0, 10}, []float64{-7, 7}, []float64{0.1, -0.2})
		// With std 0.01, z = r R / std^2 crosses 1e4, where the Bessel functions switch to their
		// asymptotic series, at r = 1 for the outer circle: points on both sides of it.
		pts = append(pts, []float64{0.99, 0}, []float64{1.01, 0}, []float64{0, 1.03}, []float64{0.6, 0.8}, []float64{0.55, -0.3})
		const m = 4096
		s2 := c.Std * c.Std
		for _, x := range pts {
			terms := make([]float64, 0, 2*m)
			for _, r := range []float64{c.Radius, c.Factor * c.Radius} {
				for k := range m {
					th := 2 * math.Pi * float64(k) / m
					dx, dy := x[0]-r*math.Cos(th), x[1]-r*math.Sin(th)
					terms = append(terms, -(dx*dx+dy*dy)/(2*s2))
				}
			}
			want := logSumExp(terms) - math.Log(2*m) - math.Log(2*math.Pi*s2)
			if got := c.LogDensity(x); math.Abs(got-want) > 1e-10 {
				t.Errorf("%+v at %v: LogDensity = %.15g, quadrature %.15g", c, x, got, want)
			}
		}
	}
}

func logSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	var s float64
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

// TestScoreAtOriginAndFarAway checks that the radial data sets give a zero score at the origin
// (Ring's convention; for circles it is the true limit) and finite scores that point inwards far
// away (for circles, where the Bessel functions use their asymptotic series, z > 1e4).
func TestScoreAtOriginAndFarAway(t *testing.T) {
	for _, name := range []string{"ring", "rings", "circles"} {
		a := mustNew(t, name, nil).(toy.Analytic)
		if s := a.Score([]float64{0, 0}); s[0] != 0 || s[1] != 0 {
			t.Errorf("%s: Score(0, 0) = %v, want (0, 0)", name, s)
		}
		for _, x := range [][]float64{{1e3, 0}, {-3e4, 4e4}} {
			s, l := a.Score(x), a.LogDensity(x)
			if math.IsNaN(l) || math.IsInf(l, 0) || math.IsNaN(s[0]) || math.IsInf(s[0], 0) || math.IsNaN(s[1]) || math.IsInf(s[1], 0) {
				t.Errorf("%s at %v: log p = %v, score %v: want finite", name, x, l, s)
			}
			// Far away, every component pulls towards its circle like a normal of that std:
			// the score is about -(r - R) / std^2 along x/r, so it points to the origin.
			if s[0]*x[0]+s[1]*x[1] >= 0 {
				t.Errorf("%s at %v: score %v does not point inwards", name, x, s)
			}
		}
	}
}

// TestGaussianScore checks the one-component mixture against the closed forms of N(0, std^2 I)
// in 5 dimensions: log p = -||x||^2/(2 std^2) - (d/2) log(2 pi std^2), s = -x/std^2.
func TestGaussianScore(t *testing.T) {
	g, err := toy.NewIsotropicGaussian(5, 2)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.5, -1, 2, 0, 3}
	var q float64
	for _, v := range x {
		q += v * v
	}
	if got, want := g.LogDensity(x), -q/8-2.5*math.Log(8*math.Pi); math.Abs(got-want) > 1e-12 {
		t.Errorf("LogDensity = %.15g, want %.15g", got, want)
	}
	for i, v := range g.Score(x) {
		if math.Abs(v+x[i]/4) > 1e-15 {
			t.Errorf("Score[%d] = %g, want %g", i, v, -x[i]/4)
		}
	}
}

package toy_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/toy"
)

// phi is the standard normal distribution function.
func phi(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// checkMismatches fails if more than the expected share of points is assigned to another
// component than the one it was drawn from. pMis is an upper bound on the probability of a
// mismatch for one point; the count allowed is n pMis + 5 sqrt(n pMis) + 1 (5 standard errors of
// a binomial count, plus one so that pMis = 0 still allows a point exactly between two
// components).
func checkMismatches(t *testing.T, label string, got, want []int, pMis float64) {
	t.Helper()
	var mis int
	for i := range got {
		if got[i] != want[i] {
			mis++
		}
	}
	n := float64(len(got))
	if allowed := n*pMis + 5*math.Sqrt(n*pMis) + 1; float64(mis) > allowed {
		t.Errorf("%s: %d of %d points assigned to another component than their own, want <= %.1f", label, mis, len(got), allowed)
	}
}

// TestRingRadiusStats checks the radius moments (metrics.RadiusMoments) of n = 100,000 points
// of the ring: mean radius within 5 standard errors std/sqrt(n) of Radius, radius std within
// 5 std/sqrt(2n) of Std (normal data; the fold of negative radii is negligible, Phi(-10)).
func TestRingRadiusStats(t *testing.T) {
	const n = 100_000
	ring := mustNew(t, "ring", nil).(toy.Ring)
	mean, std := metrics.RadiusMoments(mustSample(t, ring, n, 2))
	if se := ring.Std / math.Sqrt(n); math.Abs(mean-ring.Radius) > 5*se {
		t.Errorf("mean radius %g, want %g +- 5*%g", mean, ring.Radius, se)
	}
	if se := ring.Std / math.Sqrt(2*n); math.Abs(std-ring.Std) > 5*se {
		t.Errorf("radius std %g, want %g +- 5*%g", std, ring.Std, se)
	}
}

// TestRingsPerRing draws n = 40,000 points of Rings and checks, ring by ring (by label), the mean
// radius within 5 std/sqrt(n_k) of R_k and the radius std within 5 std/sqrt(2 n_k) of Std. It
// also checks Assignments against the labels: a point is given to a neighbouring ring only if
// its radial noise exceeds half the gap between rings, probability <= 2 Phi(-gap/(2 std)); and
// RingFractions within 5 standard errors sqrt(p(1-p)/n) of 1/Count, plus that probability.
func TestRingsPerRing(t *testing.T) {
	const n = 40_000
	for _, params := range []map[string]float64{nil, variants["rings"]} {
		r := mustNew(t, "rings", params).(toy.Rings)
		pts, labels, err := r.SampleLabeled(n, 4)
		if err != nil {
			t.Fatal(err)
		}
		radii := r.Radii()
		if len(radii) != r.Count || radii[r.Count-1] != r.Radius {
			t.Fatalf("%+v: Radii() = %v", r, radii)
		}
		for k, rk := range radii {
			var ring [][]float64
			for i, p := range pts {
				if labels[i] == k {
					ring = append(ring, p)
				}
			}
			nk := float64(len(ring))
			mean, std := metrics.RadiusMoments(ring)
			if se := r.Std / math.Sqrt(nk); math.Abs(mean-rk) > 5*se {
				t.Errorf("%+v ring %d: mean radius %g, want %g +- 5*%g", r, k, mean, rk, se)
			}
			if se := r.Std / math.Sqrt(2*nk); math.Abs(std-r.Std) > 5*se {
				t.Errorf("%+v ring %d: radius std %g, want %g +- 5*%g", r, k, std, r.Std, se)
			}
		}
		gap := r.Radius / float64(r.Count)
		pMis := 2 * phi(-gap/(2*r.Std))
		checkMismatches(t, "rings", r.Assignments(pts), labels, pMis)
		p := 1 / float64(r.Count)
		for k, f := range r.RingFractions(pts) {
			if se := math.Sqrt(p * (1 - p) / n); math.Abs(f-p) > 5*se+pMis {
				t.Errorf("%+v: RingFractions[%d] = %.4f, want %.4f +- (5*%.4f + %.2g)", r, k, f, p, se, pMis)
			}
		}
	}
}

// TestMixtureComponents draws n = 40,000 points of each registered mixture and checks: per
// component (by label), the mean of each coordinate within 5 std/sqrt(n_k) of the centre;
// Assignments against the labels (a point is nearer another centre only if its noise along the
// line between the two centres exceeds half their distance d: probability <= (K-1) Phi(-d/(2
// std)) with d the smallest distance between centres, for equal stds and weights; for unequal
// weights the boundary moves by std^2 log(w_1/w_2)/d, which the bound adds); ComponentFractions
// within 5 standard errors of the weights plus that probability; Posterior sums to 1.
func TestMixtureComponents(t *testing.T) {
	const n = 40_000
	for _, c := range []testCase{
		{"2gaussians/default", "2gaussians", nil}, {"2gaussians/variant", "2gaussians", variants["2gaussians"]},
		{"8gaussians/default", "8gaussians", nil}, {"8gaussians/variant", "8gaussians", variants["8gaussians"]},
	} {
		g := mustNew(t, c.name, c.params).(toy.GaussianMixture)
		pts, labels, err := g.SampleLabeled(n, 8)
		if err != nil {
			t.Fatal(err)
		}
		k := g.Components()
		for comp := range k {
			var sx, sy, nk float64
			for i, p := range pts {
				if labels[i] == comp {
					sx += p[0]
					sy += p[1]
					nk++
				}
			}
			se := g.Stds[comp] / math.Sqrt(nk)
			if mx, my := sx/nk, sy/nk; math.Abs(mx-g.Means[comp][0]) > 5*se || math.Abs(my-g.Means[comp][1]) > 5*se {
				t.Errorf("%s component %d: mean (%g, %g), want %v +- 5*%g", c.label, comp, mx, my, g.Means[comp], se)
			}
		}
		d := math.Inf(1)
		for i := range k {
			for j := range i {
				d = math.Min(d, math.Hypot(g.Means[i][0]-g.Means[j][0], g.Means[i][1]-g.Means[j][1]))
			}
		}
		std := g.Stds[0]
		w := g.ComponentWeights()
		shift := std * std * math.Abs(math.Log(slices.Max(w)/slices.Min(w))) / d
		pMis := float64(k-1) * phi(-(d/2-shift)/std)
		checkMismatches(t, c.label, g.Assignments(pts), labels, pMis)
		for comp, f := range g.ComponentFractions(pts) {
			if se := math.Sqrt(w[comp] * (1 - w[comp]) / n); math.Abs(f-w[comp]) > 5*se+pMis {
				t.Errorf("%s: ComponentFractions[%d] = %.4f, want %.4f +- (5*%.4f + %.2g)", c.label, comp, f, w[comp], se, pMis)
			}
		}
		for _, p := range pts[:100] {
			if s := sum(g.Posterior(p)); math.Abs(s-1) > 1e-12 {
				t.Fatalf("%s: Posterior(%v) sums to %g", c.label, p, s)
			}
		}
	}
	// The documented defaults of NCSN's toy.
	g := mustNew(t, "2gaussians", nil).(toy.GaussianMixture)
	if !slices.Equal(g.Weights, []float64{0.2, 0.8}) || !slices.Equal(g.Means[0], []float64{-5, -5}) ||
		!slices.Equal(g.Means[1], []float64{5, 5}) || !slices.Equal(g.Stds, []float64{1, 1}) {
		t.Errorf("2gaussians defaults: %+v", g)
	}
}

func TestGaussianMixture(t *testing.T) {
	// A hand-built 3-D mixture: weights are normalised, and it works in any dimension.
	g, err := toy.NewGaussianMixture([][]float64{{0, 0, 0}, {3, 0, 1}}, []float64{1, 0.5}, []float64{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Weights, []float64{0.25, 0.75}) {
		t.Errorf("weights %v, want normalised to (0.25, 0.75)", g.Weights)
	}
	if g.Name() != "gaussian-mixture" || g.Dim() != 3 || g.Params()["components"] != 2 || g.Params()["dim"] != 3 {
		t.Errorf("Name %q, Dim %d, Params %v", g.Name(), g.Dim(), g.Params())
	}
	pts := mustSample(t, g, 10, 0)
	if len(pts[0]) != 3 {
		t.Errorf("points of dimension %d", len(pts[0]))
	}
	cases := []struct {
		means   [][]float64
		stds    []float64
		weights []float64
		want    string
	}{
		{nil, nil, nil, "no components"},
		{[][]float64{{0, 0}}, []float64{1, 1}, []float64{1}, "1 means, 2 stds and 1 weights"},
		{[][]float64{{0, 0}, {1}}, []float64{1, 1}, []float64{1, 1}, "mean 1 has dimension 1"},
		{[][]float64{{0, math.NaN()}}, []float64{1}, []float64{1}, "mean 0 coordinate 1 must be finite, got NaN"},
		{[][]float64{{0, 0}}, []float64{0}, []float64{1}, "std 0 must be positive and finite, got 0"},
		{[][]float64{{0, 0}, {1, 1}}, []float64{1, 1}, []float64{1, -1}, "weight 1 must be positive and finite, got -1"},
		{[][]float64{{}}, []float64{1}, []float64{1}, "dimension 0"},
	}
	for _, c := range cases {
		if _, err := toy.NewGaussianMixture(c.means, c.stds, c.weights); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewGaussianMixture(%v, %v, %v): error %v, want one containing %q", c.means, c.stds, c.weights, err, c.want)
		}
	}
	// Sample validates a hand-built mixture: its weights must sum to 1.
	bad := toy.GaussianMixture{Means: [][]float64{{0}, {1}}, Stds: []float64{1, 1}, Weights: []float64{0.5, 0.6}}
	if _, err := bad.Sample(5, 0); err == nil || !strings.Contains(err.Error(), "sum to 1.1") {
		t.Errorf("Sample of a mixture whose weights sum to 1.1: error %v", err)
	}
}

// TestCircles checks, on n = 20,000 points, that every radius lies in [Factor Radius - 7 std,
// Radius + 7 std] (the noise moves a point by ||std z||, which exceeds 7 std with probability
// exp(-49/2) = 2e-11), and Assignments against the labels: a point can be nearer the other
// circle only if ||std z|| exceeds half the gap, probability <= exp(-(gap/(2 std))^2 / 2).
func TestCircles(t *testing.T) {
	const n = 20_000
	for _, params := range []map[string]float64{nil, variants["circles"]} {
		c := mustNew(t, "circles", params).(toy.Circles)
		pts, labels, err := c.SampleLabeled(n, 6)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := c.Factor*c.Radius-7*c.Std, c.Radius+7*c.Std
		for _, p := range pts {
			if r := math.Hypot(p[0], p[1]); r < lo || r > hi {
				t.Fatalf("%+v: point %v at radius %g, outside [%g, %g]", c, p, r, lo, hi)
			}
		}
		g := (c.Radius - c.Factor*c.Radius) / (2 * c.Std)
		checkMismatches(t, "circles", c.Assignments(pts), labels, math.Exp(-g*g/2))
	}
}

// TestMoons checks the generating process: with Std = 0 every point lies on a moon (Distance 0
// to 1e-12), inside the documented box [-3, 3] x [-1.2, 1.8] for Scale 2, and Assignments
// recovers every label; with noise, Distance is at most the norm of the noise, which exceeds
// 7 std with probability exp(-49/2) = 2e-11 per point (n = 20,000).
func TestMoons(t *testing.T) {
	const n = 20_000
	exact := toy.Moons{Scale: 2, Std: 0}
	pts, labels, err := exact.SampleLabeled(n, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		if d := exact.Distance(p); d > 1e-12 {
			t.Fatalf("noiseless point %v is %g from the moons", p, d)
		}
		if p[0] < -3-1e-12 || p[0] > 3+1e-12 || p[1] < -1.2-1e-12 || p[1] > 1.8+1e-12 {
			t.Fatalf("noiseless point %v outside [-3, 3] x [-1.2, 1.8]", p)
		}
	}
	if got := exact.Assignments(pts); !slices.Equal(got, labels) {
		t.Errorf("Assignments of noiseless points differ from their labels")
	}
	for _, params := range []map[string]float64{nil, variants["moons"]} {
		m := mustNew(t, "moons", params).(toy.Moons)
		for _, p := range mustSample(t, m, n, 4) {
			if d := m.Distance(p); d > 7*m.Std {
				t.Fatalf("%+v: point %v is %g from the moons, more than 7 std", m, p, d)
			}
		}
	}
	// Points off the moons (Scale 1, so unscaled u = x - (-1, -0.2)): u = (0, 3) is 2 from the
	// upper moon (radius 3 from its centre) and 2.5 from the lower one's end (0, 0.5); u = (3, -1)
	// is sqrt(5) from the upper one's end (1, 0) and 2.5 - 1 = 1.5 from the lower moon.
	m := toy.Moons{Scale: 1, Std: 0.1}
	for _, c := range []struct {
		u     []float64
		d     float64
		label int
	}{{[]float64{0, 3}, 2, 0}, {[]float64{3, -1}, 1.5, 1}} {
		x := []float64{c.u[0] - 1, c.u[1] - 0.2}
		if d := m.Distance(x); math.Abs(d-c.d) > 1e-12 {
			t.Errorf("Distance(%v) = %g, want %g", x, d, c.d)
		}
		if got := m.Assignments([][]float64{x}); got[0] != c.label {
			t.Errorf("Assignments(%v) = %d, want %d", x, got[0], c.label)
		}
	}
}

// TestSwissRoll checks that the noiseless spiral's radius Scale t stays in [1.5 pi, 4.5 pi]
// Scale, and with noise within 7 std of it (probability of more: 2e-11 per point).
func TestSwissRoll(t *testing.T) {
	for _, s := range []toy.SwissRoll{{Scale: 0.2, Std: 0}, mustNew(t, "swissroll", nil).(toy.SwissRoll), mustNew(t, "swissroll", variants["swissroll"]).(toy.SwissRoll)} {
		lo, hi := 1.5*math.Pi*s.Scale-7*s.Std-1e-12, 4.5*math.Pi*s.Scale+7*s.Std+1e-12
		for _, p := range mustSample(t, s, 20_000, 1) {
			if r := math.Hypot(p[0], p[1]); r < lo || r > hi {
				t.Fatalf("%+v: point %v at radius %g, outside [%g, %g]", s, p, r, lo, hi)
			}
		}
	}
}

// TestCurvesExact checks the noiseless curves point by point: the line's y = x, the sine's
// y = Amplitude sin(x), and the spirals' x = +-Scale (-t cos t, t sin t) with t = ||x|| / Scale
// in [0, 2 pi Turns] (no jitter, no noise), each within |x| <= Extent.
func TestCurvesExact(t *testing.T) {
	for _, p := range mustSample(t, toy.Line{Extent: 2.5}, 1000, 1) {
		if p[0] != p[1] || math.Abs(p[0]) > 2.5 {
			t.Fatalf("line point %v", p)
		}
	}
	for _, p := range mustSample(t, toy.Sine{Extent: 2.5, Amplitude: 2}, 1000, 1) {
		if p[1] != 2*math.Sin(p[0]) || math.Abs(p[0]) > 2.5 {
			t.Fatalf("sine point %v", p)
		}
	}
	s := toy.TwoSpirals{Turns: 1.5, Scale: 0.5}
	pts, labels, err := s.SampleLabeled(1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pts {
		tt := math.Hypot(p[0], p[1]) / s.Scale
		sign := 1.0
		if labels[i] == 1 {
			sign = -1
		}
		want := []float64{-sign * s.Scale * tt * math.Cos(tt), sign * s.Scale * tt * math.Sin(tt)}
		if tt > 3*math.Pi+1e-9 || math.Hypot(p[0]-want[0], p[1]-want[1]) > 1e-9 {
			t.Fatalf("spiral point %v (label %d) is not on its spiral (t = %g: %v)", p, labels[i], tt, want)
		}
	}
}

// TestCheckerboard checks that every point lies on a black square, that each of the B black
// squares holds a share within 5 standard errors sqrt(p(1-p)/n), p = 1/B, of 1/B, and that
// BlackFraction of points spread uniformly over the board is about B / Size^2.
func TestCheckerboard(t *testing.T) {
	const n = 40_000
	for _, params := range []map[string]float64{nil, variants["checkerboard"]} {
		c := mustNew(t, "checkerboard", params).(toy.Checkerboard)
		pts := mustSample(t, c, n, 7)
		squares := c.BlackSquares()
		b := len(squares)
		if want := (c.Size*c.Size + 1) / 2; b != want {
			t.Errorf("%+v: %d black squares, want %d", c, b, want)
		}
		counts := map[[2]int]int{}
		for _, p := range pts {
			i, j, ok := c.Square(p)
			if !ok || (i+j)%2 != 0 || !c.OnBlack(p) {
				t.Fatalf("%+v: point %v is on square (%d, %d, on board %v), not a black one", c, p, i, j, ok)
			}
			counts[[2]int{i, j}]++
		}
		if f := c.BlackFraction(pts); f != 1 {
			t.Errorf("%+v: BlackFraction of its samples = %g, want 1", c, f)
		}
		p := 1 / float64(b)
		se := math.Sqrt(p * (1 - p) / n)
		for _, sq := range squares {
			if f := float64(counts[sq]) / n; math.Abs(f-p) > 5*se {
				t.Errorf("%+v: square %v holds %.4f of the points, want %.4f +- 5*%.4f", c, sq, f, p, se)
			}
		}
		// Uniform points over the board, from the (independent) Line data set's generator.
		h := float64(c.Size) * c.Cell / 2
		xs := mustSample(t, toy.Line{Extent: h}, n, 1)
		ys := mustSample(t, toy.Line{Extent: h}, n, 2)
		uniform := make([][]float64, n)
		for i := range uniform {
			uniform[i] = []float64{xs[i][0], ys[i][0]}
		}
		q := float64(b) / float64(c.Size*c.Size)
		if f, se := c.BlackFraction(uniform), math.Sqrt(q*(1-q)/n); math.Abs(f-q) > 5*se {
			t.Errorf("%+v: BlackFraction of uniform points = %.4f, want %.4f +- 5*%.4f", c, f, q, se)
		}
	}
	c := toy.Checkerboard{Size: 4, Cell: 2}
	for _, x := range []struct {
		p     []float64
		black bool
	}{{[]float64{-3.9, -3.9}, true}, {[]float64{-1.9, -3.9}, false}, {[]float64{0.5, 0.5}, true}, {[]float64{-0.5, 0.5}, false}, {[]float64{4, 0}, false}, {[]float64{-4.1, -3}, false}} {
		if got := c.OnBlack(x.p); got != x.black {
			t.Errorf("OnBlack(%v) = %v, want %v", x.p, got, x.black)
		}
	}
}

func TestMomentsAndFractions(t *testing.T) {
	mean, cov := toy.Moments([][]float64{{1, 2}, {3, 6}})
	if !slices.Equal(mean, []float64{2, 4}) || !slices.Equal(cov[0], []float64{1, 2}) || !slices.Equal(cov[1], []float64{2, 4}) {
		t.Errorf("Moments = %v, %v", mean, cov)
	}
	if m, c := toy.Moments(nil); m != nil || c != nil {
		t.Errorf("Moments(nil) = %v, %v", m, c)
	}
	if got := toy.Fractions([]int{0, 1, 1, 3, -1}, 2); !slices.Equal(got, []float64{0.2, 0.4}) {
		t.Errorf("Fractions = %v", got)
	}
	if got := toy.Fractions(nil, 2); !slices.Equal(got, []float64{0, 0}) {
		t.Errorf("Fractions(nil) = %v", got)
	}
}

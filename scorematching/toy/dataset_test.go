package toy_test

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/toy"
)

// variants are non-default parameters for every registered data set, so that the tests check
// that each parameter reaches the sampler (and the density), not only the defaults.
var variants = map[string]map[string]float64{
	"ring":         {"radius": 2, "std": 0.3},
	"rings":        {"count": 3, "radius": 2, "std": 0.1},
	"gaussian":     {"dim": 5, "std": 2},
	"2gaussians":   {"weight": 0.7, "offset": 3, "std": 0.5},
	"8gaussians":   {"components": 5, "radius": 3, "std": 0.2},
	"circles":      {"radius": 2, "factor": 0.3, "std": 0.1},
	"mixture1d":    {"weight": 0.6, "mean1": -1, "mean2": 3, "std1": 0.3, "std2": 2},
	"moons":        {"scale": 1, "std": 0.05},
	"swissroll":    {"scale": 0.5, "std": 0.1},
	"pinwheel":     {"arms": 3, "radial_std": 0.2, "tangential_std": 0.05, "rate": 0.5, "scale": 1},
	"2spirals":     {"turns": 2, "scale": 0.5, "jitter": 0, "std": 0.2},
	"checkerboard": {"size": 5, "cell": 1},
	"line":         {"extent": 1, "std": 0.1},
	"sine":         {"extent": 4, "amplitude": 1, "std": 0.1},
}

// testCase is one data set to test: a registered name with its default parameters (params nil)
// or a variant.
type testCase struct {
	label  string
	name   string
	params map[string]float64
}

// allCases returns every registered data set with its defaults and with its variant.
func allCases(t *testing.T) []testCase {
	t.Helper()
	var out []testCase
	for _, name := range toy.Names() {
		v, ok := variants[name]
		if !ok {
			t.Errorf("dataset %q has no variant in the tests: add one", name)
		}
		out = append(out, testCase{name + "/default", name, nil}, testCase{name + "/variant", name, v})
	}
	return out
}

func mustNew(t *testing.T, name string, params map[string]float64) toy.Dataset {
	t.Helper()
	d, err := toy.New(name, params)
	if err != nil {
		t.Fatalf("New(%q, %v): %v", name, params, err)
	}
	return d
}

func mustSample(t *testing.T, d toy.Dataset, n int, seed uint64) [][]float64 {
	t.Helper()
	pts, err := d.Sample(n, seed)
	if err != nil {
		t.Fatalf("%s.Sample(%d, %d): %v", d.Name(), n, seed, err)
	}
	return pts
}

func TestRegistry(t *testing.T) {
	names := toy.Names()
	if len(names) < 10 {
		t.Errorf("only %d datasets: %v", len(names), names)
	}
	for _, want := range []string{"ring", "rings", "2gaussians", "8gaussians", "moons", "swissroll", "circles", "pinwheel", "2spirals", "checkerboard"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v lacks %q", names, want)
		}
	}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			t.Errorf("%q registered twice", name)
		}
		seen[name] = true
		if toy.Describe(name) == "" {
			t.Errorf("Describe(%q) is empty", name)
		}
		params, err := toy.ParamsOf(name)
		if err != nil || len(params) == 0 {
			t.Errorf("ParamsOf(%q) = %v, %v", name, params, err)
		}
		d := mustNew(t, name, nil)
		if d.Name() != name {
			t.Errorf("New(%q).Name() = %q", name, d.Name())
		}
		// The defaults of ParamsOf are what Params returns, name for name.
		got := d.Params()
		want := map[string]float64{}
		for _, p := range params {
			if p.Doc == "" {
				t.Errorf("%s: parameter %s has no doc", name, p.Name)
			}
			want[p.Name] = p.Default
		}
		if !maps.Equal(got, want) {
			t.Errorf("New(%q, nil).Params() = %v, want the defaults %v", name, got, want)
		}
		wantDim := 2
		if name == "mixture1d" { // The one-dimensional warm-up of notebook 00.
			wantDim = 1
		}
		if d.Dim() != wantDim {
			t.Errorf("%s: default Dim() = %d, want %d", name, d.Dim(), wantDim)
		}
	}
	if toy.Describe("nope") != "" {
		t.Errorf("Describe of an unknown name is not empty")
	}
	if _, err := toy.ParamsOf("nope"); err == nil {
		t.Errorf("ParamsOf(nope): no error")
	}
	// The registered ring is the blog's, and keeps Ring's own sampling.
	if d := mustNew(t, "ring", nil); d != toy.Dataset(toy.BlogRing) {
		t.Errorf("New(ring) = %#v, want toy.BlogRing", d)
	}
}

// TestParamsRoundTrip checks that Params gives back the parameters New was given, and that
// New(d.Name(), d.Params()) draws the same points as d.
func TestParamsRoundTrip(t *testing.T) {
	for _, c := range allCases(t) {
		d := mustNew(t, c.name, c.params)
		got := d.Params()
		for k, v := range c.params {
			if got[k] != v {
				t.Errorf("%s: Params()[%s] = %v, want %v", c.label, k, got[k], v)
			}
		}
		d2 := mustNew(t, d.Name(), got)
		a, b := mustSample(t, d, 50, 9), mustSample(t, d2, 50, 9)
		if !equalPoints(a, b) {
			t.Errorf("%s: New(Name(), Params()) draws other points", c.label)
		}
	}
}

func equalPoints(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestSampleContract checks for every data set: same seed, same points; another seed, no point
// in common; n <= 0 is an error with no points; points finite and of dimension Dim(); for a
// Labeled data set, SampleLabeled draws the same points with labels in range.
func TestSampleContract(t *testing.T) {
	const n = 500
	for _, c := range allCases(t) {
		d := mustNew(t, c.name, c.params)
		a := mustSample(t, d, n, 42)
		b := mustSample(t, d, n, 42)
		other := mustSample(t, d, n, 43)
		if len(a) != n {
			t.Errorf("%s: %d points, want %d", c.label, len(a), n)
		}
		if !equalPoints(a, b) {
			t.Errorf("%s: same seed, different points", c.label)
		}
		same := 0
		for i := range a {
			if slices.Equal(a[i], other[i]) {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%s: seeds 42 and 43 share %d of %d points", c.label, same, n)
		}
		for i, p := range a {
			if len(p) != d.Dim() {
				t.Fatalf("%s: point %d has %d coordinates, Dim() = %d", c.label, i, len(p), d.Dim())
			}
			for _, v := range p {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s: point %d = %v is not finite", c.label, i, p)
				}
			}
		}
		for _, bad := range []int{0, -1} {
			pts, err := d.Sample(bad, 0)
			if err == nil || !strings.Contains(err.Error(), "samples") {
				t.Errorf("%s: Sample(%d): error %v, want one about the number of samples", c.label, bad, err)
			}
			if pts != nil {
				t.Errorf("%s: Sample(%d) returned points with its error", c.label, bad)
			}
		}
		if l, ok := d.(toy.Labeled); ok {
			pts, labels, err := l.SampleLabeled(n, 42)
			if err != nil {
				t.Fatal(err)
			}
			if !equalPoints(pts, a) {
				t.Errorf("%s: SampleLabeled draws other points than Sample", c.label)
			}
			if len(labels) != n {
				t.Errorf("%s: %d labels for %d points", c.label, len(labels), n)
			}
			for _, k := range labels {
				if k < 0 || k >= l.Components() {
					t.Fatalf("%s: label %d out of [0, %d)", c.label, k, l.Components())
				}
			}
			if w := l.ComponentWeights(); len(w) != l.Components() || math.Abs(sum(w)-1) > 1e-12 {
				t.Errorf("%s: ComponentWeights %v: want %d weights summing to 1", c.label, w, l.Components())
			}
			if _, _, err := l.SampleLabeled(0, 0); err == nil {
				t.Errorf("%s: SampleLabeled(0): no error", c.label)
			}
		}
	}
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

// expectedMoments returns, from the documented generating process, the mean of the data set's
// points and E||x||^2. Each formula is derived in a comment; they are computed here
// independently of the package's code.
func expectedMoments(t *testing.T, name string, p map[string]float64) (mean []float64, m2 float64) {
	zero := []float64{0, 0}
	switch name {
	case "ring":
		// r = R + std z: E r^2 = R^2 + std^2 (the sign of r does not change r^2).
		return zero, p["radius"]*p["radius"] + p["std"]*p["std"]
	case "rings":
		// The same, averaged over R_k = k R / K.
		k := p["count"]
		var s float64
		for i := 1.0; i <= k; i++ {
			r := i * p["radius"] / k
			s += r * r
		}
		return zero, s/k + p["std"]*p["std"]
	case "gaussian":
		return make([]float64, int(p["dim"])), p["dim"] * p["std"] * p["std"]
	case "2gaussians":
		// w (-a, -a) + (1 - w) (a, a); E||x||^2 = ||mu||^2 + 2 std^2 for either component.
		w, a, s := p["weight"], p["offset"], p["std"]
		m := a * (1 - 2*w)
		return []float64{m, m}, 2*a*a + 2*s*s
	case "8gaussians":
		// Centres evenly spaced on a circle average to 0 (for 2 components or more).
		r, s := p["radius"], p["std"]
		return zero, r*r + 2*s*s
	case "circles":
		// E||R u + std z||^2 = R^2 + 2 std^2, averaged over the two radii.
		r, f, s := p["radius"], p["factor"], p["std"]
		return zero, r*r*(1+f*f)/2 + 2*s*s
	case "mixture1d":
		// w N(mu1, s1^2) + (1 - w) N(mu2, s2^2): E x = w mu1 + (1 - w) mu2, and
		// E x^2 = w (s1^2 + mu1^2) + (1 - w) (s2^2 + mu2^2).
		w, m1, m2, s1, s2 := p["weight"], p["mean1"], p["mean2"], p["std1"], p["std2"]
		return []float64{w*m1 + (1-w)*m2}, w*(s1*s1+m1*m1) + (1-w)*(s2*s2+m2*m2)
	case "moons":
		// Unscaled m: upper (cos t, sin t), lower (1 - cos t, 1/2 - sin t), t ~ U[0, pi]:
		// E cos t = 0, E sin t = 2/pi, so E m = ((0 + 1)/2, (2/pi + 1/2 - 2/pi)/2) = (1/2, 1/4).
		// E||m||^2: upper 1; lower E[1 - 2 cos + cos^2 + 1/4 - sin + sin^2] = 9/4 - 2/pi;
		// average 13/8 - 1/pi. With x = c m + s + std z:
		// E||x||^2 = c^2 E||m||^2 + 2 c s.E m + ||s||^2 + 2 std^2.
		c, sd := p["scale"], p["std"]
		sx, sy := -1.0, -0.2
		return []float64{c/2 + sx, c/4 + sy},
			c*c*(13.0/8-1/math.Pi) + 2*c*(sx/2+sy/4) + sx*sx + sy*sy + 2*sd*sd
	case "swissroll":
		// t ~ U[a, b], a = 1.5 pi, b = 4.5 pi: int t cos t = t sin t + cos t,
		// int t sin t = -t cos t + sin t, E t^2 = (a^2 + ab + b^2)/3.
		a, b := 1.5*math.Pi, 4.5*math.Pi
		c, sd := p["scale"], p["std"]
		ec := ((b*math.Sin(b) + math.Cos(b)) - (a*math.Sin(a) + math.Cos(a))) / (b - a)
		es := ((-b*math.Cos(b) + math.Sin(b)) - (-a*math.Cos(a) + math.Sin(a))) / (b - a)
		return []float64{c * ec, c * es}, c*c*(a*a+a*b+b*b)/3 + 2*sd*sd
	case "pinwheel":
		// Arm k is arm 0 rotated by -2 pi k / K: the arms average to 0. A rotation keeps the
		// norm: E||x||^2 = c^2 E[f_1^2 + f_2^2] = c^2 (1 + rs^2 + ts^2).
		c := p["scale"]
		return zero, c * c * (1 + p["radial_std"]*p["radial_std"] + p["tangential_std"]*p["tangential_std"])
	case "2spirals":
		// x = e [c (-t cos t, t sin t) + J u] + std z, e = +-1, t = T sqrt(v) (density 2t/T^2):
		// E||x||^2 = c^2 E t^2 + 2 c J (1/2)(E[t sin t] - E[t cos t]) + J^2 (2/3) + 2 std^2,
		// E t^2 = T^2/2, E[t cos t] = 2/T^2 [t^2 sin t + 2 t cos t - 2 sin t]_0^T,
		// E[t sin t] = 2/T^2 [-t^2 cos t + 2 t sin t + 2 cos t]_0^T.
		T := 2 * math.Pi * p["turns"]
		c, j, sd := p["scale"], p["jitter"], p["std"]
		etc := 2 / (T * T) * (T*T*math.Sin(T) + 2*T*math.Cos(T) - 2*math.Sin(T))
		ets := 2 / (T * T) * (-T*T*math.Cos(T) + 2*T*math.Sin(T) + 2*math.Cos(T) - 2)
		return zero, c*c*T*T/2 + c*j*(ets-etc) + j*j*2/3 + 2*sd*sd
	case "checkerboard":
		// Average over the black squares (i + j even) of E[x^2 + y^2] for x, y uniform on the
		// square's sides: E u^2 on [a, a + w] is (a^2 + a(a+w) + (a+w)^2)/3.
		k, w := int(p["size"]), p["cell"]
		h := float64(k) * w / 2
		e2 := func(i int) float64 {
			a := -h + float64(i)*w
			return (a*a + a*(a+w) + (a+w)*(a+w)) / 3
		}
		var s float64
		var cnt int
		for i := range k {
			for j := range k {
				if (i+j)%2 == 0 {
					s += e2(i) + e2(j)
					cnt++
				}
			}
		}
		return zero, s / float64(cnt)
	case "line":
		// x ~ U[-L, L]: E x^2 = L^2/3, twice, plus the noise.
		l, sd := p["extent"], p["std"]
		return zero, 2*l*l/3 + 2*sd*sd
	case "sine":
		// E sin^2 x = 1/2 - sin(2L)/(4L) for x ~ U[-L, L]; sin is odd, so the mean is 0.
		l, a, sd := p["extent"], p["amplitude"], p["std"]
		return zero, l*l/3 + a*a*(0.5-math.Sin(2*l)/(4*l)) + 2*sd*sd
	}
	t.Fatalf("no expected moments for %q: add them", name)
	return nil, 0
}

// TestMoments checks the mean of every coordinate and E||x||^2 of n = 20,000 points against the
// closed forms of expectedMoments, within 5 standard errors (s/sqrt(n), with s the sample
// standard deviation of the coordinate or of ||x||^2): a false alarm rate below 1e-6 per check.
func TestMoments(t *testing.T) {
	const n = 20_000
	for _, c := range allCases(t) {
		d := mustNew(t, c.name, c.params)
		pts := mustSample(t, d, n, 11)
		mean, m2 := expectedMoments(t, c.name, d.Params())
		for j := range d.Dim() {
			var s, ss float64
			for _, p := range pts {
				s += p[j]
				ss += p[j] * p[j]
			}
			mu := s / n
			se := math.Sqrt((ss/n - mu*mu) / n)
			if math.Abs(mu-mean[j]) > 5*se {
				t.Errorf("%s: mean of coordinate %d = %.5g, want %.5g +- 5*%.3g", c.label, j, mu, mean[j], se)
			}
		}
		var s, ss float64
		for _, p := range pts {
			q := 0.0
			for _, v := range p {
				q += v * v
			}
			s += q
			ss += q * q
		}
		mu := s / n
		se := math.Sqrt((ss/n - mu*mu) / n)
		if math.Abs(mu-m2) > 5*se {
			t.Errorf("%s: E||x||^2 = %.5g, want %.5g +- 5*%.3g", c.label, mu, m2, se)
		}
	}
}

// TestLabelFractions checks, for every Labeled data set, that the share of each label among
// n = 20,000 points is within 5 standard errors sqrt(w (1 - w) / n) of its weight.
func TestLabelFractions(t *testing.T) {
	const n = 20_000
	for _, c := range allCases(t) {
		l, ok := mustNew(t, c.name, c.params).(toy.Labeled)
		if !ok {
			continue
		}
		_, labels, err := l.SampleLabeled(n, 5)
		if err != nil {
			t.Fatal(err)
		}
		got := toy.Fractions(labels, l.Components())
		for k, w := range l.ComponentWeights() {
			if se := math.Sqrt(w * (1 - w) / n); math.Abs(got[k]-w) > 5*se+1e-12 {
				t.Errorf("%s: fraction of component %d = %.4f, want %.4f +- 5*%.4f", c.label, k, got[k], w, se)
			}
		}
	}
}

func TestNewErrors(t *testing.T) {
	_, err := toy.New("nope", nil)
	if err == nil {
		t.Fatal("New(nope): no error")
	}
	if !strings.Contains(err.Error(), `unknown dataset "nope"`) {
		t.Errorf("error %q does not name the unknown dataset", err)
	}
	for _, name := range toy.Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}

	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name   string
		params map[string]float64
		want   []string // Substrings of the error: the parameter and its value.
	}{
		{"ring", map[string]float64{"radius": -1}, []string{"radius", "-1"}},
		{"ring", map[string]float64{"std": 0}, []string{"std", "0"}},
		{"ring", map[string]float64{"sigma": 0.1}, []string{`"sigma"`, "0.1", "radius, std"}},
		{"rings", map[string]float64{"count": 2.5}, []string{"count", "2.5"}},
		{"rings", map[string]float64{"count": 0}, []string{"count", "0"}},
		{"rings", map[string]float64{"std": nan}, []string{"std", "NaN"}},
		{"gaussian", map[string]float64{"dim": 0}, []string{"dim", "0"}},
		{"gaussian", map[string]float64{"dim": 1e9}, []string{"dim", "1e+09"}},
		{"gaussian", map[string]float64{"std": -2}, []string{"std", "-2"}},
		{"2gaussians", map[string]float64{"weight": 1}, []string{"weight", "1"}},
		{"2gaussians", map[string]float64{"weight": 0}, []string{"weight", "0"}},
		{"2gaussians", map[string]float64{"offset": inf}, []string{"offset", "+Inf"}},
		{"2gaussians", map[string]float64{"std": 0}, []string{"std", "0"}},
		{"8gaussians", map[string]float64{"components": -3}, []string{"components", "-3"}},
		{"8gaussians", map[string]float64{"radius": 0}, []string{"radius", "0"}},
		{"8gaussians", map[string]float64{"std": nan}, []string{"std", "NaN"}},
		{"circles", map[string]float64{"factor": 1}, []string{"factor", "1"}},
		{"circles", map[string]float64{"radius": -3}, []string{"radius", "-3"}},
		{"circles", map[string]float64{"std": 0}, []string{"std", "0"}},
		{"mixture1d", map[string]float64{"weight": 1}, []string{"weight", "1"}},
		{"mixture1d", map[string]float64{"weight": nan}, []string{"weight", "NaN"}},
		{"mixture1d", map[string]float64{"mean2": inf}, []string{"mean2", "+Inf"}},
		{"mixture1d", map[string]float64{"std1": 0}, []string{"std1", "0"}},
		{"mixture1d", map[string]float64{"std2": -1}, []string{"std2", "-1"}},
		{"moons", map[string]float64{"scale": 0}, []string{"scale", "0"}},
		{"moons", map[string]float64{"std": -0.1}, []string{"std", "-0.1"}},
		{"swissroll", map[string]float64{"std": inf}, []string{"std", "+Inf"}},
		{"swissroll", map[string]float64{"scale": -1}, []string{"scale", "-1"}},
		{"pinwheel", map[string]float64{"arms": 0}, []string{"arms", "0"}},
		{"pinwheel", map[string]float64{"radial_std": 0}, []string{"radial_std", "0"}},
		{"pinwheel", map[string]float64{"tangential_std": -1}, []string{"tangential_std", "-1"}},
		{"pinwheel", map[string]float64{"rate": nan}, []string{"rate", "NaN"}},
		{"pinwheel", map[string]float64{"scale": 0}, []string{"scale", "0"}},
		{"2spirals", map[string]float64{"turns": 0}, []string{"turns", "0"}},
		{"2spirals", map[string]float64{"jitter": -1}, []string{"jitter", "-1"}},
		{"2spirals", map[string]float64{"scale": nan}, []string{"scale", "NaN"}},
		{"2spirals", map[string]float64{"std": -1}, []string{"std", "-1"}},
		{"checkerboard", map[string]float64{"size": 1}, []string{"size", "1"}},
		{"checkerboard", map[string]float64{"cell": 0}, []string{"cell", "0"}},
		{"line", map[string]float64{"extent": 0}, []string{"extent", "0"}},
		{"line", map[string]float64{"std": -1}, []string{"std", "-1"}},
		{"sine", map[string]float64{"amplitude": -1}, []string{"amplitude", "-1"}},
		{"sine", map[string]float64{"extent": inf}, []string{"extent", "+Inf"}},
	}
	for _, c := range cases {
		d, err := toy.New(c.name, c.params)
		if err == nil {
			t.Errorf("New(%s, %v): no error", c.name, c.params)
			continue
		}
		if d != nil {
			t.Errorf("New(%s, %v) returned a dataset with its error", c.name, c.params)
		}
		for _, w := range append([]string{c.name}, c.want...) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%s, %v): error %q does not mention %q", c.name, c.params, err, w)
			}
		}
	}
}

func TestParseParams(t *testing.T) {
	got, err := toy.ParseParams(" radius=2, std = 0.3 ")
	if err != nil || !maps.Equal(got, map[string]float64{"radius": 2, "std": 0.3}) {
		t.Errorf("ParseParams = %v, %v", got, err)
	}
	if got, err := toy.ParseParams(""); err != nil || len(got) != 0 {
		t.Errorf("ParseParams(\"\") = %v, %v", got, err)
	}
	for _, c := range []struct{ in, want string }{
		{"radius", `"radius"`},
		{"=2", `"=2"`},
		{"radius=abc", `"abc"`},
		{"radius=1,radius=2", "radius given twice"},
	} {
		if _, err := toy.ParseParams(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseParams(%q): error %v, want one containing %s", c.in, err, c.want)
		}
	}
}

package metrics_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/toy"
)

func ringSample(n int, seed uint64) ([][]float64, error) { return toy.BlogRing.Sample(n, seed) }

// mustPts returns the points of a sampler's (points, error) result, and panics on an error.
func mustPts(pts [][]float64, err error) [][]float64 {
	if err != nil {
		panic(err)
	}
	return pts
}

// TestMMDHandComputed checks two cases worked out by hand with h = 1, k(a, b) = exp(-(a-b)^2/2):
//
//   - x = {0, 1}, y = {0, 2}: the x-x term is k(0,1) = e^-1/2, the y-y term k(0,2) = e^-2, the
//     cross term (1/4)(k(0,0) + k(0,2) + k(1,0) + k(1,2)) = (1 + e^-2 + 2 e^-1/2)/4, so
//     MMD^2_u = e^-1/2 + e^-2 - 2 (1 + e^-2 + 2 e^-1/2)/4 = (e^-2 - 1)/2 = -0.4323: negative,
//     as the unbiased estimate can be (it drops the k(a, a) = 1 terms that keep the biased one >= 0).
//   - x = {0, 0}, y = {3, 3}: 1 + 1 - 2 e^-9/2 = 1.9778, near the maximum 2 of two point masses
//     far apart.
func TestMMDHandComputed(t *testing.T) {
	for _, tc := range []struct {
		x, y [][]float64
		want float64
	}{
		{[][]float64{{0}, {1}}, [][]float64{{0}, {2}}, (math.Exp(-2) - 1) / 2},
		{[][]float64{{0}, {0}}, [][]float64{{3}, {3}}, 2 - 2*math.Exp(-4.5)},
	} {
		got, err := metrics.MMD2Unbiased(tc.x, tc.y, 1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.want) > 1e-14 {
			t.Errorf("MMD2Unbiased(%v, %v, 1) = %.15g, want %.15g", tc.x, tc.y, got, tc.want)
		}
	}
}

// TestMMDMatchesDefinition compares with the definition written out naively (all ordered pairs
// i != j), on random 3-D samples of different sizes, and checks the symmetry MMD(x, y) = MMD(y, x)
// (float64 sums in different orders: rel 1e-12).
func TestMMDMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(n int, shift float64) [][]float64 {
		out := make([][]float64, n)
		for i := range out {
			out[i] = []float64{rng.NormFloat64() + shift, rng.NormFloat64(), rng.NormFloat64()}
		}
		return out
	}
	x, y := draw(37, 0), draw(23, 0.7)
	const h = 0.9
	k := func(a, b []float64) float64 {
		var d float64
		for j := range a {
			d += (a[j] - b[j]) * (a[j] - b[j])
		}
		return math.Exp(-d / (2 * h * h))
	}
	var kxx, kyy, kxy float64
	for i := range x {
		for j := range x {
			if i != j {
				kxx += k(x[i], x[j])
			}
		}
		for j := range y {
			kxy += k(x[i], y[j])
		}
	}
	for i := range y {
		for j := range y {
			if i != j {
				kyy += k(y[i], y[j])
			}
		}
	}
	m, n := float64(len(x)), float64(len(y))
	want := kxx/(m*(m-1)) + kyy/(n*(n-1)) - 2*kxy/(m*n)
	xy, err := metrics.MMD2Unbiased(x, y, h)
	if err != nil {
		t.Fatal(err)
	}
	yx, err := metrics.MMD2Unbiased(y, x, h)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(xy-want) > 1e-12*math.Abs(want) || math.Abs(yx-xy) > 1e-12*math.Abs(want) {
		t.Errorf("MMD(x, y) = %.15g, MMD(y, x) = %.15g, definition %.15g", xy, yx, want)
	}
}

// TestMMDSameAndDifferent checks, with the median bandwidth, n = 2000 points a side:
//
//   - two fresh samples of the ring give an MMD^2 near 0: |MMD^2| < 0.0015, five times the
//     spread measured between pairs of ring samples of this size (std 3.1e-4 over 6 pairs; it
//     shrinks like 1/n: 1.0e-3 at n = 500);
//   - the ring against the standard normal in the plane gives MMD^2 > 0.01 (measured 0.017, 50
//     times that spread): clearly different.
func TestMMDSameAndDifferent(t *testing.T) {
	const n = 2000
	a := mustPts(ringSample(n, 100))
	b := mustPts(ringSample(n, 101))
	g := mustPts(toy.Gaussian{Dim: 2}.Sample(n, 7))
	h, err := metrics.MedianBandwidth(a, g)
	if err != nil {
		t.Fatal(err)
	}
	same, err := metrics.MMD2Unbiased(a, b, h)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := metrics.MMD2Unbiased(a, g, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bandwidth %.3f: ring vs ring %.2e, ring vs normal %.4f", h, same, diff)
	if math.Abs(same) > 0.0015 {
		t.Errorf("two ring samples: MMD^2 = %.2e, want |MMD^2| < 0.0015", same)
	}
	if !(diff > 0.01) {
		t.Errorf("ring vs standard normal: MMD^2 = %.4f, want > 0.01", diff)
	}
}

// TestMMDNoiseFloor checks the reference spread between pairs of ring samples (n = 500, 20
// pairs): the estimator is unbiased, so the mean is 0 within 4 standard errors (Std/sqrt(20)),
// some values are negative, and the ring against the standard normal at the same n is far above
// it (more than Mean + 5 Std; measured 0.014 against a std of 1.0e-3).
func TestMMDNoiseFloor(t *testing.T) {
	const n, reps = 500, 20
	ref := mustPts(ringSample(n, 999))
	h, err := metrics.MedianBandwidth(ref, ref)
	if err != nil {
		t.Fatal(err)
	}
	f, err := metrics.MMDNoiseFloor(ringSample, n, h, reps, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("noise floor at n = %d: mean %.2e, std %.2e, max %.2e", n, f.Mean, f.Std, f.Max)
	if len(f.Values) != reps {
		t.Fatalf("%d values, want %d", len(f.Values), reps)
	}
	if math.Abs(f.Mean) > 4*f.Std/math.Sqrt(reps) {
		t.Errorf("noise floor mean %.2e is not 0 within 4 standard errors (%.2e)", f.Mean, 4*f.Std/math.Sqrt(reps))
	}
	negative := 0
	for _, v := range f.Values {
		if v < 0 {
			negative++
		}
	}
	if negative == 0 {
		t.Errorf("no negative MMD^2 among %d pairs of samples of the same distribution: %v", reps, f.Values)
	}
	g := mustPts(toy.Gaussian{Dim: 2}.Sample(n, 7))
	diff, err := metrics.MMD2Unbiased(mustPts(ringSample(n, 1234)), g, h)
	if err != nil {
		t.Fatal(err)
	}
	if !(diff > f.Mean+5*f.Std) {
		t.Errorf("ring vs standard normal: MMD^2 = %.4f, not above the noise floor %.2e + 5 x %.2e", diff, f.Mean, f.Std)
	}
}

// TestMedianBandwidth checks the heuristic on hand cases: distances {1, 3, 2} (median 2) and
// {1, 3, 7, 2, 6, 4} (median (3 + 4)/2 = 3.5), and that it subsamples deterministically.
func TestMedianBandwidth(t *testing.T) {
	for _, tc := range []struct {
		x, y [][]float64
		want float64
	}{
		{[][]float64{{0}, {1}}, [][]float64{{3}}, 2},
		{[][]float64{{0}, {1}}, [][]float64{{3}, {7}}, 3.5},
		{[][]float64{{0, 0}, {3, 4}}, nil, 5},
	} {
		got, err := metrics.MedianBandwidth(tc.x, tc.y)
		if err != nil || got != tc.want {
			t.Errorf("MedianBandwidth(%v, %v) = %v, %v; want %v", tc.x, tc.y, got, err, tc.want)
		}
	}
	big := mustPts(ringSample(3000, 5))
	h1, err := metrics.MedianBandwidth(big, big)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := metrics.MedianBandwidth(big, big)
	if h1 != h2 || !(h1 > 1 && h1 < 1.6) {
		t.Errorf("ring median bandwidth %v then %v, want the same value, about 1.4 (mean chord of a unit circle 4/pi = 1.27, median sqrt(2))", h1, h2)
	}
}

// TestMMDErrors checks that bad inputs are refused with an error naming the value.
func TestMMDErrors(t *testing.T) {
	two := [][]float64{{0, 0}, {1, 1}}
	for _, tc := range []struct {
		name string
		x, y [][]float64
		h    float64
		want string
	}{
		{"one point", [][]float64{{0, 0}}, two, 1, "at least 2 points in each sample, got 1 and 2"},
		{"zero bandwidth", two, two, 0, "bandwidth must be positive and finite, got 0"},
		{"NaN bandwidth", two, two, math.NaN(), "got NaN"},
		{"dimensions differ", two, [][]float64{{0}, {1}}, 1, "y point 0 has 1 coordinates, want 2"},
		{"ragged", [][]float64{{0, 0}, {1}}, two, 1, "x point 1 has 1 coordinates"},
		{"infinite coordinate", two, [][]float64{{0, 0}, {math.Inf(-1), 0}}, 1, "y point 1 coordinate 0 is -Inf"},
	} {
		_, err := metrics.MMD2Unbiased(tc.x, tc.y, tc.h)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := metrics.MedianBandwidth([][]float64{{1}}, nil); err == nil {
		t.Error("MedianBandwidth of one point: no error")
	}
	if _, err := metrics.MedianBandwidth([][]float64{{1}, {1}}, [][]float64{{1}}); err == nil || !strings.Contains(err.Error(), "is 0") {
		t.Errorf("MedianBandwidth of identical points: error %v, want one saying it is 0", err)
	}
	if _, err := metrics.MMDNoiseFloor(ringSample, 500, 1, 1, 0); err == nil || !strings.Contains(err.Error(), "got 1") {
		t.Errorf("MMDNoiseFloor with 1 repetition: error %v", err)
	}
	if _, err := metrics.MMDNoiseFloor(nil, 500, 1, 5, 0); err == nil {
		t.Error("MMDNoiseFloor with no sampling function: no error")
	}
}

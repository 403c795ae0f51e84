package noise_test

import (
	"math"
	"sort"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/noise"
)

// TestBoxMullerAtZero: u1 = 0 (all 32 random bits zero) and a subnormal u1 give the finite value
// of u1 = 2^-32, sqrt(64 ln 2) = 6.660, on every backend; on XLA, GoMLX's RandomNormal gives +Inf
// there (its guard is a subnormal, which XLA reads as 0). Ordinary values are those of the formula.
func TestBoxMullerAtZero(t *testing.T) {
	u1 := []float32{0, 1e-40, 1.0 / (1 << 32), 0.5, 0.25}
	u2 := []float32{0, 0, 0, 0, 0.125}
	exec := graph.MustNewExec(testutil.Backend(t), noise.BoxMuller)
	z := testutil.Flat32(t, exec.MustExec(tensors.FromFlatDataAndDimensions(u1, len(u1)), tensors.FromFlatDataAndDimensions(u2, len(u2)))[0])
	want := []float64{math.Sqrt(64 * math.Ln2), math.Sqrt(64 * math.Ln2), math.Sqrt(64 * math.Ln2),
		math.Sqrt(2 * math.Ln2), math.Sqrt(4*math.Ln2) * math.Cos(math.Pi/4)}
	for i := range u1 {
		if math.IsNaN(z[i]) || math.Abs(z[i]-want[i]) > 1e-5*want[i] {
			t.Errorf("BoxMuller(u1 = %v, u2 = %v) = %v, want %v", u1[i], u2[i], z[i], want[i])
		}
	}
}

// TestNormalIsGoMLXs: Normal draws exactly what graph.RandomNormal draws from the same state (so
// the library's random streams did not change when it replaced it), and leaves the same state.
func TestNormalIsGoMLXs(t *testing.T) {
	const n = 1 << 16
	shape := shapes.Make(dtypes.Float32, n/2, 2)
	exec := graph.MustNewExec(testutil.Backend(t), func(state *graph.Node) []*graph.Node {
		ours, a := noise.Normal(state, shape)
		theirs, b := graph.RandomNormal(state, shape)
		return []*graph.Node{a, b, ours, theirs}
	})
	state, err := graph.RNGStateFromSeed(7)
	if err != nil {
		t.Fatal(err)
	}
	out := exec.MustExec(state)
	a, b := testutil.Flat32(t, out[0]), testutil.Flat32(t, out[1])
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("value %d: Normal drew %v, graph.RandomNormal %v", i, a[i], b[i])
		}
	}
	sa, sb := tensors.MustCopyFlatData[uint64](out[2]), tensors.MustCopyFlatData[uint64](out[3])
	for i := range sa {
		if sa[i] != sb[i] {
			t.Fatalf("the states that follow differ: %v and %v", sa, sb)
		}
	}
	checkStandardNormal(t, "Normal", a)
}

// TestNormalFromStoreIsGoMLXs: NormalFromStore draws what store.RandomNormal draws from a store
// seeded alike, in two calls (the store's state advances between them).
func TestNormalFromStoreIsGoMLXs(t *testing.T) {
	const n = 1 << 12
	draw := func(f func(*model.Store, *graph.Graph, shapes.Shape) *graph.Node) (first, second []float64) {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(3); err != nil {
			t.Fatal(err)
		}
		exec, err := model.NewExec(testutil.Backend(t), store, func(_ *model.Scope, x *graph.Node) *graph.Node {
			return graph.Add(x, f(store, x.Graph(), x.Shape()))
		})
		if err != nil {
			t.Fatal(err)
		}
		var out [2][]float64
		for k := range out {
			res, err := exec.Call(tensors.FromShape(shapes.Make(dtypes.Float32, n)))
			if err != nil {
				t.Fatal(err)
			}
			out[k] = testutil.Flat32(t, res[0])
		}
		return out[0], out[1]
	}
	a1, a2 := draw(noise.NormalFromStore)
	b1, b2 := draw(func(s *model.Store, g *graph.Graph, shape shapes.Shape) *graph.Node { return s.RandomNormal(g, shape) })
	for i := range a1 {
		if a1[i] != b1[i] || a2[i] != b2[i] {
			t.Fatalf("value %d: NormalFromStore drew %v then %v, store.RandomNormal %v then %v", i, a1[i], a2[i], b1[i], b2[i])
		}
	}
	if a1[0] == a2[0] && a1[1] == a2[1] {
		t.Errorf("two calls drew the same values %v: the store's state did not advance", a1[:2])
	}
}

// checkStandardNormal checks n draws against N(0, 1): mean, variance and the two-sided 5% tail
// within five standard errors, and the Kolmogorov-Smirnov distance to the normal CDF (math.Erf)
// below its 0.1% critical value, 1.95 / sqrt(n).
func checkStandardNormal(t *testing.T, what string, z []float64) {
	t.Helper()
	n := float64(len(z))
	var mean, sq, tail float64
	for _, v := range z {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s: a draw is %v", what, v)
		}
		mean += v
		sq += v * v
		if math.Abs(v) > 1.959964 {
			tail++
		}
	}
	mean /= n
	variance := sq/n - mean*mean
	tail /= n
	if math.Abs(mean) > 5/math.Sqrt(n) || math.Abs(variance-1) > 5*math.Sqrt(2/n) || math.Abs(tail-0.05) > 5*math.Sqrt(0.05*0.95/n) {
		t.Errorf("%s: mean %.4f, variance %.4f, P(|z| > 1.96) %.4f; want 0, 1 and 0.05 within five standard errors", what, mean, variance, tail)
	}
	sorted := append([]float64(nil), z...)
	sort.Float64s(sorted)
	var ks float64
	for i, v := range sorted {
		cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
		ks = max(ks, math.Abs(cdf-float64(i)/n), math.Abs(cdf-float64(i+1)/n))
	}
	if ks > 1.95/math.Sqrt(n) {
		t.Errorf("%s: Kolmogorov-Smirnov distance to N(0, 1) %.5f > %.5f", what, ks, 1.95/math.Sqrt(n))
	}
	t.Logf("%s: mean %.4f, variance %.4f, P(|z| > 1.96) %.4f, KS %.5f", what, mean, variance, tail, ks)
}

package toy_test

import (
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/toy"
)

// TestStatisticOf: on data, each statistic takes the value the data set's definition gives; a
// data set without one (swissroll) gives "" and NaN.
func TestStatisticOf(t *testing.T) {
	cases := []struct {
		name      string
		want, tol float64
	}{
		{"ring", 0.1, 0.005},
		{"gaussian", 1, 0.03},
		{"2gaussians", 0.2, 0.02},
		{"8gaussians", 0, 0.03}, // Largest deviation of a mode's share from 1/8.
		{"rings", 0, 0.03},
		{"circles", 0.5, 0.03},
		{"moons", 0.2 * math.Sqrt(2/math.Pi), 0.02}, // Mean distance to the noiseless moons: E|N(0, 0.2^2)| across the curve.
		{"checkerboard", 1, 0},
		{"line", 0, 0},
		{"sine", 0, 1e-12},
	}
	for _, c := range cases {
		d, err := toy.New(c.name, nil)
		if err != nil {
			t.Fatal(err)
		}
		pts, err := d.Sample(4000, 1)
		if err != nil {
			t.Fatal(err)
		}
		name, v := toy.StatisticOf(d, pts)
		if name == "" || math.Abs(v-c.want) > c.tol {
			t.Errorf("%s: %s = %v, want %v ± %v", c.name, name, v, c.want, c.tol)
		}
	}
	d, _ := toy.New("swissroll", nil)
	pts, _ := d.Sample(10, 1)
	if name, v := toy.StatisticOf(d, pts); name != "" || !math.IsNaN(v) {
		t.Errorf("swissroll: %q %v, want no statistic", name, v)
	}
	if name, v := toy.StatisticOf(toy.BlogRing, nil); name != "" || !math.IsNaN(v) {
		t.Errorf("no points: %q %v, want no statistic", name, v)
	}
}

// TestWindow: the ring states the blog's window (R + 5 std, step 0.1); another set's window is
// 1.1 times the largest coordinate of its points, with 30 steps across.
func TestWindow(t *testing.T) {
	if half, step := toy.Window(toy.Ring{Radius: 2, Std: 0.2}, nil); half != 3 || step != 0.1 {
		t.Errorf("ring window %v, %v; want 3, 0.1", half, step)
	}
	d, _ := toy.New("moons", nil)
	half, step := toy.Window(d, [][]float64{{1, -2}, {0.5, 1.5}})
	if math.Abs(half-2.2) > 1e-12 || math.Abs(step-2*2.2/30) > 1e-12 {
		t.Errorf("moons window %v, %v; want 2.2, %v", half, step, 2*2.2/30)
	}
}

// TestExactLossFloor: the floor is -1/2 E||s||^2: for the ring its quadrature value (-49.484 for
// the blog's ring, the JAX reference's golden value), for N(0, std^2 I) in D dimensions exactly
// -D/(2 std^2) (E||x||^2/std^4 = D/std^2), met by the Monte Carlo mean within 1% (its relative
// standard error is sqrt(2/(D n)) = 0.3% at n = 100,000, D = 2); no floor without a known score.
func TestExactLossFloor(t *testing.T) {
	floor, ok, err := toy.ExactLossFloor(toy.BlogRing)
	if err != nil || !ok || math.Abs(floor-(-49.484)) > 0.001 {
		t.Errorf("ring floor %v, %v, %v; want -49.484", floor, ok, err)
	}
	for _, c := range []struct{ dim, std float64 }{{2, 1}, {3, 0.5}} {
		d, err := toy.New("gaussian", map[string]float64{"dim": c.dim, "std": c.std})
		if err != nil {
			t.Fatal(err)
		}
		want := -c.dim / (2 * c.std * c.std)
		if floor, ok, err := toy.ExactLossFloor(d); err != nil || !ok || math.Abs(floor/want-1) > 0.01 {
			t.Errorf("gaussian dim %v std %v: floor %v, %v, %v; want %v within 1%%", c.dim, c.std, floor, ok, err, want)
		}
	}
	d, _ := toy.New("moons", nil)
	if _, ok, err := toy.ExactLossFloor(d); ok || err != nil {
		t.Errorf("moons: ok %v, err %v; want no floor", ok, err)
	}
}

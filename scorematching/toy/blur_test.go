package toy_test

import (
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/toy"
)

// TestBlurredSampler: sigma 0 is the data set's sampler; otherwise the per-coordinate variance of
// N(0, I) blurred by sigma = 0.5 is 1.25 (within 5 standard errors, sqrt(2/m) 1.25 for m
// coordinates), and the same seed gives the same points.
func TestBlurredSampler(t *testing.T) {
	d, err := toy.New("gaussian", nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := toy.BlurredSampler(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := plain(100, 1)
	b, _ := d.Sample(100, 1)
	testutil.Close(t, "sigma 0", testutil.Flatten(a), testutil.Flatten(b), testutil.Tol{})

	blur, err := toy.BlurredSampler(d, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	pts, err := blur(n, 2)
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for _, p := range pts {
		ss += p[0]*p[0] + p[1]*p[1]
	}
	m := float64(2 * n)
	if v, tol := ss/m, 5*1.25*math.Sqrt(2/m); math.Abs(v-1.25) > tol {
		t.Errorf("variance %.4f, want 1.25 within %.4f", v, tol)
	}
	again, _ := blur(n, 2)
	testutil.Close(t, "same seed", testutil.Flatten(again), testutil.Flatten(pts), testutil.Tol{})
	if _, err := toy.BlurredSampler(d, -1); err == nil {
		t.Error("no error for a negative sigma")
	}
	if _, err := toy.BlurredSampler(nil, 1); err == nil {
		t.Error("no error for no data set")
	}
}

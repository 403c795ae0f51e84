package loss_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gosm/gosm/scorematching/loss"
)

var hutchinsonProjections = []loss.Projection{loss.Gaussian, loss.Rademacher, loss.Sphere}

// TestProjectionVector: Rademacher entries are +-1, sphere vectors have norm sqrt(D), and for all
// three E[v v^T] = I (each entry of the mean of v v^T within 5 standard errors; the standard error
// of an entry is at most sqrt(3/n) for these distributions: E[v_i^2 v_j^2] <= 3).
func TestProjectionVector(t *testing.T) {
	const d, n = 4, 40000
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dist := range hutchinsonProjections {
		var m [d][d]float64
		for range n {
			v := loss.ProjectionVector(rng, dist, d)
			var norm float64
			for i := range v {
				norm += v[i] * v[i]
				if dist == loss.Rademacher && v[i] != 1 && v[i] != -1 {
					t.Fatalf("rademacher entry %v", v[i])
				}
				for j := range v {
					m[i][j] += v[i] * v[j] / n
				}
			}
			if dist == loss.Sphere && math.Abs(norm-d) > 1e-9 {
				t.Fatalf("sphere vector with squared norm %v, want %d", norm, d)
			}
		}
		bound := 5 * math.Sqrt(3.0/n)
		for i := range d {
			for j := range d {
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(m[i][j]-want) > bound {
					t.Errorf("%s: E[v v^T][%d][%d] = %.4f, want %g (bound %.4f)", dist, i, j, m[i][j], want, bound)
				}
			}
		}
	}
}

// TestHutchinsonStd compares the closed-form standard deviation of v^T A v with the sample
// standard deviation of many draws (within 5 standard errors of the sample variance, estimated
// from the draws' fourth moment), and checks two exact cases: Rademacher vectors have no variance
// on a diagonal matrix, sphere vectors none on a multiple of the identity.
func TestHutchinsonStd(t *testing.T) {
	a, err := loss.HutchinsonMatrix(5, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	tr := loss.MatrixTrace(a)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200000
	for _, dist := range hutchinsonProjections {
		want, err := loss.HutchinsonStd(a, dist)
		if err != nil {
			t.Fatal(err)
		}
		var m2, m4 float64
		for range n {
			v := loss.ProjectionVector(rng, dist, len(a))
			q := 0.0
			for i := range a {
				for j := range a {
					q += v[i] * a[i][j] * v[j]
				}
			}
			e := q - tr // The mean is tr(A) exactly.
			m2 += e * e / n
			m4 += e * e * e * e / n
		}
		se := math.Sqrt((m4 - m2*m2) / n)
		if math.Abs(m2-want*want) > 5*se {
			t.Errorf("%s: sample variance %.3f, formula %.3f (5 SE = %.3f)", dist, m2, want*want, 5*se)
		}
	}
	diag := [][]float64{{2, 0, 0}, {0, -1, 0}, {0, 0, 5}}
	if s, _ := loss.HutchinsonStd(diag, loss.Rademacher); s != 0 {
		t.Errorf("rademacher on a diagonal matrix: std %v, want 0", s)
	}
	if s, _ := loss.HutchinsonStd([][]float64{{3, 0}, {0, 3}}, loss.Sphere); s > 1e-12 {
		t.Errorf("sphere on 3 I: std %v, want 0", s)
	}
	if s, _ := loss.HutchinsonStd([][]float64{{1, 2}, {0, 1}}, loss.Gaussian); math.Abs(s-math.Sqrt(2*(1+1+2))) > 1e-12 {
		t.Errorf("gaussian std %v, want sqrt(8)", s) // A_s = [[1 1] [1 1]]: ||A_s||_F^2 = 4.
	}
	if _, err := loss.HutchinsonStd([][]float64{{1, 2}}, loss.Gaussian); err == nil {
		t.Error("non-square matrix: no error")
	}
	if _, err := loss.HutchinsonStd(diag, loss.Projection(9)); err == nil {
		t.Error("unknown distribution: no error")
	}
}

// TestHutchinsonConvergence: the grid runs from 1 to maxM; the RMS error over the sequences after
// M vectors is close to Std/sqrt(M) (its square is a mean of `repeats` squared errors, within a
// loose 30% here), and the running mean ends near tr(A).
func TestHutchinsonConvergence(t *testing.T) {
	a, _ := loss.HutchinsonMatrix(6, 2, 1)
	tr := loss.MatrixTrace(a)
	const maxM, repeats = 400, 300
	for _, dist := range hutchinsonProjections {
		c, err := loss.HutchinsonConvergence(a, dist, maxM, repeats, 11)
		if err != nil {
			t.Fatal(err)
		}
		if c.M[0] != 1 || c.M[len(c.M)-1] != maxM || len(c.Running) != len(c.M) || len(c.RMSError) != len(c.M) {
			t.Fatalf("%s: grid %v (%d running, %d errors)", dist, c.M, len(c.Running), len(c.RMSError))
		}
		for k := 1; k < len(c.M); k++ {
			if c.M[k] <= c.M[k-1] {
				t.Fatalf("%s: grid not increasing: %v", dist, c.M)
			}
		}
		for _, k := range []int{0, len(c.M) / 2, len(c.M) - 1} {
			want := c.Std / math.Sqrt(float64(c.M[k]))
			if math.Abs(c.RMSError[k]-want) > 0.3*want {
				t.Errorf("%s: RMS error after %d vectors %.4f, want about %.4f", dist, c.M[k], c.RMSError[k], want)
			}
		}
		last := c.Running[len(c.Running)-1]
		if bound := 5 * c.Std / math.Sqrt(maxM); math.Abs(last-tr) > bound {
			t.Errorf("%s: running mean %.4f after %d vectors, tr(A) = %.4f (bound %.4f)", dist, last, maxM, tr, bound)
		}
	}
	// Seeded: the same call gives the same numbers.
	c1, _ := loss.HutchinsonConvergence(a, loss.Gaussian, 50, 3, 5)
	c2, _ := loss.HutchinsonConvergence(a, loss.Gaussian, 50, 3, 5)
	if c1.Running[10] != c2.Running[10] || c1.RMSError[10] != c2.RMSError[10] {
		t.Error("HutchinsonConvergence is not deterministic")
	}
	if _, err := loss.HutchinsonConvergence(a, loss.Gaussian, 0, 3, 5); err == nil {
		t.Error("maxM 0: no error")
	}
	if _, err := loss.HutchinsonMatrix(0, 1, 1); err == nil {
		t.Error("matrix of size 0: no error")
	}
}

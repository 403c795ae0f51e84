package loss

// Hutchinson's trace estimator on the host (Hutchinson, 1989): for a random vector v with
// E[v v^T] = I, E[v^T A v] = tr(A). These functions draw the vectors of the Projection
// distributions in plain Go, give the exact spread of one draw, and record how the mean of M
// draws converges: the estimator that the sliced losses use inside the graph, shown on a matrix.

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// HutchinsonMatrix returns a d x d matrix with independent standard normal entries, plus diagonal
// on the diagonal, drawn with seed: a stand-in for a Jacobian whose diagonal dominates.
func HutchinsonMatrix(d int, diagonal float64, seed uint64) ([][]float64, error) {
	if d < 1 {
		return nil, fmt.Errorf("matrix size must be positive, got %d", d)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	a := make([][]float64, d)
	for i := range a {
		a[i] = make([]float64, d)
		for j := range a[i] {
			a[i][j] = rng.NormFloat64()
		}
		a[i][i] += diagonal
	}
	return a, nil
}

// ProjectionVector draws one projection vector of dimension d from dist with rng, on the host:
// the same distributions as DrawProjections (all with E[v v^T] = I).
func ProjectionVector(rng *rand.Rand, dist Projection, d int) []float64 {
	v := make([]float64, d)
	switch dist.Resolve() {
	case Rademacher:
		for i := range v {
			v[i] = 1
			if rng.Uint64()&1 == 0 {
				v[i] = -1
			}
		}
	case Sphere:
		var norm float64
		for i := range v {
			v[i] = rng.NormFloat64()
			norm += v[i] * v[i]
		}
		scale := math.Sqrt(float64(d) / norm)
		for i := range v {
			v[i] *= scale
		}
	default:
		for i := range v {
			v[i] = rng.NormFloat64()
		}
	}
	return v
}

// MatrixTrace returns the trace of the square matrix a.
func MatrixTrace(a [][]float64) float64 {
	var t float64
	for i := range a {
		t += a[i][i]
	}
	return t
}

// checkSquare returns an error unless a is a non-empty square matrix.
func checkSquare(a [][]float64) error {
	if len(a) == 0 {
		return fmt.Errorf("empty matrix")
	}
	for i, row := range a {
		if len(row) != len(a) {
			return fmt.Errorf("matrix is not square: row %d has %d entries for %d rows", i, len(row), len(a))
		}
	}
	return nil
}

// HutchinsonStd returns the standard deviation of one draw v^T A v for v from dist (the formulas
// of Projection): with A_s = (A + A^T)/2, the variance is 2 ||A_s||_F^2 for Gaussian vectors,
// 2 (||A_s||_F^2 - sum_i A_ii^2) for Rademacher vectors and 2D/(D+2) (||A_s||_F^2 - tr(A)^2/D) for
// vectors on the sphere of radius sqrt(D). The mean of M draws has M times less variance.
func HutchinsonStd(a [][]float64, dist Projection) (float64, error) {
	if err := checkSquare(a); err != nil {
		return 0, err
	}
	if err := dist.Validate(); err != nil {
		return 0, err
	}
	d := len(a)
	var frob, diag float64
	for i := range a {
		for j := range a {
			s := (a[i][j] + a[j][i]) / 2
			frob += s * s
		}
		diag += a[i][i] * a[i][i]
	}
	var variance float64
	switch dist.Resolve() {
	case Rademacher:
		variance = 2 * (frob - diag)
	case Sphere:
		tr := MatrixTrace(a)
		variance = 2 * float64(d) / float64(d+2) * (frob - tr*tr/float64(d))
	default:
		variance = 2 * frob
	}
	return math.Sqrt(math.Max(variance, 0)), nil
}

// HutchinsonCurve is how Hutchinson's estimate (1/M) sum_j v_j^T A v_j of tr(A) converges as the
// number M of vectors grows, for one distribution of the vectors.
type HutchinsonCurve struct {
	// Dist is the distribution of the vectors.
	Dist Projection
	// M are the numbers of vectors at which the estimate is recorded: about 20 per decade, from 1
	// to the largest M asked for.
	M []int
	// Running is one sequence of draws: the running mean after M[k] vectors.
	Running []float64
	// RMSError is the root-mean-square error of the running mean after M[k] vectors, over the
	// independent sequences (the first of which is Running).
	RMSError []float64
	// Std is the exact standard deviation of one draw (HutchinsonStd); the RMS error of the mean
	// of M draws is Std/sqrt(M).
	Std float64
}

// HutchinsonConvergence draws repeats independent sequences of maxM vectors from dist (seeded by
// seed and the distribution) and records the running means of v^T A v against tr(A).
func HutchinsonConvergence(a [][]float64, dist Projection, maxM, repeats int, seed uint64) (HutchinsonCurve, error) {
	std, err := HutchinsonStd(a, dist)
	if err != nil {
		return HutchinsonCurve{}, err
	}
	if maxM < 1 || repeats < 1 {
		return HutchinsonCurve{}, fmt.Errorf("need at least one vector and one sequence, got maxM %d and repeats %d", maxM, repeats)
	}
	c := HutchinsonCurve{Dist: dist, M: hutchinsonGrid(maxM), Std: std}
	c.Running = make([]float64, len(c.M))
	sq := make([]float64, len(c.M))
	tr, d := MatrixTrace(a), len(a)
	rng := rand.New(rand.NewPCG(seed, uint64(dist)+1))
	av := make([]float64, d)
	for r := range repeats {
		sum, k := 0.0, 0
		for m := 1; m <= maxM; m++ {
			v := ProjectionVector(rng, dist, d)
			for i := range a {
				av[i] = 0
				for j, x := range a[i] {
					av[i] += x * v[j]
				}
			}
			for i := range v {
				sum += v[i] * av[i]
			}
			if m == c.M[k] {
				mean := sum / float64(m)
				if r == 0 {
					c.Running[k] = mean
				}
				sq[k] += (mean - tr) * (mean - tr)
				k++
			}
		}
	}
	c.RMSError = make([]float64, len(c.M))
	for k := range sq {
		c.RMSError[k] = math.Sqrt(sq[k] / float64(repeats))
	}
	return c, nil
}

// hutchinsonGrid returns about 20 distinct integers per decade from 1 to maxM (included).
func hutchinsonGrid(maxM int) []int {
	var out []int
	for e := 0.0; ; e += 0.05 {
		m := int(math.Round(math.Pow(10, e)))
		if m >= maxM {
			break
		}
		if len(out) == 0 || m > out[len(out)-1] {
			out = append(out, m)
		}
	}
	return append(out, maxM)
}

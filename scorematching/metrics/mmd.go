package metrics

import (
	"fmt"
	"math"
	"slices"

	"github.com/gosm/gosm/scorematching/hostmath"

	"github.com/gosm/gosm/scorematching/batch"
)

// MMD2Unbiased returns the unbiased estimate of the squared maximum mean discrepancy between the
// distributions of the samples x (m points) and y (n points), with the Gaussian (RBF) kernel
//
//	k(a, b) = exp(-||a - b||^2 / (2 h^2)),   h = bandwidth:
//
//	MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j)
//	          - 2/(m n) sum_{i, j} k(x_i, y_j)
//
// (Gretton et al. 2012, eq. 3). The population MMD^2 is 0 exactly when the two distributions are
// equal (the Gaussian kernel is characteristic) and positive otherwise, and at most 2. The
// estimate is unbiased, so for two samples of the same distribution it scatters around 0 and is
// negative about half the time: a negative value means "no difference seen", not an error. Its
// standard deviation under equality shrinks like 1/n; compare an estimate with MMDNoiseFloor to
// tell "indistinguishable at this sample size" from "different".
//
// The bandwidth sets the scale at which differences are seen: much smaller than the distance
// between points, every k(a, b) with a != b is 0; much larger, every k is 1; either way the MMD
// sees nothing. MedianBandwidth is the usual choice. The cost is O((m + n)^2) kernel evaluations
// (about 0.1 s for m = n = 2000 in 2-D).
func MMD2Unbiased(x, y [][]float64, bandwidth float64) (float64, error) {
	if len(x) < 2 || len(y) < 2 {
		return 0, fmt.Errorf("unbiased MMD needs at least 2 points in each sample, got %d and %d", len(x), len(y))
	}
	if !(bandwidth > 0) || math.IsInf(bandwidth, 0) {
		return 0, fmt.Errorf("MMD kernel bandwidth must be positive and finite, got %v", bandwidth)
	}
	fx, dim, err := flatten(x, 0, "x")
	if err != nil {
		return 0, err
	}
	fy, _, err := flatten(y, dim, "y")
	if err != nil {
		return 0, err
	}
	c := -1 / (2 * bandwidth * bandwidth)
	m, n := float64(len(x)), float64(len(y))
	kxx := 2 * sumWithin(fx, dim, c) / (m * (m - 1))
	kyy := 2 * sumWithin(fy, dim, c) / (n * (n - 1))
	kxy := sumBetween(fx, fy, dim, c) / (m * n)
	return kxx + kyy - 2*kxy, nil
}

// sumWithin returns sum_{i < j} exp(c ||a_i - a_j||^2) over the rows of the flat matrix a.
func sumWithin(a []float64, dim int, c float64) float64 {
	rows := len(a) / dim
	var total float64
	for i := range rows {
		ai := a[i*dim : (i+1)*dim]
		var s float64
		for j := i + 1; j < rows; j++ {
			s += hostmath.Exp(c * sqDist(ai, a[j*dim:(j+1)*dim]))
		}
		total += s
	}
	return total
}

// sumBetween returns sum_{i, j} exp(c ||a_i - b_j||^2).
func sumBetween(a, b []float64, dim int, c float64) float64 {
	var total float64
	for i := 0; i < len(a); i += dim {
		ai := a[i : i+dim]
		var s float64
		for j := 0; j < len(b); j += dim {
			s += hostmath.Exp(c * sqDist(ai, b[j:j+dim]))
		}
		total += s
	}
	return total
}

func sqDist(a, b []float64) float64 {
	var d float64
	for k := range a {
		t := a[k] - b[k]
		d += t * t
	}
	return d
}

// flatten checks that every row has dim coordinates (dim 0: those of the first row), all finite,
// and returns the rows concatenated.
func flatten(rows [][]float64, dim int, name string) ([]float64, int, error) {
	if err := batch.Check(rows, dim); err != nil {
		return nil, 0, fmt.Errorf("%s %w", name, err)
	}
	dim = len(rows[0])
	flat := make([]float64, 0, len(rows)*dim)
	for _, r := range rows {
		flat = append(flat, r...)
	}
	return flat, dim, nil
}

// MedianBandwidthPoints is the number of pooled points MedianBandwidth looks at, at most.
const MedianBandwidthPoints = 1000

// MedianBandwidth returns the median heuristic for the Gaussian kernel's bandwidth h: the median
// distance ||a - b|| between two distinct points of the pooled sample x and y (Gretton et al.
// 2012). With it, k(a, b) = exp(-d^2 / (2 h^2)) is exp(-1/2) at the typical distance, so the
// kernel neither saturates nor vanishes. To stay fast, it uses at most MedianBandwidthPoints
// points, taken evenly spaced from the pool (deterministic: the same inputs give the same h).
func MedianBandwidth(x, y [][]float64) (float64, error) {
	pool := append(append([][]float64(nil), x...), y...)
	if len(pool) < 2 {
		return 0, fmt.Errorf("median bandwidth needs at least 2 points in all, got %d", len(pool))
	}
	if len(pool) > MedianBandwidthPoints {
		picked := make([][]float64, MedianBandwidthPoints)
		for i := range picked {
			picked[i] = pool[i*len(pool)/MedianBandwidthPoints]
		}
		pool = picked
	}
	flat, dim, err := flatten(pool, 0, "pooled")
	if err != nil {
		return 0, err
	}
	n := len(pool)
	d := make([]float64, 0, n*(n-1)/2)
	for i := range n {
		for j := i + 1; j < n; j++ {
			d = append(d, math.Sqrt(sqDist(flat[i*dim:(i+1)*dim], flat[j*dim:(j+1)*dim])))
		}
	}
	slices.Sort(d)
	med := d[len(d)/2]
	if len(d)%2 == 0 {
		med = 0.5 * (d[len(d)/2-1] + d[len(d)/2])
	}
	if !(med > 0) {
		return 0, fmt.Errorf("median bandwidth is 0: at least half of the pairs of points coincide")
	}
	return med, nil
}

// NoiseFloor summarises MMD^2 estimates between pairs of independent samples of the same
// distribution: the spread an estimate shows when there is nothing to find.
type NoiseFloor struct {
	Mean, Std, Max float64
	Values         []float64
}

// MMDNoiseFloor estimates MMD^2_u between two fresh samples of n points of the same distribution,
// reps times (sample(n, seed) draws n points; the pairs use seeds 2r and 2r+1 for r = 0..reps-1,
// offset by seed0). A model whose samples give an MMD^2 against data within this spread (say below
// Mean + 3 Std, or below Max) is indistinguishable from the data at this sample size; one far
// above it is measurably wrong. Use the same n and bandwidth as the comparison it calibrates.
func MMDNoiseFloor(sample func(n int, seed uint64) ([][]float64, error), n int, bandwidth float64, reps int, seed0 uint64) (NoiseFloor, error) {
	if sample == nil {
		return NoiseFloor{}, fmt.Errorf("MMD noise floor: the sampling function is nil")
	}
	if n < 2 {
		return NoiseFloor{}, fmt.Errorf("MMD noise floor: sample size must be at least 2, got %d", n)
	}
	if reps < 2 {
		return NoiseFloor{}, fmt.Errorf("MMD noise floor: number of repetitions must be at least 2, got %d", reps)
	}
	f := NoiseFloor{Max: math.Inf(-1)}
	var sum, sum2 float64
	for r := range reps {
		a, err := sample(n, seed0+2*uint64(r))
		if err != nil {
			return NoiseFloor{}, err
		}
		b, err := sample(n, seed0+2*uint64(r)+1)
		if err != nil {
			return NoiseFloor{}, err
		}
		v, err := MMD2Unbiased(a, b, bandwidth)
		if err != nil {
			return NoiseFloor{}, err
		}
		f.Values = append(f.Values, v)
		f.Max = math.Max(f.Max, v)
		sum += v
		sum2 += v * v
	}
	k := float64(reps)
	f.Mean = sum / k
	f.Std = math.Sqrt(math.Max(0, (sum2-k*f.Mean*f.Mean)/(k-1)))
	return f, nil
}

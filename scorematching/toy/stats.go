package toy

import "math"

// Moments returns the mean of the points and their covariance matrix (normalised by n). It
// returns nil, nil for no points.
func Moments(points [][]float64) (mean []float64, cov [][]float64) {
	if len(points) == 0 {
		return nil, nil
	}
	d := len(points[0])
	n := float64(len(points))
	mean = make([]float64, d)
	for _, p := range points {
		for j, v := range p {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= n
	}
	cov = make([][]float64, d)
	for i := range cov {
		cov[i] = make([]float64, d)
	}
	for _, p := range points {
		for i := range d {
			di := p[i] - mean[i]
			for j := range d {
				cov[i][j] += di * (p[j] - mean[j])
			}
		}
	}
	for i := range cov {
		for j := range cov[i] {
			cov[i][j] /= n
		}
	}
	return mean, cov
}

// Fractions returns, for labels in [0, k), the fraction of labels equal to each value (labels
// outside the range are counted in no bin). With the labels of SampleLabeled or of an
// Assignments method it compares a sample's share of each component with ComponentWeights,
// e.g. to see that plain Langevin dynamics gets the weights of 2gaussians wrong.
func Fractions(labels []int, k int) []float64 {
	out := make([]float64, k)
	if len(labels) == 0 {
		return out
	}
	for _, l := range labels {
		if l >= 0 && l < k {
			out[l]++
		}
	}
	for i := range out {
		out[i] /= float64(len(labels))
	}
	return out
}

// norm is the Euclidean norm of x.
func norm(x []float64) float64 {
	if len(x) == 2 {
		return math.Hypot(x[0], x[1])
	}
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}

// nearest returns the index of the value of vs closest to v (the first on ties).
func nearest(v float64, vs []float64) int {
	best, bestD := 0, math.Inf(1)
	for i, w := range vs {
		if d := math.Abs(v - w); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

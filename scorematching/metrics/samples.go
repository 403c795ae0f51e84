package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gosm/gosm/scorematching/hostmath"

	"github.com/gosm/gosm/scorematching/toy"
)

// RadiusMoments returns the mean and the standard deviation (n - 1 in the denominator) of the
// radius ||x|| of the points: for the ring, estimates of R and of the radial std. Empty input
// gives NaN, one point a std of NaN.
func RadiusMoments(points [][]float64) (mean, std float64) {
	n := float64(len(points))
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	var sum float64
	radii := make([]float64, len(points))
	for i, p := range points {
		var s float64
		for _, v := range p {
			s += v * v
		}
		radii[i] = math.Sqrt(s)
		sum += radii[i]
	}
	mean = sum / n
	var ss float64
	for _, r := range radii {
		ss += (r - mean) * (r - mean)
	}
	return mean, math.Sqrt(ss / (n - 1))
}

// AngleKS tests whether the angles of points in the plane (atan2 of their first two coordinates)
// are uniform on [-pi, pi), as they are for the ring: it returns the Kolmogorov-Smirnov statistic
// D = sup_u |F_n(u) - u| of u = (theta + pi) / (2 pi) against the uniform distribution on [0, 1],
// and its asymptotic p-value, with Stephens' correction for finite n (accurate for n >= 5 or so):
//
//	p = Q(lambda),  lambda = (sqrt(n) + 0.12 + 0.11/sqrt(n)) D,  Q(l) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 l^2).
//
// A small p (say below 0.01) says the angles are not uniform. KS on a circle depends on where
// the angle starts (here at -pi, the negative x axis): a lump exactly there is seen less well than
// elsewhere. Points at the origin (angle undefined) count as angle 0. Fewer than one point gives
// D = NaN, p = NaN.
func AngleKS(points [][]float64) (d, pValue float64) {
	n := len(points)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	u := make([]float64, n)
	for i, p := range points {
		var x, y float64
		if len(p) > 0 {
			x = p[0]
		}
		if len(p) > 1 {
			y = p[1]
		}
		u[i] = (math.Atan2(y, x) + math.Pi) / (2 * math.Pi)
	}
	slices.Sort(u)
	nf := float64(n)
	for i, v := range u {
		d = math.Max(d, math.Max(float64(i+1)/nf-v, v-float64(i)/nf))
	}
	sq := math.Sqrt(nf)
	return d, kolmogorovQ((sq + 0.12 + 0.11/sq) * d)
}

// kolmogorovQ is the tail of the Kolmogorov distribution, P(K > lambda).
func kolmogorovQ(lambda float64) float64 {
	if lambda < 0.2 { // The series converges slowly here, and Q is 1 to 1e-13.
		return 1
	}
	var sum float64
	sign := 1.0
	for k := 1; k <= 100; k++ {
		term := sign * hostmath.Exp(-2*float64(k*k)*lambda*lambda)
		sum += term
		if math.Abs(term) < 1e-16 {
			break
		}
		sign = -sign
	}
	return math.Min(1, math.Max(0, 2*sum))
}

// NearestFractions assigns each point to its nearest centre (Euclidean distance) and returns the
// fraction of points assigned to each centre: for a mixture with well separated components, an
// estimate of the component weights a sampler reproduced.
func NearestFractions(points, centres [][]float64) ([]float64, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("no points to assign")
	}
	if len(centres) == 0 {
		return nil, fmt.Errorf("no centres to assign the points to")
	}
	dim := len(centres[0])
	for k, c := range centres {
		if len(c) != dim {
			return nil, fmt.Errorf("centre %d has %d coordinates, centre 0 has %d", k, len(c), dim)
		}
	}
	counts := make([]float64, len(centres))
	for i, p := range points {
		if len(p) != dim {
			return nil, fmt.Errorf("point %d has %d coordinates, the centres have %d", i, len(p), dim)
		}
		best, bestD := 0, math.Inf(1)
		for k, c := range centres {
			if d := sqDist(p, c); d < bestD {
				best, bestD = k, d
			}
		}
		counts[best]++
	}
	for k := range counts {
		counts[k] /= float64(len(points))
	}
	return counts, nil
}

// FittedGaussian draws n points, seeded, from the normal distribution with the mean and
// covariance of data (x = mean + L z with L L^T = cov, Cholesky; a tiny floor on the pivots keeps
// a degenerate covariance, such as that of points on a line, usable): what a model that knows only
// the first two moments of data would sample, a scale for two-sample tests.
func FittedGaussian(data [][]float64, n int, seed uint64) [][]float64 {
	mean, cov := toy.Moments(data)
	dim := len(mean)
	l := make([][]float64, dim)
	for i := range l {
		l[i] = make([]float64, dim)
		for j := 0; j <= i; j++ {
			s := cov[i][j]
			for k := range j {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				l[i][i] = math.Sqrt(math.Max(s, 1e-12))
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x9a55))
	out := make([][]float64, n)
	z := make([]float64, dim)
	for p := range out {
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		out[p] = slices.Clone(mean)
		for i := range dim {
			for j := 0; j <= i; j++ {
				out[p][i] += l[i][j] * z[j]
			}
		}
	}
	return out
}

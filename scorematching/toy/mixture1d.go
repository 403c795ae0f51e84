package toy

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gosm/gosm/scorematching/hostmath"
)

// Mixture1D is "mixture1d", a mixture of two normal distributions on the real line:
//
//	p(x) = w N(x; mu1, sigma1^2) + (1 - w) N(x; mu2, sigma2^2),
//
// the one-dimensional warm-up of notebook 00: small enough that every expectation can be computed
// by quadrature (Expect), and with two modes, so that its score is not a straight line. Its score
// is closed-form:
//
//	s(x) = d/dx log p(x) = r(x) (mu1 - x) / sigma1^2 + (1 - r(x)) (mu2 - x) / sigma2^2,
//
// where r(x) = w N(x; mu1, sigma1^2) / p(x) is the probability that x comes from component 0
// (Posterior).
//
// Points are rows of one coordinate, as for every Dataset; the methods that take a float64
// (DensityAt, LogDensityAt, ScoreAt, ...) are the same functions on plain numbers, for the
// quadratures and curves of a one-dimensional notebook.
//
// Build one with NewMixture1D or New("mixture1d", params); a value built by hand must satisfy
// Validate (Sample checks it; the density and the score assume it).
type Mixture1D struct {
	Weight float64 // w, the weight of component 0, in (0, 1); component 1 has 1 - w.
	Mean1  float64 // mu1, the mean of component 0.
	Mean2  float64 // mu2, the mean of component 1.
	Std1   float64 // sigma1, the standard deviation of component 0.
	Std2   float64 // sigma2, the standard deviation of component 1.
}

// DefaultMixture1D is New("mixture1d", nil): 0.3 N(-2, 0.5^2) + 0.7 N(2, 1). The modes are far
// enough apart for a clear dip between them (the density there is about 0.014, against 0.24 and
// 0.28 at the peaks), and close enough for Langevin dynamics to move particles between them in a
// few thousand steps.
var DefaultMixture1D = Mixture1D{Weight: 0.3, Mean1: -2, Mean2: 2, Std1: 0.5, Std2: 1}

var (
	_ Analytic = Mixture1D{}
	_ Labeled  = Mixture1D{}
)

// NewMixture1D returns the mixture after checking its parameters (see Validate).
func NewMixture1D(weight, mean1, mean2, std1, std2 float64) (Mixture1D, error) {
	m := Mixture1D{Weight: weight, Mean1: mean1, Mean2: mean2, Std1: std1, Std2: std2}
	return m, m.Validate()
}

// Validate returns an error naming the first bad parameter: the weight must be in (0, 1), the
// means finite, the standard deviations positive and finite.
func (m Mixture1D) Validate() error {
	if !(m.Weight > 0 && m.Weight < 1) {
		return fmt.Errorf("mixture1d weight must be in (0, 1), got %v", m.Weight)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"mean1", m.Mean1}, {"mean2", m.Mean2}} {
		if math.IsNaN(c.v) || math.IsInf(c.v, 0) {
			return fmt.Errorf("mixture1d %s must be finite, got %v", c.name, c.v)
		}
	}
	if err := checkPositive("mixture1d", "std1", m.Std1); err != nil {
		return err
	}
	return checkPositive("mixture1d", "std2", m.Std2)
}

// Name is the registry name, "mixture1d".
func (m Mixture1D) Name() string { return "mixture1d" }

// Dim is the dimension of the points, 1.
func (m Mixture1D) Dim() int { return 1 }

// Params returns the parameters by name: weight, mean1, mean2, std1, std2.
func (m Mixture1D) Params() map[string]float64 {
	return map[string]float64{"weight": m.Weight, "mean1": m.Mean1, "mean2": m.Mean2, "std1": m.Std1, "std2": m.Std2}
}

// Components is the number of components, 2.
func (m Mixture1D) Components() int { return 2 }

// ComponentWeights returns w and 1 - w.
func (m Mixture1D) ComponentWeights() []float64 { return []float64{m.Weight, 1 - m.Weight} }

// Sample draws n points (rows of one coordinate) with a generator seeded by seed.
func (m Mixture1D) Sample(n int, seed uint64) ([][]float64, error) {
	points, _, err := m.SampleLabeled(n, seed)
	return points, err
}

// SampleLabeled draws n points and the component each comes from (0 or 1): the component with
// probability w and 1 - w, then x = mu + sigma z with z standard normal.
func (m Mixture1D) SampleLabeled(n int, seed uint64) ([][]float64, []int, error) {
	if err := m.Validate(); err != nil {
		return nil, nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x1d_313e))
	points := make([][]float64, n)
	labels := make([]int, n)
	for i := range points {
		mu, sigma, k := m.Mean1, m.Std1, 0
		if rng.Float64() >= m.Weight {
			mu, sigma, k = m.Mean2, m.Std2, 1
		}
		points[i], labels[i] = []float64{mu + sigma*rng.NormFloat64()}, k
	}
	return points, labels, nil
}

// logJoint returns log(w N(x; mu1, sigma1^2)) and log((1 - w) N(x; mu2, sigma2^2)).
func (m Mixture1D) logJoint(x float64) (l1, l2 float64) {
	z1, z2 := (x-m.Mean1)/m.Std1, (x-m.Mean2)/m.Std2
	const halfLog2Pi = 0.9189385332046727 // log(2 pi) / 2
	l1 = math.Log(m.Weight) - math.Log(m.Std1) - halfLog2Pi - z1*z1/2
	l2 = math.Log1p(-m.Weight) - math.Log(m.Std2) - halfLog2Pi - z2*z2/2
	return l1, l2
}

// LogDensityAt is log p(x), computed without underflow far from the modes.
func (m Mixture1D) LogDensityAt(x float64) float64 {
	l1, l2 := m.logJoint(x)
	hi, lo := max(l1, l2), min(l1, l2)
	return hi + math.Log1p(hostmath.Exp(lo-hi))
}

// DensityAt is p(x).
func (m Mixture1D) DensityAt(x float64) float64 { return hostmath.Exp(m.LogDensityAt(x)) }

// Posterior is r(x), the probability that x was drawn from component 0.
func (m Mixture1D) Posterior(x float64) float64 {
	l1, l2 := m.logJoint(x)
	return 1 / (1 + hostmath.Exp(l2-l1))
}

// ScoreAt is s(x) = d/dx log p(x) = r(x) (mu1 - x)/sigma1^2 + (1 - r(x)) (mu2 - x)/sigma2^2.
func (m Mixture1D) ScoreAt(x float64) float64 {
	r := m.Posterior(x)
	return r*(m.Mean1-x)/(m.Std1*m.Std1) + (1-r)*(m.Mean2-x)/(m.Std2*m.Std2)
}

// CDF is P(X <= x) = w Phi((x - mu1)/sigma1) + (1 - w) Phi((x - mu2)/sigma2), with Phi the
// standard normal distribution function: the share of the mass left of x, to compare with the
// share of samples left of x.
func (m Mixture1D) CDF(x float64) float64 {
	phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	return m.Weight*phi((x-m.Mean1)/m.Std1) + (1-m.Weight)*phi((x-m.Mean2)/m.Std2)
}

// Unnormalized is q(x) = w exp(-(x - mu1)^2 / (2 sigma1^2)) / sigma1 + (1 - w) exp(-(x -
// mu2)^2 / (2 sigma2^2)) / sigma2: the density without its normalising constant, so that
// p(x) = q(x) / Z with Z = NormalizingConstant(). It shows that log q and log p have the same
// derivative, the score.
func (m Mixture1D) Unnormalized(x float64) float64 {
	z1, z2 := (x-m.Mean1)/m.Std1, (x-m.Mean2)/m.Std2
	return m.Weight*hostmath.Exp(-z1*z1/2)/m.Std1 + (1-m.Weight)*hostmath.Exp(-z2*z2/2)/m.Std2
}

// NormalizingConstant is Z = integral of Unnormalized over the line = sqrt(2 pi).
func (m Mixture1D) NormalizingConstant() float64 { return math.Sqrt(2 * math.Pi) }

// LogDensity is log p(x) at a point of one coordinate (the Analytic interface).
func (m Mixture1D) LogDensity(x []float64) float64 { return m.LogDensityAt(x[0]) }

// Score is the score at a point of one coordinate, as a one-coordinate slice (the Analytic
// interface).
func (m Mixture1D) Score(x []float64) []float64 { return []float64{m.ScoreAt(x[0])} }

// Mean is E[x] = w mu1 + (1 - w) mu2.
func (m Mixture1D) Mean() float64 { return m.Weight*m.Mean1 + (1-m.Weight)*m.Mean2 }

// Variance is Var[x] = w (sigma1^2 + mu1^2) + (1 - w) (sigma2^2 + mu2^2) - E[x]^2.
func (m Mixture1D) Variance() float64 {
	e2 := m.Weight*(m.Std1*m.Std1+m.Mean1*m.Mean1) + (1-m.Weight)*(m.Std2*m.Std2+m.Mean2*m.Mean2)
	mean := m.Mean()
	return e2 - mean*mean
}

// boundsStds is how many standard deviations Bounds reaches beyond each mean: a normal
// distribution has mass 2e-19 beyond 9 standard deviations.
const boundsStds = 9

// Bounds returns an interval [lo, hi] that holds all of the mass but less than 3e-19: each
// component's mean plus or minus 9 of its standard deviations. Expect integrates over it.
func (m Mixture1D) Bounds() (lo, hi float64) {
	lo = min(m.Mean1-boundsStds*m.Std1, m.Mean2-boundsStds*m.Std2)
	hi = max(m.Mean1+boundsStds*m.Std1, m.Mean2+boundsStds*m.Std2)
	return lo, hi
}

// Expect returns E_p[f(x)], the integral of p(x) f(x) over Bounds, by the composite Simpson rule
// with a step of a twentieth of the smaller standard deviation (at least 200 intervals). For f of
// polynomial growth (the scores, the losses of notebook 00) the result is exact to about 1e-10
// relative: the integrand is smooth on the scale of the step, and the mass left out is below 3e-19.
func (m Mixture1D) Expect(f func(x float64) float64) float64 {
	lo, hi := m.Bounds()
	h := min(m.Std1, m.Std2) / 20
	n := max(200, 2*int(math.Ceil((hi-lo)/h/2)))
	v, err := Simpson(func(x float64) float64 {
		p := m.DensityAt(x)
		if p == 0 { // Far in a tail: p f is 0 even where f overflows.
			return 0
		}
		return p * f(x)
	}, lo, hi, n)
	if err != nil { // Cannot happen: lo < hi are finite and n is even.
		return math.NaN()
	}
	return v
}

// MeanSquaredScore is E[s(x)^2], by quadrature (Expect). Half of it is the constant that
// separates Hyvarinen's objective J from the Fisher divergence (F = J + E[s^2] / 2), so
// -E[s^2] / 2 is the lowest value J can take.
func (m Mixture1D) MeanSquaredScore() float64 {
	return m.Expect(func(x float64) float64 { s := m.ScoreAt(x); return s * s })
}

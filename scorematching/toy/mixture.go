package toy

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
)

// GaussianMixture is a mixture of isotropic normal distributions:
//
//	p(x) = sum_k w_k N(x; mu_k, sigma_k^2 I),
//
// sampled by drawing the component k with probability w_k, then x = mu_k + sigma_k z with z
// standard normal. Its log-density and score are closed-form:
//
//	log p(x) = logsumexp_k [log w_k - D/2 log(2 pi sigma_k^2) - ||x - mu_k||^2 / (2 sigma_k^2)]
//	s(x)     = sum_k r_k(x) (mu_k - x) / sigma_k^2,  r_k(x) = w_k N(x; mu_k, sigma_k^2 I) / p(x),
//
// where r_k(x) is the posterior probability of component k (Posterior).
//
// Build one with NewGaussianMixture, or with the constructors of the registered mixtures:
// NewTwoGaussians ("2gaussians"), NewEightGaussians ("8gaussians") and NewIsotropicGaussian
// ("gaussian"). A mixture built by hand must satisfy Validate (Sample checks it; LogDensity and
// Score assume it).
type GaussianMixture struct {
	Means   [][]float64 // mu_k, one row of D coordinates per component.
	Stds    []float64   // sigma_k, the standard deviation of every coordinate of component k.
	Weights []float64   // w_k, positive, summing to 1.

	name   string             // Registry name, or "" for "gaussian-mixture".
	params map[string]float64 // Registry parameters, or nil.
}

var (
	_ Analytic = GaussianMixture{}
	_ Labeled  = GaussianMixture{}
)

// NewGaussianMixture returns the mixture of the given components after checking them: one mean
// per component, all of the same dimension, finite; positive finite stds; positive finite
// weights, which it normalises to sum to 1. It copies its arguments.
func NewGaussianMixture(means [][]float64, stds, weights []float64) (GaussianMixture, error) {
	g := GaussianMixture{Means: make([][]float64, len(means)), Stds: append([]float64(nil), stds...)}
	for i, m := range means {
		g.Means[i] = append([]float64(nil), m...)
	}
	var sum float64
	for i, w := range weights {
		if !(w > 0) || math.IsInf(w, 0) {
			return GaussianMixture{}, fmt.Errorf("mixture weight %d must be positive and finite, got %v", i, w)
		}
		sum += w
	}
	g.Weights = make([]float64, len(weights))
	for i, w := range weights {
		g.Weights[i] = w / sum
	}
	return g, g.Validate()
}

// NewTwoGaussians returns "2gaussians", the toy of NCSN (Song and Ermon, 2019, section 3.2.2):
//
//	p = weight N((-offset, -offset), std^2 I) + (1 - weight) N((offset, offset), std^2 I).
//
// Defaults (New("2gaussians", nil)): weight 0.2, offset 5, std 1, i.e. 1/5 N((-5,-5), I) +
// 4/5 N((5,5), I). The components are 10 sqrt(2) = 14 standard deviations apart, so the score
// near each one ignores the other: Langevin dynamics with the true score puts about half of its
// particles in each mode whatever the weights, while annealed Langevin recovers 0.2 / 0.8.
// Component 0 is the one at (-offset, -offset).
func NewTwoGaussians(weight, offset, std float64) (GaussianMixture, error) {
	if !(weight > 0 && weight < 1) {
		return GaussianMixture{}, fmt.Errorf("2gaussians weight must be in (0, 1), got %v", weight)
	}
	if err := checkPositive("2gaussians", "offset", offset); err != nil {
		return GaussianMixture{}, err
	}
	if err := checkPositive("2gaussians", "std", std); err != nil {
		return GaussianMixture{}, err
	}
	g, err := NewGaussianMixture([][]float64{{-offset, -offset}, {offset, offset}}, []float64{std, std}, []float64{weight, 1 - weight})
	g.name = "2gaussians"
	g.params = map[string]float64{"weight": weight, "offset": offset, "std": std}
	return g, err
}

// NewEightGaussians returns "8gaussians": components equal-weight normals with standard
// deviation std, centred at radius (cos, sin)(2 pi k / components), k = 0..components-1.
//
// Defaults (New("8gaussians", nil)): 8 components, radius 4/sqrt(2) = 2.83, std 0.5/sqrt(2) =
// 0.354: FFJORD's 8gaussians (centres at scale 4, std 0.5, everything divided by 1.414). Its
// component k sits at angle 2 pi k / 8; FFJORD lists the same centres in another order.
func NewEightGaussians(components int, radius, std float64) (GaussianMixture, error) {
	if components < 1 || components > maxIntParam {
		return GaussianMixture{}, fmt.Errorf("8gaussians components must be an integer in [1, %d], got %d", maxIntParam, components)
	}
	if err := checkPositive("8gaussians", "radius", radius); err != nil {
		return GaussianMixture{}, err
	}
	if err := checkPositive("8gaussians", "std", std); err != nil {
		return GaussianMixture{}, err
	}
	means := make([][]float64, components)
	stds := make([]float64, components)
	for k := range means {
		theta := 2 * math.Pi * float64(k) / float64(components)
		means[k] = []float64{radius * math.Cos(theta), radius * math.Sin(theta)}
		stds[k] = std
	}
	g, err := NewGaussianMixture(means, stds, uniformWeights(components))
	g.name = "8gaussians"
	g.params = map[string]float64{"components": float64(components), "radius": radius, "std": std}
	return g, err
}

// NewIsotropicGaussian returns "gaussian": N(0, std^2 I) in dim dimensions, a mixture of one
// component. Defaults (New("gaussian", nil)): dim 2, std 1. Its score is -x / std^2.
func NewIsotropicGaussian(dim int, std float64) (GaussianMixture, error) {
	if dim < 1 || dim > maxIntParam {
		return GaussianMixture{}, fmt.Errorf("gaussian dim must be an integer in [1, %d], got %d", maxIntParam, dim)
	}
	if err := checkPositive("gaussian", "std", std); err != nil {
		return GaussianMixture{}, err
	}
	g, err := NewGaussianMixture([][]float64{make([]float64, dim)}, []float64{std}, []float64{1})
	g.name = "gaussian"
	g.params = map[string]float64{"dim": float64(dim), "std": std}
	return g, err
}

// Validate checks the mixture: at least one component; one mean, std and weight per component;
// means of one dimension >= 1, finite; stds positive and finite; weights positive and summing to
// 1 within 1e-9.
func (g GaussianMixture) Validate() error {
	k := len(g.Means)
	if k == 0 {
		return fmt.Errorf("mixture has no components")
	}
	if len(g.Stds) != k || len(g.Weights) != k {
		return fmt.Errorf("mixture has %d means, %d stds and %d weights: want one of each per component", k, len(g.Stds), len(g.Weights))
	}
	d := len(g.Means[0])
	if d == 0 {
		return fmt.Errorf("mixture means have dimension 0")
	}
	var sum float64
	for i := range k {
		if len(g.Means[i]) != d {
			return fmt.Errorf("mixture mean %d has dimension %d, mean 0 has %d", i, len(g.Means[i]), d)
		}
		for j, v := range g.Means[i] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("mixture mean %d coordinate %d must be finite, got %v", i, j, v)
			}
		}
		if s := g.Stds[i]; !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("mixture std %d must be positive and finite, got %v", i, s)
		}
		if w := g.Weights[i]; !(w > 0) || math.IsInf(w, 0) {
			return fmt.Errorf("mixture weight %d must be positive and finite, got %v", i, w)
		}
		sum += g.Weights[i]
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("mixture weights sum to %v, want 1", sum)
	}
	return nil
}

// Name is the registry name ("2gaussians", "8gaussians", "gaussian"), or "gaussian-mixture" for
// a mixture built with NewGaussianMixture (which New cannot build: its parameters are vectors).
func (g GaussianMixture) Name() string {
	if g.name == "" {
		return "gaussian-mixture"
	}
	return g.name
}

// Params returns the registry parameters of a registered mixture; for another mixture, its
// number of components ("components") and dimension ("dim").
func (g GaussianMixture) Params() map[string]float64 {
	if g.params != nil {
		return maps.Clone(g.params)
	}
	return map[string]float64{"components": float64(len(g.Means)), "dim": float64(g.Dim())}
}

// Dim is the dimension of the points (that of the means; 0 for an empty mixture).
func (g GaussianMixture) Dim() int {
	if len(g.Means) == 0 {
		return 0
	}
	return len(g.Means[0])
}

// Components is the number of components.
func (g GaussianMixture) Components() int { return len(g.Means) }

// ComponentWeights returns a copy of the weights.
func (g GaussianMixture) ComponentWeights() []float64 { return append([]float64(nil), g.Weights...) }

// Sample draws n points with a generator seeded by seed.
func (g GaussianMixture) Sample(n int, seed uint64) ([][]float64, error) {
	points, _, err := g.SampleLabeled(n, seed)
	return points, err
}

// SampleLabeled draws n points and the component each comes from.
func (g GaussianMixture) SampleLabeled(n int, seed uint64) ([][]float64, []int, error) {
	if err := g.Validate(); err != nil {
		return nil, nil, err
	}
	if err := checkCount(n); err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6a05_5000))
	d := g.Dim()
	points := make([][]float64, n)
	labels := make([]int, n)
	for i := range points {
		k := pick(rng.Float64(), g.Weights)
		p := make([]float64, d)
		for j := range p {
			p[j] = g.Means[k][j] + g.Stds[k]*rng.NormFloat64()
		}
		points[i], labels[i] = p, k
	}
	return points, labels, nil
}

// pick returns the index k such that u falls in the k-th interval of the cumulative weights
// (the last index if rounding leaves u beyond the sum).
func pick(u float64, weights []float64) int {
	var c float64
	for k, w := range weights {
		c += w
		if u < c {
			return k
		}
	}
	return len(weights) - 1
}

// logJoint fills out[k] with log(w_k N(x; mu_k, sigma_k^2 I)).
func (g GaussianMixture) logJoint(x []float64, out []float64) {
	d := float64(len(x))
	for k, mu := range g.Means {
		s2 := g.Stds[k] * g.Stds[k]
		var q float64
		for j, v := range x {
			q += (v - mu[j]) * (v - mu[j])
		}
		out[k] = math.Log(g.Weights[k]) - 0.5*d*math.Log(2*math.Pi*s2) - q/(2*s2)
	}
}

// LogDensity is the normalised log-density log p(x).
func (g GaussianMixture) LogDensity(x []float64) float64 {
	l := make([]float64, len(g.Means))
	g.logJoint(x, l)
	return logSumExp(l)
}

// Posterior returns r_k(x), the probability that x comes from component k.
func (g GaussianMixture) Posterior(x []float64) []float64 {
	r := make([]float64, len(g.Means))
	g.logJoint(x, r)
	softmaxInPlace(r)
	return r
}

// Score is the gradient of LogDensity: sum_k r_k(x) (mu_k - x) / sigma_k^2.
func (g GaussianMixture) Score(x []float64) []float64 {
	r := g.Posterior(x)
	s := make([]float64, len(x))
	for k, mu := range g.Means {
		c := r[k] / (g.Stds[k] * g.Stds[k])
		for j, v := range x {
			s[j] += c * (mu[j] - v)
		}
	}
	return s
}

// Assignments returns for each point its most probable component (the largest Posterior).
func (g GaussianMixture) Assignments(points [][]float64) []int {
	out := make([]int, len(points))
	l := make([]float64, len(g.Means))
	for i, p := range points {
		g.logJoint(p, l)
		best := 0
		for k := range l {
			if l[k] > l[best] {
				best = k
			}
		}
		out[i] = best
	}
	return out
}

// ComponentFractions returns the fraction of the points assigned to each component
// (Assignments): for samples of the mixture it estimates the weights, up to the points that fall
// nearer another component (for well-separated components such as 2gaussians', none in
// practice). Comparing it with the weights shows whether a sampler gets the weights right.
func (g GaussianMixture) ComponentFractions(points [][]float64) []float64 {
	return Fractions(g.Assignments(points), len(g.Means))
}

// Statistic depends on the mixture's registry name: the mean coordinate std (gaussian), the share
// of the first mode, at (-offset, -offset) (2gaussians: weight 0.2 by default), the largest deviation of a mode's share from
// its weight (8gaussians, and any other mixture).
func (g GaussianMixture) Statistic(points [][]float64) (string, float64) {
	switch g.Name() {
	case "gaussian":
		_, cov := Moments(points)
		var s float64
		for i := range cov {
			s += math.Sqrt(cov[i][i])
		}
		return "mean coordinate std", s / float64(len(cov))
	case "2gaussians":
		return fmt.Sprintf("share of the (%g,%g) mode", g.Means[0][0], g.Means[0][1]), g.ComponentFractions(points)[0]
	}
	return "largest mode share error", maxDeviation(g.ComponentFractions(points), g.ComponentWeights())
}

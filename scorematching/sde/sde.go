// Package sde holds the forward processes of score-based diffusion (Song et al., "Score-Based
// Generative Modeling through Stochastic Differential Equations", ICLR 2021): stochastic
// differential equations dx = f(x, t) dt + g(t) dw on t in [0, 1] that carry the data (t = 0) to a
// simple prior (t = 1), with their Gaussian perturbation kernels p_t(x_t | x_0), on the host and
// in GoMLX graphs, and the ODE integrators the probability-flow sampler and the likelihood use.
//
// Two processes:
//
//   - VE (variance exploding): dx = sqrt(d sigma^2(t)/dt) dw with sigma(t) = SigmaMin
//     (SigmaMax/SigmaMin)^t. The kernel is N(x_0, sigma(t)^2 I) (as in score_sde, the SigmaMin^2
//     of the t = 0 end is neglected); the prior is N(0, SigmaMax^2 I).
//   - VP (variance preserving): dx = -1/2 beta(t) x dt + sqrt(beta(t)) dw with beta(t) = BetaMin +
//     t (BetaMax - BetaMin). The kernel is N(a(t) x_0, (1 - a(t)^2) I) with
//     log a(t) = -t^2 (BetaMax - BetaMin)/4 - t BetaMin/2; the prior is N(0, I).
//
// The time runs from Eps (not 0, where the VP kernel's std vanishes and the score is singular) to 1.
package sde

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
)

// Kind names a process.
type Kind string

// The processes.
const (
	VE Kind = "ve"
	VP Kind = "vp"
)

// Defaults (score_sde's toy and CIFAR settings). DefaultSigmaMax 0 means: from the data (see
// experiment), the largest distance between two data points, as Song and Ermon (2020) advise.
const (
	DefaultSigmaMin = 0.01
	DefaultSigmaMax = 0 // From the data.
	DefaultBetaMin  = 0.1
	DefaultBetaMax  = 20
	// DefaultEps is the smallest time used: training draws t in [Eps, 1], samplers end at Eps.
	DefaultEps = 1e-3
)

// SDE is a forward process and its parameters (the fields of the other kind are ignored).
type SDE struct {
	Kind     Kind    `json:"kind"`
	SigmaMin float64 `json:"sigma_min,omitempty"` // VE.
	SigmaMax float64 `json:"sigma_max,omitempty"` // VE.
	BetaMin  float64 `json:"beta_min,omitempty"`  // VP.
	BetaMax  float64 `json:"beta_max,omitempty"`  // VP.
	Eps      float64 `json:"eps,omitempty"`       // Smallest time (0: DefaultEps).
}

// WithDefaults fills the zero parameters of s's kind with the defaults (SigmaMax excepted: it
// comes from the data) and Eps.
func (s SDE) WithDefaults() SDE {
	switch s.Kind {
	case VE:
		if s.SigmaMin == 0 {
			s.SigmaMin = DefaultSigmaMin
		}
	case VP:
		if s.BetaMin == 0 {
			s.BetaMin = DefaultBetaMin
		}
		if s.BetaMax == 0 {
			s.BetaMax = DefaultBetaMax
		}
	}
	if s.Eps == 0 {
		s.Eps = DefaultEps
	}
	return s
}

// Validate returns an error naming the first bad parameter.
func (s SDE) Validate() error {
	positive := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) || v > math.MaxFloat32 {
			return fmt.Errorf("the %s SDE's %s must be positive and finite in float32, got %v", s.Kind, name, v)
		}
		return nil
	}
	switch s.Kind {
	case VE:
		if err := positive("sigma_min", s.SigmaMin); err != nil {
			return err
		}
		if err := positive("sigma_max", s.SigmaMax); err != nil {
			return err
		}
		if !(s.SigmaMax > s.SigmaMin) {
			return fmt.Errorf("the ve SDE's sigma_max %v must be larger than its sigma_min %v", s.SigmaMax, s.SigmaMin)
		}
	case VP:
		if err := positive("beta_min", s.BetaMin); err != nil {
			return err
		}
		if err := positive("beta_max", s.BetaMax); err != nil {
			return err
		}
		if !(s.BetaMax >= s.BetaMin) || s.BetaMax > 1e4 {
			return fmt.Errorf("the vp SDE's beta_max %v must be at least its beta_min %v and at most 10000", s.BetaMax, s.BetaMin)
		}
	default:
		return fmt.Errorf("unknown SDE %q: known SDEs are %s, %s", s.Kind, VE, VP)
	}
	if !(s.Eps > 0 && s.Eps < 0.5) {
		return fmt.Errorf("the SDE's smallest time eps must be in (0, 0.5), got %v", s.Eps)
	}
	return nil
}

// String describes the process, e.g. "ve (sigma 0.01 to 12)" or "vp (beta 0.1 to 20)".
func (s SDE) String() string {
	if s.Kind == VE {
		return fmt.Sprintf("ve (sigma %g to %g)", s.SigmaMin, s.SigmaMax)
	}
	return fmt.Sprintf("%s (beta %g to %g)", s.Kind, s.BetaMin, s.BetaMax)
}

// MeanStd returns the perturbation kernel at time t: x_t = a x_0 + std z.
func (s SDE) MeanStd(t float64) (a, std float64) {
	if s.Kind == VE {
		return 1, s.SigmaMin * math.Pow(s.SigmaMax/s.SigmaMin, t)
	}
	logA := s.logMean(t)
	return math.Exp(logA), math.Sqrt(-math.Expm1(2 * logA))
}

func (s SDE) logMean(t float64) float64 {
	return -0.25*t*t*(s.BetaMax-s.BetaMin) - 0.5*t*s.BetaMin
}

// Beta is beta(t) of the VP process.
func (s SDE) Beta(t float64) float64 { return s.BetaMin + t*(s.BetaMax-s.BetaMin) }

// G2 is g(t)^2, the squared diffusion coefficient: d sigma^2/dt = 2 sigma^2 ln(SigmaMax/SigmaMin)
// for VE, beta(t) for VP.
func (s SDE) G2(t float64) float64 {
	if s.Kind == VE {
		_, sigma := s.MeanStd(t)
		return 2 * sigma * sigma * math.Log(s.SigmaMax/s.SigmaMin)
	}
	return s.Beta(t)
}

// DriftCoef is the linear drift coefficient c(t) of f(x, t) = c(t) x: 0 for VE, -beta(t)/2 for VP.
func (s SDE) DriftCoef(t float64) float64 {
	if s.Kind == VE {
		return 0
	}
	return -0.5 * s.Beta(t)
}

// PriorStd is the standard deviation of the prior N(0, std^2 I) at t = 1: SigmaMax for VE, 1 for VP.
func (s SDE) PriorStd() float64 {
	if s.Kind == VE {
		return s.SigmaMax
	}
	return 1
}

// PriorLogDensity is log N(x; 0, PriorStd^2 I).
func (s SDE) PriorLogDensity(x []float64) float64 {
	std := s.PriorStd()
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	d := float64(len(x))
	return -0.5*ss/(std*std) - d*math.Log(std) - 0.5*d*math.Log(2*math.Pi)
}

// Discretize returns the coefficients of the forward step from t - dt to t of the discretised
// process used by the reverse-diffusion predictor (score_sde's SMLD and DDPM discretisations):
// x_t = (1 + fc) x_{t-dt} + G z, with fc = 0 and G^2 = sigma(t)^2 - sigma(t-dt)^2 for VE, and
// fc = sqrt(1 - beta dt) - 1, G^2 = beta dt for VP.
func (s SDE) Discretize(t, dt float64) (fc, G float64) {
	if s.Kind == VE {
		_, hi := s.MeanStd(t)
		_, lo := s.MeanStd(math.Max(t-dt, 0))
		if t-dt <= 0 {
			lo = 0
		}
		return 0, math.Sqrt(math.Max(hi*hi-lo*lo, 0))
	}
	b := s.Beta(t) * dt
	return math.Sqrt(1-b) - 1, math.Sqrt(b)
}

// StdNode is the kernel's std at times t (any shape, x's dtype), in a graph.
func (s SDE) StdNode(t *graph.Node) *graph.Node {
	if s.Kind == VE {
		return graph.MulScalar(graph.Exp(graph.MulScalar(t, math.Log(s.SigmaMax/s.SigmaMin))), s.SigmaMin)
	}
	return graph.Sqrt(graph.Neg(graph.Expm1(graph.MulScalar(s.logMeanNode(t), 2))))
}

// MeanNode is the kernel's mean coefficient a(t) in a graph (1 for VE).
func (s SDE) MeanNode(t *graph.Node) *graph.Node {
	if s.Kind == VE {
		return graph.OnesLike(t)
	}
	return graph.Exp(s.logMeanNode(t))
}

func (s SDE) logMeanNode(t *graph.Node) *graph.Node {
	return graph.Sub(graph.MulScalar(graph.Square(t), -0.25*(s.BetaMax-s.BetaMin)), graph.MulScalar(t, 0.5*s.BetaMin))
}

// G2Node is g(t)^2 in a graph.
func (s SDE) G2Node(t *graph.Node) *graph.Node {
	if s.Kind == VE {
		return graph.MulScalar(graph.Square(s.StdNode(t)), 2*math.Log(s.SigmaMax/s.SigmaMin))
	}
	return graph.AddScalar(graph.MulScalar(t, s.BetaMax-s.BetaMin), s.BetaMin)
}

// DriftCoefNode is c(t) of f(x, t) = c(t) x in a graph.
func (s SDE) DriftCoefNode(t *graph.Node) *graph.Node {
	if s.Kind == VE {
		return graph.ZerosLike(t)
	}
	return graph.MulScalar(s.G2Node(t), -0.5)
}

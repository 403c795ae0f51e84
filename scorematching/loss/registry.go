package loss

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sde"
)

// Options configure the losses that take parameters; they are the command's flags. A field that a
// loss does not use is ignored. DefaultOptions gives the values ByName uses.
type Options struct {
	// Projections is the number of projection vectors per point of "sliced" and "sliced-vr"
	// (--projections); each loss averages over them.
	Projections int
	// ProjectionDist is their distribution (--projection-dist gaussian|rademacher|sphere; the zero
	// value, DefaultProjection, is DefaultProjectionDist).
	ProjectionDist Projection
	// Sigma is the noise level of "denoising" (--sigma).
	Sigma float64
	// Sigmas are the noise levels of "ncsn", largest first (--sigmas min,max,n; see ParseSigmas).
	Sigmas []float64
	// SDE is the forward process of "sde" (--sde ve|vp, --sigma-min, --sigma-max, --beta-min,
	// --beta-max; zero parameters take the defaults of sde.SDE.WithDefaults, and a zero SigmaMax
	// is set from the data by the run, see experiment).
	SDE sde.SDE `json:"sde,omitempty"`
	// LikelihoodWeighting weights the "sde" loss by g(t)^2 instead of std(t)^2
	// (--likelihood-weighting).
	LikelihoodWeighting bool `json:"likelihood_weighting,omitempty"`
}

// Defaults of the parameterised losses, chosen for the blog's ring (radius 1, radial std 0.1).
const (
	// DefaultProjections: one vector per point, as in Song et al.'s experiments; more vectors
	// lower the variance of the sliced terms by 1/M at M times the cost.
	DefaultProjections = 1
	// DefaultProjectionDist: Rademacher vectors, the least noisy of the three for the trace
	// (Hutchinson's choice) and for SSM's norm term (see Projection). Measured at the blog's
	// budget (ring, blog MLP, Adam 1e-4, batches of 512, 20,000 steps, xla:cpu; `train --loss
	// sliced --seed S --projection-dist ...`), relative Fisher divergence to the true score for
	// seeds 0, 1, 2: exact loss 0.0091, 0.0110, 0.0134; SSM with one Rademacher vector 0.0096,
	// 0.0118, 0.0131 (1.05, 1.07, 0.98 times the exact loss's); with one Gaussian vector (the
	// textbook estimator, Song et al.'s experiments) 0.0146, 0.0127, 0.0156 (1.60, 1.15, 1.16).
	DefaultProjectionDist = Rademacher
	// DefaultSigma: half the ring's radial std. DSM learns the score of the noisy ring, whose
	// radial std is sqrt(0.1^2 + sigma^2): at 0.05 its radial score is 0.8 times the clean one (a
	// relative Fisher divergence floor of about (1 - 0.8)^2 = 0.04 against the true score), at 0.1
	// 0.5 times (floor about 0.25). Smaller sigma: less bias, a noisier loss (its variance grows
	// like D/sigma^2). Measured on the ring (blog MLP, Adam 1e-3, batch 512, 3000 steps, xla:cpu,
	// one seed), relative Fisher divergence to the true score: sigma 0.1: 0.25, 0.05: 0.10,
	// 0.03: 0.12 (at 600 steps, 0.02 is still at 0.86).
	DefaultSigma = 0.05
	// DefaultSigmaMax, DefaultSigmaMin and DefaultSigmaLevels define the "ncsn" levels: geometric
	// from 1 (the ring's radius: the largest level covers the centre of the ring) down to 0.05
	// (DefaultSigma), in 10 levels (ratio 0.72). The smallest level is the hardest to learn: the
	// sigma^2 weighting makes its share of the loss small. Measured on the ring (a noise-conditional
	// model 3-64-128-64-2, Adam 1e-3, batch 512, 2850 steps, xla:cpu, one seed), relative Fisher
	// divergence of s(x, sigma_min) to the true score: sigma_min 0.05: 0.065, 0.03: 0.15,
	// 0.02: 0.31, 0.01: 0.60.
	DefaultSigmaMax = 1.0
	// DefaultSDE is the process of the "sde" loss: VE, whose largest noise level is set from the
	// data's extent, so that it suits every toy set (VP assumes data of scale about 1).
	DefaultSDE         = sde.VE
	DefaultSigmaMin    = 0.05
	DefaultSigmaLevels = 10
)

// DefaultOptions returns the options ByName uses.
func DefaultOptions() Options {
	return Options{
		Projections:    DefaultProjections,
		ProjectionDist: DefaultProjectionDist,
		Sigma:          DefaultSigma,
		Sigmas:         GeometricSigmas(DefaultSigmaMax, DefaultSigmaMin, DefaultSigmaLevels),
		SDE:            sde.SDE{Kind: DefaultSDE}.WithDefaults(), // SigmaMax 0: from the data.
	}
}

// WithDefaults returns o with every zero field replaced by DefaultOptions' value (so a zero
// Options is DefaultOptions).
func (o Options) WithDefaults() Options {
	d := DefaultOptions()
	if o.Projections == 0 {
		o.Projections = d.Projections
	}
	if o.ProjectionDist == DefaultProjection {
		o.ProjectionDist = d.ProjectionDist
	}
	if o.Sigma == 0 {
		o.Sigma = d.Sigma
	}
	if len(o.Sigmas) == 0 {
		o.Sigmas = d.Sigmas
	}
	if o.SDE.Kind == "" {
		o.SDE.Kind = DefaultSDE
	}
	o.SDE = o.SDE.WithDefaults()
	return o
}

// Validate returns an error naming the first bad option for the loss called name (an unknown
// name is an error too).
func (o Options) Validate(name string) error {
	e, err := lookup(name)
	if err != nil {
		return err
	}
	if e.validate == nil {
		return nil
	}
	if err := e.validate(o); err != nil {
		return fmt.Errorf("loss %s: %w", name, err)
	}
	return nil
}

// entry is one loss of the registry: everything that depends on which loss it is.
type entry struct {
	// build makes the loss from validated options.
	build func(Options) Func
	// validate checks the options the loss uses (nil: it uses none).
	validate func(Options) error
	// describe names the options the loss uses, for a log line (nil: none).
	describe func(Options) string
	// copies is how many values per row each activation carries while the loss is computed on
	// dim-dimensional data (see Options.ActivationCopies).
	copies func(o Options, dim int) int
	// kind is the kind of score model the loss trains.
	kind network.Kind
	// exact says the loss is Hyvarinen's objective or an unbiased estimate of it: its minimum
	// over all scores is -1/2 E||s||^2, the data set's exact-loss floor.
	exact bool
	// options names the fields of Options the loss uses (see OptionNames).
	options []string
}

// The names of the fields of Options, as the command's flags spell them (see UsesOption).
const (
	OptionProjections    = "projections"
	OptionProjectionDist = "projection-dist"
	OptionSigma          = "sigma"
	OptionSigmas         = "sigmas"
	OptionSDE            = "sde"
	OptionSigmaMin       = "sigma-min"
	OptionSigmaMax       = "sigma-max"
	OptionBetaMin        = "beta-min"
	OptionBetaMax        = "beta-max"
	OptionLikelihood     = "likelihood-weighting"
)

// OptionNames lists the names of the fields of Options.
func OptionNames() []string {
	return []string{OptionProjections, OptionProjectionDist, OptionSigma, OptionSigmas,
		OptionSDE, OptionSigmaMin, OptionSigmaMax, OptionBetaMin, OptionBetaMax, OptionLikelihood}
}

// UsesOption reports whether the loss called name uses the option (one of OptionNames).
func UsesOption(name, option string) bool { return slices.Contains(registry[name].options, option) }

// OptionUsers lists, in alphabetical order, the losses that use the option.
func OptionUsers(option string) []string {
	var out []string
	for _, name := range Names() {
		if UsesOption(name, option) {
			out = append(out, name)
		}
	}
	return out
}

// exactCopies: the scores and their dim forward tangents.
func exactCopies(_ Options, dim int) int { return dim + 1 }

// slicedCopies: the scores and one tangent per projection.
func slicedCopies(o Options, _ int) int { return o.WithDefaults().Projections + 1 }

// twoCopies: scores at the clean and the noisy points.
func twoCopies(Options, int) int { return 2 }

func validateSliced(o Options) error {
	if o.Projections < 1 {
		return fmt.Errorf("the number of projections must be at least 1, got %d", o.Projections)
	}
	return o.ProjectionDist.Validate()
}

// slicedOptions are the options of the sliced losses.
var slicedOptions = []string{OptionProjections, OptionProjectionDist}

func describeSliced(o Options) string {
	unit := "vector"
	if o.Projections != 1 {
		unit = "vectors"
	}
	return fmt.Sprintf("%d %s %s per point", o.Projections, o.ProjectionDist.Resolve(), unit)
}

// registry holds every loss, by name.
var registry = map[string]entry{
	"exact":       {build: func(Options) Func { return Exact }, copies: exactCopies, kind: network.KindMLP, exact: true},
	"blog-flawed": {build: func(Options) Func { return BlogFlawed }, copies: exactCopies, kind: network.KindMLP},
	"sliced": {build: func(o Options) Func { return Sliced(o.Projections, o.ProjectionDist) },
		validate: validateSliced, describe: describeSliced, copies: slicedCopies, kind: network.KindMLP, exact: true, options: slicedOptions},
	"sliced-vr": {build: func(o Options) Func { return SlicedVR(o.Projections, o.ProjectionDist) },
		validate: validateSliced, describe: describeSliced, copies: slicedCopies, kind: network.KindMLP, exact: true, options: slicedOptions},
	"denoising": {build: func(o Options) Func { return Denoising(o.Sigma) },
		validate: func(o Options) error { return network.CheckSigma(o.Sigma) },
		describe: func(o Options) string { return fmt.Sprintf("sigma %g", o.Sigma) },
		copies:   twoCopies, kind: network.KindMLP, options: []string{OptionSigma}},
	// NCSN with no NoiseScoreFunc reads m.Score as a network.KindNoiseMLP model on rows [x, log sigma].
	"ncsn": {build: func(o Options) Func { return NCSN(o.Sigmas, nil) },
		validate: func(o Options) error { return network.CheckSigmas(o.Sigmas) },
		describe: func(o Options) string {
			n := len(o.Sigmas)
			return fmt.Sprintf("%d levels, %g down to %g", n, o.Sigmas[0], o.Sigmas[n-1])
		},
		copies: twoCopies, kind: network.KindNoiseMLP, options: []string{OptionSigmas}},
	"sde": {build: func(o Options) Func { return SDE(o.WithDefaults().SDE, o.LikelihoodWeighting) },
		validate: validateSDE,
		describe: func(o Options) string {
			w := ""
			if o.LikelihoodWeighting {
				w = ", likelihood weighting"
			}
			return o.SDE.String() + w
		},
		copies: twoCopies, kind: network.KindTimeMLP,
		options: []string{OptionSDE, OptionSigmaMin, OptionSigmaMax, OptionBetaMin, OptionBetaMax, OptionLikelihood}},
}

// validateSDE checks the process of the sde loss, its zero fields taking their defaults; a VE
// process's zero SigmaMax is allowed (the run sets it from the data).
func validateSDE(o Options) error {
	s := o.SDE
	if s.Kind == "" {
		s.Kind = DefaultSDE
	}
	s = s.WithDefaults()
	if s.Kind == sde.VE && s.SigmaMax == 0 {
		s.SigmaMax = 2 * s.SigmaMin // Any valid value: the run sets it from the data.
	}
	return s.Validate()
}

// lookup returns the registry entry of the loss called name, or an error listing the known ones.
func lookup(name string) (entry, error) {
	e, ok := registry[name]
	if !ok {
		return entry{}, fmt.Errorf("unknown loss %q: known losses are %s", name, strings.Join(Names(), ", "))
	}
	return e, nil
}

// ByName returns the loss called name with DefaultOptions: "exact", "blog-flawed" (for
// demonstrations), "sliced", "sliced-vr", "denoising" or "ncsn" (which trains a noise-conditional
// model, see Kind).
func ByName(name string) (Func, error) {
	return New(name, DefaultOptions())
}

// New returns the loss called name configured by o, or an error naming the unknown loss or the
// bad option. The sde loss needs its VE process's SigmaMax (0, "from the data", is filled in by a
// run: see experiment.Options.LossConfig).
func New(name string, o Options) (Func, error) {
	if err := o.Validate(name); err != nil {
		return nil, err
	}
	if s := o.WithDefaults().SDE; name == "sde" && s.Kind == sde.VE && s.SigmaMax == 0 {
		return nil, fmt.Errorf("loss sde: the ve process's sigma_max is 0, which means \"from the data\": a run sets it (experiment.Options.LossConfig); give it to build the loss alone")
	}
	return registry[name].build(o), nil
}

// Describe returns the loss called name with the options it uses, for a log line: "sliced (1
// rademacher vector per point)", "denoising (sigma 0.05)", "ncsn (10 levels, 1 down to 0.05)";
// a loss without options (or an unknown or misconfigured one) is just its name.
func (o Options) Describe(name string) string {
	e, ok := registry[name]
	if !ok || e.describe == nil || (e.validate != nil && e.validate(o) != nil) {
		return name
	}
	return fmt.Sprintf("%s (%s)", name, e.describe(o))
}

// ActivationCopies is how many values per row each activation of the network carries while the
// loss name is computed on dim-dimensional data: dim + 1 for the exact losses (the scores and
// their dim forward tangents), Projections + 1 for the sliced ones, 2 for the others (scores at
// the clean and the noisy points). It sizes the memory check of a training run.
func (o Options) ActivationCopies(name string, dim int) int {
	if e, ok := registry[name]; ok {
		return e.copies(o, dim)
	}
	return 2
}

// Kind returns the kind of score model the loss called name trains: network.KindNoiseMLP for
// "ncsn" (sizes D+1, ..., D, called with a noise level), network.KindMLP for the others; an error
// for an unknown loss.
func Kind(name string) (network.Kind, error) {
	e, err := lookup(name)
	return e.kind, err
}

// EstimatesExact reports whether the loss called name is Hyvarinen's exact objective or an unbiased
// estimate of it ("exact", "sliced", "sliced-vr"): its values then compare with the data set's
// exact-loss floor, -1/2 E||s||^2 (see toy.ExactLossFloor).
func EstimatesExact(name string) bool { return registry[name].exact }

// NoiseConditional reports whether the loss called name trains a noise-conditional model (see
// Kind).
func NoiseConditional(name string) bool { return registry[name].kind == network.KindNoiseMLP }

// Names lists the known loss names in alphabetical order.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

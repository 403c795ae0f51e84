package toy

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gosm/gosm/scorematching/hostmath"
)

// Dataset is a toy distribution that can be sampled: the interface the command, the training
// runs and the notebooks use for every data set of the registry (see New and Names).
type Dataset interface {
	// Name is the registry name of the data set ("ring", "moons", ...).
	Name() string
	// Dim is the dimension of the points.
	Dim() int
	// Sample draws n points with a generator seeded by seed: the same seed gives the same
	// points, another seed other points. It returns an error if n <= 0 or the parameters are
	// invalid, and no points with it.
	Sample(n int, seed uint64) ([][]float64, error)
	// Params returns the data set's parameters by name (the names New accepts): enough to
	// rebuild it with New(d.Name(), d.Params()).
	Params() map[string]float64
}

// Analytic is a Dataset whose log-density and score (the gradient of the log-density) are known
// in closed form. The data sets with no closed-form density (moons, swissroll, pinwheel, ...) do
// not implement it: their score is what a model has to learn from samples.
type Analytic interface {
	Dataset
	// LogDensity is the normalised log-density log p(x) at a point with Dim() coordinates.
	LogDensity(x []float64) float64
	// Score is the gradient of LogDensity at x.
	Score(x []float64) []float64
}

// Labeled is a Dataset made of components (the rings of Rings, the moons of Moons, the
// components of a GaussianMixture, ...): it can return with each point the index of the
// component it was drawn from, e.g. to colour a plot or to count the fraction of points per
// component.
type Labeled interface {
	Dataset
	// Components is the number of components.
	Components() int
	// ComponentWeights is the probability of each component (they sum to 1).
	ComponentWeights() []float64
	// SampleLabeled draws the same points as Sample(n, seed), and the component of each.
	SampleLabeled(n int, seed uint64) ([][]float64, []int, error)
}

// Scores applies the data set's score to every row of points.
func Scores(a Analytic, points [][]float64) [][]float64 {
	out := make([][]float64, len(points))
	for i, p := range points {
		out[i] = a.Score(p)
	}
	return out
}

// Param is one parameter of a registered data set: its name (as New and Params spell it), its
// default value and what it means.
type Param struct {
	Name    string
	Default float64
	Doc     string
}

// entry is one data set of the registry.
type entry struct {
	name   string
	doc    string
	params []Param
	// build makes the data set from a complete map of parameters (every name of params).
	build func(p map[string]float64) (Dataset, error)
}

// registry lists the data sets in the order Names returns them: those with a closed-form score
// first, then the others.
var registry = []entry{
	{
		name: "ring",
		doc:  "the blog's ring: normal radius around Radius, uniform angle (analytic score)",
		params: []Param{
			{"radius", BlogRing.Radius, "mean radius R"},
			{"std", BlogRing.Std, "standard deviation of the radius"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			return NewRing(p["radius"], p["std"])
		},
	},
	{
		name: "rings",
		doc:  "concentric rings of radii k*radius/count, k = 1..count, equal weights, normal radial noise (analytic score)",
		params: []Param{
			{"count", 4, "number of rings"},
			{"radius", 3, "radius of the outermost ring"},
			{"std", 0.08, "standard deviation of the radius around each ring"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			count, err := intParam("rings", "count", p["count"], 1)
			if err != nil {
				return nil, err
			}
			r := Rings{Count: count, Radius: p["radius"], Std: p["std"]}
			return r, r.Validate()
		},
	},
	{
		name: "gaussian",
		doc:  "isotropic normal distribution N(0, std^2 I) in dim dimensions (analytic score)",
		params: []Param{
			{"dim", 2, "dimension"},
			{"std", 1, "standard deviation of each coordinate"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			dim, err := intParam("gaussian", "dim", p["dim"], 1)
			if err != nil {
				return nil, err
			}
			return NewIsotropicGaussian(dim, p["std"])
		},
	},
	{
		name: "2gaussians",
		doc:  "NCSN's toy: weight*N((-offset,-offset), std^2 I) + (1-weight)*N((offset,offset), std^2 I); Langevin gets the weights wrong, annealed Langevin right (analytic score)",
		params: []Param{
			{"weight", 0.2, "weight of the component at (-offset, -offset); the other has 1 - weight"},
			{"offset", 5, "the means are (-offset, -offset) and (offset, offset)"},
			{"std", 1, "standard deviation of each coordinate in each component"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			return NewTwoGaussians(p["weight"], p["offset"], p["std"])
		},
	},
	{
		name: "8gaussians",
		doc:  "equal-weight normals (8 by default) centred evenly on a circle (FFJORD's 8gaussians; analytic score)",
		params: []Param{
			{"components", 8, "number of components, centred at angles 2 pi k / components"},
			{"radius", 4 / math.Sqrt2, "radius of the circle of centres (FFJORD: 4/1.414)"},
			{"std", 0.5 / math.Sqrt2, "standard deviation of each coordinate in each component (FFJORD: 0.5/1.414)"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			k, err := intParam("8gaussians", "components", p["components"], 1)
			if err != nil {
				return nil, err
			}
			return NewEightGaussians(k, p["radius"], p["std"])
		},
	},
	{
		name: "circles",
		doc:  "two concentric circles (radius and factor*radius), equal weights, isotropic normal noise (analytic score, with Bessel functions)",
		params: []Param{
			{"radius", 3, "radius of the outer circle"},
			{"factor", 0.5, "radius of the inner circle over that of the outer one, in (0, 1)"},
			{"std", 0.24, "standard deviation of the noise added to each coordinate"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			c := Circles{Radius: p["radius"], Factor: p["factor"], Std: p["std"]}
			return c, c.Validate()
		},
	},
	{
		name: "mixture1d",
		doc:  "weight*N(mean1, std1^2) + (1-weight)*N(mean2, std2^2) on the real line, the warm-up of notebook 00 (analytic score)",
		params: []Param{
			{"weight", DefaultMixture1D.Weight, "weight of the component at mean1; the other has 1 - weight"},
			{"mean1", DefaultMixture1D.Mean1, "mean of the first component"},
			{"mean2", DefaultMixture1D.Mean2, "mean of the second component"},
			{"std1", DefaultMixture1D.Std1, "standard deviation of the first component"},
			{"std2", DefaultMixture1D.Std2, "standard deviation of the second component"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			return NewMixture1D(p["weight"], p["mean1"], p["mean2"], p["std1"], p["std2"])
		},
	},
	{
		name: "moons",
		doc:  "two interleaved half circles (scikit-learn's make_moons, scaled and centred as in FFJORD), normal noise",
		params: []Param{
			{"scale", 2, "scale factor applied to the unit half circles"},
			{"std", 0.2, "standard deviation of the noise added to each coordinate (after scaling)"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			m := Moons{Scale: p["scale"], Std: p["std"]}
			return m, m.Validate()
		},
	},
	{
		name: "swissroll",
		doc:  "2-D swiss roll: scale*(t cos t, t sin t), t uniform in [1.5 pi, 4.5 pi], plus normal noise",
		params: []Param{
			{"scale", 0.2, "scale factor applied to the spiral"},
			{"std", 0.2, "standard deviation of the noise added to each coordinate (after scaling)"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			s := SwissRoll{Scale: p["scale"], Std: p["std"]}
			return s, s.Validate()
		},
	},
	{
		name: "pinwheel",
		doc:  "bent normal arms (5 by default) around the origin (FFJORD's pinwheel)",
		params: []Param{
			{"arms", 5, "number of arms"},
			{"radial_std", 0.3, "standard deviation along an arm"},
			{"tangential_std", 0.1, "standard deviation across an arm"},
			{"rate", 0.25, "how much an arm bends: the angle grows by rate*exp(radial coordinate)"},
			{"scale", 2, "scale factor applied at the end"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			arms, err := intParam("pinwheel", "arms", p["arms"], 1)
			if err != nil {
				return nil, err
			}
			w := Pinwheel{Arms: arms, RadialStd: p["radial_std"], TangentialStd: p["tangential_std"], Rate: p["rate"], Scale: p["scale"]}
			return w, w.Validate()
		},
	},
	{
		name: "2spirals",
		doc:  "two interleaved spirals, one the other rotated by pi (FFJORD's 2spirals)",
		params: []Param{
			{"turns", 1.5, "number of turns of each spiral (FFJORD: 540 degrees)"},
			{"scale", 1.0 / 3, "scale factor applied to the spiral"},
			{"jitter", 1.0 / 6, "each coordinate gets a uniform offset in [0, jitter)"},
			{"std", 0.1, "standard deviation of the normal noise added to each coordinate"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			s := TwoSpirals{Turns: p["turns"], Scale: p["scale"], Jitter: p["jitter"], Std: p["std"]}
			return s, s.Validate()
		},
	},
	{
		name: "checkerboard",
		doc:  "uniform on the black squares of a size x size checkerboard centred at the origin",
		params: []Param{
			{"size", 4, "number of squares per side"},
			{"cell", 2, "side of a square"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			size, err := intParam("checkerboard", "size", p["size"], 2)
			if err != nil {
				return nil, err
			}
			c := Checkerboard{Size: size, Cell: p["cell"]}
			return c, c.Validate()
		},
	},
	{
		name: "line",
		doc:  "the diagonal y = x for x uniform in [-extent, extent], plus optional normal noise (a degenerate distribution when std = 0)",
		params: []Param{
			{"extent", 2.5, "x is uniform in [-extent, extent]"},
			{"std", 0, "standard deviation of the noise added to each coordinate (0: none)"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			l := Line{Extent: p["extent"], Std: p["std"]}
			return l, l.Validate()
		},
	},
	{
		name: "sine",
		doc:  "the curve y = amplitude*sin(x) for x uniform in [-extent, extent] (FFJORD's \"cos\"), plus optional normal noise",
		params: []Param{
			{"extent", 2.5, "x is uniform in [-extent, extent]"},
			{"amplitude", 2.5, "amplitude of the sine"},
			{"std", 0, "standard deviation of the noise added to each coordinate (0: none)"},
		},
		build: func(p map[string]float64) (Dataset, error) {
			s := Sine{Extent: p["extent"], Amplitude: p["amplitude"], Std: p["std"]}
			return s, s.Validate()
		},
	},
}

// Names returns the names of the registered data sets: first those with a closed-form score
// (ring, rings, gaussian, 2gaussians, 8gaussians, circles, mixture1d), then the others.
func Names() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.name
	}
	return names
}

func lookup(name string) (*entry, error) {
	for i := range registry {
		if registry[i].name == name {
			return &registry[i], nil
		}
	}
	return nil, fmt.Errorf("unknown dataset %q: known datasets are %s", name, strings.Join(Names(), ", "))
}

// Describe returns a one-line description of the named data set, or "" if there is none.
func Describe(name string) string {
	e, err := lookup(name)
	if err != nil {
		return ""
	}
	return e.doc
}

// ParamsOf returns the parameters of the named data set with their defaults and meaning, in the
// order of its documentation.
func ParamsOf(name string) ([]Param, error) {
	e, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return slices.Clone(e.params), nil
}

// Label returns the named data set with every parameter it is drawn with (params over the
// defaults), in the order of its documentation, for a log line: "moons (noise=0.1, ...)".
func Label(name string, params map[string]float64) string {
	ps, err := ParamsOf(name)
	if err != nil || len(ps) == 0 {
		return name
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		v, ok := params[p.Name]
		if !ok {
			v = p.Default
		}
		parts[i] = fmt.Sprintf("%s=%g", p.Name, v)
	}
	return name + " (" + strings.Join(parts, ", ") + ")"
}

// New returns the named data set with the given parameters; a parameter not in params keeps its
// default (see ParamsOf), so New(name, nil) is the documented default. It returns an error that
// lists the known names for an unknown name, and one that names the parameter and its value for
// an unknown parameter or a bad value (e.g. a negative std, or a non-integer count).
func New(name string, params map[string]float64) (Dataset, error) {
	e, err := lookup(name)
	if err != nil {
		return nil, err
	}
	full := make(map[string]float64, len(e.params))
	known := make([]string, len(e.params))
	for i, p := range e.params {
		full[p.Name] = p.Default
		known[i] = p.Name
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := full[k]; !ok {
			return nil, fmt.Errorf("dataset %s has no parameter %q (value %v): its parameters are %s", name, k, params[k], strings.Join(known, ", "))
		}
		full[k] = params[k]
	}
	d, err := e.build(full)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ParseParams parses parameters written as "name=value,name=value" (spaces allowed around
// each), e.g. the value of a command-line flag, into a map for New. An empty string gives an
// empty map.
func ParseParams(s string) (map[string]float64, error) {
	out := map[string]float64{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, field := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(field, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return nil, fmt.Errorf("parameter %q is not of the form name=value", strings.TrimSpace(field))
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: value %q is not a number", name, value)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("parameter %s given twice", name)
		}
		out[name] = v
	}
	return out, nil
}

// maxIntParam bounds the integer parameters (counts, dimensions) so that a typo cannot ask for
// billions of components.
const maxIntParam = 1 << 20

// intParam checks that v is an integer in [lo, maxIntParam] and returns it.
func intParam(dataset, param string, v float64, lo int) (int, error) {
	if v != math.Trunc(v) || v < float64(lo) || v > maxIntParam {
		return 0, fmt.Errorf("%s %s must be an integer in [%d, %d], got %v", dataset, param, lo, maxIntParam, v)
	}
	return int(v), nil
}

// checkPositive returns an error naming dataset, param and v unless v is positive and finite.
func checkPositive(dataset, param string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%s %s must be positive and finite, got %v", dataset, param, v)
	}
	return nil
}

// checkNonNegative returns an error naming dataset, param and v unless v is >= 0 and finite.
func checkNonNegative(dataset, param string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%s %s must be non-negative and finite, got %v", dataset, param, v)
	}
	return nil
}

// checkCount returns the error of Sample for a number of samples n <= 0 (the same message as
// Ring.Sample).
func checkCount(n int) error {
	if n <= 0 {
		return fmt.Errorf("number of samples must be positive, got %d", n)
	}
	return nil
}

// logSumExp returns log(sum exp(v)) without overflow.
func logSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, x := range v {
		s += hostmath.Exp(x - m)
	}
	return m + math.Log(s)
}

// softmaxInPlace replaces v by exp(v) / sum exp(v).
func softmaxInPlace(v []float64) {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	var s float64
	for i, x := range v {
		v[i] = hostmath.Exp(x - m)
		s += v[i]
	}
	for i := range v {
		v[i] /= s
	}
}

// uniformWeights returns k weights 1/k.
func uniformWeights(k int) []float64 {
	w := make([]float64, k)
	for i := range w {
		w[i] = 1 / float64(k)
	}
	return w
}

// Spec names a data set: its registry name (see Names) and its parameters by name (nil or missing
// names: the defaults). It is how options, models and summaries record a data set.
type Spec struct {
	Name   string             `json:"name"`
	Params map[string]float64 `json:"params,omitempty"`
}

// SpecOf returns the Spec of d, with all its parameters.
func SpecOf(d Dataset) Spec { return Spec{Name: d.Name(), Params: d.Params()} }

// New builds the data set the Spec names (see New).
func (s Spec) New() (Dataset, error) { return New(s.Name, s.Params) }

// String is the data set's label, e.g. "ring (radius=1, std=0.1)" (see Label).
func (s Spec) String() string { return Label(s.Name, s.Params) }

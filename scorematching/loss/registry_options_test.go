package loss_test

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sde"
)

func TestNamesListsEveryLoss(t *testing.T) {
	if got := strings.Join(loss.Names(), ","); got != "blog-flawed,denoising,exact,ncsn,sde,sliced,sliced-vr" {
		t.Errorf("Names() = %s", got)
	}
	for _, name := range loss.Names() {
		if got := loss.NoiseConditional(name); got != (name == "ncsn") {
			t.Errorf("NoiseConditional(%q) = %v", name, got)
		}
	}
}

// evalLoss evaluates fn and the gradient norm of its weights on 32 points of N(0, I) in 2-D, with
// the store's generator seeded by seed: a plain 2-16-2 MLP, or for a noise-conditional loss a
// 3-16-2 noise-conditional model seen through train's packed loss.Model (Score = the underlying MLP),
// or for a time-conditioned loss a 10-16-2 time-conditioned model of the VE process with
// sigma_max 2 (TimeScore = its ApplyAtTime).
func evalLoss(t *testing.T, fn loss.Func, kind network.Kind, seed int64) (value, gradNorm float64) {
	t.Helper()
	sizes := []int{2, 16, 2}
	switch kind {
	case network.KindNoiseMLP:
		sizes = []int{3, 16, 2}
	case network.KindTimeMLP:
		sizes = []int{2 + network.TimeFeatures, 16, 2}
	}
	mlp := network.MLP{Sizes: sizes}
	timeModel, _ := network.NewTimeModel(sde.SDE{Kind: sde.VE, SigmaMax: 2}.WithDefaults(), 2, []int{16})
	store := model.NewStore()
	if err := mlp.Init(store, 1); err != nil {
		t.Fatal(err)
	}
	if err := store.SetRNGStateFromSeed(seed); err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(testutil.Backend(t), store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		st := scope.Store()
		m := lossModel(mlp, st, false)
		m.Random = storeRandom(st)
		if kind == network.KindTimeMLP {
			m.TimeScore = func(x, tt *graph.Node) *graph.Node { return timeModel.ApplyAtTime(st, x, tt) }
		}
		l := fn(m, x)
		var sq *graph.Node
		for i := range mlp.NumLayers() {
			for _, p := range []string{network.WeightsPath(i), network.BiasesPath(i)} {
				gr := graph.Gradient(l, st.GetVariable(p).NodeValue(x.Graph()))[0]
				s := graph.ReduceAllSum(graph.Square(gr))
				if sq == nil {
					sq = s
				} else {
					sq = graph.Add(sq, s)
				}
			}
		}
		return l, graph.Sqrt(sq)
	})
	if err != nil {
		t.Fatal(err)
	}
	pts := gaussianPoints(32, 2, 1, 6)
	out, err := exec.Call(testutil.Tensor32(testutil.Flatten(pts), 32, 2))
	if err != nil {
		t.Fatal(err)
	}
	return testutil.Flat32(t, out[0])[0], testutil.Flat32(t, out[1])[0]
}

// TestEveryLossRuns builds every registered loss with its defaults (the sde loss's VE process with
// sigma_max 2, which a run sets from the data), evaluates it and its gradient with respect to the
// weights, and checks that both are finite and the gradient is not zero.
func TestEveryLossRuns(t *testing.T) {
	for _, name := range loss.Names() {
		o := loss.DefaultOptions()
		if name == "sde" {
			o.SDE.SigmaMax = 2
		}
		fn, err := loss.New(name, o)
		if err != nil {
			t.Fatal(err)
		}
		kind, _ := loss.Kind(name)
		v, g := evalLoss(t, fn, kind, 3)
		t.Logf("%s: loss %.5g, |gradient| %.4g", name, v, g)
		if math.IsNaN(v) || math.IsInf(v, 0) || !(g > 0) || math.IsInf(g, 0) {
			t.Errorf("%s: loss %v, gradient norm %v", name, v, g)
		}
	}
}

// TestByNameDefaults checks that ByName gives the documented defaults: with the same seed, the
// value of ByName(name) is the value of the loss built with the default parameters, and differs
// from one built otherwise (same seed, so the difference is the parameter's).
func TestByNameDefaults(t *testing.T) {
	d := loss.DefaultOptions()
	if d.Projections != 1 || d.ProjectionDist != loss.Rademacher || d.Sigma != 0.05 || len(d.Sigmas) != 10 || d.Sigmas[0] != 1 || d.Sigmas[9] != 0.05 {
		t.Errorf("DefaultOptions() = %+v", d)
	}
	for _, c := range []struct {
		name          string
		same, another loss.Func
	}{
		{"sliced", loss.Sliced(1, loss.Rademacher), loss.Sliced(1, loss.Gaussian)},
		{"sliced-vr", loss.SlicedVR(1, loss.Rademacher), loss.SlicedVR(2, loss.Rademacher)},
		// The zero value of Projection is the default distribution.
		{"sliced", loss.Sliced(1, loss.DefaultProjection), loss.Sliced(1, loss.Sphere)},
		{"denoising", loss.Denoising(0.05), loss.Denoising(0.1)},
		{"ncsn", loss.NCSN(loss.GeometricSigmas(1, 0.05, 10), nil), loss.NCSN(loss.GeometricSigmas(1, 0.01, 10), nil)},
	} {
		fn, err := loss.ByName(c.name)
		if err != nil {
			t.Fatal(err)
		}
		nc, _ := loss.Kind(c.name)
		got, _ := evalLoss(t, fn, nc, 8)
		same, _ := evalLoss(t, c.same, nc, 8)
		another, _ := evalLoss(t, c.another, nc, 8)
		if got != same {
			t.Errorf("ByName(%q) = %v, the default-configured loss %v", c.name, got, same)
		}
		if got == another {
			t.Errorf("ByName(%q) = %v, also the value with other parameters", c.name, got)
		}
	}
}

func TestNewOptionErrors(t *testing.T) {
	bad := func(f func(*loss.Options)) loss.Options {
		o := loss.DefaultOptions()
		f(&o)
		return o
	}
	for _, c := range []struct {
		name string
		o    loss.Options
		want string
	}{
		{"sliced", bad(func(o *loss.Options) { o.Projections = 0 }), "at least 1, got 0"},
		{"sliced-vr", bad(func(o *loss.Options) { o.ProjectionDist = 7 }), "unknown projection distribution 7"},
		{"denoising", bad(func(o *loss.Options) { o.Sigma = 0 }), "positive and finite, got 0"},
		{"denoising", bad(func(o *loss.Options) { o.Sigma = math.NaN() }), "positive and finite, got NaN"},
		{"ncsn", bad(func(o *loss.Options) { o.Sigmas = nil }), "no noise levels"},
		{"ncsn", bad(func(o *loss.Options) { o.Sigmas = []float64{1, -1} }), "noise level 1"},
		{"nope", loss.DefaultOptions(), `unknown loss "nope"`},
	} {
		fn, err := loss.New(c.name, c.o)
		if err == nil || fn != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %+v): error %v, want one containing %q", c.name, c.o, err, c.want)
		}
	}
	// Options a loss does not use are ignored.
	if _, err := loss.New("exact", loss.Options{}); err != nil {
		t.Errorf("New(exact, zero options): %v", err)
	}
}

func TestParseProjection(t *testing.T) {
	for _, p := range projections {
		got, err := loss.ParseProjection(p.String())
		if err != nil || got != p {
			t.Errorf("ParseProjection(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := loss.ParseProjection("normal"); err == nil || !strings.Contains(err.Error(), "gaussian, rademacher, sphere") {
		t.Errorf("ParseProjection(normal): %v", err)
	}
	if p, err := loss.ParseProjection("default"); err != nil || p != loss.DefaultProjection || p.Resolve() != loss.DefaultProjectionDist {
		t.Errorf("ParseProjection(default) = %v, %v; resolves to %v", p, err, p.Resolve())
	}
	for _, p := range projections {
		if p.Resolve() != p {
			t.Errorf("%v resolves to %v", p, p.Resolve())
		}
	}
}

// TestProjectionJSON: a projection is written by name and read back; the numbers of the files
// written before names were used (0 gaussian, 1 rademacher, 2 sphere) are still read; anything
// else is refused, naming it.
func TestProjectionJSON(t *testing.T) {
	o := loss.Options{Projections: 3, ProjectionDist: loss.Sphere}
	data, err := json.Marshal(o)
	if err != nil || !strings.Contains(string(data), `"ProjectionDist":"sphere"`) {
		t.Fatalf("Marshal: %s, %v", data, err)
	}
	var back loss.Options
	if err := json.Unmarshal(data, &back); err != nil || back.ProjectionDist != loss.Sphere || back.Projections != 3 {
		t.Errorf("Unmarshal(%s) = %+v, %v", data, back, err)
	}
	for text, want := range map[string]loss.Projection{`0`: loss.Gaussian, `1`: loss.Rademacher, `2`: loss.Sphere,
		`"default"`: loss.DefaultProjection, `"rademacher"`: loss.Rademacher} {
		var p loss.Projection
		if err := json.Unmarshal([]byte(text), &p); err != nil || p != want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", text, p, err, want)
		}
	}
	for _, text := range []string{`3`, `-1`, `"normal"`, `1.5`, `true`} {
		var p loss.Projection
		if err := json.Unmarshal([]byte(text), &p); err == nil || !strings.Contains(err.Error(), "gaussian, rademacher, sphere") {
			t.Errorf("Unmarshal(%s): error %v, want one listing the distributions", text, err)
		}
	}
	if _, err := json.Marshal(loss.Projection(9)); err == nil {
		t.Error("Marshal(Projection(9)): no error")
	}
}

func TestDescribe(t *testing.T) {
	o := loss.DefaultOptions()
	for name, want := range map[string]string{
		"exact":     "exact",
		"sliced":    "sliced (1 rademacher vector per point)",
		"sliced-vr": "sliced-vr (1 rademacher vector per point)",
		"denoising": "denoising (sigma 0.05)",
		"ncsn":      "ncsn (10 levels, 1 down to 0.05)",
	} {
		if got := o.Describe(name); got != want {
			t.Errorf("Describe(%q) = %q, want %q", name, got, want)
		}
	}
	if got := (loss.Options{Projections: 4, ProjectionDist: loss.Gaussian}).Describe("sliced"); got != "sliced (4 gaussian vectors per point)" {
		t.Errorf("Describe(sliced, 4 gaussian) = %q", got)
	}
	if got := (loss.Options{Projections: 1}).Describe("sliced"); got != "sliced (1 rademacher vector per point)" {
		t.Errorf("Describe(sliced, zero distribution) = %q: the default should be named", got)
	}
}

// TestWithDefaults: zero fields take DefaultOptions' values, set ones are kept.
func TestWithDefaults(t *testing.T) {
	if got, want := (loss.Options{}).WithDefaults(), loss.DefaultOptions(); !reflect.DeepEqual(got, want) {
		t.Errorf("zero Options with defaults = %+v, want %+v", got, want)
	}
	o := loss.Options{Projections: 3, ProjectionDist: loss.Gaussian, Sigma: 0.2, Sigmas: []float64{1, 0.5},
		SDE: sde.SDE{Kind: sde.VP, BetaMin: 0.2, BetaMax: 10, Eps: 1e-4}}
	if got := o.WithDefaults(); !reflect.DeepEqual(got, o) {
		t.Errorf("set Options with defaults = %+v, want them unchanged", got)
	}
}

// TestRegistryKinds: each loss's registry entry declares the kind of model it trains (ncsn a
// noise-conditional one, every other a plain one) and whether it estimates the exact loss (exact,
// sliced, sliced-vr: their minimum is the data set's exact-loss floor); an unknown loss is an error
// listing the known ones.
func TestRegistryKinds(t *testing.T) {
	want := map[string]struct {
		kind  network.Kind
		exact bool
	}{
		"exact":       {network.KindMLP, true},
		"blog-flawed": {network.KindMLP, false},
		"sliced":      {network.KindMLP, true},
		"sliced-vr":   {network.KindMLP, true},
		"denoising":   {network.KindMLP, false},
		"ncsn":        {network.KindNoiseMLP, false},
		"sde":         {network.KindTimeMLP, false},
	}
	if names := loss.Names(); len(names) != len(want) {
		t.Errorf("losses %v, want %d", names, len(want))
	}
	for name, w := range want {
		kind, err := loss.Kind(name)
		if err != nil || kind != w.kind || loss.EstimatesExact(name) != w.exact || loss.NoiseConditional(name) != (w.kind == network.KindNoiseMLP) {
			t.Errorf("%s: kind %q (%v), estimates exact %v, noise-conditional %v; want %q, %v",
				name, kind, err, loss.EstimatesExact(name), loss.NoiseConditional(name), w.kind, w.exact)
		}
	}
	// The options each loss uses, and the losses using each option.
	for option, users := range map[string]string{
		loss.OptionProjections: "sliced,sliced-vr", loss.OptionProjectionDist: "sliced,sliced-vr",
		loss.OptionSigma: "denoising", loss.OptionSigmas: "ncsn", loss.OptionSDE: "sde", loss.OptionSigmaMin: "sde",
		loss.OptionSigmaMax: "sde", loss.OptionBetaMin: "sde", loss.OptionBetaMax: "sde", loss.OptionLikelihood: "sde",
	} {
		if got := strings.Join(loss.OptionUsers(option), ","); got != users {
			t.Errorf("option %s is used by %s, want %s", option, got, users)
		}
		if loss.UsesOption("exact", option) || loss.UsesOption("ssm", option) {
			t.Errorf("exact or an unknown loss uses %s", option)
		}
	}
	if len(loss.OptionNames()) != 10 {
		t.Errorf("OptionNames() = %v", loss.OptionNames())
	}
	if _, err := loss.Kind("ssm"); err == nil || !strings.Contains(err.Error(), "sliced-vr") {
		t.Errorf("unknown loss: %v", err)
	}
	if loss.EstimatesExact("ssm") || loss.NoiseConditional("ssm") {
		t.Error("an unknown loss estimates the exact loss or is noise-conditional")
	}
}

package network_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/toy"
)

// wraps is a layer size whose product with 4 is 2^64 (2^32 on 32-bit machines): 0 in int arithmetic.
const wraps = 1 << (bits.UintSize - 2)

func TestNewMLPValidate(t *testing.T) {
	for _, c := range []struct {
		sizes []int
		want  string // Substring of the error, "" for no error.
	}{
		{[]int{2, 64, 2}, ""},
		{[]int{2, 2}, ""},
		{nil, "at least an input and an output"},
		{[]int{2}, "at least an input and an output"},
		{[]int{2, 0, 2}, "got 0 at position 1"},
		{[]int{2, 8, -3}, "got -3 at position 2"},
	} {
		_, err := network.NewMLP(c.sizes)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("NewMLP(%v): %v", c.sizes, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("NewMLP(%v): error %v, want one containing %q", c.sizes, err, c.want)
		}
	}
	// NewMLP copies its argument.
	sizes := []int{2, 4, 2}
	m, _ := network.NewMLP(sizes)
	sizes[1] = 99
	if m.Sizes[1] != 4 {
		t.Errorf("NewMLP keeps a reference to the caller's slice")
	}
}

func TestInitParamsDeterministic(t *testing.T) {
	m := network.MLP{Sizes: network.BlogSizes}
	a, err := m.InitParams(0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.InitParams(0)
	c, _ := m.InitParams(1)
	if !reflect.DeepEqual(a, b) {
		t.Error("InitParams(0) differs between two calls")
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := range a.Weights {
		same := 0
		for j := range a.Weights[i] {
			if a.Weights[i][j] == c.Weights[i][j] {
				same++
			}
		}
		if same > 0 {
			t.Errorf("layer %d: seeds 0 and 1 share %d of %d weights", i, same, len(a.Weights[i]))
		}
	}
}

// TestInitParamsDistribution checks LeCun-normal initialisation (a normal truncated at 2 standard
// deviations, rescaled to variance 1/fan_in, like jax.nn.initializers.lecun_normal) and zero
// biases, layer by layer, on a wide MLP so that every layer has at least 4096 weights.
//
// Bounds, for n weights of one layer with target std sigma = 1/sqrt(fan_in):
//   - |w| <= 2 sigma / 0.87962566 (the truncation point after rescaling) for every weight, a hard
//     bound;
//   - sample mean within 5 standard errors, 5 sigma/sqrt(n);
//   - sample std within 5 standard errors of sigma. The standard error of a sample standard
//     deviation is sigma sqrt((kurtosis - 1)/(4n)); a normal truncated at +-2 has kurtosis 2.36,
//     so SE = sigma sqrt(1.36/(4n)), 0.58% of sigma for n = 10,000. (An untruncated normal of std
//     sigma/0.8796, i.e. a forgotten truncation, would be off by 14%; one with std sigma but not
//     rescaled after truncation would be off by 12%.)
func TestInitParamsDistribution(t *testing.T) {
	m := network.MLP{Sizes: []int{64, 128, 256, 100, 64}}
	p, err := m.InitParams(3)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range p.Weights {
		fanIn := m.Sizes[i]
		sigma := 1 / math.Sqrt(float64(fanIn))
		n := float64(len(w))
		var sum, sum2, maxAbs float64
		for _, v := range w {
			sum += float64(v)
			sum2 += float64(v) * float64(v)
			maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
		}
		mean := sum / n
		std := math.Sqrt(sum2/n - mean*mean)
		if lim := 2 * sigma / 0.8796256610342398 * (1 + 1e-6); maxAbs > lim {
			t.Errorf("layer %d: |w| up to %g, beyond the truncation point %g", i, maxAbs, lim)
		}
		if se := sigma / math.Sqrt(n); math.Abs(mean) > 5*se {
			t.Errorf("layer %d: mean weight %g, want 0 +- 5*%g", i, mean, se)
		}
		if se := sigma * math.Sqrt(1.36/(4*n)); math.Abs(std-sigma) > 5*se {
			t.Errorf("layer %d (fan_in %d): weight std %g, want 1/sqrt(fan_in) = %g +- 5*%g", i, fanIn, std, sigma, se)
		}
		for j, v := range p.Biases[i] {
			if v != 0 {
				t.Errorf("layer %d bias %d = %g, want 0", i, j, v)
			}
		}
		if len(p.Biases[i]) != m.Sizes[i+1] {
			t.Errorf("layer %d: %d biases, want %d", i, len(p.Biases[i]), m.Sizes[i+1])
		}
	}
	if _, err := (network.MLP{Sizes: []int{2}}).InitParams(0); err == nil {
		t.Error("InitParams of an invalid MLP: no error")
	}
}

func TestParamsValidate(t *testing.T) {
	good := func() network.Params {
		p, err := network.MLP{Sizes: []int{2, 3, 2}}.InitParams(0)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name   string
		mutate func(*network.Params)
		want   string
	}{
		{"short weights", func(p *network.Params) { p.Weights[0] = p.Weights[0][:5] }, "layer 0 weights: want 2 x 3 = 6 values, got 5"},
		{"long biases", func(p *network.Params) { p.Biases[1] = append(p.Biases[1], 0) }, "layer 1 biases: want 2 values, got 3"},
		{"missing layer", func(p *network.Params) { p.Weights = p.Weights[:1] }, "needs 2 layers"},
		{"NaN weight", func(p *network.Params) { p.Weights[1][3] = float32(math.NaN()) }, "layer 1 weight 3 is NaN"},
		{"Inf weight", func(p *network.Params) { p.Weights[0][0] = float32(math.Inf(-1)) }, "layer 0 weight 0 is -Inf"},
		{"bad sizes", func(p *network.Params) { p.Sizes = []int{2, 0, 2} }, "position 1"},
		// in*out wraps around to 0 in int arithmetic: empty weights would match.
		{"sizes whose product wraps", func(p *network.Params) {
			p.Sizes, p.Weights, p.Biases = []int{wraps, 4}, [][]float32{{}}, [][]float32{make([]float32, 4)}
		}, fmt.Sprintf("MLP with sizes [%d 4]: layer 0 would have %d x 4 weights", wraps, wraps)},
	}
	for _, c := range cases {
		p := good()
		c.mutate(&p)
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if err := good().Validate(); err != nil {
		t.Errorf("valid params: %v", err)
	}
}

func TestSetGetParamsRoundTrip(t *testing.T) {
	m := network.MLP{Sizes: []int{2, 16, 8, 2}}
	p, err := m.InitParams(5)
	if err != nil {
		t.Fatal(err)
	}
	p.Biases[1][2] = 0.25 // Non-zero biases travel too.
	store := model.NewStore()
	if err := network.SetParams(store, p); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetParams(store)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Error("GetParams after SetParams differs from what was set")
	}
	// Setting again replaces the values in place.
	q, _ := m.InitParams(6)
	if err := network.SetParams(store, q); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.GetParams(store); !reflect.DeepEqual(got, q) {
		t.Error("second SetParams did not replace the values")
	}
	// Different shapes for existing variables are refused.
	other, _ := network.MLP{Sizes: []int{2, 4, 8, 2}}.InitParams(0)
	if err := network.SetParams(store, other); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("SetParams with other shapes: error %v, want one about the shape", err)
	}
	// Missing variables are reported by name.
	if _, err := m.GetParams(model.NewStore()); err == nil || !strings.Contains(err.Error(), network.WeightsPath(0)) {
		t.Errorf("GetParams on an empty store: error %v, want one naming %s", err, network.WeightsPath(0))
	}
	// Init is InitParams + SetParams.
	s2 := model.NewStore()
	if err := m.Init(s2, 5); err != nil {
		t.Fatal(err)
	}
	want, _ := m.InitParams(5)
	if got, _ := m.GetParams(s2); !reflect.DeepEqual(got, want) {
		t.Error("Init(store, 5) does not hold InitParams(5)")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "model") // Save creates missing directories.
	p, err := network.MLP{Sizes: network.BlogSizes}.InitParams(11)
	if err != nil {
		t.Fatal(err)
	}
	p.Biases[0][0] = -1.5e-7
	saved := network.Saved{Kind: network.KindMLP, Data: toy.Spec{Name: "ring", Params: map[string]float64{"radius": 1.5}}, Loss: "exact", Epochs: 3, Params: p}
	if err := network.Save(dir, saved); err != nil {
		t.Fatal(err)
	}
	s, err := network.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != network.FileFormat || s.Version != network.FileVersion {
		t.Errorf("loaded format %q version %d", s.Format, s.Version)
	}
	// float32 values survive JSON exactly (encoding/json prints the shortest representation
	// that parses back to the same float32).
	if !reflect.DeepEqual(s.Params, p) {
		t.Error("loaded params differ from the saved ones")
	}
	if s.Kind != network.KindMLP || s.Data.Name != "ring" || s.Data.Params["radius"] != 1.5 || s.Loss != "exact" || s.Epochs != 3 {
		t.Errorf("loaded kind %q, data %v, loss %q, epochs %d", s.Kind, s.Data, s.Loss, s.Epochs)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != network.FileName {
		t.Errorf("model directory holds %v, want only %s (no temporary files left)", entries, network.FileName)
	}
	// Saving invalid params fails and leaves the old file alone.
	bad := saved
	bad.Weights = bad.Weights[:1]
	if err := network.Save(dir, bad); err == nil {
		t.Error("Save of invalid params: no error")
	}
	if _, err := network.Load(dir); err != nil {
		t.Errorf("model unreadable after a failed Save: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	p, _ := network.MLP{Sizes: []int{2, 4, 2}}.InitParams(0)
	good, err := json.Marshal(network.Saved{Format: network.FileFormat, Version: network.FileVersion, Kind: network.KindMLP, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(f func(map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		data, _ := json.Marshal(m)
		return data
	}
	cases := []struct {
		name string
		data []byte // nil: no file at all.
		want []string
	}{
		{"missing", nil, []string{"loading model", network.FileName, "no such file"}},
		{"truncated", good[:len(good)/2], []string{"truncated or corrupt"}},
		{"empty", []byte{}, []string{"truncated or corrupt"}},
		{"wrong format", rewrite(func(m map[string]any) { m["format"] = "pytorch" }), []string{`format "pytorch"`, network.FileFormat}},
		{"no format", rewrite(func(m map[string]any) { delete(m, "format") }), []string{`format ""`}},
		{"wrong version", rewrite(func(m map[string]any) { m["version"] = 3 }), []string{"version 3", "reads version 2"}},
		{"version 1", rewrite(func(m map[string]any) { m["version"] = 1 }), []string{"version 1 was written by an earlier version", "train the model again"}},
		{"unknown field", rewrite(func(m map[string]any) { m["meta"] = map[string]any{} }), []string{"unknown field", "meta"}},
		{"wrong sizes", rewrite(func(m map[string]any) { m["Sizes"] = []int{2, 5, 2} }), []string{"layer 0 weights"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.data != nil {
				if err := os.WriteFile(filepath.Join(dir, network.FileName), c.data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := network.Load(dir)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// The unmodified document loads (so the cases above fail for their own reason).
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, network.FileName), good, 0o644)
	if _, err := network.Load(dir); err != nil {
		t.Errorf("good file: %v", err)
	}
	// A missing directory.
	if _, err := network.Load(filepath.Join(t.TempDir(), "does-not-exist")); err == nil || !strings.Contains(err.Error(), "does-not-exist") {
		t.Errorf("missing directory: error %v, want one naming the path", err)
	}
}

func TestCheckScoreDim(t *testing.T) {
	for _, c := range []struct {
		sizes []int
		dim   int
		ok    bool
	}{
		{[]int{2, 64, 2}, 2, true},
		{[]int{5, 16, 5}, 5, true},
		{[]int{3, 8, 2}, 2, false},
		{[]int{2, 8, 3}, 2, false},
		{[]int{2, 8, 2}, 3, false},
		{[]int{2}, 2, false},
	} {
		err := network.MLP{Sizes: c.sizes}.CheckScoreDim(c.dim)
		if c.ok != (err == nil) {
			t.Errorf("CheckScoreDim(%v, %d) = %v", c.sizes, c.dim, err)
		}
		if err != nil && len(c.sizes) > 1 && !strings.Contains(err.Error(), "sizes") {
			t.Errorf("CheckScoreDim(%v, %d): error %q does not mention the sizes", c.sizes, c.dim, err)
		}
	}
}

// TestScorerAgainstGolden evaluates the golden weights with Scorer and compares with the JAX
// float64 scores. float32 tolerance as in the autodiff tests: rel 1e-5 / abs 1e-5 * max(1,
// max|s|), about 30 times float32 round-off through four layers (measured: 2% of it).
func TestScorerAgainstGolden(t *testing.T) {
	b := testutil.Backend(t)
	for _, name := range testutil.GoldenMLPFiles {
		t.Run(name, func(t *testing.T) {
			g := testutil.LoadMLP(t, name)
			m := network.Model{Kind: network.KindMLP, Sizes: g.Sizes}
			store := model.NewStore()
			if err := network.SetParams(store, g.Params()); err != nil {
				t.Fatal(err)
			}
			sc, err := network.NewScorer(b, store, m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sc.Scores(g.X.Rows())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != g.X.Shape[0] || len(got[0]) != g.Sizes[len(g.Sizes)-1] {
				t.Fatalf("scores have %d rows of %d", len(got), len(got[0]))
			}
			testutil.Close(t, "Scores", testutil.Flatten(got), g.Scores.Data, testutil.Tol{Rel: 1e-5, Abs: 1e-5})
			// A second call with another batch size recompiles and still agrees.
			few, err := sc.Scores(g.X.Rows()[:3])
			if err != nil {
				t.Fatal(err)
			}
			testutil.Close(t, "Scores of the first 3 rows", testutil.Flatten(few), g.Scores.Data[:3*len(got[0])], testutil.Tol{Rel: 1e-5, Abs: 1e-5})

			// Input errors name the problem.
			d := g.Sizes[0]
			short := [][]float64{make([]float64, d-1)}
			nan := [][]float64{make([]float64, d)}
			nan[0][d-1] = math.NaN()
			for what, c := range map[string]struct {
				pts  [][]float64
				want string
			}{
				"empty":     {nil, "no points"},
				"short row": {short, "has " + strconv.Itoa(d-1) + " coordinates"},
				"NaN":       {nan, "is NaN"},
			} {
				if _, err := sc.Scores(c.pts); err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: error %v, want one containing %q", what, err, c.want)
				}
			}
		})
	}
	if _, err := network.NewScorer(b, model.NewStore(), network.Model{Kind: network.KindMLP, Sizes: []int{2}}); err == nil {
		t.Error("NewScorer with an invalid MLP: no error")
	}
}

// TestScorerJacobiansAgainstGolden compares Scorer.Jacobians with the golden per-example
// Jacobians (jax.vmap(jax.jacfwd(mlp)), float64), layout J[b][i][j] = d s_i / d x_j, and
// Save, Load and NewScorer. float32 tolerance as for the scores (measured: 2% of it).
func TestScorerJacobiansAgainstGolden(t *testing.T) {
	b := testutil.Backend(t)
	for _, name := range testutil.GoldenMLPFiles {
		t.Run(name, func(t *testing.T) {
			g := testutil.LoadMLP(t, name)
			dir := t.TempDir()
			if err := network.Save(dir, network.Saved{Kind: network.KindMLP, Params: g.Params()}); err != nil {
				t.Fatal(err)
			}
			saved, err := network.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			store := model.NewStore()
			if err := network.SetParams(store, saved.Params); err != nil {
				t.Fatal(err)
			}
			sc, err := network.NewScorer(b, store, saved.Model())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(saved.Params, g.Params()) {
				t.Error("Load returned other params than were saved")
			}
			n, d := g.Jacobians.Shape[0], g.Sizes[0]
			jacs, err := sc.Jacobians(g.X.Rows()[:n])
			if err != nil {
				t.Fatal(err)
			}
			var flat []float64
			for _, j := range jacs {
				if len(j) != d || len(j[0]) != d {
					t.Fatalf("Jacobian is %dx%d, want %dx%d", len(j), len(j[0]), d, d)
				}
				flat = append(flat, testutil.Flatten(j)...)
			}
			testutil.Close(t, "Jacobians", flat, g.Jacobians.Data, testutil.Tol{Rel: 1e-5, Abs: 1e-5})
			scores, err := sc.Scores(g.X.Rows())
			if err != nil {
				t.Fatal(err)
			}
			testutil.Close(t, "scores of the loaded model", testutil.Flatten(scores), g.Scores.Data, testutil.Tol{Rel: 1e-5, Abs: 1e-5})
		})
	}
	if _, err := network.Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "loading model") {
		t.Errorf("Load of an empty directory: error %v", err)
	}
}

func TestValidateRejectsNonFiniteBias(t *testing.T) {
	p, err := network.MLP{Sizes: []int{2, 3, 2}}.InitParams(1)
	if err != nil {
		t.Fatal(err)
	}
	p.Biases[1][1] = float32(math.NaN())
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "layer 1 bias 1 is NaN") {
		t.Errorf("Validate with a NaN bias: got %v, want an error naming layer 1 bias 1", err)
	}
}

// TestMLPMemory: MLP.Validate refuses sizes whose weights overflow or whose parameters do not fit
// under the memory limit; CheckMemory (four copies of the parameters: weights, gradients, Adam's
// two moments) refuses networks too large to train, naming what and the sizes; Init and
// InitParams refuse them before allocating.
func TestMLPMemory(t *testing.T) {
	t.Setenv(limits.EnvVar, "1MiB")
	for _, c := range []struct {
		name     string
		sizes    []int
		validate string // Substring of Validate's error; "" for none.
		memory   string // Substring of CheckMemory's error; "" for none.
	}{
		// 16,898 parameters: 66 KiB, 264 KiB to train.
		{"blog", network.BlogSizes, "", ""},
		// 200,002 parameters: 781 KiB, 3.1 MiB to train.
		{"fits, but not to train", []int{2, 40000, 2}, "", "training an MLP with sizes [2 40000 2] (weights, gradients and Adam's two moments) needs 3.1 MiB"},
		// 500,002 parameters: 1.9 MiB.
		{"over the limit", []int{2, 100000, 2}, "the parameters of an MLP with sizes [2 100000 2] needs 1.9 MiB", "[2 100000 2]"},
		{"wrapping product", []int{wraps, 4, wraps}, "layer 0 would have", "layer 0"},
		{"overflowing total", []int{2, math.MaxInt / 16, 2}, "more than", "more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := network.MLP{Sizes: c.sizes}
			check := func(what string, err error, want string) {
				t.Helper()
				switch {
				case want == "" && err != nil:
					t.Errorf("%s: %v", what, err)
				case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
					t.Errorf("%s: error %v, want one containing %q", what, err, want)
				case want != "" && !strings.Contains(err.Error(), limits.EnvVar) && !strings.Contains(err.Error(), "would have"):
					t.Errorf("%s: error %q does not say where the limit comes from", what, err)
				}
			}
			check("Validate", m.Validate(), c.validate)
			_, err := network.NewMLP(c.sizes)
			check("NewMLP", err, c.validate)
			err = m.CheckMemory("--sizes 2,40000,2")
			check("CheckMemory", err, c.memory)
			if c.validate == "" && c.memory != "" && err != nil && !strings.HasPrefix(err.Error(), "--sizes 2,40000,2: ") {
				t.Errorf("CheckMemory: error %q does not start with what it was given", err)
			}
			_, err = m.InitParams(0)
			check("InitParams", err, c.memory)
			store := model.NewStore()
			check("Init", m.Init(store, 0), c.memory)
			if c.memory != "" && store.GetVariable(network.WeightsPath(0)) != nil {
				t.Error("Init created variables for a network too large to train")
			}
		})
	}
}

// TestLoadChecksKind: a model must be a score network of its kind: "mlp" maps R^D to R^D and has
// no noise levels, "noise-mlp" takes D+1 inputs for D outputs and has valid levels (or none yet);
// an unknown or missing kind is refused. Save refuses what Load would refuse.
func TestLoadChecksKind(t *testing.T) {
	for _, c := range []struct {
		name   string
		sizes  []int
		kind   network.Kind
		sigmas []float64
		want   string // Substring of the error; "" for none.
	}{
		{"mlp", []int{2, 4, 2}, network.KindMLP, nil, ""},
		{"noise-mlp", []int{3, 4, 2}, network.KindNoiseMLP, []float64{1, 0.1}, ""},
		{"noise-mlp without levels", []int{3, 4, 2}, network.KindNoiseMLP, nil, ""},
		{"mlp with output != input", []int{3, 4, 2}, network.KindMLP, nil, `kind "mlp" maps R^D to R^D, but its sizes [3 4 2]`},
		{"mlp with noise levels", []int{2, 4, 2}, network.KindMLP, []float64{1}, `kind "mlp" has no noise levels or SDE, got 1 levels`},
		{"noise-mlp with input == output", []int{2, 4, 2}, network.KindNoiseMLP, nil, `kind "noise-mlp" takes D+1 inputs (x and log sigma) for D outputs, but its sizes [2 4 2]`},
		{"noise-mlp with two extra inputs", []int{4, 4, 2}, network.KindNoiseMLP, nil, "sizes [4 4 2]"},
		{"noise-mlp with a negative level", []int{3, 4, 2}, network.KindNoiseMLP, []float64{1, -0.1}, "noise level 1: noise level sigma must be positive and finite, got -0.1"},
		{"unknown kind", []int{2, 4, 2}, "resnet", nil, `model kind "resnet" is not one this program knows`},
		{"no kind", []int{2, 4, 2}, "", nil, `model kind "" is not one this program knows`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := network.MLP{Sizes: c.sizes}.InitParams(0)
			if err != nil {
				t.Fatal(err)
			}
			s := network.Saved{Format: network.FileFormat, Version: network.FileVersion, Kind: c.kind, Sigmas: c.sigmas, Params: p}
			data, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, network.FileName), data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, loadErr := network.Load(dir)
			_, parseErr := network.Parse(data)
			saveErr := network.Save(t.TempDir(), s)
			for what, err := range map[string]error{"Load": loadErr, "Parse": parseErr, "Save": saveErr} {
				switch {
				case c.want == "" && err != nil:
					t.Errorf("%s: %v", what, err)
				case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
					t.Errorf("%s: error %v, want one containing %q", what, err, c.want)
				}
			}
		})
	}
}

// TestLoadRefusesFiles: Load reads regular files no larger than the limit allows, so that a
// model.json linked to /dev/zero or a huge file is an error, not an out-of-memory crash; a model
// whose sizes wrap around is refused.
func TestLoadRefusesFiles(t *testing.T) {
	p, err := network.MLP{Sizes: network.BlogSizes}.InitParams(0)
	if err != nil {
		t.Fatal(err)
	}
	good, err := json.Marshal(network.Saved{Format: network.FileFormat, Version: network.FileVersion, Kind: network.KindMLP, Params: p})
	if err != nil {
		t.Fatal(err)
	}
	// Sizes [wraps, 4, wraps] with empty weights, which in*out = 0 let through.
	wrapped := []byte(fmt.Sprintf(`{"format":%q,"version":%d,"kind":"mlp","Sizes":[%d,4,%d],"Weights":[[],[]],"Biases":[[0,0,0,0],[]]}`,
		network.FileFormat, network.FileVersion, wraps, wraps))
	for _, c := range []struct {
		name  string
		limit string
		setup func(path string) error
		want  []string
	}{
		{"link to /dev/zero", "", func(path string) error { return os.Symlink("/dev/zero", path) }, []string{"loading model", "not a regular file"}},
		{"directory", "", func(path string) error { return os.Mkdir(path, 0o755) }, []string{"not a regular file"}},
		// The blog network's file is about 300 KB, over a quarter of a 256 KiB limit.
		{"larger than the limit", "256KiB", func(path string) error { return os.WriteFile(path, good, 0o644) },
			[]string{network.FileName, "larger than", limits.EnvVar}},
		{"wrapping sizes", "", func(path string) error { return os.WriteFile(path, wrapped, 0o644) },
			[]string{"layer 0 would have", fmt.Sprint(wraps)}},
		{"good", "", func(path string) error { return os.WriteFile(path, good, 0o644) }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.limit != "" {
				t.Setenv(limits.EnvVar, c.limit)
			}
			dir := t.TempDir()
			if err := c.setup(filepath.Join(dir, network.FileName)); err != nil {
				t.Skipf("cannot set up: %v", err)
			}
			_, err := network.Load(dir)
			if c.want == nil {
				if err != nil {
					t.Errorf("good model: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

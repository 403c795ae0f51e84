// Package testutil holds helpers shared by the project's tests: loading the golden values written
// by the JAX reference (scorematching/testdata/jaxref/reference.py), building a backend, running
// small graphs, and comparing numbers with a stated tolerance.
//
// It is internal and imported only by _test.go files.
package testutil

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sde"
)

// Tensor is a golden array: its shape and its values in row-major order.
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// Rows returns a 2-D tensor as rows.
func (t Tensor) Rows() [][]float64 {
	if len(t.Shape) != 2 {
		panic(fmt.Sprintf("Rows of a tensor of shape %v", t.Shape))
	}
	out := make([][]float64, t.Shape[0])
	for i := range out {
		out[i] = t.Data[i*t.Shape[1] : (i+1)*t.Shape[1]]
	}
	return out
}

// Float32 returns the data converted to float32.
func (t Tensor) Float32() []float32 {
	out := make([]float32, len(t.Data))
	for i, v := range t.Data {
		out[i] = float32(v)
	}
	return out
}

// Layer is one MLP layer of a golden file: W [in, out] and b [out].
type Layer struct {
	W Tensor `json:"W"`
	B Tensor `json:"b"`
}

// MLPGolden is the content of exact_loss_blog_mlp.json or exact_loss_dim.json.
type MLPGolden struct {
	Name       string
	Sizes      []int   `json:"sizes"`
	Layers     []Layer `json:"layers"`
	X          Tensor  `json:"x"`
	ExactLoss  float64 `json:"exact_loss"`
	FlawedLoss float64 `json:"flawed_loss"`
	Scores     Tensor  `json:"scores"`
	Traces     Tensor  `json:"traces"`
	SqNorms    Tensor  `json:"sq_norms"`
	Jacobians  Tensor  `json:"jacobians"`
	GradExact  []Layer `json:"grad_exact"`
	GradFlawed []Layer `json:"grad_flawed"` // Only in exact_loss_dim.json.
}

// Params returns the golden weights as network.Params (float32, the layout of network.Params is the
// golden layout: W row-major [in, out]).
func (g *MLPGolden) Params() network.Params { return paramsOf(g.Sizes, g.Layers) }

// paramsOf converts golden layers to network parameters (float32, as the networks compute).
func paramsOf(sizes []int, layers []Layer) network.Params {
	p := network.Params{Sizes: append([]int(nil), sizes...)}
	for _, l := range layers {
		p.Weights = append(p.Weights, l.W.Float32())
		p.Biases = append(p.Biases, l.B.Float32())
	}
	return p
}

// RingGolden is the content of ring_score.json.
type RingGolden struct {
	Radius                  float64 `json:"radius"`
	Std                     float64 `json:"std"`
	ExpectedSqNormScore     float64 `json:"expected_sq_norm_score"`
	ExpectedScoreDivergence float64 `json:"expected_score_divergence"`
	ExactLossAtTrueScore    float64 `json:"exact_loss_at_true_score"`
	Points                  Tensor  `json:"points"`
	R                       Tensor  `json:"r"`
	LogPDF                  Tensor  `json:"logpdf"`
	Score                   Tensor  `json:"score"`
	ScoreAutodiff           Tensor  `json:"score_autodiff"`
	ScoreDivergence         Tensor  `json:"score_divergence"`
	BlogFlawedScore         Tensor  `json:"blog_flawed_score"`
	BlogRadialPDF           Tensor  `json:"blog_radial_pdf"`
}

// GoldenMLPFiles are the golden files with an MLP in them.
var GoldenMLPFiles = []string{"exact_loss_blog_mlp.json", "exact_loss_dim.json"}

// GoldenDir is the directory of the golden files, found from this source file's location so
// that it does not depend on the test's working directory.
func GoldenDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("testutil: cannot locate the source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "golden")
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(GoldenDir(), name))
	if err != nil {
		t.Fatalf("reading golden file: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("parsing golden file %s: %v", name, err)
	}
}

// LoadMLP loads an MLP golden file and checks that its shapes are consistent.
func LoadMLP(t testing.TB, name string) *MLPGolden {
	t.Helper()
	g := &MLPGolden{Name: name}
	loadJSON(t, name, g)
	if len(g.Layers) != len(g.Sizes)-1 || len(g.GradExact) != len(g.Layers) {
		t.Fatalf("%s: %d sizes, %d layers, %d gradient layers", name, len(g.Sizes), len(g.Layers), len(g.GradExact))
	}
	if err := g.Params().Validate(); err != nil {
		t.Fatalf("%s: golden weights do not fit the sizes: %v", name, err)
	}
	d := g.Sizes[0]
	if len(g.X.Shape) != 2 || g.X.Shape[1] != d || len(g.X.Data) != g.X.Shape[0]*d {
		t.Fatalf("%s: x has shape %v for D = %d", name, g.X.Shape, d)
	}
	return g
}

// LoadRing loads ring_score.json.
func LoadRing(t testing.TB) *RingGolden {
	t.Helper()
	g := &RingGolden{}
	loadJSON(t, "ring_score.json", g)
	if n := len(g.Points.Data) / 2; n == 0 || len(g.LogPDF.Data) != n || len(g.Score.Data) != 2*n {
		t.Fatalf("ring_score.json: inconsistent lengths")
	}
	return g
}

var (
	backendOnce sync.Once
	backendVal  compute.Backend
	backendErr  error
)

// Backend returns the project's backend (backend.New: the pure Go backend unless GOMLX_BACKEND
// says otherwise), created once per test binary.
func Backend(t testing.TB) compute.Backend {
	t.Helper()
	backendOnce.Do(func() { backendVal, backendErr = backend.New() })
	if backendErr != nil {
		t.Fatalf("backend: %v", backendErr)
	}
	return backendVal
}

// Flat32 returns the float32 values of a tensor as float64.
func Flat32(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	data, err := tensors.CopyFlatData[float32](x)
	if err != nil {
		t.Fatalf("reading tensor %s: %v", x.Shape(), err)
	}
	out := make([]float64, len(data))
	for i, v := range data {
		out[i] = float64(v)
	}
	return out
}

// Flat64 returns the float64 values of a tensor.
func Flat64(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	data, err := tensors.CopyFlatData[float64](x)
	if err != nil {
		t.Fatalf("reading tensor %s: %v", x.Shape(), err)
	}
	return data
}

// Tensor32 returns a float32 tensor of the given dimensions from float64 data.
func Tensor32(data []float64, dims ...int) *tensors.Tensor {
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// Tol is a mixed tolerance: a value passes when |got - want| <= Rel*|want| + Abs*scale, where
// scale is max(1, max |want| over the compared array). The scaled absolute part is what float32
// round-off looks like in a sum or product whose terms are about as large as the array's largest
// entry; the relative part covers entries that are large on their own.
type Tol struct {
	Rel, Abs float64
}

// MaxErr returns the largest |got - want| / (Rel*|want| + Abs*scale) over the arrays: the
// comparison passes when it is <= 1. It also returns the index of that worst element.
func (tol Tol) MaxErr(got, want []float64) (worst float64, at int) {
	scale := 1.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	worst = -1
	for i := range want {
		bound := tol.Rel*math.Abs(want[i]) + tol.Abs*scale
		e := math.Abs(got[i] - want[i])
		if math.IsNaN(got[i]) {
			e = math.Inf(1)
		}
		if r := e / bound; r > worst {
			worst, at = r, i
		}
	}
	return worst, at
}

// Close fails t unless got and want have the same length and every element is within tol.
// It logs the worst ratio of error to tolerance, so that the margin is visible with -v.
func Close(t testing.TB, what string, got, want []float64, tol Tol) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d values, want %d", what, len(got), len(want))
		return
	}
	worst, at := tol.MaxErr(got, want)
	if !(worst <= 1) {
		t.Errorf("%s: element %d is %.10g, want %.10g (error %.3g, %.3g times the tolerance rel %g abs %g)",
			what, at, got[at], want[at], math.Abs(got[at]-want[at]), worst, tol.Rel, tol.Abs)
		return
	}
	t.Logf("%s: %d values, worst error %.3g of the tolerance (rel %g, abs %g)", what, len(got), worst, tol.Rel, tol.Abs)
}

// Flatten returns the rows concatenated.
func Flatten(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// SDEGolden is the content of sde_vp.json: a time-conditioned MLP of the VP process, a batch with
// its times and noise, and the JAX values of its scores, sde loss and probability-flow
// log-density (see testdata/jaxref/reference.py).
type SDEGolden struct {
	SDE struct {
		Kind    string  `json:"kind"`
		BetaMin float64 `json:"beta_min"`
		BetaMax float64 `json:"beta_max"`
		Eps     float64 `json:"eps"`
	} `json:"sde"`
	Sizes            []int   `json:"sizes"`
	Layers           []Layer `json:"layers"`
	X                Tensor  `json:"x"`
	U                Tensor  `json:"u"`
	Z                Tensor  `json:"z"`
	TimeScores       Tensor  `json:"time_scores"`
	LossPerExample   Tensor  `json:"loss_per_example"`
	LossLWPerExample Tensor  `json:"loss_lw_per_example"`
	ODESteps         int     `json:"ode_steps"`
	ODELogP          Tensor  `json:"ode_logp"`
}

// Params returns the golden network's weights.
func (g *SDEGolden) Params() network.Params { return paramsOf(g.Sizes, g.Layers) }

// LoadSDE reads sde_vp.json.
func LoadSDE(t testing.TB) *SDEGolden {
	t.Helper()
	g := &SDEGolden{}
	loadJSON(t, "sde_vp.json", g)
	if err := g.Params().Validate(); err != nil {
		t.Fatalf("sde_vp.json: golden weights do not fit the sizes: %v", err)
	}
	return g
}

// SDEModel returns the golden time-conditioned model of sde_vp.json with its weights in a new
// store, and its process.
func (g *SDEGolden) SDEModel(t testing.TB) (network.Model, *model.Store, sde.SDE) {
	t.Helper()
	s := sde.SDE{Kind: sde.Kind(g.SDE.Kind), BetaMin: g.SDE.BetaMin, BetaMax: g.SDE.BetaMax, Eps: g.SDE.Eps}
	m, err := network.NewTimeModel(s, 2, g.Sizes[1:len(g.Sizes)-1])
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := network.SetParams(store, g.Params()); err != nil {
		t.Fatal(err)
	}
	return m, store, s
}

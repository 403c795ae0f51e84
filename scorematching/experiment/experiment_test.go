package experiment_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// TestBlogOptions checks the blog's set-up as recorded in shared/FACTS.md (RADIUS 1, STD 0.1,
// 10,000 samples, layers [2, 64, 128, 64, 2], Adam 1e-4, batch 512, 1000 epochs, loss printed
// every 100 epochs), with the corrected (exact) loss.
func TestBlogOptions(t *testing.T) {
	o := experiment.BlogOptions()
	if d, err := o.Data(); err != nil || d != toy.Dataset(toy.BlogRing) || d.Params()["radius"] != 1 || d.Params()["std"] != 0.1 {
		t.Errorf("data %v (%v), want the blog's ring", d, err)
	}
	if o.Samples != 10000 || o.Loss != "exact" || o.Train.Epochs != 1000 || o.Train.BatchSize != 512 ||
		o.Train.LearningRate != 1e-4 || o.Train.ReportEvery != 100 {
		t.Errorf("options %+v", o)
	}
	if got := o.Sizes; len(got) != 5 || got[0] != 2 || got[1] != 64 || got[2] != 128 || got[3] != 64 || got[4] != 2 {
		t.Errorf("sizes %v", got)
	}
	if err := o.Validate(); err != nil {
		t.Error(err)
	}
	// BlogOptions returns a fresh copy: changing one does not change the next.
	o.Sizes[1] = 7
	if experiment.BlogOptions().Sizes[1] != 64 {
		t.Error("BlogOptions shares its Sizes slice")
	}
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*experiment.Options)
		want   string
	}{
		{"radius", func(o *experiment.Options) { o.DataParams = map[string]float64{"radius": -1} }, "radius"},
		{"unknown ring parameter", func(o *experiment.Options) { o.DataParams = map[string]float64{"radious": 2} }, "radious"},
		{"unknown data set", func(o *experiment.Options) { o.Dataset = "mnist" }, "mnist"},
		{"noise-conditional sizes", func(o *experiment.Options) { o.Loss, o.Sizes = "ncsn", []int{3, 8, 2} }, "[3 8 2]"},
		{"samples", func(o *experiment.Options) { o.Samples = 0 }, "number of samples must be positive, got 0"},
		{"fresh samples", func(o *experiment.Options) { o.FreshSamples = -3 }, "fresh samples must be positive, got -3"},
		{"sizes", func(o *experiment.Options) { o.Sizes = []int{2, 8, 3} }, "[2 8 3]"},
		{"loss", func(o *experiment.Options) { o.Loss = "ssm" }, `unknown loss "ssm"`},
		{"epochs", func(o *experiment.Options) { o.Train.Epochs = 0 }, "epochs"},
		{"batch", func(o *experiment.Options) { o.Samples = 100 }, "batch size 512 is larger than the data (100 points)"},
	}
	for _, c := range cases {
		o := experiment.BlogOptions()
		c.mutate(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		// Run refuses the options before doing anything.
		if out, err := experiment.Run(context.Background(), testutil.Backend(t), o, train.Hooks{}); err == nil || out != nil {
			t.Errorf("%s: Run accepted invalid options", c.name)
		}
	}
}

// TestTrueScoreLoss compares the ring's exact-loss floor, as a run's summary and loss figure use it
// (toy.ExactLossFloor), with the golden exact_loss_at_true_score (-0.5 E||s||^2 by quadrature in
// the JAX reference), rel 1e-9 (see toy's TestMeanSquaredScore).
func TestTrueScoreLoss(t *testing.T) {
	g := testutil.LoadRing(t)
	got, ok, err := toy.ExactLossFloor(toy.BlogRing)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if math.Abs(got-g.ExactLossAtTrueScore) > 1e-9*math.Abs(g.ExactLossAtTrueScore) {
		t.Errorf("ExactLossFloor = %.12g, golden %.12g", got, g.ExactLossAtTrueScore)
	}
}

// TestTrueField: the blog grid (31 x 31 from -1.5 to 1.5, see FACTS) with the analytic score and
// the singular centre arrow zeroed.
func TestTrueField(t *testing.T) {
	half, step := toy.BlogRing.Window()
	f, err := plots.TrueFieldGrid(toy.BlogRing, half, step)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Points) != 961 || len(f.Vectors) != 961 {
		t.Fatalf("%d points, %d vectors; want 961", len(f.Points), len(f.Vectors))
	}
	if c := f.Vectors[480]; c[0] != 0 || c[1] != 0 {
		t.Errorf("centre vector %v, want zero", c)
	}
	for i, p := range f.Points {
		if i == 480 {
			continue
		}
		s := toy.BlogRing.Score(p)
		if f.Vectors[i][0] != s[0] || f.Vectors[i][1] != s[1] {
			t.Fatalf("vector at %v is %v, want the ring score %v", p, f.Vectors[i], s)
		}
	}
	if half != 1.5 || step != 0.1 {
		t.Errorf("ring window %g, %g; want 1.5, 0.1", half, step)
	}
}

func TestPrintReport(t *testing.T) {
	var buf bytes.Buffer
	experiment.PrintReport(&buf, train.Record{Epoch: -1, Loss: 0.88213})
	experiment.PrintReport(&buf, train.Record{Epoch: 100, Loss: -34.9141})
	if want := "Initial loss: 0.882\nEnd of epoch 100: loss=-34.914\n"; buf.String() != want {
		t.Errorf("PrintReport wrote %q, want %q (the blog's format)", buf.String(), want)
	}
}

// TestWriteDirLoad runs a tiny training (one epoch of 256 points, a 2-16-2 MLP), writes it with
// WriteDir and reads it back with Load: the weights, history, reports and metrics survive.
func TestWriteDirLoad(t *testing.T) {
	b := testutil.Backend(t)
	o := tinyRingOptions(2)
	o.Train.ReportEvery = 1
	out, err := experiment.Run(context.Background(), b, o, train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := out.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.CompletedEpochs != 2 || s.Steps != 4 || len(s.FigureFilesSaved) != 4 {
		t.Errorf("summary %+v", s)
	}
	back, err := experiment.Load(b, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range out.Params.Weights {
		for j, w := range out.Params.Weights[i] {
			if back.Params.Weights[i][j] != w {
				t.Fatalf("layer %d weight %d: %g after Load, %g before", i, j, back.Params.Weights[i][j], w)
			}
		}
	}
	if len(back.Result.History) != 2 || len(back.Result.Reports) != 3 {
		t.Fatalf("loaded %d history records and %d reports, want 2 and 3", len(back.Result.History), len(back.Result.Reports))
	}
	for i, r := range back.Result.History {
		// log.csv keeps 6 significant digits of the loss.
		if w := out.Result.History[i]; r.Epoch != w.Epoch || math.Abs(r.Loss-w.Loss) > 1e-5*math.Max(1, math.Abs(w.Loss)) {
			t.Errorf("history[%d] = %+v after Load, %+v before", i, r, w)
		}
	}
	if *back.Fisher != *out.Fisher || back.Options.Samples != 256 || len(back.Data) != 256 || back.Data[5][0] != out.Data[5][0] {
		t.Errorf("loaded Fisher %+v (was %+v), options %+v, %d data points", back.Fisher, out.Fisher, back.Options, len(back.Data))
	}
	// The loaded model scores like the trained one.
	sa, err := out.Scorer()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := back.Scorer()
	if err != nil {
		t.Fatal(err)
	}
	pts := [][]float64{{1, 0}, {0.2, -0.7}}
	va, _ := sa.Scores(pts)
	vb, err := sb.Scores(pts)
	if err != nil {
		t.Fatal(err)
	}
	if va[0][0] != vb[0][0] || va[1][1] != vb[1][1] {
		t.Errorf("scores %v before, %v after Load", va, vb)
	}
	if _, err := experiment.Load(b, t.TempDir()); err == nil {
		t.Error("Load of an empty directory: no error")
	}
}

// TestOptionsModel: the score model follows the loss's kind: sizes D, ..., D for a plain loss,
// D+1, ..., D with the loss's noise levels for ncsn; the data set "" is the ring with the blog's
// parameters, named {ring, radius=1, std=0.1}.
func TestOptionsModel(t *testing.T) {
	o := experiment.BlogOptions()
	m, err := o.Model()
	if err != nil || m.Kind != network.KindMLP || !slices.Equal(m.Sizes, network.BlogSizes) || m.Sigmas != nil {
		t.Errorf("exact: model %+v, %v", m, err)
	}
	o.Loss, o.LossOptions.Sigmas = "ncsn", []float64{1, 0.5}
	m, err = o.Model()
	if err != nil || m.Kind != network.KindNoiseMLP || !slices.Equal(m.Sizes, []int{3, 64, 128, 64, 2}) || !slices.Equal(m.Sigmas, []float64{1, 0.5}) {
		t.Errorf("ncsn: model %+v, %v", m, err)
	}
	o.Dataset = ""
	if s := o.Spec(); s.Name != "ring" {
		t.Errorf("the default data set is %q, want the ring", s.Name)
	}
	if d, err := o.Data(); err != nil || toy.SpecOf(d).String() != "ring (radius=1, std=0.1)" {
		t.Errorf("the default data set is %v (%v), want the blog's ring", d, err)
	}
}

// TestLoadOneFormat: Load reads a model saved on its own (model.json only) with the options it
// records; it refuses a directory whose model.json and summary.json come from two different runs,
// and a summary.json of another format version, naming the file.
func TestLoadOneFormat(t *testing.T) {
	b := testutil.Backend(t)
	ring, err := experiment.Run(context.Background(), b, tinyRingOptions(1), train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	mixOpts := samplingMixOptions()
	mix, err := experiment.Run(context.Background(), b, mixOpts, train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	ringDir, mixDir := t.TempDir(), t.TempDir()
	for dir, run := range map[string]*experiment.Outcome{ringDir: ring, mixDir: mix} {
		if _, err := run.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
	}
	// A model on its own: its kind, sizes, noise levels, data set and loss come back.
	alone := t.TempDir()
	data, err := os.ReadFile(filepath.Join(mixDir, network.FileName))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(alone, network.FileName), data, 0o644)
	got, err := experiment.Load(b, alone)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model.Kind != network.KindNoiseMLP || !slices.Equal(got.Model.Sigmas, []float64{4, 2, 1}) || got.Options.Dataset != "2gaussians" ||
		got.Options.Loss != "ncsn" || !slices.Equal(got.Options.Sizes, mixOpts.Sizes) || got.Options.Train.Epochs != 2 {
		t.Errorf("model alone: model %+v, options %+v", got.Model, got.Options)
	}
	if half, _ := got.Window(); !(half > 5) { // The 2gaussians' modes are at (+-5, +-5).
		t.Errorf("model alone: window half-width %v, want the data set's", half)
	}
	// A model saved without its data set: no window of a data set, no true field.
	bare := t.TempDir()
	if err := network.Save(bare, network.Saved{Kind: network.KindMLP, Params: ring.Params}); err != nil {
		t.Fatal(err)
	}
	unknown, err := experiment.Load(b, bare)
	if err != nil {
		t.Fatal(err)
	}
	if half, _ := unknown.Window(); half != 3 {
		t.Errorf("no data set: window half-width %v, want the fallback 3", half)
	}
	if _, _, err := unknown.ScoreFields(); err == nil || !strings.Contains(err.Error(), "not recorded") {
		t.Errorf("no data set: ScoreFields error %v", err)
	}
	// Another run's model.json in a run directory.
	os.WriteFile(filepath.Join(ringDir, network.FileName), data, 0o644)
	if _, err := experiment.Load(b, ringDir); err == nil || !strings.Contains(err.Error(), "different runs") {
		t.Errorf("mixed runs: error %v, want one saying the files are from different runs", err)
	}
	// A summary.json of another version.
	summary, err := os.ReadFile(filepath.Join(mixDir, experiment.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(mixDir, experiment.SummaryFile), []byte(strings.Replace(string(summary), `"version": 2`, `"version": 1`, 1)), 0o644)
	if _, err := experiment.Load(b, mixDir); err == nil || !strings.Contains(err.Error(), "version 1") || !strings.Contains(err.Error(), experiment.SummaryFile) {
		t.Errorf("old summary: error %v, want one naming its version", err)
	}
}

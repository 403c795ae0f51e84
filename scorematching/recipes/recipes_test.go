package recipes_test

import (
	"bytes"
	"context"
	stdpng "image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/recipes"
	"github.com/gosm/gosm/scorematching/sample"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// TestAll: one valid recipe per data set of the registry, in its order, and a sampler
// that goes with the loss.
func TestAll(t *testing.T) {
	all := recipes.All()
	var names []string
	for _, r := range all {
		names = append(names, r.Dataset)
		if _, err := r.Options(); err != nil {
			t.Errorf("%s: %v", r.Dataset, err)
		}
		if r.Why == "" {
			t.Errorf("%s: no justification", r.Dataset)
		}
		if (r.Sampler == sample.SamplerAnnealed) != (r.Loss == "ncsn") { // The recipes' choice.
			t.Errorf("%s: sampler %s with loss %s", r.Dataset, r.Sampler, r.Loss)
		}
	}
	if want := planeDatasets(t); !slices.Equal(names, want) {
		t.Errorf("recipes for %v, want one for every data set in the plane, %v", names, want)
	}
	// The copies are independent.
	all[0].Hidden[0] = 1
	if r, _ := recipes.For(all[0].Dataset); r.Hidden[0] == 1 {
		t.Error("All shares its slices")
	}
	if _, err := recipes.For("mnist"); err == nil || !strings.Contains(err.Error(), "moons") {
		t.Errorf("unknown dataset: error %v, want one listing the known names", err)
	}
	// A recipe whose sampler does not fit its loss is refused.
	r, _ := recipes.For("gaussian")
	r.Sampler = sample.SamplerAnnealed
	if _, err := r.Options(); err == nil {
		t.Error("annealed sampler with the exact loss: no error")
	}
}

func TestList(t *testing.T) {
	for _, all := range []string{"", " all "} {
		if got, err := recipes.List(all); err != nil || !slices.Equal(got, planeDatasets(t)) {
			t.Errorf("List(%q) = %v, %v", all, got, err)
		}
	}
	if got, err := recipes.List(" moons,ring "); err != nil || !slices.Equal(got, []string{"moons", "ring"}) {
		t.Errorf("List = %v, %v", got, err)
	}
	for _, bad := range []string{"moons,mnist", "ring,ring", "ring,"} {
		if _, err := recipes.List(bad); err == nil {
			t.Errorf("List(%q): no error", bad)
		}
	}
}

func TestDatasetScaled(t *testing.T) {
	r, _ := recipes.For("8gaussians")
	s := r.Scaled(0.5, 300)
	if s.Epochs != int(math.Round(float64(r.Epochs)/2)) || s.Particles != 300 {
		t.Errorf("Scaled(0.5, 300): %d epochs, %d particles (from %d epochs)", s.Epochs, s.Particles, r.Epochs)
	}
	if s := r.Scaled(1e-6, 0); s.Epochs != 1 || s.Particles != recipes.DefaultParticles {
		t.Errorf("Scaled(1e-6, 0): %d epochs, %d particles", s.Epochs, s.Particles)
	}
}

// TestRun trains two data sets for one epoch on 1000 points (two batches) (one with the exact loss and
// plain Langevin, one with NCSN and annealed Langevin), samples 200 points with a few steps, and
// checks what is written and read back: results, table, grid.
func TestRun(t *testing.T) {
	b := testutil.Backend(t)
	dir := t.TempDir()
	names := []string{"gaussian", "8gaussians"}
	for _, name := range names {
		r, err := recipes.For(name)
		if err != nil {
			t.Fatal(err)
		}
		r = r.Scaled(1e-6, 200)
		r.Samples, r.BatchSize, r.Steps = 1000, 500, 5
		res, err := recipes.Run(context.Background(), b, r, dir, train.Hooks{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Recipe.Epochs != 1 || res.Bandwidth <= 0 || math.IsNaN(res.MMD2) || res.Floor.Std <= 0 ||
			len(res.Floor.Values) < 2 || res.Statistic == "" || res.FisherRelative == nil {
			t.Errorf("%s: result %+v", name, res)
		}
		if line := res.Line(); !strings.HasPrefix(line, name) || !strings.Contains(line, "MMD²") {
			t.Errorf("%s: line %q", name, line)
		}
		for _, f := range []string{experiment.ResultFile, experiment.SamplesFile, "model.json", "summary.json"} {
			if _, err := os.Stat(filepath.Join(dir, name, f)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	results, err := recipes.LoadResults(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[1].Recipe.Loss != "ncsn" || results[1].Recipe.Particles != 200 {
		t.Fatalf("loaded %+v", results)
	}
	table := recipes.Table(results)
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[3], "| 8gaussians | ncsn") {
		t.Errorf("table:\n%s", table)
	}
	png, err := recipes.Grid(b, dir, names)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Error("the grid is not a PNG")
	}
	// Both data sets have a known density: it is shaded under the learned fields.
	if img, err := stdpng.Decode(bytes.NewReader(png)); err != nil {
		t.Error(err)
	} else if f := testutil.ColorFraction(img, plots.ShadingColor(0), 0); f < 0.005 {
		t.Errorf("the grid's top density band covers %.4f of it, want the fields shaded", f)
	}
	if _, err := os.Stat(filepath.Join(dir, recipes.GridFile)); err != nil {
		t.Error(err)
	}
	// Plain Langevin with the noise-conditional network at its smallest level, and Measure.
	run, err := experiment.Load(b, filepath.Join(dir, "8gaussians"))
	if err != nil {
		t.Fatal(err)
	}
	r := results[1].Recipe
	r.Sampler = sample.SamplerLangevin
	samples, err := r.Sample(context.Background(), run)
	if err != nil || len(samples) != 200 {
		t.Fatalf("plain Langevin on ncsn: %d samples, %v", len(samples), err)
	}
	m, err := r.Measure(run, samples)
	if err != nil || m.Statistic != "largest mode share error" || math.IsNaN(m.FloorZ()) {
		t.Errorf("Measure: %+v, %v", m, err)
	}
	if !strings.Contains(r.SamplerText(), "sigma_L") {
		t.Errorf("SamplerText %q", r.SamplerText())
	}
	gauss, err := experiment.Load(b, filepath.Join(dir, "gaussian"))
	if err != nil {
		t.Fatal(err)
	}
	r.Sampler = sample.SamplerAnnealed
	if _, err := r.Sample(context.Background(), gauss); err == nil {
		t.Error("annealed sampler on a plain network: no error")
	}
	if _, err := recipes.LoadResults(dir, []string{"moons"}); err == nil {
		t.Error("LoadResults of a data set not run: no error")
	}
}

// planeDatasets returns the registered data sets whose points are in the plane (by default), in
// the order of toy.Names: those notebook 04 trains and draws.
func planeDatasets(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, name := range toy.Names() {
		d, err := toy.New(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Dim() == 2 {
			out = append(out, name)
		}
	}
	return out
}

// TestRunDiffusion trains the sde counterpart of two recipes for one epoch on 1000 points,
// samples 200 points with PC and the ODE, and checks what is measured, written and read back:
// both samplers' MMD and floor, the log-likelihood of fresh points where the density is known
// (the ring) and not elsewhere (moons), and the table.
func TestRunDiffusion(t *testing.T) {
	b := testutil.Backend(t)
	dir := t.TempDir()
	names := []string{"ring", "moons"}
	for _, name := range names {
		r, err := recipes.For(name)
		if err != nil {
			t.Fatal(err)
		}
		r = r.Diffusion(1)
		r.Samples, r.BatchSize, r.Particles, r.Hidden = 1000, 500, 200, []int{16}
		if r.Loss != "sde" || r.Sampler != sample.SamplerPC || r.StepSize != 0 {
			t.Fatalf("%s: diffusion recipe %+v", name, r)
		}
		res, err := recipes.RunDiffusion(context.Background(), b, r, dir, train.Hooks{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Samplers) != 2 || res.Samplers[0].Sampler != "pc" || res.Samplers[1].Sampler != "ode" || !(res.Samplers[1].FloorStd > 0) ||
			res.Samplers[0].Evals != 2*recipes.PCSteps || res.Samplers[1].Evals != 4*recipes.ODESteps || math.IsNaN(res.Samplers[0].Z()) {
			t.Errorf("%s: samplers %+v", name, res.Samplers)
		}
		if (res.NLL != nil) != (name == "ring") || (res.NLL != nil && (res.NLL.Points != recipes.NLLPoints || math.IsNaN(res.NLL.Gap()))) {
			t.Errorf("%s: NLL %+v", name, res.NLL)
		}
	}
	back, err := recipes.LoadDiffusionResults(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	table := recipes.DiffusionTable(back, nil)
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[2], "| ring | 1 |") {
		t.Errorf("table:\n%s", table)
	}
	if _, err := recipes.RunDiffusion(context.Background(), b, recipes.Recipe{Dataset: "ring", Loss: "exact"}, dir, train.Hooks{}); err == nil {
		t.Error("a diffusion run of an exact-loss recipe: no error")
	}
}

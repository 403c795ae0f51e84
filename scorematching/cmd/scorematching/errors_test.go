package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputs: every mistake a student can make gets exit status 1 (or 2 for usage errors), a
// one-line message on stderr naming the bad value, no panic trace, and nothing on stdout.
func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// A real model to sample and score from.
	model := filepath.Join(dir, "model")
	if code, _, stderr := runCmd(t, "train", "--epochs", "1", "--samples", "256", "--batch", "128", "--sizes", "2,8,2", "--out", model); code != 0 {
		t.Fatalf("training the model: %s", stderr)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := write("empty.csv", "")
	headerOnly := write("header.csv", "x,y\n")
	nan := write("nan.csv", "x,y\n1,NaN\n")
	inf := write("inf.csv", "1,2\n+Inf,3\n")
	threeCols := write("three.csv", "1,2,3\n")
	otherVersion := filepath.Join(dir, "v9")
	os.MkdirAll(otherVersion, 0o755)
	data, _ := os.ReadFile(filepath.Join(model, "model.json"))
	os.WriteFile(filepath.Join(otherVersion, "model.json"), []byte(strings.Replace(string(data), `"version":2`, `"version":9`, 1)), 0o644)
	truncated := filepath.Join(dir, "truncated")
	os.MkdirAll(truncated, 0o755)
	os.WriteFile(filepath.Join(truncated, "model.json"), data[:len(data)/3], 0o644)
	good := write("good.csv", "0.5,0.5\n")

	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unknown dataset", []string{"train", "--dataset", "spiralz", "--out", out}, 1, []string{`unknown dataset "spiralz"`, "moons"}},
		{"bad data param", []string{"train", "--dataset", "rings", "--data-params", "count=0", "--out", out}, 1, []string{"count", "0"}},
		{"unknown loss", []string{"train", "--loss", "hutch", "--out", out}, 1, []string{`unknown loss "hutch"`}},
		{"zero projections", []string{"train", "--loss", "sliced", "--projections", "0", "--out", out}, 1, []string{"projections", "0"}},
		{"bad projection dist", []string{"train", "--loss", "sliced", "--projection-dist", "cauchy", "--out", out}, 1, []string{"cauchy"}},
		{"negative sigma", []string{"train", "--loss", "denoising", "--sigma", "-0.1", "--out", out}, 1, []string{"sigma", "-0.1"}},
		{"NaN sigma", []string{"train", "--loss", "denoising", "--sigma", "NaN", "--out", out}, 1, []string{"NaN"}},
		{"bad sigmas", []string{"train", "--loss", "ncsn", "--sigmas", "1,0.5", "--out", out}, 1, []string{"--sigmas"}},
		{"NaN lr", []string{"train", "--lr", "NaN", "--out", out}, 1, []string{"learning rate", "NaN"}},
		{"Inf lr", []string{"train", "--lr", "+Inf", "--out", out}, 1, []string{"learning rate", "Inf"}},
		{"zero radius", []string{"train", "--radius", "0", "--out", out}, 1, []string{"radius", "0"}},
		{"radius on moons", []string{"train", "--dataset", "moons", "--radius", "2", "--out", out}, 1, []string{"--radius"}},
		{"ring radius twice", []string{"train", "--radius", "2", "--data-params", "radius=3", "--out", out}, 1, []string{"radius", "--radius", "--data-params"}},
		{"unknown ring parameter", []string{"train", "--data-params", "radious=3", "--out", out}, 1, []string{"radious"}},
		{"sizes for 3-D", []string{"train", "--sizes", "3,16,3", "--out", out}, 1, []string{"[3 16 3]"}},
		{"zero samples", []string{"train", "--samples", "0", "--out", out}, 1, []string{"samples", "0"}},
		{"resume with a changed option", []string{"train", "--resume", model, "--lr", "1"}, 1, []string{"--lr"}},
		{"resume of a non-run", []string{"train", "--resume", dir}, 1, []string{"not a run directory"}},
		{"unknown sampler", []string{"sample", "--model", model, "--sampler", "hmc"}, 1, []string{`unknown sampler "hmc"`}},
		{"annealed on a plain model", []string{"sample", "--model", model, "--sampler", "annealed"}, 1, []string{"annealed", "noise-conditional"}},
		{"zero particles", []string{"sample", "--model", model, "--n", "0"}, 1, []string{"--n", "0"}},
		{"zero steps", []string{"sample", "--model", model, "--steps", "0"}, 1, []string{"--steps", "0"}},
		{"negative step size", []string{"sample", "--model", model, "--step-size", "-1"}, 1, []string{"--step-size", "-1"}},
		{"sample: missing model", []string{"sample", "--model", filepath.Join(dir, "none")}, 1, []string{"loading model", "none"}},
		{"sample: model of another version", []string{"sample", "--model", otherVersion}, 1, []string{"version 9"}},
		{"score: truncated model", []string{"score", "--model", truncated, "--points", good}, 1, []string{"truncated or corrupt"}},
		{"score: empty points", []string{"score", "--model", model, "--points", empty}, 1, []string{"no points"}},
		{"score: header only", []string{"score", "--model", model, "--points", headerOnly}, 1, []string{"no points"}},
		{"score: NaN", []string{"score", "--model", model, "--points", nan}, 1, []string{"line 2", "not a finite number"}},
		{"score: Inf", []string{"score", "--model", model, "--points", inf}, 1, []string{"line 2", "+Inf"}},
		{"score: three columns", []string{"score", "--model", model, "--points", threeCols}, 1, []string{"line 1", "want 2 columns, got 3"}},
		{"bench: zero steps", []string{"bench", "--steps", "0"}, 1, []string{"--steps", "0"}},
		{"lab: bad port", []string{"lab", "--port", "70000"}, 1, []string{"--port", "70000"}},
		{"datasets: stray argument", []string{"datasets", "extra"}, 2, []string{"unexpected argument"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, c.args...)
			checkFailure(t, code, c.code, stderr, c.want)
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic:") {
				t.Errorf("a panic trace on stderr: %s", stderr)
			}
			if stdout != "" && c.args[0] != "train" {
				t.Errorf("a failed %s wrote to stdout: %q", c.args[0], stdout)
			}
		})
	}
}

// TestUnknownBackend: a bad GOMLX_BACKEND is named in the error.
func TestUnknownBackend(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "tpu-of-dreams")
	code, _, stderr := runCmd(t, "train", "--epochs", "1", "--out", t.TempDir())
	if code != 1 || !strings.Contains(stderr, `unknown backend "tpu-of-dreams"`) {
		t.Errorf("exit %d, stderr %q: want 1 and the backend named", code, stderr)
	}
}

// TestSampleAndDatasets: sample writes n rows of x,y and a PNG; datasets lists every data set.
func TestSampleAndDatasets(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if code, _, stderr := runCmd(t, "train", "--epochs", "1", "--samples", "256", "--batch", "128", "--sizes", "2,8,2", "--out", model); code != 0 {
		t.Fatalf("training: %s", stderr)
	}
	png := filepath.Join(dir, "samples.png")
	code, stdout, stderr := runCmd(t, "sample", "--model", model, "--n", "50", "--steps", "20", "--plot", png)
	if code != 0 {
		t.Fatalf("sample: %s", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if lines[0] != "x,y" || len(lines) != 51 {
		t.Errorf("sample output: header %q and %d lines, want x,y and 51", lines[0], len(lines))
	}
	if info, err := os.Stat(png); err != nil || info.Size() < 1000 {
		t.Errorf("plot: %v", err)
	}
	code, stdout, _ = runCmd(t, "datasets")
	if code != 0 {
		t.Fatal("datasets failed")
	}
	for _, name := range []string{"ring", "rings", "2gaussians", "8gaussians", "moons", "swissroll", "circles", "pinwheel", "2spirals", "checkerboard"} {
		if !strings.Contains(stdout, name+" ") {
			t.Errorf("datasets does not list %s", name)
		}
	}
}

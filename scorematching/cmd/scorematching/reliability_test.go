//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/network"
)

// tiny is a training run of a second or two: the T.
var tiny = []string{"--epochs", "1", "--samples", "200", "--batch", "100", "--sizes", "2,8,2"}

func trainArgs(extra ...string) []string { return append(append([]string{"train"}, tiny...), extra...) }

func mustRun(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, stdout, stderr := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, stderr)
	}
	return stdout, stderr
}

// TestRunDirectories: a run writes only into a new or empty --out; a second run into the same
// directory is refused (nothing of the first is touched) unless --overwrite, which removes the
// first run's files and says so; a directory holding anything a run does not write is refused
// either way, and that thing is kept.
func TestRunDirectories(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "D")
	mustRun(t, trainArgs("--checkpoint-every", "1", "--out", dir)...)
	model, _ := os.ReadFile(filepath.Join(dir, "model.json"))

	code, _, stderr := runCmd(t, trainArgs("--loss", "sliced", "--out", dir)...)
	checkFailure(t, code, 1, stderr, []string{"already holds a run", "--overwrite", "--resume"})
	if now, _ := os.ReadFile(filepath.Join(dir, "model.json")); string(now) != string(model) {
		t.Error("a refused run changed the previous run's model")
	}

	_, stderr = mustRun(t, trainArgs("--loss", "sliced", "--overwrite", "--out", dir)...)
	if !strings.Contains(stderr, "removed the previous run's") || !strings.Contains(stderr, "checkpoint.json") {
		t.Errorf("--overwrite did not say what it removed: %q", stderr)
	}
	var opts struct{ Loss string }
	data, _ := os.ReadFile(filepath.Join(dir, "options.json"))
	if err := json.Unmarshal(data, &opts); err != nil || opts.Loss != "sliced" {
		t.Errorf("options.json after --overwrite: %s (%v)", data, err)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "log.csv"))
	if n := strings.Count(string(log), "\n"); n != 2 {
		t.Errorf("log.csv after --overwrite has %d lines, want the header and one epoch:\n%s", n, log)
	}

	// A stale checkpoint of another run (the exact run's, planted in a sliced run's directory) is
	// refused by --resume, naming what differs, and nothing is trained or written.
	other := filepath.Join(t.TempDir(), "E")
	mustRun(t, trainArgs("--seed", "3", "--checkpoint-every", "1", "--out", other)...)
	exactDir := filepath.Join(t.TempDir(), "exact")
	mustRun(t, trainArgs("--loss", "exact", "--checkpoint-every", "1", "--out", exactDir)...)
	stale, _ := os.ReadFile(filepath.Join(exactDir, "checkpoint.json"))
	os.WriteFile(filepath.Join(dir, "checkpoint.json"), stale, 0o644)
	before, _ := os.ReadFile(filepath.Join(dir, "log.csv"))
	code, _, stderr = runCmd(t, "train", "--resume", dir, "--epochs", "6")
	checkFailure(t, code, 1, stderr, []string{"belongs to another run", `loss is "exact" in the checkpoint, "sliced"`})
	if after, _ := os.ReadFile(filepath.Join(dir, "log.csv")); string(after) != string(before) {
		t.Errorf("a refused resume changed log.csv:\n%s", after)
	}
	// The same loss with another seed: the seeds and the data's fingerprint differ.
	seeded, _ := os.ReadFile(filepath.Join(other, "checkpoint.json"))
	os.WriteFile(filepath.Join(exactDir, "checkpoint.json"), seeded, 0o644)
	code, _, stderr = runCmd(t, "train", "--resume", exactDir, "--epochs", "6")
	checkFailure(t, code, 1, stderr, []string{"belongs to another run", "data_fingerprint", "init_seed"})

	mine := filepath.Join(t.TempDir(), "mine")
	os.MkdirAll(mine, 0o755)
	notes := filepath.Join(mine, "notes.txt")
	os.WriteFile(notes, []byte("my notes"), 0o644)
	for _, extra := range [][]string{nil, {"--overwrite"}} {
		code, _, stderr := runCmd(t, trainArgs(append(extra, "--out", mine)...)...)
		checkFailure(t, code, 1, stderr, []string{"notes.txt", "which no run writes"})
	}
	if got, _ := os.ReadFile(notes); string(got) != "my notes" {
		t.Error("the user's file was changed")
	}
}

// TestOutputsAreSafe: every output is mode 0644, a symlink planted where a figure goes is
// replaced and its target untouched, --out with a trailing slash is the same directory as
// --resume without, and a temporary file left by a killed write is cleaned up by --resume.
func TestOutputsAreSafe(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "c1")
	mustRun(t, trainArgs("--out", dir)...)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", e.Name(), info.Mode().Perm())
		}
	}
	victim := filepath.Join(root, "victim.txt")
	os.WriteFile(victim, []byte("precious"), 0o644)
	link := filepath.Join(dir, "comparison.png")
	os.Remove(link)
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, ".checkpoint.json.tmp123456")
	os.WriteFile(leftover, []byte("{half a checkp"), 0o600)

	_, stderr := mustRun(t, "train", "--resume", dir, "--epochs", "2", "--out", dir+"/")
	if got, _ := os.ReadFile(victim); string(got) != "precious" {
		t.Errorf("the symlink's target was overwritten: %q", got)
	}
	if info, err := os.Lstat(link); err != nil || !info.Mode().IsRegular() {
		t.Errorf("comparison.png is not a regular file after the run: %v %v", info, err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) || !strings.Contains(stderr, ".checkpoint.json.tmp123456") {
		t.Errorf("the leftover temporary file was not removed (and named): %v, stderr %q", err, stderr)
	}
}

// TestAbsurdSizes: sizes that would need more memory than the limit are refused before anything
// is allocated or written, with exit status 1 and a message naming the value and the limit;
// never an out-of-memory crash.
func TestAbsurdSizes(t *testing.T) {
	t.Setenv(limits.EnvVar, "8GiB") // The same limit on every machine.
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustRun(t, trainArgs("--out", model)...)
	zero := filepath.Join(dir, "zero")
	os.MkdirAll(zero, 0o755)
	if err := os.Symlink("/dev/zero", filepath.Join(zero, "model.json")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"a billion hidden units", trainArgs("--sizes", "2,1000000000,2", "--out", out), []string{"[2 1000000000 2]", "8.0 GiB", limits.EnvVar}},
		{"sizes whose product overflows", trainArgs("--sizes", "2,4294967296,4294967296,2", "--out", out), []string{"4294967296"}},
		{"a billion projections", trainArgs("--loss", "sliced", "--projections", "1000000000", "--out", out), []string{"1000000000", "8.0 GiB"}},
		{"a hundred million noise levels", trainArgs("--loss", "ncsn", "--sigmas", "0.05,1,100000000", "--out", out), []string{"100000000", "10000"}},
		{"a billion samples", trainArgs("--samples", "1000000000", "--out", out), []string{"1000000000", "8.0 GiB"}},
		{"two billion particles", []string{"sample", "--model", model, "--n", "2000000000"}, []string{"2000000000", "8.0 GiB"}},
		{"two billion steps", []string{"sample", "--model", model, "--steps", "2000000000"}, []string{"2000000000", "8.0 GiB"}},
		{"dimension 100000", []string{"bench", "--workload", "dim", "--dims", "2,100000"}, []string{"100000", "8.0 GiB"}},
		{"model.json links to /dev/zero", []string{"sample", "--model", zero}, []string{"not a regular file"}},
		{"score: model.json links to /dev/zero", []string{"score", "--model", zero, "--points", "-"}, []string{"not a regular file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, c.args...)
			checkFailure(t, code, 1, stderr, c.want)
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a refused run left %s behind", out)
				os.RemoveAll(out)
			}
		})
	}
}

// TestScoreEveryModel: score's header always matches its rows: x,y,sx,sy in 2-D, x1..xD,s1..sD
// otherwise; a noise-conditional model takes D columns (not D+1) and --sigma (default: its
// smallest level); wrong column counts are refused naming D.
func TestScoreEveryModel(t *testing.T) {
	dir := t.TempDir()
	noise := filepath.Join(dir, "ncsn")
	mustRun(t, trainArgs("--loss", "ncsn", "--sigmas", "0.1,1,3", "--out", noise)...)
	cube := filepath.Join(dir, "gauss3")
	mustRun(t, "train", "--dataset", "gaussian", "--data-params", "dim=3", "--epochs", "1", "--samples", "200", "--batch", "100", "--sizes", "3,8,3", "--out", cube)
	plain := filepath.Join(dir, "plain")
	mustRun(t, trainArgs("--out", plain)...)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	two := write("two.csv", "x,y\n0.5,0.5\n-1,2\n")
	three := write("three.csv", "0.5,0.5,0.5\n1,2,3\n")
	bom := write("bom.csv", "\uFEFF0.5,0.5\n1,1\n")

	for _, c := range []struct {
		name   string
		args   []string
		header string
		rows   int
	}{
		{"noise-conditional, default sigma", []string{"--model", noise, "--points", two}, "x,y,sx,sy", 2},
		{"noise-conditional, --sigma", []string{"--model", noise, "--points", two, "--sigma", "0.5"}, "x,y,sx,sy", 2},
		{"3-D", []string{"--model", cube, "--points", three}, "x1,x2,x3,s1,s2,s3", 2},
		{"byte-order mark, no header", []string{"--model", plain, "--points", bom}, "x,y,sx,sy", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, _ := mustRun(t, append([]string{"score"}, c.args...)...)
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			if lines[0] != c.header || len(lines) != c.rows+1 {
				t.Fatalf("got header %q and %d rows, want %q and %d:\n%s", lines[0], len(lines)-1, c.header, c.rows, stdout)
			}
			for i, l := range lines[1:] {
				if got, want := strings.Count(l, ","), strings.Count(c.header, ","); got != want {
					t.Errorf("row %d has %d columns, the header %d: %q", i+1, got+1, want+1, l)
				}
			}
		})
	}
	// The noise level matters: two levels give two different scores.
	a, _ := mustRun(t, "score", "--model", noise, "--points", two, "--sigma", "0.1")
	b, _ := mustRun(t, "score", "--model", noise, "--points", two, "--sigma", "1")
	if a == b {
		t.Error("--sigma changed nothing")
	}
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"noise-conditional, 3 columns", []string{"--model", noise, "--points", three}, []string{"want 2 columns, got 3"}},
		{"3-D, 2 columns", []string{"--model", cube, "--points", two}, []string{"takes 3-D points"}},
		{"--sigma for a plain model", []string{"--model", plain, "--points", two, "--sigma", "0.5"}, []string{"--sigma", "noise-conditional"}},
		{"negative --sigma", []string{"--model", noise, "--points", two, "--sigma", "-1"}, []string{"--sigma", "-1"}},
		{"beyond float32", []string{"--model", plain, "--points", write("big.csv", "1,2\n1e39,0\n")}, []string{"line 2", "1e39", "float32"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"score"}, c.args...)...)
			checkFailure(t, code, 1, stderr, c.want)
			if stdout != "" {
				t.Errorf("a failed score wrote %q", stdout)
			}
		})
	}
}

// TestLossFlagsNotIgnored: an option of another loss is an error, not silently ignored.
func TestLossFlagsNotIgnored(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--projections", "4"}, "--projections"},
		{[]string{"--loss", "denoising", "--projection-dist", "sphere"}, "--projection-dist"},
		{[]string{"--loss", "sliced", "--sigma", "0.1"}, "--sigma"},
		{[]string{"--loss", "denoising", "--sigmas", "0.1,1,3"}, "--sigmas"},
	} {
		code, _, stderr := runCmd(t, trainArgs(append(c.args, "--out", out)...)...)
		checkFailure(t, code, 1, stderr, []string{c.want, "does not use it"})
	}
}

// TestDivergedAtOnce: a run that diverges in its first epoch keeps the initial model, says so,
// and writes no made-up final loss.
func TestDivergedAtOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	code, stdout, stderr := runCmd(t, trainArgs("--lr", "1e30", "--report-every", "0", "--out", dir)...)
	if code != 1 || !strings.Contains(stderr, "diverged") {
		t.Fatalf("exit %d, stderr %q: want 1 and a divergence", code, stderr)
	}
	if !strings.Contains(stdout, "initial model was kept") {
		t.Errorf("stdout does not say the initial model was kept: %q", stdout)
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "final_loss") {
		t.Errorf("summary.json gives a final loss though no epoch completed:\n%s", data)
	}
}

// TestProbedFailures: what a second round of probing the command found, each now refused with a
// message naming the value, or fixed.
func TestProbedFailures(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base")
	mustRun(t, trainArgs("--checkpoint-every", "1", "--out", base)...)
	ncsn := filepath.Join(dir, "ncsn")
	mustRun(t, trainArgs("--loss", "ncsn", "--sigmas", "0.1,1,3", "--out", ncsn)...)
	pts := filepath.Join(dir, "p.csv")
	os.WriteFile(pts, []byte("0.5,0.5\n"), 0o644)

	// Plain Langevin on a noise-conditional model runs at its smallest noise level; annealing a
	// plain model is refused, naming what it needs.
	if stdout, _ := mustRun(t, "sample", "--model", ncsn, "--sampler", "langevin", "--n", "5", "--steps", "5"); strings.Count(stdout, "\n") != 6 {
		t.Errorf("sample --sampler langevin on an ncsn model printed %q", stdout)
	}
	if code, _, stderr := runCmd(t, "sample", "--model", base, "--sampler", "annealed", "--n", "5"); code != 1 || !strings.Contains(stderr, "needs a noise-conditional model") {
		t.Errorf("annealing a plain model: exit %d, stderr %q", code, stderr)
	}
	// Fewer particles than the paths --plot draws.
	if stdout, _ := mustRun(t, "sample", "--model", base, "--n", "5", "--steps", "10"); strings.Count(stdout, "\n") != 6 {
		t.Errorf("sample --n 5 printed %q", stdout)
	}
	// A model whose metadata lists more noise levels than the program takes.
	many := filepath.Join(dir, "many")
	os.MkdirAll(many, 0o755)
	var m map[string]any
	data, _ := os.ReadFile(filepath.Join(ncsn, "model.json"))
	json.Unmarshal(data, &m)
	levels := make([]float64, 20000)
	for i := range levels {
		levels[i] = 1 / float64(i+1)
	}
	m["sigmas"] = levels
	data, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(many, "model.json"), data, 0o644)
	// A model whose weights are finite in float32 but whose scores overflow it.
	huge := filepath.Join(dir, "huge")
	saved, err := network.Load(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, layer := range append(saved.Weights, saved.Biases...) {
		for i := range layer {
			layer[i] = 3e38
		}
	}
	if err := network.Save(huge, saved); err != nil {
		t.Fatal(err)
	}
	// A named pipe where model.json should be: refused at once, not a hang.
	fifo := filepath.Join(dir, "fifo")
	os.MkdirAll(fifo, 0o755)
	if err := syscall.Mkfifo(filepath.Join(fifo, "model.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	plotFifo := filepath.Join(dir, "plot.png")
	if err := syscall.Mkfifo(plotFifo, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"--plot into a run's model.json", []string{"sample", "--model", base, "--n", "5", "--steps", "5", "--plot", filepath.Join(base, "model.json")}, []string{"--plot", "ending in .png"}},
		{"--plot onto a named pipe", []string{"sample", "--model", base, "--n", "5", "--steps", "5", "--plot", plotFifo}, []string{"not a regular file"}},
		{"model.json a named pipe", []string{"score", "--model", fifo, "--points", pts}, []string{"not a regular file"}},
		{"20000 noise levels in model.json", []string{"score", "--model", many, "--points", pts}, []string{"20000", "10000"}},
		{"noise level beyond float32", []string{"score", "--model", ncsn, "--points", pts, "--sigma", "1e-300"}, []string{"1e-300", "float32"}},
		{"scores not finite", []string{"score", "--model", huge, "--points", pts}, []string{"not finite", "nothing written"}},
		{"epochs beyond counting", trainArgs("--epochs", "9223372036854775807", "--out", out), []string{"9223372036854775807"}},
		{"sigma beyond float32", trainArgs("--loss", "denoising", "--sigma", "1e39", "--out", out), []string{"1e+39", "float32"}},
		{"a ring too large for float32", trainArgs("--radius", "1e20", "--out", out), []string{"ring", "radius=1e+20", "float32"}},
		{"data parameters too large", trainArgs("--dataset", "swissroll", "--data-params", "scale=1e300", "--out", out), []string{"swissroll", "scale=1e+300"}},
		{"--loss for the blog workload", []string{"bench", "--workload", "blog", "--loss", "sliced"}, []string{"--loss", "dim workload"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				code, stdout, stderr := runCmd(t, c.args...)
				checkFailure(t, code, 1, stderr, c.want)
				if c.args[0] != "train" && stdout != "" {
					t.Errorf("a failed %s wrote %q", c.args[0], stdout)
				}
			}()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("still running after 60 s: a hang")
			}
			os.RemoveAll(out)
		})
	}
	// A second process writing a run directory in use is refused.
	unlock, err := files.Lock(base)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd(t, "train", "--resume", base, "--epochs", "3")
	unlock()
	checkFailure(t, code, 1, stderr, []string{"in use by another scorematching process"})
	mustRun(t, "train", "--resume", base, "--epochs", "2")
}

// TestRingParams: the ring is named like every data set, {ring, params}: --radius and --std (or
// --data-params) set its parameters, missing ones take the blog's, and model.json, summary.json
// and the sample command's window all use them.
func TestRingParams(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name         string
		args         []string
		radius, std  float64
		windowRadius float64 // The window's half-width, R + 5 std.
	}{
		{"--radius", []string{"--radius", "2"}, 2, 0.1, 2.5},
		{"--data-params", []string{"--data-params", "std=0.2"}, 1, 0.2, 2},
	} {
		out := filepath.Join(dir, c.name)
		mustRun(t, trainArgs(append(c.args, "--out", out)...)...)
		saved, err := network.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Data.Name != "ring" || saved.Data.Params["radius"] != c.radius || saved.Data.Params["std"] != c.std {
			t.Errorf("%s: model.json records %v, want ring radius %g std %g", c.name, saved.Data, c.radius, c.std)
		}
		// The sampler starts uniform in the ring's window, R + 5 std: every start point lies within
		// it, and of 200 some lie beyond 0.9 of it (all but surely: 0.9^400 ~ 5e-19 otherwise).
		stdout, _ := mustRun(t, "sample", "--model", out, "--n", "200", "--steps", "1", "--step-size", "1e-9")
		largest := 0.0
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
			var x, y float64
			if _, err := fmt.Sscanf(line, "%g,%g", &x, &y); err != nil || math.Abs(x) > c.windowRadius+1e-3 || math.Abs(y) > c.windowRadius+1e-3 {
				t.Fatalf("%s: sample %q outside the window %g (%v)", c.name, line, c.windowRadius, err)
			}
			largest = math.Max(largest, math.Max(math.Abs(x), math.Abs(y)))
		}
		if largest < 0.9*c.windowRadius {
			t.Errorf("%s: the start points reach %g, not the window %g", c.name, largest, c.windowRadius)
		}
	}
}

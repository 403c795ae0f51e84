package train_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/train"
)

// losses returns the epochs and losses of records, without the wall times.
func losses(records []train.Record) [][2]float64 {
	out := make([][2]float64, len(records))
	for i, r := range records {
		out[i] = [2]float64{float64(r.Epoch), r.Loss}
	}
	return out
}

// TestResumeEqualsUninterrupted: a run stopped after its epoch-3 checkpoint and resumed to 6
// epochs gives the same loss log, reports and weights, bit for bit, as a run of 6 epochs.
// The sliced loss is used so that the random generator's state must be restored too.
func TestResumeEqualsUninterrupted(t *testing.T) {
	for _, lossName := range []string{"exact", "sliced"} {
		lossFn, err := loss.ByName(lossName)
		if err != nil {
			t.Skipf("loss %q not available: %v", lossName, err)
		}
		cfg := smallConfig()
		cfg.Epochs, cfg.CheckpointEvery = 6, 3

		full, data := smallTrainer(t, cfg, train.Hooks{})
		full.Loss, full.CheckpointDir = lossFn, t.TempDir()
		want, err := full.Run(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		wantParams, _ := full.Model.GetParams(full.Store)

		// First half: stop after 3 epochs (the checkpoint at epoch 3 is what survives a kill).
		dir := t.TempDir()
		half := cfg
		half.Epochs = 3
		first, _ := smallTrainer(t, half, train.Hooks{})
		first.Loss, first.CheckpointDir = lossFn, dir
		if _, err := first.Run(context.Background(), data); err != nil {
			t.Fatal(err)
		}
		cp, err := train.LoadCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Epochs != 3 {
			t.Fatalf("checkpoint has %d epochs, want 3", cp.Epochs)
		}
		// Second half: a fresh store (as in a new process), resumed.
		second, _ := smallTrainer(t, cfg, train.Hooks{})
		second.Loss, second.Resume, second.CheckpointDir = lossFn, &cp, dir
		// Fresh init with another seed: everything must come from the checkpoint.
		if err := second.Model.Init(second.Store, 99); err != nil {
			t.Fatal(err)
		}
		got, err := second.Run(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(losses(got.History), losses(want.History)) {
			t.Errorf("%s: resumed history %v\nwant %v", lossName, losses(got.History), losses(want.History))
		}
		if !reflect.DeepEqual(losses(got.Reports), losses(want.Reports)) {
			t.Errorf("%s: resumed reports %v\nwant %v", lossName, losses(got.Reports), losses(want.Reports))
		}
		gotParams, _ := second.Model.GetParams(second.Store)
		if !reflect.DeepEqual(gotParams, wantParams) {
			t.Errorf("%s: resumed weights differ from the uninterrupted run's", lossName)
		}
		if got.Steps != want.Steps {
			t.Errorf("%s: %d steps, want %d", lossName, got.Steps, want.Steps)
		}
		// The elapsed time counts the first half too, so that Steps/Elapsed stays the rate.
		if before := cp.History[len(cp.History)-1].Seconds; !(got.Elapsed.Seconds() >= before) {
			t.Errorf("%s: resumed run's elapsed time %v is less than the %g s spent before the checkpoint", lossName, got.Elapsed, before)
		}
	}
}

func TestResumeRefusesOtherConfig(t *testing.T) {
	cfg := smallConfig()
	dir := t.TempDir()
	tr, data := smallTrainer(t, cfg, train.Hooks{})
	tr.CheckpointDir = dir
	if _, err := tr.Run(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	cp, err := train.LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.LearningRate = 0.5
	tr2, _ := smallTrainer(t, other, train.Hooks{})
	tr2.Resume = &cp
	if _, err := tr2.Run(context.Background(), data); err == nil || !strings.Contains(err.Error(), "cannot resume") {
		t.Errorf("resume with another learning rate: got %v, want a 'cannot resume' error", err)
	}
}

func TestLoadCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := train.LoadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "no checkpoint") {
		t.Errorf("missing checkpoint: %v", err)
	}
	cfg := smallConfig()
	tr, data := smallTrainer(t, cfg, train.Hooks{})
	tr.CheckpointDir = dir
	if _, err := tr.Run(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, train.CheckpointFile)
	full, _ := os.ReadFile(path)
	os.WriteFile(path, full[:len(full)/2], 0o644)
	if _, err := train.LoadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "truncated or corrupt") {
		t.Errorf("truncated checkpoint: %v", err)
	}
	os.WriteFile(path, []byte(`{"format":"gosm-checkpoint","version":7}`), 0o644)
	if _, err := train.LoadCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "version 7") {
		t.Errorf("checkpoint from another version: %v", err)
	}
}

// TestDivergenceStops: a loss that becomes NaN stops the run with ErrDiverged, an error naming
// the epoch and the learning rate, and the last finite model in the store.
func TestDivergenceStops(t *testing.T) {
	cfg := smallConfig()
	tr, data := smallTrainer(t, cfg, train.Hooks{})
	before, _ := tr.Model.GetParams(tr.Store)
	// log of a negative number: NaN from the first step on.
	tr.Loss = func(m loss.Model, x *graph.Node) *graph.Node {
		return graph.Log(graph.Neg(graph.Abs(graph.OnePlus(loss.Exact(m, x)))))
	}
	_, err := tr.Run(context.Background(), data)
	if !errors.Is(err, train.ErrDiverged) {
		t.Fatalf("got %v, want ErrDiverged", err)
	}
	for _, want := range []string{"NaN", "epoch 0", "learning rate (0.001)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	after, _ := tr.Model.GetParams(tr.Store)
	if !reflect.DeepEqual(after, before) {
		t.Error("after divergence at the first step, the store does not hold the initial (last finite) weights")
	}
	if err := after.Validate(); err != nil {
		t.Errorf("kept weights are not finite: %v", err)
	}
}

// checkpointOf trains smallTrainer's network for cfg.Epochs epochs with a checkpoint at the end,
// with the given run identity, and returns the checkpoint as read back.
func checkpointOf(t *testing.T, cfg train.Config, identity map[string]string) train.Checkpoint {
	t.Helper()
	dir := t.TempDir()
	tr, data := smallTrainer(t, cfg, train.Hooks{})
	tr.CheckpointDir, tr.Identity = dir, identity
	if _, err := tr.Run(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	cp, err := train.LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// cloneCheckpoint returns a deep copy of cp (through its JSON form).
func cloneCheckpoint(t *testing.T, cp train.Checkpoint) train.Checkpoint {
	t.Helper()
	data, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	var out train.Checkpoint
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCheckpointVariables: a real run's checkpoint holds exactly the variables
// CheckpointVariables lists, with their dtypes, shapes and trainable flags.
func TestCheckpointVariables(t *testing.T) {
	for _, lossName := range []string{"exact", "sliced"} {
		cfg := smallConfig()
		cfg.Epochs = 1
		tr, data := smallTrainer(t, cfg, train.Hooks{})
		tr.CheckpointDir = t.TempDir()
		var err error
		if tr.Loss, err = loss.ByName(lossName); err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Run(context.Background(), data); err != nil {
			t.Fatal(err)
		}
		cp, err := train.LoadCheckpoint(tr.CheckpointDir)
		if err != nil {
			t.Fatal(err)
		}
		describe := func(path, dtype string, shape []int, trainable bool) string {
			return fmt.Sprintf("%s %s %v trainable=%v", path, dtype, shape, trainable)
		}
		var got, want []string
		for _, v := range cp.Variables {
			got = append(got, describe(v.Path, v.DType, v.Shape, v.Trainable))
		}
		for _, v := range train.CheckpointVariables(tr.Model.MLP()) {
			want = append(want, describe(v.Path, v.DType.String(), v.Shape, v.Trainable))
		}
		sort.Strings(got)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the checkpoint holds\n  %s\nCheckpointVariables lists\n  %s", lossName, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
}

// TestResumeRefusesAnotherRun: a checkpoint records the run's identity, and a run with another
// identity refuses to resume from it, naming every key that differs with both values.
func TestResumeRefusesAnotherRun(t *testing.T) {
	saved := map[string]string{"loss": "exact", "seed": "7", "data": "ring"}
	cfg := smallConfig()
	cfg.Epochs = 1
	cp := checkpointOf(t, cfg, saved)
	if !reflect.DeepEqual(cp.Identity, saved) {
		t.Fatalf("the checkpoint's identity is %v, want %v", cp.Identity, saved)
	}
	cfg.Epochs = 2
	for _, c := range []struct {
		name     string
		identity map[string]string
		want     []string // Substrings of the error; none: it resumes.
	}{
		{"same run", map[string]string{"data": "ring", "seed": "7", "loss": "exact"}, nil},
		{"other loss", map[string]string{"loss": "sliced", "seed": "7", "data": "ring"},
			[]string{`cannot resume: the checkpoint belongs to another run: loss is "exact" in the checkpoint, "sliced" in this run's options`}},
		{"two differences", map[string]string{"loss": "sliced", "seed": "8", "data": "ring"},
			[]string{`loss is "exact" in the checkpoint, "sliced"`, `seed is "7" in the checkpoint, "8"`}},
		{"key only in the checkpoint", map[string]string{"loss": "exact", "data": "ring"},
			[]string{`seed is "7" in the checkpoint, absent from this run's options`}},
		{"key only in this run", map[string]string{"loss": "exact", "seed": "7", "data": "ring", "sigma": "0.05"},
			[]string{`sigma is absent from the checkpoint, "0.05" in this run's options`}},
		{"no identity", nil, []string{`data is "ring"`, `loss is "exact"`, `seed is "7"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, data := smallTrainer(t, cfg, train.Hooks{})
			resume := cloneCheckpoint(t, cp)
			tr.Resume, tr.Identity = &resume, c.identity
			res, err := tr.Run(context.Background(), data)
			if c.want == nil {
				if err != nil || len(res.History) != 2 {
					t.Errorf("same identity: %v, %d epochs; want a resumed run of 2 epochs", err, len(res.History))
				}
				return
			}
			if err == nil {
				t.Fatal("resumed a checkpoint of another run")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestResumeRefusesBadCheckpoints tampers with a real checkpoint in every way a file can be wrong
// and checks that it is refused, naming the variable or value, both when it is read from a file
// (LoadCheckpoint) and when a Trainer is given it directly (Run checks it before allocating).
func TestResumeRefusesBadCheckpoints(t *testing.T) {
	// Shapes such as [100000, 100000] must be refused before anything is allocated.
	t.Setenv(limits.EnvVar, "1GiB")
	cfg := smallConfig()
	cfg.Epochs = 2
	base := checkpointOf(t, cfg, nil) // 2 epochs of 4 steps.
	cfg.Epochs = 3
	variable := func(cp *train.Checkpoint, path string) *train.SavedVariable {
		for i := range cp.Variables {
			if cp.Variables[i].Path == path {
				return &cp.Variables[i]
			}
		}
		t.Fatalf("no variable %s in the checkpoint", path)
		return nil
	}
	w0 := network.WeightsPath(0)
	const (
		lrPath     = "/optimizers/learning_rate"
		globalStep = "/global_step"
		adamStep   = "/AdamOptimizer/step"
		moment     = "/AdamOptimizer/mlp/layer_1/weights_2nd_moment"
	)
	setFloat32 := func(path string, i int, v float32) func(*train.Checkpoint) {
		return func(cp *train.Checkpoint) {
			binary.LittleEndian.PutUint32(variable(cp, path).Data[4*i:], math.Float32bits(v))
		}
	}
	setSteps := func(n int) func(*train.Checkpoint) {
		return func(cp *train.Checkpoint) {
			cp.Steps = n
			binary.LittleEndian.PutUint64(variable(cp, globalStep).Data, uint64(n))
			binary.LittleEndian.PutUint32(variable(cp, adamStep).Data, math.Float32bits(float32(n)))
		}
	}
	cases := []struct {
		name   string
		mutate func(*train.Checkpoint)
		want   []string
	}{
		{"version 1", func(cp *train.Checkpoint) { cp.Version = 1 }, []string{"version 1", "start a new run"}},
		// Finite, so not caught as such: resumed, it gave NaN at the next step, blamed on the learning rate.
		{"negative second moment", setFloat32(moment, 3, -5), []string{moment, "-5", "never negative"}},
		{"huge shape", func(cp *train.Checkpoint) { variable(cp, w0).Shape = []int{100000, 100000} },
			[]string{w0, "[100000 100000]", "over the limit"}},
		{"overflowing shape", func(cp *train.Checkpoint) { variable(cp, w0).Shape = []int{1 << 40, 1 << 40} },
			[]string{w0, "more than"}},
		// -2 x -32 float32 is 256 bytes, the data's length: only the sign gives it away.
		{"negative dimensions", func(cp *train.Checkpoint) { variable(cp, w0).Shape = []int{-2, -32} },
			[]string{w0, "negative dimension -2"}},
		{"truncated data", func(cp *train.Checkpoint) { v := variable(cp, w0); v.Data = v.Data[:10] },
			[]string{w0, "10 bytes of data", "want 256"}},
		{"unknown dtype", func(cp *train.Checkpoint) { variable(cp, w0).DType = "Complex64" },
			[]string{w0, `dtype "Complex64"`}},
		{"transposed weights", func(cp *train.Checkpoint) { variable(cp, w0).Shape = []int{32, 2} },
			[]string{w0, "is Float32 [32 2], want Float32 [2 32]"}},
		{"wrong dtype", func(cp *train.Checkpoint) { variable(cp, globalStep).DType = "Float64" },
			[]string{globalStep, "is Float64 [], want Int64 []"}},
		{"missing moment", func(cp *train.Checkpoint) {
			cp.Variables = slices.DeleteFunc(cp.Variables, func(v train.SavedVariable) bool { return v.Path == moment })
		}, []string{moment, "is missing"}},
		{"missing generator", func(cp *train.Checkpoint) {
			cp.Variables = slices.DeleteFunc(cp.Variables, func(v train.SavedVariable) bool { return v.Path == "/#rngState" })
		}, []string{"/#rngState (Uint64 [3]) is missing"}},
		{"extra variable", func(cp *train.Checkpoint) {
			cp.Variables = append(cp.Variables, train.SavedVariable{Path: "/mlp/layer_9/weights", DType: "Float32", Shape: []int{1}, Data: make([]byte, 4)})
		}, []string{"/mlp/layer_9/weights", "not one of this run's network"}},
		{"variable twice", func(cp *train.Checkpoint) { cp.Variables = append(cp.Variables, *variable(cp, w0)) },
			[]string{w0, "appears twice"}},
		{"trainable moment", func(cp *train.Checkpoint) { variable(cp, moment).Trainable = true },
			[]string{moment, "trainable true, want false"}},
		{"learning rate 1000", setFloat32(lrPath, 0, 1000), []string{lrPath, "1000", "0.001"}},
		{"NaN weight", setFloat32(w0, 5, float32(math.NaN())), []string{w0, "NaN at index 5"}},
		{"infinite moment", setFloat32(moment, 0, float32(math.Inf(1))), []string{moment, "+Inf"}},
		{"negative steps", func(cp *train.Checkpoint) { cp.Steps = -8 }, []string{"negative step count -8"}},
		{"steps not a multiple of the epochs", setSteps(7), []string{"7 steps in 2 epochs"}},
		{"steps not this data's", setSteps(10), []string{"10 steps in 2 epochs", "take 4 steps an epoch"}},
		{"global step", func(cp *train.Checkpoint) { binary.LittleEndian.PutUint64(variable(cp, globalStep).Data, 99) },
			[]string{globalStep, "counts 99 steps", "says 8"}},
		{"Adam's step", setFloat32(adamStep, 0, 3), []string{adamStep, "counts 3 steps", "says 8"}},
		{"history out of order", func(cp *train.Checkpoint) { cp.History[1].Epoch = 5 }, []string{"history record 1"}},
		{"history shorter than the epochs", func(cp *train.Checkpoint) { cp.History = cp.History[:1] },
			[]string{"2 epochs completed but 1 history records"}},
		{"report from the future", func(cp *train.Checkpoint) { cp.Reports[len(cp.Reports)-1].Epoch = 7 }, []string{"report 2"}},
		{"more epochs than configured", func(cp *train.Checkpoint) { cp.Config.Epochs = 1 },
			[]string{"2 epochs completed, more than the 1 of its configuration"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cp := cloneCheckpoint(t, base)
			c.mutate(&cp)
			// Through a file.
			dir := t.TempDir()
			data, err := json.Marshal(cp)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, train.CheckpointFile), data, 0o644); err != nil {
				t.Fatal(err)
			}
			loaded, err := train.LoadCheckpoint(dir)
			if err == nil {
				tr, points := smallTrainer(t, cfg, train.Hooks{})
				tr.Resume = &loaded
				_, err = tr.Run(context.Background(), points)
			}
			checkError(t, "from a file", err, c.want)
			// Given directly to a Trainer.
			tr, points := smallTrainer(t, cfg, train.Hooks{})
			tr.Resume = &cp
			_, err = tr.Run(context.Background(), points)
			checkError(t, "given to Run", err, c.want)
			if err != nil && !strings.Contains(err.Error(), "cannot resume") {
				t.Errorf("given to Run: error %q does not say 'cannot resume'", err)
			}
		})
	}
	// The unmodified checkpoint resumes (so every case above fails for its own reason).
	tr, points := smallTrainer(t, cfg, train.Hooks{})
	cp := cloneCheckpoint(t, base)
	tr.Resume = &cp
	if res, err := tr.Run(context.Background(), points); err != nil || len(res.History) != 3 {
		t.Errorf("resuming the untouched checkpoint: %v, %d epochs", err, len(res.History))
	}
}

// checkError fails unless err is an error containing every string of want.
func checkError(t *testing.T, what string, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one containing %q", what, want)
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not contain %q", what, err, w)
		}
	}
}

// TestLoadCheckpointRefusesFiles: LoadCheckpoint reads regular files no larger than the limit, so
// that a checkpoint.json linked to /dev/zero or a huge file is an error, not an out-of-memory
// crash, and refuses checkpoints of version 1, which record no run identity.
func TestLoadCheckpointRefusesFiles(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs = 1
	good, err := json.Marshal(checkpointOf(t, cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	old := bytes.Replace(good, []byte(`"version":2`), []byte(`"version":1`), 1)
	// Valid JSON, padded beyond a quarter of a 64 KiB memory limit.
	padded := append(append([]byte(nil), good...), bytes.Repeat([]byte(" "), 20<<10)...)
	for _, c := range []struct {
		name  string
		limit string
		setup func(path string) error
		want  []string
	}{
		{"link to /dev/zero", "", func(path string) error { return os.Symlink("/dev/zero", path) }, []string{"not a regular file"}},
		{"directory", "", func(path string) error { return os.Mkdir(path, 0o755) }, []string{"not a regular file"}},
		{"larger than the limit", "64KiB", func(path string) error { return os.WriteFile(path, padded, 0o644) },
			[]string{train.CheckpointFile, "larger than", limits.EnvVar}},
		{"version 1", "", func(path string) error { return os.WriteFile(path, old, 0o644) },
			[]string{"version 1", "older version", "start a new run"}},
		{"good", "", func(path string) error { return os.WriteFile(path, good, 0o644) }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.limit != "" {
				t.Setenv(limits.EnvVar, c.limit)
			}
			dir := t.TempDir()
			if err := c.setup(filepath.Join(dir, train.CheckpointFile)); err != nil {
				t.Skipf("cannot set up: %v", err)
			}
			_, err := train.LoadCheckpoint(dir)
			if c.want == nil {
				if err != nil {
					t.Errorf("good checkpoint: %v", err)
				}
				return
			}
			checkError(t, "LoadCheckpoint", err, c.want)
		})
	}
}

// TestParseCheckpoint: ParseCheckpoint is LoadCheckpoint without the file.
func TestParseCheckpoint(t *testing.T) {
	cfg := smallConfig()
	cfg.Epochs = 1
	cp := checkpointOf(t, cfg, map[string]string{"loss": "exact"})
	data, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := train.ParseCheckpoint(data)
	if err != nil || !reflect.DeepEqual(got, cp) {
		t.Errorf("ParseCheckpoint of a saved checkpoint: %v; equal: %v", err, reflect.DeepEqual(got, cp))
	}
	for _, bad := range []string{"", "null", "{}", "[]", `{"format":"gosm-checkpoint","version":2}`} {
		if _, err := train.ParseCheckpoint([]byte(bad)); err == nil {
			t.Errorf("ParseCheckpoint(%q): no error", bad)
		}
	}
	// A field this program never writes, or data after the end, is tampering.
	text := string(data)
	for name, bad := range map[string]string{
		"unknown field":      strings.Replace(text, `"history":[`, `"bogus":1,"history":[`, 1),
		"unknown field deep": strings.Replace(text, `"history":[{`, `"history":[{"bogus":1,`, 1),
		"trailing data":      text + `{"format":"x"}`,
	} {
		if bad == text {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if _, err := train.ParseCheckpoint([]byte(bad)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDataFingerprint(t *testing.T) {
	a := [][]float64{{1, 2}, {3, 4}}
	fp := train.DataFingerprint(a)
	if len(fp) != 64 || strings.Trim(fp, "0123456789abcdef") != "" {
		t.Fatalf("fingerprint %q is not 64 hex digits", fp)
	}
	same := []struct {
		name string
		data [][]float64
	}{
		{"a copy", [][]float64{{1, 2}, {3, 4}}},
		// Training sees float32: values equal in float32 are the same data.
		{"equal in float32", [][]float64{{1 + 1e-12, 2}, {3, 4}}},
	}
	for _, c := range same {
		if got := train.DataFingerprint(c.data); got != fp {
			t.Errorf("%s: fingerprint %s, want %s", c.name, got, fp)
		}
	}
	other := []struct {
		name string
		data [][]float64
	}{
		{"one value", [][]float64{{1, 2}, {3, 4.001}}},
		{"row order", [][]float64{{3, 4}, {1, 2}}},
		{"shape", [][]float64{{1, 2, 3, 4}}},
		{"ragged", [][]float64{{1}, {2, 3, 4}}},
		{"one row fewer", [][]float64{{1, 2}}},
		{"empty", nil},
	}
	seen := map[string]string{fp: "a"}
	for _, c := range other {
		got := train.DataFingerprint(c.data)
		if prev, ok := seen[got]; ok {
			t.Errorf("%s: same fingerprint as %s", c.name, prev)
		}
		seen[got] = c.name
	}
}

// TestCancelMidEpoch: a run interrupted in the middle of an epoch goes back to the end of the
// last completed epoch, so that its model, its loss history and the checkpoint it writes agree,
// and resuming from that checkpoint gives the uninterrupted run, loss by loss and weight by weight.
// Cancellation is seen between two calls of the compiled step, each train.StepsPerCall (4) steps
// here: batches of 64 give 8 steps an epoch, two calls, and a cancel during the first call of
// epoch 1 stops the run before its second.
func TestCancelMidEpoch(t *testing.T) {
	if train.StepsPerCall != 4 {
		t.Fatalf("the test's batch counts assume train.StepsPerCall = 4, it is %d", train.StepsPerCall)
	}
	cfg := smallConfig()
	cfg.BatchSize = 64
	cfg.Epochs, cfg.CheckpointEvery = 4, 0 // Only the interruption writes a checkpoint before the end.
	full, data := smallTrainer(t, cfg, train.Hooks{})
	want, err := full.Run(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	wantParams, _ := full.Model.GetParams(full.Store)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	steps := 0
	first, _ := smallTrainer(t, cfg, train.Hooks{Progress: func(train.Status) {
		if steps++; steps == 10 { // Step 2 of epoch 1 (8 steps per epoch), in its first call.
			cancel()
		}
	}})
	first.CheckpointDir = dir
	res, err := first.Run(ctx, data)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if len(res.History) != 1 || res.Steps != 8 {
		t.Errorf("stopped with %d epochs and %d steps, want 1 and 8 (the end of epoch 0)", len(res.History), res.Steps)
	}
	cp, err := train.LoadCheckpoint(dir)
	if err != nil {
		t.Fatalf("no checkpoint written at the interruption: %v", err)
	}
	if cp.Epochs != 1 || cp.Steps != 8 {
		t.Errorf("checkpoint at %d epochs, %d steps; want 1 and 8", cp.Epochs, cp.Steps)
	}
	stopped, _ := first.Model.GetParams(first.Store)
	if reflect.DeepEqual(stopped.Weights, wantParams.Weights) {
		t.Fatal("the interrupted run has the full run's weights")
	}
	second, _ := smallTrainer(t, cfg, train.Hooks{})
	second.Resume, second.CheckpointDir = &cp, dir
	got, err := second.Run(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	gotParams, _ := second.Model.GetParams(second.Store)
	sameTraining(t, "resumed after a mid-epoch interruption", got, gotParams, want, wantParams)
}

package train_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/gosm/gosm/scorematching/loss"
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
		wantParams, _ := full.Net.GetParams(full.Store)

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
		if err := second.Net.Init(second.Store, 99); err != nil {
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
		gotParams, _ := second.Net.GetParams(second.Store)
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
	before, _ := tr.Net.GetParams(tr.Store)
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
	after, _ := tr.Net.GetParams(tr.Store)
	if !reflect.DeepEqual(after, before) {
		t.Error("after divergence at the first step, the store does not hold the initial (last finite) weights")
	}
	if err := after.Validate(); err != nil {
		t.Errorf("kept weights are not finite: %v", err)
	}
}

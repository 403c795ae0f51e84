//go:build unix

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gosm/gosm/scorematching/train"
)

// TestKillAndResume: a training killed with SIGKILL in the middle loses at most one checkpoint
// interval, and `train --resume` then produces the same loss log and weights as an uninterrupted
// run (same backend, same machine).
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and trains twice")
	}
	bin := filepath.Join(t.TempDir(), "scorematching")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"train", "--samples", "512", "--batch", "128", "--sizes", "2,16,16,2", "--lr", "1e-3",
		"--epochs", "300", "--checkpoint-every", "5", "--report-every", "50"}
	whole := filepath.Join(t.TempDir(), "whole")
	if out, err := exec.Command(bin, append(args, "--out", whole)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}

	killed := filepath.Join(t.TempDir(), "killed")
	cmd := exec.Command(bin, append(args, "--out", killed)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	epochs := waitForCheckpoint(t, killed, 20, 60*time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	after := checkpointEpochs(t, killed)
	if after < epochs || after >= 300 {
		t.Fatalf("killed run: checkpoint at epoch %d (seen %d before the kill): the kill did not land mid-run", after, epochs)
	}
	if out, err := exec.Command(bin, "train", "--resume", killed).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if got, want := lossColumns(t, killed), lossColumns(t, whole); !reflect.DeepEqual(got, want) {
		t.Errorf("resumed log.csv differs from the uninterrupted one:\n%v\nwant\n%v", got, want)
	}
	if got, want := weights(t, killed), weights(t, whole); !reflect.DeepEqual(got, want) {
		t.Error("resumed weights differ from the uninterrupted run's")
	}
}

// waitForCheckpoint polls dir's checkpoint until it has at least min epochs.
func waitForCheckpoint(t *testing.T, dir string, min int, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if e := checkpointEpochs(t, dir); e >= min {
			return e
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no checkpoint with %d epochs in %s after %v", min, dir, timeout)
	return 0
}

func checkpointEpochs(t *testing.T, dir string) int {
	data, err := os.ReadFile(filepath.Join(dir, "checkpoint.json"))
	if err != nil {
		return -1
	}
	var cp struct {
		Epochs int `json:"epochs_completed"`
	}
	if err := json.Unmarshal(data, &cp); err != nil {
		t.Fatalf("checkpoint.json is not valid JSON (not written atomically?): %v", err)
	}
	return cp.Epochs
}

func lossColumns(t *testing.T, dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "log.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		cols := strings.Split(line, ",")
		out = append(out, cols[0]+","+cols[1])
	}
	return out
}

func weights(t *testing.T, dir string) any {
	data, err := os.ReadFile(filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Weights, Biases any
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return []any{m.Weights, m.Biases}
}

// TestInterruptKeepsModel: Ctrl-C (SIGINT, which is also what the GoNB kernel sends a cell on
// "interrupt") stops training between two steps and still writes the model, the log and figures.
func TestInterruptKeepsModel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "scorematching")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin, "train", "--samples", "512", "--batch", "128", "--sizes", "2,16,16,2",
		"--epochs", "100000", "--checkpoint-every", "1", "--out", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForCheckpoint(t, dir, 3, 60*time.Second)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != exitInterrupted {
		t.Errorf("interrupted run: %v, want exit status %d", err, exitInterrupted)
	}
	if !strings.Contains(stderr.String(), "stopped after") || !strings.Contains(stderr.String(), "interrupted; the model of the last completed epoch") {
		t.Errorf("stderr does not report the interruption: %q", stderr.String())
	}
	rows := lossColumns(t, dir)
	if len(rows) < 4 { // Header and at least three epochs.
		t.Errorf("log.csv has %d lines after an interruption past epoch 3", len(rows))
	}
	// The checkpoint, the log and the model describe the same epochs: a resume loses nothing.
	cp, err := train.LoadCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Epochs != len(rows)-1 {
		t.Errorf("after the interruption the checkpoint has %d epochs, log.csv %d", cp.Epochs, len(rows)-1)
	}
	for _, f := range []string{"model.json", "summary.json", "learned_score.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("interrupted run did not write %s: %v", f, err)
		}
	}
}

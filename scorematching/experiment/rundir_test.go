package experiment_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/train"
)

func TestPrepareRunDir(t *testing.T) {
	write := func(dir string, names ...string) {
		os.MkdirAll(dir, 0o755)
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	root := t.TempDir()
	for _, c := range []struct {
		name      string
		files     []string
		overwrite bool
		wantErr   string // "" for success
		removed   []string
		kept      []string
	}{
		{"new", nil, false, "", nil, nil},
		{"run, no overwrite", []string{"model.json", "log.csv"}, false, "already holds a run", nil, []string{"model.json", "log.csv"}},
		{"run, overwrite", []string{"checkpoint.json", "loss.png", ".checkpoint.json.tmp42"}, true, "", []string{".checkpoint.json.tmp42", "checkpoint.json", "loss.png"}, nil},
		{"user file, no overwrite", []string{"model.json", "notes.txt"}, false, "notes.txt", nil, []string{"model.json", "notes.txt"}},
		{"user file, overwrite", []string{"model.json", "notes.txt"}, true, "which no run writes", nil, []string{"model.json", "notes.txt"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(root, strings.ReplaceAll(c.name, " ", "_"))
			if c.files != nil {
				write(dir, c.files...)
			}
			removed, err := experiment.PrepareRunDir(dir, c.overwrite)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
			if !slices.Equal(removed, c.removed) {
				t.Errorf("removed %v, want %v", removed, c.removed)
			}
			for _, k := range c.kept {
				if _, err := os.Stat(filepath.Join(dir, k)); err != nil {
					t.Errorf("%s was not kept: %v", k, err)
				}
			}
			if info, err := os.Stat(dir); err != nil || !info.IsDir() {
				t.Errorf("the directory does not exist: %v", err)
			}
		})
	}
	dir := filepath.Join(root, "run,_no_overwrite")
	if _, err := experiment.PrepareRunDir(dir, false); !errors.Is(err, experiment.ErrRunExists) {
		t.Errorf("error %v does not wrap ErrRunExists", err)
	}
}

// TestWriteDirReplacesTheRun: writing a run into a directory that held another leaves no file of
// the other run behind (a figure the new one does not draw, the options and checkpoint of a run
// that did not checkpoint there), and every figure a run draws is one PrepareRunDir knows.
func TestWriteDirReplacesTheRun(t *testing.T) {
	b := testutil.Backend(t)
	dir := t.TempDir()
	ring := tinyRingOptions(1)
	ring.CheckpointDir = dir
	first, err := experiment.Run(context.Background(), b, ring, train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := first.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.FigureFilesSaved {
		if !slices.Contains(experiment.FigureFiles, f) {
			t.Errorf("figure %s is not in experiment.FigureFiles", f)
		}
	}
	for _, f := range []string{"true_score.png", experiment.OptionsFile, train.CheckpointFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("the first run did not write %s", f)
		}
	}
	moons := tinyRingOptions(1)
	moons.Dataset, moons.DataParams = "moons", nil
	second, err := experiment.Run(context.Background(), b, moons, train.Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"true_score.png", experiment.OptionsFile, train.CheckpointFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("the ring run's %s is still there beside the moons run", f)
		}
	}
	if back, err := experiment.Load(b, dir); err != nil || back.Options.Dataset != "moons" {
		t.Errorf("Load after the second run: %v, %v", back, err)
	}
}

// TestValidateBoundsMemory: options whose data, network or loss would need more memory than the
// limit are refused by Validate, naming the value.
func TestValidateBoundsMemory(t *testing.T) {
	t.Setenv(limits.EnvVar, "1GiB")
	for _, c := range []struct {
		name   string
		change func(*experiment.Options)
		want   string
	}{
		{"wide layer", func(o *experiment.Options) { o.Sizes = []int{2, 100_000_000, 2} }, "[2 100000000 2]"},
		{"many samples", func(o *experiment.Options) { o.Samples = 100_000_000 }, "100000000 training points"},
		{"many fresh samples", func(o *experiment.Options) { o.FreshSamples = 100_000_000 }, "100000000 fresh points"},
		{"many projections", func(o *experiment.Options) { o.Loss, o.LossOptions.Projections = "sliced", 10_000_000 }, "10000000"},
		{"full-data reports", func(o *experiment.Options) {
			o.Samples, o.Train.ReportEvery, o.Sizes = 2_000_000, 1, []int{2, 512, 512, 2}
		}, "2000000 points"},
	} {
		o := tinyRingOptions(1)
		c.change(&o)
		err := o.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "1.0 GiB") {
			t.Errorf("%s: error %v, want one naming %q and the limit", c.name, err, c.want)
		}
	}
	if err := tinyRingOptions(1).Validate(); err != nil {
		t.Errorf("the tiny run under a 1 GiB limit: %v", err)
	}
	if err := experiment.BlogOptions().Validate(); err != nil {
		t.Errorf("the blog's run under a 1 GiB limit: %v", err)
	}
}

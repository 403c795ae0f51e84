package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/train"
)

// Names of the files a run writes into its directory, besides the figures (FigureFiles).
const (
	LogFile     = "log.csv"
	SummaryFile = "summary.json"
)

// Files that a data-set run (package recipes) writes next to a run's: its measured result and the
// samples drawn from the trained model.
const (
	ResultFile  = "dataset.json"
	SamplesFile = "samples.csv"
)

// FigureFiles are the figures a run may write into its directory (see Outcome.Figures).
var FigureFiles = []string{"true_score.png", "learned_score.png", "comparison.png", "loss.png"}

// runFiles are the names of every file a run (or a data-set run, see package recipes) writes into its
// directory.
func runFiles() []string {
	return append([]string{OptionsFile, train.CheckpointFile, network.FileName, LogFile, SummaryFile,
		ResultFile, SamplesFile}, FigureFiles...)
}

// ErrRunExists is wrapped by PrepareRunDir's error for a directory that already holds a run.
var ErrRunExists = errors.New("the directory already holds a run")

// isRunFile reports whether name is a file that a run writes, or the leftover of a write of one
// that was killed (files.TempPrefix), or of the writability check of the command.
func isRunFile(name string) bool {
	for _, f := range runFiles() {
		if name == f || strings.HasPrefix(name, files.TempPrefix(f)) {
			return true
		}
	}
	return strings.HasPrefix(name, ".write-test-")
}

// PrepareRunDir makes dir ready for a new run, so that no run is ever mixed with another: a new
// or empty directory is used as it is (created if needed); a directory holding a previous run's
// files is refused (the error wraps ErrRunExists) unless overwrite is set, in which case those
// files are removed first and their names returned, for the caller to say so. A directory that
// holds anything no run writes (a file or folder of the user's) is refused, overwrite or not,
// naming it: nothing a user saved is removed.
func PrepareRunDir(dir string, overwrite bool) (removed []string, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("output directory %q: %w", dir, err)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("output directory %q: %w", dir, err)
	}
	var ours, foreign []string
	for _, e := range entries {
		if isRunFile(e.Name()) && !e.IsDir() {
			ours = append(ours, e.Name())
		} else {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		return nil, fmt.Errorf("output directory %q holds %s, which no run writes: choose a new or empty directory (nothing was removed)",
			dir, listNames(foreign))
	}
	if len(ours) == 0 {
		return nil, nil
	}
	if !overwrite {
		return nil, fmt.Errorf("%w: %q holds %s; use --overwrite to replace it, --resume %s to continue it, or a new --out",
			ErrRunExists, dir, listNames(ours), dir)
	}
	for _, name := range ours {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return removed, fmt.Errorf("removing the previous run's %s: %w", name, err)
		}
		removed = append(removed, name)
	}
	return removed, nil
}

// RemoveLeftovers removes from a run directory the temporary files of writes that were killed
// before their rename (see files.WriteAtomic), and returns their names.
func RemoveLeftovers(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("run directory %q: %w", dir, err)
	}
	var removed []string
	for _, e := range entries {
		if name := e.Name(); !e.IsDir() && isRunFile(name) && strings.HasPrefix(name, ".") {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return removed, fmt.Errorf("removing the leftover %s: %w", name, err)
			}
			removed = append(removed, name)
		}
	}
	return removed, nil
}

// listNames lists at most five names, sorted, for an error message.
func listNames(names []string) string {
	sort.Strings(names)
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
	}
	return strings.Join(names, ", ")
}

package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/files"
)

// Checkpoint file identification; LoadCheckpoint refuses anything else.
const (
	CheckpointFormat  = "gosm-checkpoint"
	CheckpointVersion = 1
	// CheckpointFile is the checkpoint's file name inside a run directory.
	CheckpointFile = "checkpoint.json"
)

// Checkpoint is the whole state of a training run after a number of complete epochs: every
// variable of the model.Store (the network's weights, Adam's moments and step counter, the random
// generator's state), the loss history, and the configuration. Resuming from it continues the run
// exactly as if it had not stopped (see Trainer.Resume).
type Checkpoint struct {
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	Epochs    int             `json:"epochs_completed"`
	Steps     int             `json:"steps"`
	Config    Config          `json:"config"`
	History   []Record        `json:"history"`
	Reports   []Record        `json:"reports"`
	Variables []SavedVariable `json:"variables"`
}

// SavedVariable is one model.Store variable: its path, whether the optimiser trains it, its dtype,
// shape and raw little-endian bytes (base64 in the JSON file).
type SavedVariable struct {
	Path      string `json:"path"`
	Trainable bool   `json:"trainable"`
	DType     string `json:"dtype"`
	Shape     []int  `json:"shape"`
	Data      []byte `json:"data"`
}

// captureVariables copies every variable of store to the host.
func captureVariables(store *model.Store) ([]SavedVariable, error) {
	var out []SavedVariable
	for v := range store.IterVariables() {
		if !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.Path(), err)
		}
		sv := SavedVariable{Path: v.Path(), Trainable: v.Trainable, DType: t.Shape().DType.String(), Shape: append([]int(nil), t.Shape().Dimensions...)}
		if err := t.ConstBytes(func(data []byte) { sv.Data = append([]byte(nil), data...) }); err != nil {
			return nil, fmt.Errorf("reading variable %s: %w", v.Path(), err)
		}
		out = append(out, sv)
	}
	return out, nil
}

// restoreVariables writes saved variables into store, creating the ones it lacks.
func restoreVariables(store *model.Store, vars []SavedVariable) error {
	for _, sv := range vars {
		dtype, err := dtypes.DTypeString(sv.DType)
		if err != nil {
			return fmt.Errorf("variable %s: unknown dtype %q", sv.Path, sv.DType)
		}
		t := tensors.FromShape(shapes.Make(dtype, sv.Shape...))
		if err := t.MutableBytes(func(data []byte) {
			if len(data) == len(sv.Data) {
				copy(data, sv.Data)
			}
		}); err != nil {
			return fmt.Errorf("variable %s: %w", sv.Path, err)
		}
		if want := int(t.Shape().ByteSize()); want != len(sv.Data) {
			return fmt.Errorf("variable %s: %d bytes for shape %v %s, want %d (truncated?)", sv.Path, len(sv.Data), sv.Shape, sv.DType, want)
		}
		v := store.GetVariable(sv.Path)
		if v == nil {
			if v, err = store.CreateVariable(sv.Path, t); err != nil {
				return fmt.Errorf("variable %s: %w", sv.Path, err)
			}
		} else if err := v.SetValue(t); err != nil {
			return fmt.Errorf("variable %s: %w", sv.Path, err)
		}
		// A variable created here is trainable by default: the random generator's state or
		// Adam's moments must not be, or the optimiser would update them.
		v.Trainable = sv.Trainable
	}
	return nil
}

// SaveCheckpoint writes cp to dir/checkpoint.json atomically: the previous checkpoint stays in
// place until the new one is completely written, then a rename replaces it.
func SaveCheckpoint(dir string, cp Checkpoint) error {
	cp.Format, cp.Version = CheckpointFormat, CheckpointVersion
	data, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	return files.WriteAtomic(filepath.Join(dir, CheckpointFile), data)
}

// LoadCheckpoint reads dir/checkpoint.json, checking its format and version.
func LoadCheckpoint(dir string) (Checkpoint, error) {
	path := filepath.Join(dir, CheckpointFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Checkpoint{}, fmt.Errorf("no checkpoint to resume from: %s does not exist", path)
		}
		return Checkpoint{}, fmt.Errorf("loading checkpoint: %w", err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return Checkpoint{}, fmt.Errorf("loading checkpoint %s: not a valid checkpoint (truncated or corrupt?): %w", path, err)
	}
	if cp.Format != CheckpointFormat {
		return Checkpoint{}, fmt.Errorf("loading checkpoint %s: format %q, want %q", path, cp.Format, CheckpointFormat)
	}
	if cp.Version != CheckpointVersion {
		return Checkpoint{}, fmt.Errorf("loading checkpoint %s: version %d, this program reads version %d", path, cp.Version, CheckpointVersion)
	}
	if cp.Epochs < 0 || cp.Epochs != len(cp.History) {
		return Checkpoint{}, fmt.Errorf("loading checkpoint %s: %d epochs completed but %d history records", path, cp.Epochs, len(cp.History))
	}
	return cp, nil
}

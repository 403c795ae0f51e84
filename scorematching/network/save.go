package network

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/sde"
	"github.com/gosm/gosm/scorematching/toy"
)

// FileFormat and FileVersion identify a saved model file; Load refuses anything else.
const (
	FileFormat = "gosm-score-mlp"
	// FileVersion 2 records the model's kind, noise levels, data set and loss as typed fields
	// (version 1 kept them in free-form metadata).
	FileVersion = 2
	// FileName is the name of the model file inside a model directory.
	FileName = "model.json"
)

// Saved is the content of a model file: the score model (its kind, noise levels and MLP
// parameters) and what it was trained on.
type Saved struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Kind    Kind      `json:"kind"`
	Sigmas  []float64 `json:"sigmas,omitempty"` // Noise-conditional models: the levels trained on, largest first.
	SDE     *sde.SDE  `json:"sde,omitempty"`    // Time-conditioned models: their process.
	Data    toy.Spec  `json:"data"`             // The data set trained on (Name "" if unknown).
	Loss    string    `json:"loss,omitempty"`   // The loss trained with.
	Epochs  int       `json:"epochs"`           // Epochs completed.
	Params
}

// Model returns the saved score model (kind, sizes, noise levels).
func (s Saved) Model() Model {
	return Model{Kind: s.Kind, Sizes: s.Sizes, Sigmas: s.Sigmas, SDE: s.SDE}
}

// Save writes s as dir/model.json (Format and Version are set here), creating dir if needed.
// The file is written to a temporary name and renamed, so an interrupted save never leaves a
// truncated model behind. A model that Load would refuse (see Saved.Validate) is not saved.
func Save(dir string, s Saved) error {
	s.Format, s.Version = FileFormat, FileVersion
	if err := s.Validate(); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	return files.WriteAtomic(filepath.Join(dir, FileName), data)
}

// Validate returns an error unless the parameters are valid (Params.Validate) and fit the model's
// kind and noise levels (Model.Validate), and the epochs are not negative.
func (s Saved) Validate() error {
	if err := s.Params.Validate(); err != nil {
		return err
	}
	if err := s.Model().Validate(); err != nil {
		return err
	}
	if s.Epochs < 0 {
		return fmt.Errorf("negative number of epochs %d", s.Epochs)
	}
	return nil
}

// Load reads dir/model.json written by Save (a regular file no larger than the memory limit
// allows, see files.Read) and parses and checks it (see Parse).
func Load(dir string) (Saved, error) {
	path := filepath.Join(dir, FileName)
	data, err := files.Read(path)
	if err != nil {
		return Saved{}, fmt.Errorf("loading model: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return Saved{}, fmt.Errorf("loading model %s: %w", path, err)
	}
	return s, nil
}

// Parse decodes the content of a model file and checks its format, version, parameters and
// model (see Saved.Validate).
func Parse(data []byte) (Saved, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Saved{}, fmt.Errorf("not a valid model file (truncated or corrupt?): %w", err)
	}
	if head.Format != FileFormat {
		return Saved{}, fmt.Errorf("format %q, want %q", head.Format, FileFormat)
	}
	if head.Version == 1 {
		return Saved{}, fmt.Errorf("file version 1 was written by an earlier version of this program; this one reads version %d: train the model again", FileVersion)
	}
	if head.Version != FileVersion {
		return Saved{}, fmt.Errorf("file version %d, this program reads version %d", head.Version, FileVersion)
	}
	var s Saved
	if err := files.UnmarshalStrict(data, &s); err != nil {
		return Saved{}, fmt.Errorf("not a valid model file (truncated or corrupt?): %w", err)
	}
	if err := s.Validate(); err != nil {
		return Saved{}, err
	}
	return s, nil
}

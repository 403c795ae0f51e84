package net

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gosm/gosm/scorematching/files"
)

// FileFormat and FileVersion identify a saved model file; Load refuses anything else.
const (
	FileFormat  = "gosm-score-mlp"
	FileVersion = 1
	// FileName is the name of the model file inside a model directory.
	FileName = "model.json"
)

// Saved is the content of a model file: the MLP's parameters and free-form metadata (the data
// set and the training set-up that produced it).
type Saved struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Meta    map[string]any `json:"meta,omitempty"`
	Params
}

// Save writes p (and meta) as dir/model.json, creating dir if needed. The file is written to a
// temporary name and renamed, so an interrupted save never leaves a truncated model behind.
func Save(dir string, p Params, meta map[string]any) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	data, err := json.Marshal(Saved{Format: FileFormat, Version: FileVersion, Meta: meta, Params: p})
	if err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	return files.WriteAtomic(filepath.Join(dir, FileName), data)
}

// Load reads dir/model.json written by Save, checking its format, version and sizes.
func Load(dir string) (Saved, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return Saved{}, fmt.Errorf("loading model: %w", err)
	}
	var s Saved
	if err := json.Unmarshal(data, &s); err != nil {
		return Saved{}, fmt.Errorf("loading model %s: not a valid model file (truncated or corrupt?): %w", path, err)
	}
	if s.Format != FileFormat {
		return Saved{}, fmt.Errorf("loading model %s: format %q, want %q", path, s.Format, FileFormat)
	}
	if s.Version != FileVersion {
		return Saved{}, fmt.Errorf("loading model %s: file version %d, this program reads version %d", path, s.Version, FileVersion)
	}
	if err := s.Params.Validate(); err != nil {
		return Saved{}, fmt.Errorf("loading model %s: %w", path, err)
	}
	return s, nil
}

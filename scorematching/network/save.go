package network

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
	// MetaNoiseConditional is the metadata key that files written before MetaKind existed used
	// for a noise-conditional network (true).
	MetaNoiseConditional = "noise_conditional"
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
// Parameters that Load would refuse (see Params.Validate and CheckKind) are not saved.
func Save(dir string, p Params, meta map[string]any) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("saving model: %w", err)
	}
	if err := CheckKind(p.Sizes, meta); err != nil {
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

// Parse decodes the content of a model file and checks its format, version and sizes (see
// Params.Validate), and that the sizes fit the model's kind (see CheckKind).
func Parse(data []byte) (Saved, error) {
	var s Saved
	if err := files.UnmarshalStrict(data, &s); err != nil {
		return Saved{}, fmt.Errorf("not a valid model file (truncated or corrupt?): %w", err)
	}
	if s.Format != FileFormat {
		return Saved{}, fmt.Errorf("format %q, want %q", s.Format, FileFormat)
	}
	if s.Version != FileVersion {
		return Saved{}, fmt.Errorf("file version %d, this program reads version %d", s.Version, FileVersion)
	}
	if err := s.Params.Validate(); err != nil {
		return Saved{}, err
	}
	if err := CheckKind(s.Sizes, s.Meta); err != nil {
		return Saved{}, err
	}
	return s, nil
}

// CheckKind returns an error unless sizes are valid MLP sizes that fit the kind of model that meta
// records under MetaKind: a score network s(x) (KindMLP) maps R^D to R^D, so its output size
// equals its input size; a noise-conditional one (KindNoiseMLP) takes one more input than it has
// outputs. Metadata without a kind (files written before it was recorded) must describe one of the
// two: input size equal to the output size, or one more with MetaNoiseConditional true.
func CheckKind(sizes []int, meta map[string]any) error {
	if err := (MLP{Sizes: sizes}).Validate(); err != nil {
		return err
	}
	in, out := sizes[0], sizes[len(sizes)-1]
	kind, hasKind := meta[MetaKind]
	switch {
	case !hasKind:
		if in == out || (in == out+1 && meta[MetaNoiseConditional] == true) {
			return nil
		}
		return fmt.Errorf("an MLP with sizes %v is not a score network: its input size %d must equal its output size %d "+
			"(or be one more, for a noise-conditional network recorded as such)", sizes, in, out)
	case kind == KindMLP:
		if in != out {
			return fmt.Errorf("a model of kind %q maps R^D to R^D, but its sizes %v have input size %d and output size %d", KindMLP, sizes, in, out)
		}
	case kind == KindNoiseMLP:
		if in != out+1 {
			return fmt.Errorf("a model of kind %q takes D+1 inputs (x and log sigma) for D outputs, but its sizes %v have input size %d and output size %d",
				KindNoiseMLP, sizes, in, out)
		}
	default:
		return fmt.Errorf("model kind %v is not one this program knows (%q or %q)", kind, KindMLP, KindNoiseMLP)
	}
	return nil
}

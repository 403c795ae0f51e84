package train_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/train"
)

// FuzzParseCheckpoint: any bytes give a checkpoint or an error, never a panic; a checkpoint that
// parses passes its own validation and survives a round trip through JSON unchanged. Nothing is
// allocated beyond what decoding the input needs (ParseCheckpoint creates no tensor; shapes are
// checked against the memory limit without allocating). CI runs it briefly under
// GOSM_MEMORY_LIMIT=256MiB (go test -fuzz FuzzParseCheckpoint -fuzztime 10s); inputs that once
// failed are kept in testdata/fuzz/FuzzParseCheckpoint.
func FuzzParseCheckpoint(f *testing.F) {
	for _, seed := range fuzzCheckpointSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cp, err := train.ParseCheckpoint(data)
		if err != nil {
			return
		}
		if err := cp.Validate(); err != nil {
			t.Fatalf("ParseCheckpoint accepted a checkpoint that fails its validation: %v", err)
		}
		// Some of the same, checked independently: the version that records the run's identity,
		// consistent counts, and variables whose data are exactly what their dtype and shape
		// (counted without overflow) imply.
		if cp.Version != train.CheckpointVersion || cp.Steps < cp.Epochs || cp.Epochs != len(cp.History) || cp.Epochs < 1 {
			t.Fatalf("version %d, %d steps, %d epochs, %d history records", cp.Version, cp.Steps, cp.Epochs, len(cp.History))
		}
		for _, v := range cp.Variables {
			dtype, err := dtypes.DTypeString(v.DType)
			if err != nil || dtype == dtypes.InvalidDType || dtype.IsPacked() {
				t.Fatalf("variable %s has dtype %q", v.Path, v.DType)
			}
			size := limits.Of(dtype.Size())
			for _, d := range v.Shape {
				if d < 0 {
					t.Fatalf("variable %s has shape %v", v.Path, v.Shape)
				}
				size = size.Times(d)
			}
			if n, ok := size.Bytes(); !ok || n != int64(len(v.Data)) {
				t.Fatalf("variable %s of shape %v %s has %d bytes", v.Path, v.Shape, v.DType, len(v.Data))
			}
		}
		again, err := json.Marshal(cp)
		if err != nil {
			t.Fatalf("a parsed checkpoint cannot be written back: %v", err)
		}
		cp2, err := train.ParseCheckpoint(again)
		if err != nil {
			t.Fatalf("a parsed checkpoint, written back, does not parse: %v", err)
		}
		if !reflect.DeepEqual(cp, cp2) {
			t.Fatalf("a parsed checkpoint changes through a round trip:\n%+v\n%+v", cp, cp2)
		}
	})
}

// fuzzCheckpointSeeds returns a real checkpoint of a tiny run (a 2-3-2 MLP, 16 points in batches
// of 8, one epoch), truncated and tampered variants of it, and a few degenerate inputs.
func fuzzCheckpointSeeds(f *testing.F) [][]byte {
	data := make([][]float64, 16)
	for i := range data {
		data[i] = []float64{float64(i%4) - 1.5, float64(i/4) - 1.5}
	}
	m := network.Model{Kind: network.KindMLP, Sizes: []int{2, 3, 2}}
	store := model.NewStore()
	if err := m.Init(store, 1); err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	tr := &train.Trainer{Backend: testutil.Backend(f), Store: store, Model: m, Loss: loss.Exact, CheckpointDir: dir,
		Config:   train.Config{Epochs: 1, BatchSize: 8, LearningRate: 1e-3, Seed: 1, ReportEvery: 1},
		Identity: map[string]string{"loss": "exact", "data": train.DataFingerprint(data)}}
	if _, err := tr.Run(context.Background(), data); err != nil {
		f.Fatal(err)
	}
	cp, err := train.LoadCheckpoint(dir)
	if err != nil {
		f.Fatal(err)
	}
	good, err := json.Marshal(cp)
	if err != nil {
		f.Fatal(err)
	}
	tamper := func(change func(*train.Checkpoint)) []byte {
		var c train.Checkpoint
		if err := json.Unmarshal(good, &c); err != nil {
			f.Fatal(err)
		}
		change(&c)
		out, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		return out
	}
	seeds := [][]byte{
		good,
		good[:len(good)/2],
		good[:len(good)-1],
		bytes.Replace(good, []byte(`"version":2`), []byte(`"version":1`), 1),
		tamper(func(c *train.Checkpoint) { c.Variables[0].Shape = []int{100000, 100000} }),
		tamper(func(c *train.Checkpoint) { c.Variables[0].Shape = []int{-2, -3} }),
		tamper(func(c *train.Checkpoint) { c.Variables[0].Data = c.Variables[0].Data[:5] }),
		tamper(func(c *train.Checkpoint) { c.Variables[0].DType = "Int4" }),
		tamper(func(c *train.Checkpoint) { c.Variables = append(c.Variables, c.Variables[0]) }),
		tamper(func(c *train.Checkpoint) { c.Steps = -2 }),
		tamper(func(c *train.Checkpoint) { c.Config.LearningRate = 1000 }),
		tamper(func(c *train.Checkpoint) { c.History = nil }),
		[]byte(""), []byte("null"), []byte("{}"), []byte("[]"), []byte(`{"format":"gosm-checkpoint","version":2}`),
	}
	return seeds
}

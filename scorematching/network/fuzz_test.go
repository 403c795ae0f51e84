package network_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/network"
)

// FuzzParseModel: any bytes give a model or an error, never a panic; a model that parses passes
// its own validation (Params.Validate, CheckKind) and survives a round trip through JSON
// unchanged. Sizes are checked with overflow-safe arithmetic against the memory limit before
// anything is allocated for them. CI runs it briefly under GOSM_MEMORY_LIMIT=256MiB (go test
// -fuzz FuzzParseModel -fuzztime 10s); inputs that once failed are kept in
// testdata/fuzz/FuzzParseModel.
func FuzzParseModel(f *testing.F) {
	for _, seed := range fuzzModelSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := network.Parse(data)
		if err != nil {
			return
		}
		if err := s.Params.Validate(); err != nil {
			t.Fatalf("Parse accepted parameters that fail their validation: %v", err)
		}
		if err := network.CheckKind(s.Sizes, s.Meta); err != nil {
			t.Fatalf("Parse accepted a model whose sizes do not fit its kind: %v", err)
		}
		// The same, checked independently: every layer holds exactly in x out weights (counted
		// without overflow) and out biases, and the sizes are those of the model's kind.
		for i := range len(s.Sizes) - 1 {
			in, out := s.Sizes[i], s.Sizes[i+1]
			if n, ok := limits.Of(in, out).Bytes(); !ok || n != int64(len(s.Weights[i])) || len(s.Biases[i]) != out {
				t.Fatalf("layer %d of sizes %v has %d weights and %d biases", i, s.Sizes, len(s.Weights[i]), len(s.Biases[i]))
			}
		}
		in, out := s.Sizes[0], s.Sizes[len(s.Sizes)-1]
		switch kind, ok := s.Meta[network.MetaKind]; {
		case ok && kind == network.KindMLP && in != out, ok && kind == network.KindNoiseMLP && in != out+1,
			ok && kind != network.KindMLP && kind != network.KindNoiseMLP, !ok && in != out && in != out+1:
			t.Fatalf("sizes %v do not fit kind %v", s.Sizes, kind)
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("a parsed model cannot be written back: %v", err)
		}
		s2, err := network.Parse(again)
		if err != nil {
			t.Fatalf("a parsed model, written back, does not parse: %v", err)
		}
		if len(s.Meta) == 0 {
			s.Meta = nil // An empty meta is omitted when written.
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("a parsed model changes through a round trip:\n%+v\n%+v", s, s2)
		}
	})
}

// fuzzModelSeeds returns real model files (a 2-3-2 MLP, a 3-3-2 noise-conditional one) written
// by Save, truncated and tampered variants, and a few degenerate inputs.
func fuzzModelSeeds(f *testing.F) [][]byte {
	save := func(sizes []int, meta map[string]any) []byte {
		p, err := network.MLP{Sizes: sizes}.InitParams(0)
		if err != nil {
			f.Fatal(err)
		}
		dir := f.TempDir()
		if err := network.Save(dir, p, meta); err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, network.FileName))
		if err != nil {
			f.Fatal(err)
		}
		return data
	}
	plain := save([]int{2, 3, 2}, map[string]any{network.MetaKind: network.KindMLP, "dataset": "ring"})
	noise := save([]int{3, 3, 2}, map[string]any{network.MetaKind: network.KindNoiseMLP, network.MetaSigmas: []float64{1, 0.1}})
	old := save([]int{2, 3, 2}, nil)
	return [][]byte{
		plain, noise, old,
		plain[:len(plain)/2],
		plain[:len(plain)-1],
		bytes.Replace(plain, []byte(`"mlp"`), []byte(`"noise-mlp"`), 1),
		bytes.Replace(noise, []byte(`"Sizes":[3,`), []byte(`"Sizes":[2,`), 1),
		bytes.Replace(plain, []byte(`"version":1`), []byte(`"version":2`), 1),
		[]byte(fmt.Sprintf(`{"format":%q,"version":1,"Sizes":[%d,4,%d],"Weights":[[],[]],"Biases":[[0,0,0,0],[]]}`, network.FileFormat, wraps, wraps)),
		[]byte(fmt.Sprintf(`{"format":%q,"version":1,"Sizes":[%d,4],"Weights":[[]],"Biases":[[0,0,0,0]]}`, network.FileFormat, wraps)),
		[]byte(fmt.Sprintf(`{"format":%q,"version":1,"Sizes":[100000,100000,100000],"Weights":[[],[]],"Biases":[[],[]]}`, network.FileFormat)),
		[]byte(fmt.Sprintf(`{"format":%q,"version":1,"Sizes":[-2,-2],"Weights":[[1,2,3,4]],"Biases":[[]]}`, network.FileFormat)),
		[]byte(""), []byte("null"), []byte("{}"), []byte("[]"),
	}
}

package network_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/toy"
)

// FuzzParseModel: any bytes give a model or an error, never a panic; a model that parses passes
// its own validation (Saved.Validate: parameters, kind, noise levels) and survives a round trip through JSON
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
		if err := s.Model().Validate(); err != nil {
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
		switch kind := s.Kind; {
		case kind == network.KindMLP && (in != out || len(s.Sigmas) > 0), kind == network.KindNoiseMLP && in != out+1,
			kind != network.KindMLP && kind != network.KindNoiseMLP:
			t.Fatalf("sizes %v (and %d noise levels) do not fit kind %v", s.Sizes, len(s.Sigmas), kind)
		}
		for i, sigma := range s.Sigmas {
			if !(sigma > 0) || math.IsInf(sigma, 0) || i >= network.MaxNoiseLevels {
				t.Fatalf("noise level %d is %v (of %d)", i, sigma, len(s.Sigmas))
			}
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("a parsed model cannot be written back: %v", err)
		}
		s2, err := network.Parse(again)
		if err != nil {
			t.Fatalf("a parsed model, written back, does not parse: %v", err)
		}
		if len(s.Sigmas) == 0 {
			s.Sigmas = nil // No levels are omitted when written.
		}
		if len(s.Data.Params) == 0 {
			s.Data.Params = nil
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("a parsed model changes through a round trip:\n%+v\n%+v", s, s2)
		}
	})
}

// fuzzModelSeeds returns real model files (a 2-3-2 MLP, a 3-3-2 noise-conditional one) written
// by Save, truncated and tampered variants, and a few degenerate inputs.
func fuzzModelSeeds(f *testing.F) [][]byte {
	save := func(s network.Saved) []byte {
		p, err := network.MLP{Sizes: s.Sizes}.InitParams(0)
		if err != nil {
			f.Fatal(err)
		}
		s.Params = p
		dir := f.TempDir()
		if err := network.Save(dir, s); err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, network.FileName))
		if err != nil {
			f.Fatal(err)
		}
		return data
	}
	plain := save(network.Saved{Kind: network.KindMLP, Data: toy.Spec{Name: "ring"}, Params: network.Params{Sizes: []int{2, 3, 2}}})
	noise := save(network.Saved{Kind: network.KindNoiseMLP, Sigmas: []float64{1, 0.1}, Params: network.Params{Sizes: []int{3, 3, 2}}})
	return [][]byte{
		plain, noise,
		bytes.Replace(noise, []byte(`"sigmas":[1,0.1]`), []byte(`"sigmas":[1,-0.1]`), 1),
		plain[:len(plain)/2],
		plain[:len(plain)-1],
		bytes.Replace(plain, []byte(`"mlp"`), []byte(`"noise-mlp"`), 1),
		bytes.Replace(noise, []byte(`"Sizes":[3,`), []byte(`"Sizes":[2,`), 1),
		bytes.Replace(plain, []byte(`"version":2`), []byte(`"version":1`), 1),
		[]byte(fmt.Sprintf(`{"format":%q,"version":2,"kind":"mlp","Sizes":[%d,4,%d],"Weights":[[],[]],"Biases":[[0,0,0,0],[]]}`, network.FileFormat, wraps, wraps)),
		[]byte(fmt.Sprintf(`{"format":%q,"version":2,"kind":"mlp","Sizes":[%d,4],"Weights":[[]],"Biases":[[0,0,0,0]]}`, network.FileFormat, wraps)),
		[]byte(fmt.Sprintf(`{"format":%q,"version":2,"kind":"mlp","Sizes":[100000,100000,100000],"Weights":[[],[]],"Biases":[[],[]]}`, network.FileFormat)),
		[]byte(fmt.Sprintf(`{"format":%q,"version":2,"kind":"mlp","Sizes":[-2,-2],"Weights":[[1,2,3,4]],"Biases":[[]]}`, network.FileFormat)),
		[]byte(""), []byte("null"), []byte("{}"), []byte("[]"),
	}
}

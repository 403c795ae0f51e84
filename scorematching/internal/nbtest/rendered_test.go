package nbtest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// maxRenderedBytes bounds all the stored notebooks together, so that they stay reviewable.
const maxRenderedBytes = 10 << 20

// renderHint says how to bring a notebook up to date.
const renderHint = "render it: bash scorematching/scripts/render.sh notebooks/%s"

// ipynb is the part of a .ipynb file the freshness test reads.
type ipynb struct {
	Cells []struct {
		CellType       string          `json:"cell_type"`
		Source         json.RawMessage `json:"source"`
		ExecutionCount *int            `json:"execution_count"`
		Outputs        []struct {
			OutputType string                     `json:"output_type"`
			Name       string                     `json:"name"`
			Text       json.RawMessage            `json:"text"`
			Data       map[string]json.RawMessage `json:"data"`
		} `json:"outputs"`
	} `json:"cells"`
	Metadata struct {
		Gosm struct {
			CodeSHA256 string `json:"code_sha256"`
		} `json:"gosm"`
	} `json:"metadata"`
}

// text reads a notebook string field, stored as a string or a list of strings.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []string
	_ = json.Unmarshal(raw, &parts)
	return strings.Join(parts, "")
}

// codeHash is the hash nbrun.py --render records: sha256 of the code cells' sources joined by NUL.
func codeHash(nb ipynb) string {
	var sources []string
	for _, c := range nb.Cells {
		if c.CellType == "code" {
			sources = append(sources, text(c.Source))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(sources, "\x00")))
	return hex.EncodeToString(sum[:])
}

// machineDetail matches what a stored output must not show: absolute paths of this or another
// machine (a repository checkout, a home folder, a temporary folder).
var machineDetail = regexp.MustCompile(`(?:/home/|/root/|/Users/|/work/|/tmp/)[^\s"'<>]*`)

// stderrError matches stderr lines that mean a cell failed (as nbrun.py's check does).
var stderrError = regexp.MustCompile(`(?m)^(?:exit status \d+$|panic: |fatal error: |[^\s:]+\.go:\d+:\d+: |(?:error|Error|ERROR): )`)

// TestRenderedNotebooks: every notebook is stored rendered (every code cell executed, no error
// output, its figures) and fresh (the hash of its code cells is the one recorded when it was
// rendered), free of machine detail, and all of them together stay under maxRenderedBytes. It
// reads the files only: it needs no kernel and runs in every pass.
func TestRenderedNotebooks(t *testing.T) {
	names := storedNotebooks(t)
	total := 0
	for _, path := range names {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		total += len(data)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			cfg := notebooks[name]
			want := cfg.MinImages
			if cfg.Twice { // The headless test's count covers two runs; a rendered notebook holds one.
				want /= 2
			}
			for _, problem := range renderProblems(data, want) {
				t.Errorf("%s: %s; "+renderHint, name, problem, name)
			}
		})
	}
	if total > maxRenderedBytes {
		t.Errorf("the stored notebooks take %.1f MB together, more than %d MB: lower the figures' size", float64(total)/(1<<20), maxRenderedBytes>>20)
	}
}

// renderProblems lists what makes a stored notebook incomplete or stale.
func renderProblems(data []byte, minImages int) []string {
	var nb ipynb
	if err := json.Unmarshal(data, &nb); err != nil {
		return []string{fmt.Sprintf("not a notebook: %v", err)}
	}
	var problems []string
	switch got := nb.Metadata.Gosm.CodeSHA256; {
	case got == "":
		problems = append(problems, "never rendered (no gosm.code_sha256 in its metadata)")
	case got != codeHash(nb):
		problems = append(problems, "stale: its code changed since it was rendered")
	}
	images := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		if c.ExecutionCount == nil {
			problems = append(problems, fmt.Sprintf("cell %d was not executed", i))
		}
		for _, out := range c.Outputs {
			if out.OutputType == "error" {
				problems = append(problems, fmt.Sprintf("cell %d has an error output", i))
			}
			if out.Name == "stderr" {
				if m := stderrError.FindString(text(out.Text)); m != "" {
					problems = append(problems, fmt.Sprintf("cell %d has an error on stderr: %q", i, m))
				}
			}
			if _, ok := out.Data["image/png"]; ok {
				images++
			}
			for _, raw := range append([]json.RawMessage{out.Text}, textData(out.Data)...) {
				if m := machineDetail.FindString(text(raw)); m != "" {
					problems = append(problems, fmt.Sprintf("cell %d shows a path of this machine: %q", i, m))
				}
			}
		}
	}
	if images < max(minImages, 1) {
		problems = append(problems, fmt.Sprintf("%d figures stored, want at least %d", images, max(minImages, 1)))
	}
	return problems
}

// textData returns the text/* entries of an output's data.
func textData(data map[string]json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	for mime, raw := range data {
		if strings.HasPrefix(mime, "text/") {
			out = append(out, raw)
		}
	}
	return out
}

// TestRenderProblems: the freshness check catches each way a stored notebook can be wrong.
func TestRenderProblems(t *testing.T) {
	good := `{"cells": [
	  {"cell_type": "markdown", "source": "# Title"},
	  {"cell_type": "code", "source": ["x := 1\n", "_ = x"], "execution_count": 1,
	   "outputs": [{"output_type": "display_data", "data": {"image/png": "iVBOR"}}]}],
	 "metadata": {"gosm": {"code_sha256": "%s"}}}`
	var nb ipynb
	if err := json.Unmarshal([]byte(fmt.Sprintf(good, "")), &nb); err != nil {
		t.Fatal(err)
	}
	hash := codeHash(nb)
	if want := sha256.Sum256([]byte("x := 1\n_ = x")); hash != hex.EncodeToString(want[:]) {
		t.Fatalf("codeHash = %s, want the sha256 of the one code cell's source", hash)
	}
	if p := renderProblems([]byte(fmt.Sprintf(good, hash)), 1); len(p) != 0 {
		t.Errorf("a good notebook: %v", p)
	}
	for _, c := range []struct {
		name, doc, want string
		images          int
	}{
		{"stale", fmt.Sprintf(strings.Replace(good, "x := 1", "x := 2", 1), hash), "stale", 1},
		{"never rendered", fmt.Sprintf(good, ""), "never rendered", 1},
		{"not executed", fmt.Sprintf(strings.Replace(good, `"execution_count": 1`, `"execution_count": null`, 1), hash), "not executed", 1},
		{"error output", fmt.Sprintf(strings.Replace(good, `"display_data"`, `"error"`, 1), hash), "error output", 1},
		{"stderr error", fmt.Sprintf(strings.Replace(good, `{"output_type": "display_data", "data": {"image/png": "iVBOR"}}`,
			`{"output_type": "stream", "name": "stderr", "text": "panic: boom\n"}`, 1), hash), "error on stderr", 0},
		{"missing figure", fmt.Sprintf(good, hash), "figures stored", 3},
		{"machine path", fmt.Sprintf(strings.Replace(good, `{"output_type": "display_data", "data": {"image/png": "iVBOR"}}`,
			`{"output_type": "stream", "name": "stdout", "text": "saved in /home/ann/gosm/runs\n"}`, 1), hash), "path of this machine", 0},
	} {
		problems := strings.Join(renderProblems([]byte(c.doc), c.images), "; ")
		if !strings.Contains(problems, c.want) {
			t.Errorf("%s: problems %q, want one saying %q", c.name, problems, c.want)
		}
	}
}

// storedNotebooks returns the paths of notebooks/*.ipynb, failing the test when there are none.
// The checks on stored notebooks read files only: they need neither the kernel nor the set-up.
func storedNotebooks(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no notebooks/*.ipynb (%v)", err)
	}
	return names
}

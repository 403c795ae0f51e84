//go:build unix

package nbtest_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// setupCell is the first cell of every notebook: it lets the cells import this module.
const setupCell = `!*R=$(cd "$GONB_DIR" && dirname "$(go env GOMOD)") && go mod edit -require=github.com/gosm/gosm@v0.0.0 -replace=github.com/gosm/gosm="$R" && cp "$R/go.sum" .`

// TestNbrunCatchesFailures runs nbrun.py on small notebooks that each fail in one way a notebook
// of ours could, and wants exit status 1 and a message that says what failed. Without this, a
// notebook test could pass on a notebook that is broken in a way GoNB does not report as an
// error (it reports a panicking cell or an unknown %command only on stderr).
func TestNbrunCatchesFailures(t *testing.T) {
	root := notebookRoot(t, false)
	touchInputs(root)
	// The notebooks live under the repository, as ours do, so that the set-up cell finds go.mod.
	if err := os.MkdirAll(filepath.Join(root, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(filepath.Join(root, "out"), "nbrun-failures-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cases := []struct {
		name  string
		cells []string
		args  []string
		want  string // In nbrun's output.
	}{
		{"compile error", []string{"%%\nx := 1"}, nil, "declared and not used"},
		{"panic", []string{"%%\npanic(\"boom at 42\")"}, nil, "boom at 42"},
		{"nb.Check", []string{setupCell, "import (\n\t\"fmt\"\n\n\t\"github.com/gosm/gosm/scorematching/nb\"\n)\n\n%%\nnb.Check(fmt.Errorf(\"learning rate -1 must be positive\"))"},
			nil, "error: learning rate -1 must be positive"},
		{"unknown %command", []string{"%frobnicate\n%%\nprintln(1)"}, nil, `"%frobnicate" unknown`},
		{"missing figure", []string{"%%\nprintln(\"no plot here\")"}, []string{"--expect-images", "1"}, "expected at least 1 image/png outputs, got 0"},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			path := filepath.Join(dir, strings.NewReplacer(" ", "-", "%", "", ".", "-").Replace(c.name)+".ipynb")
			writeNotebook(t, path, c.cells)
			cmd := exec.Command(filepath.Join(root, ".venv", "bin", "python"),
				append([]string{filepath.Join(root, harnessDir, "nbrun.py"), path, "--timeout", "300"}, c.args...)...)
			cmd.Env = subprocessEnv()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("nbrun exited with %v, want status 1; output:\n%s", err, out)
			}
			if !strings.Contains(string(out), c.want) {
				t.Errorf("nbrun's output does not contain %q:\n%s", c.want, out)
			}
		})
	}
}

// writeNotebook writes a GoNB notebook whose code cells have the given sources.
func writeNotebook(t *testing.T, path string, sources []string) {
	t.Helper()
	type cell struct {
		CellType       string         `json:"cell_type"`
		ExecutionCount any            `json:"execution_count"`
		Metadata       map[string]any `json:"metadata"`
		Outputs        []any          `json:"outputs"`
		Source         string         `json:"source"`
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"name": "gonb", "display_name": "Go (gonb)", "language": "go"},
			"language_info": map[string]any{"name": "go"},
		},
	}
	var cells []cell
	for _, s := range sources {
		cells = append(cells, cell{CellType: "code", Metadata: map[string]any{}, Outputs: []any{}, Source: s})
	}
	nb["cells"] = cells
	data, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

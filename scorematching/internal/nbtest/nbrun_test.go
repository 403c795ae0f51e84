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
	dir := outTempDir(t, root, "nbrun-failures-")
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
			code, out := nbrun(t, root, append([]string{path}, c.args...)...)
			if code != 1 {
				t.Fatalf("nbrun exited with status %d, want 1; output:\n%s", code, out)
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("nbrun's output does not contain %q:\n%s", c.want, out)
			}
		})
	}
}

// nbrun runs nbrun.py with args (and a 300 s cell timeout) and returns its exit status and its
// output.
func nbrun(t *testing.T, root string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(root, ".venv", "bin", "python"),
		append([]string{filepath.Join(root, harnessDir, "nbrun.py"), "--timeout", "300"}, args...)...)
	cmd.Env = subprocessEnv()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("nbrun: %v\n%s", err, out)
	}
	return 0, string(out)
}

// outTempDir returns a new folder under the repository's out/ for a test's notebooks, removed when
// the test ends: they live under the repository, as ours do, so that the set-up cell finds go.mod.
func outTempDir(t *testing.T, root, prefix string) string {
	t.Helper()
	touchInputs(root)
	if err := os.MkdirAll(filepath.Join(root, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(filepath.Join(root, "out"), prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
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

// TestRenderWorkdir: notebooks rendered with --workdir run in that folder, so the second of two
// rendered into the same folder finds what the first saved (as render.sh renders 05 after 04),
// while rendered on its own, in its fresh out/render/<name>/, it does not; and --workdir is
// refused without --render or for a folder that does not exist.
func TestRenderWorkdir(t *testing.T) {
	root := notebookRoot(t, false)
	dir := outTempDir(t, root, "nbrun-workdir-")
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	first, second := filepath.Join(dir, "first.ipynb"), filepath.Join(dir, "second.ipynb")
	writeNotebook(t, first, []string{"import \"os\"\n\n%%\nif err := os.WriteFile(\"saved-by-first.txt\", []byte(\"x\"), 0o644); err != nil {\n\tpanic(err)\n}"})
	writeNotebook(t, second, []string{"import \"os\"\n\n%%\nif _, err := os.Stat(\"saved-by-first.txt\"); err != nil {\n\tpanic(err)\n}"})
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Join(root, "out", "render", "second")) })
	if code, out := nbrun(t, root, "--render", "--workdir", work, first); code != 0 {
		t.Fatalf("rendering the first notebook: status %d\n%s", code, out)
	}
	if code, out := nbrun(t, root, "--render", "--workdir", work, second); code != 0 {
		t.Fatalf("rendering the second notebook in the first's folder: status %d\n%s", code, out)
	}
	if code, out := nbrun(t, root, "--render", second); code != 1 || !strings.Contains(out, "saved-by-first.txt") {
		t.Errorf("the second notebook rendered alone: status %d, want 1 and its error:\n%s", code, out)
	}
	for _, args := range [][]string{{"--workdir", work, second}, {"--render", "--workdir", filepath.Join(dir, "none"), second}} {
		if code, out := nbrun(t, root, args...); code != 2 || !strings.Contains(out, "--workdir") {
			t.Errorf("nbrun %v: status %d, want 2 and a message naming --workdir:\n%s", args, code, out)
		}
	}
}

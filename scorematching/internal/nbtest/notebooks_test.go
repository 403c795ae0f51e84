//go:build unix

// Package nbtest_test is the notebooks' test harness: it runs every notebooks/*.ipynb headless with
// the GoNB kernel (through nbrun.py, in this folder) and fails on any error output, failed cell or
// missing plot; runs notebook 01 in JupyterLab in headless Chromium (browser.py); and checks that
// the notebooks are stored rendered and fresh (rendered_test.go).
//
// Set-up (once): bash scorematching/scripts/setup.sh
// Run:           go test ./scorematching/internal/nbtest/ -v -timeout 30m
//
// Without the set-up the test skips, unless GOSM_REQUIRE_NOTEBOOKS=1 (then it fails).
// -short skips it too (unless GOSM_REQUIRE_NOTEBOOKS=1). Executed notebooks are saved under
// <repo>/out/notebooks/ (or $GOSM_NOTEBOOK_OUT) for inspection.
package nbtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// notebookConfig says how to run one notebook in the test: small parameters keep the suite fast.
type notebookConfig struct {
	// Set overrides variables of the notebook's cell tagged "parameters" (nbrun.py --set NAME=VALUE).
	// Values are Go source: "3", "1e-3", `"moons"` (a bare word is quoted when the parameter is a string).
	// "{tmp}" in a value is replaced by a fresh temporary folder: point output folders there, so a test
	// run never overwrites what a student trained (e.g. "ModelDir": "{tmp}/01-ring").
	Set map[string]string
	// MinImages is the least number of image/png outputs the run must produce.
	MinImages int
	// Timeout bounds the whole notebook (default defaultNotebookTimeout).
	Timeout time.Duration
	// Twice runs all the cells a second time in the same kernel, as a student re-running it.
	Twice bool
}

// notebooks lists the per-notebook settings; a notebook not listed here runs as saved.
var notebooks = map[string]notebookConfig{
	"00-score-matching-in-1d.ipynb": {
		Set: map[string]string{"Samples": "1000", "Epochs": "3", "BatchSize": "200", "Particles": "200",
			"LangevinSteps": "100", "ModelDir": "{tmp}/00-1d"},
		MinImages: 8,
	},
	"01-ring-exact-score-matching.ipynb": {
		Set:       map[string]string{"Epochs": "3", "ModelDir": "{tmp}/01-ring"},
		MinImages: 10, // 5 figures, twice (the second time the models are loaded, not trained).
		Twice:     true,
	},
	"02-sliced-score-matching.ipynb": {
		Set: map[string]string{"Epochs": "2", "NumSamples": "2000", "MaxVectors": "200", "Repeats": "20", "NoiseDraws": "3",
			"BenchSteps": "1", "BenchRepeats": "1", "BenchDims": "[]int{2, 8}", "ModelDir": "{tmp}/02-sliced"},
		MinImages: 6,
	},
	"03-langevin-sampling.ipynb": {
		Set: map[string]string{"Particles": "200", "RingSteps": "200", "Epochs": "2", "MixSteps": "100", "StepsPerLevel": "10",
			"NCSNEpochs": "2", "MMDReps": "3", "RingModelDir": "{tmp}/03-ring", "MixModelDir": "{tmp}/03-mix"},
		MinImages: 8,
	},
	"04-toy-datasets.ipynb": {
		Set:       map[string]string{"EpochScale": "0.01", "Particles": "200", "OutDir": "{tmp}/04-toy-datasets"},
		MinImages: 2,
	},
	"05-score-sde-diffusion.ipynb": {
		Set: map[string]string{"Epochs": "2", "Samples": "1000", "BatchSize": "200", "Particles": "200", "PCSteps": "50",
			"EMSteps": "50", "ODESteps": "10", "TableEpochs": "1", "Datasets": `"ring,moons"`, "ModelDir": "{tmp}/05-ring",
			"OutDir": "{tmp}/05-diffusion", "NCSNDir": "{tmp}/04-none"},
		MinImages: 4,
	},
}

// variants are further runs of notebooks with other parameters: the prose's numbers are printed
// by cells, so the notebook must run clean with any sensible values.
var variants = []struct {
	name, notebook string
	cfg            notebookConfig
}{
	{"01-another-ring", "01-ring-exact-score-matching.ipynb", notebookConfig{
		Set:       map[string]string{"Radius": "2", "Std": "0.25", "Epochs": "3", "NumSamples": "2000", "ModelDir": "{tmp}/01-ring"},
		MinImages: 5,
	}},
}

const (
	// harnessDir is this folder, relative to the repository's root: nbrun.py and browser.py live here.
	harnessDir             = "scorematching/internal/nbtest"
	defaultNotebookTimeout = 20 * time.Minute
	requireEnv             = "GOSM_REQUIRE_NOTEBOOKS"
	outEnv                 = "GOSM_NOTEBOOK_OUT"
	setupHint              = "set up with: bash scorematching/scripts/setup.sh (creates .venv with JupyterLab and the GoNB kernel)"
)

func TestNotebooks(t *testing.T) {
	root := notebookRoot(t, false)
	names, err := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Skip("no notebooks/*.ipynb")
	}
	sort.Strings(names)
	for name := range notebooks {
		if _, err := os.Stat(filepath.Join(root, "notebooks", name)); err != nil {
			t.Logf("note: settings for %s, which does not exist", name)
		}
	}
	touchInputs(root)

	outDir := os.Getenv(outEnv)
	if outDir == "" {
		outDir = filepath.Join(root, "out", "notebooks")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, path := range names {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			runNotebook(t, root, path, filepath.Join(outDir, name), notebooks[name])
		})
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			runNotebook(t, root, filepath.Join(root, "notebooks", v.notebook), filepath.Join(outDir, v.name+".ipynb"), v.cfg)
		})
	}
}

func runNotebook(t *testing.T, root, path, outPath string, cfg notebookConfig) {
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = defaultNotebookTimeout
	}
	timeout = timeLeft(t, timeout) // Stop before `go test -timeout` would panic, so the failure names the notebook.
	if timeout <= 0 {
		t.Fatalf("no time left for %s: raise go test -timeout (e.g. -timeout 30m)", filepath.Base(path))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	// nbrun.py's own per-cell limit comes first, so a stuck cell is reported by name and the executed
	// notebook is saved; the context is the backstop.
	cellTimeout := max(timeout-time.Minute, timeout*3/4)
	args := []string{filepath.Join(root, harnessDir, "nbrun.py"), path,
		"--out", outPath, "--timeout", fmt.Sprint(int(cellTimeout.Seconds()))}
	keys := make([]string, 0, len(cfg.Set))
	for k := range cfg.Set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := cfg.Set[k]
		if strings.Contains(v, "{tmp}") {
			v = strings.ReplaceAll(v, "{tmp}", t.TempDir())
		}
		args = append(args, "--set", k+"="+v)
	}
	if cfg.MinImages > 0 {
		args = append(args, "--expect-images", fmt.Sprint(cfg.MinImages))
	}
	if cfg.Twice {
		args = append(args, "--twice")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(root, ".venv", "bin", "python"), args...)
	cmd.Dir = root
	cmd.Env = subprocessEnv()
	// Own process group, so a kill also stops the kernel and the cell program it is running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start).Round(100 * time.Millisecond)
	text := strings.TrimSpace(string(out))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("%s: still running after %s, killed (raise go test -timeout, or the notebook's Timeout)\n%s",
				filepath.Base(path), timeout, text)
		}
		t.Fatalf("%s failed after %s (%v); executed notebook: %s\n%s", filepath.Base(path), elapsed, err, outPath, text)
	}
	t.Logf("%s (executed notebook: %s)", text, outPath)
}

// notebookRoot returns the repository's root, or skips the test (fails it if GOSM_REQUIRE_NOTEBOOKS
// is 1) when the notebook environment is not set up, or with -short.
// alsoRequired makes it a failure too (the browser test passes GOSM_REQUIRE_BROWSER's value).
func notebookRoot(t *testing.T, alsoRequired bool) string {
	t.Helper()
	required := os.Getenv(requireEnv) == "1" || alsoRequired
	if testing.Short() && !required {
		t.Skip("-short: not running notebooks")
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkSetup(root); err != nil {
		if required {
			t.Fatalf("the notebook environment is not ready: %v; %s", err, setupHint)
		}
		t.Skipf("notebook environment not ready (%v); %s. Set %s=1 to make this a failure.", err, setupHint, requireEnv)
	}
	return root
}

// timeLeft returns want, or less if go test's -timeout would come first (keeping 30 s to report).
func timeLeft(t *testing.T, want time.Duration) time.Duration {
	if deadline, ok := t.Deadline(); ok {
		if left := time.Until(deadline) - 30*time.Second; left < want {
			return left
		}
	}
	return want
}

// subprocessEnv is the environment of the Python helpers: this one, with GoMLX's XLA installer
// (which downloads from GitHub) off unless asked for.
func subprocessEnv() []string {
	env := os.Environ()
	if _, ok := os.LookupEnv("GOMLX_NO_AUTO_INSTALL"); !ok {
		env = append(env, "GOMLX_NO_AUTO_INSTALL=1")
	}
	return env
}

// checkSetup reports what setup.sh has not done yet.
func checkSetup(root string) error {
	python := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		return fmt.Errorf("no Python virtual environment at %s", filepath.Dir(filepath.Dir(python)))
	}
	specPath := filepath.Join(root, ".venv", "share", "jupyter", "kernels", "gonb", "kernel.json")
	data, err := os.ReadFile(specPath)
	if err != nil {
		return fmt.Errorf("no GoNB kernel spec at %s", specPath)
	}
	var spec struct {
		Argv []string `json:"argv"`
	}
	if err := json.Unmarshal(data, &spec); err != nil || len(spec.Argv) == 0 {
		return fmt.Errorf("bad kernel spec %s: %v", specPath, err)
	}
	if _, err := os.Stat(spec.Argv[0]); err != nil {
		return fmt.Errorf("kernel binary %s (from %s) is missing", spec.Argv[0], specPath)
	}
	return nil
}

// touchInputs stats the files a notebook run depends on (the repository's Go code, go.mod, the
// notebooks, nbrun.py, data), so that go test's result cache is invalidated when one changes: the
// notebooks are run by a subprocess, which go test does not watch.
func touchInputs(root string) { touchOnce.Do(func() { touchAll(root) }) }

// touchOnce: go test records the files a test binary opens, so one walk serves every test.
var touchOnce sync.Once

func touchAll(root string) {
	skip := map[string]bool{".git": true, ".venv": true, "out": true, "node_modules": true, ".ipynb_checkpoints": true}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != root && (skip[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		_, _ = os.Stat(p)
		return nil
	})
	for _, p := range []string{
		filepath.Join(root, ".venv", "share", "jupyter", "kernels", "gonb", "kernel.json"),
		filepath.Join(root, ".venv", "bin", "gonb"),
	} {
		_, _ = os.Stat(p)
	}
	for _, env := range []string{"GOMLX_BACKEND", "GOMLX_NO_AUTO_INSTALL", "GOFLAGS", "GOEXPERIMENT", outEnv} {
		_ = os.Getenv(env)
	}
}

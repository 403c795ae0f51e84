package backend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/go-xla/installer"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/hostmath"
)

func TestConfig(t *testing.T) {
	t.Setenv(backend.EnvVar, "")
	t.Setenv(backend.PluginPathEnvVar, t.TempDir()) // A folder with no plugin.
	// The default is the Go backend with an unbounded worker pool (the upstream default
	// deadlocks on 2 cores, see shared/FACTS.md).
	if got := backend.Config(); got != "go:parallelism=-1" {
		t.Errorf("Config() with %s unset = %q, want %q", backend.EnvVar, got, backend.Default)
	}
	t.Setenv(backend.EnvVar, "  go:ops_sequential ")
	if got := backend.Config(); got != "go:ops_sequential" {
		t.Errorf("Config() = %q, want the trimmed environment value", got)
	}
}

// TestConfigFindsXLAPlugin checks that a CPU plugin in PJRT_PLUGIN_LIBRARY_PATH makes XLA the
// default (the file is only looked for, not loaded), and that GOMLX_BACKEND still wins.
func TestConfigFindsXLAPlugin(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pjrt_c_api_cpu_plugin.so"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(backend.EnvVar, "")
	t.Setenv(backend.PluginPathEnvVar, t.TempDir()+string(filepath.ListSeparator)+dir)
	if got := backend.Config(); got != backend.XLACPU {
		t.Errorf("Config() with a plugin in the path = %q, want %q", got, backend.XLACPU)
	}
	if got := backend.CPUPluginPath(); got != filepath.Join(dir, "pjrt_c_api_cpu_plugin.so") {
		t.Errorf("CPUPluginPath() = %q", got)
	}
	t.Setenv(backend.EnvVar, "go")
	if got := backend.Config(); got != backend.Default {
		t.Errorf("Config() with %s=go = %q, want %q (a plain go runs as the default)", backend.EnvVar, got, backend.Default)
	}
}

// TestResolve: a plain "go" and any Go configuration that leaves the upstream worker pool in place
// (it deadlocks on 2 cores, see shared/FACTS.md) run with parallelism=-1; an explicit parallelism or
// ops_sequential is kept, and other backends are left alone.
func TestResolve(t *testing.T) {
	cases := map[string]string{
		"go":                                 backend.Default,
		"go:":                                backend.Default,
		"go:,":                               backend.Default,
		"go:parallelism=-1":                  "go:parallelism=-1",
		"go:parallelism=4":                   "go:parallelism=4",
		"go:parallelism=0":                   "go:parallelism=0",
		"go:ops_sequential":                  "go:ops_sequential",
		"go:dependency_order,ops_sequential": "go:dependency_order,ops_sequential",
		"go:dependency_order":                "go:dependency_order,parallelism=-1",
		"go:ops_parallel":                    "go:ops_parallel,parallelism=-1",
		"go:creation_order,":                 "go:creation_order,parallelism=-1",
		"go:ops_sequential,ops_parallel":     "go:ops_sequential,ops_parallel,parallelism=-1", // The last one wins.
		"go:ops_parallel,parallelism=2":      "go:ops_parallel,parallelism=2",
		"xla:cpu":                            "xla:cpu",
		"xla":                                "xla",
		"nope:x":                             "nope:x",
		"":                                   "",
	}
	for in, want := range cases {
		if got := backend.Resolve(in); got != want {
			t.Errorf("Resolve(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConfigResolvesGo: GOMLX_BACKEND=go (the example the docs give) and other Go configurations
// without a parallelism are mapped by Config, so bench labels and logs show what runs.
func TestConfigResolvesGo(t *testing.T) {
	for env, want := range map[string]string{
		"go":                  backend.Default,
		" go: ":               backend.Default,
		"go:dependency_order": "go:dependency_order,parallelism=-1",
		"go:parallelism=3":    "go:parallelism=3",
		"go:ops_sequential":   "go:ops_sequential",
	} {
		t.Setenv(backend.EnvVar, env)
		if got := backend.Config(); got != want {
			t.Errorf("Config() with %s=%q = %q, want %q", backend.EnvVar, env, got, want)
		}
	}
}

// TestNewWithConfigPlainGo: NewWithConfig("go") builds the deadlock-free configuration, and
// Describe shows the parallelism that runs.
func TestNewWithConfigPlainGo(t *testing.T) {
	for _, config := range []string{"go", "go:"} {
		b, err := backend.NewWithConfig(config)
		if err != nil {
			t.Fatalf("NewWithConfig(%q): %v", config, err)
		}
		if !strings.Contains(b.Description(), "parallelism=-1") {
			t.Errorf("NewWithConfig(%q): %q, want parallelism=-1", config, b.Description())
		}
		if d := backend.Describe(b); !strings.Contains(d, "parallelism=-1") {
			t.Errorf("Describe after NewWithConfig(%q) = %q, want the parallelism that runs", config, d)
		}
	}
	b, err := backend.NewWithConfig("go:dependency_order")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.Description(), "parallelism=-1") {
		t.Errorf("NewWithConfig(go:dependency_order): %q, want parallelism=-1", b.Description())
	}
	b, err = backend.NewWithConfig("go:parallelism=3")
	if err != nil {
		t.Fatal(err)
	}
	if d := backend.Describe(b); !strings.Contains(d, "parallelism=3") {
		t.Errorf("Describe of an explicit parallelism = %q, want it kept", d)
	}
	build := "plain build"
	if hostmath.SIMDBuild {
		build = "simd build"
	}
	if d := backend.Describe(b); !strings.Contains(d, build) {
		t.Errorf("Describe of the Go backend = %q, want it to say %q", d, build)
	}
}

func TestNewGo(t *testing.T) {
	t.Setenv(backend.EnvVar, "")
	t.Setenv(backend.PluginPathEnvVar, "")
	b, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	// The description carries the configuration, so logs show which one ran.
	if d := backend.Describe(b); !strings.HasPrefix(d, b.Name()+" (") || !strings.Contains(d, "parallelism=-1") {
		t.Errorf("Describe = %q, want the name %q and the parallelism setting", d, b.Name())
	}
}

func TestUnknownBackend(t *testing.T) {
	_, err := backend.NewWithConfig("nope:x")
	if err == nil || !strings.Contains(err.Error(), `unknown backend "nope"`) || !strings.Contains(err.Error(), "go") {
		t.Errorf("error %v, want one naming the backend and listing the known ones", err)
	}
}

// cudaDirEnvVar names the folder of the CUDA PJRT plugin for TestCUDA (test.sh sets it after
// running scripts/cuda-plugin.sh --no-libs).
const cudaDirEnvVar = "GOSM_TEST_CUDA_PLUGIN_DIR"

// TestCUDA follows the GPU path as far as the machine allows. Without the plugin, xla:cuda fails
// with an error saying how to install it. With the plugin (scripts/cuda-plugin.sh, which has
// checked that it loads) but no GPU, it fails saying that no GPU is visible, not go-xla's bare "not
// found". With a GPU, the backend starts on it.
func TestCUDA(t *testing.T) {
	t.Setenv(backend.PluginPathEnvVar, t.TempDir())
	_, err := backend.NewWithConfig(backend.XLACUDA)
	if err == nil || !strings.Contains(err.Error(), "cuda-plugin.sh") {
		t.Errorf("xla:cuda without its plugin: want an error naming cuda-plugin.sh, got %v", err)
	}

	dir := os.Getenv(cudaDirEnvVar)
	if dir == "" {
		t.Skipf("%s is not set: the rest needs the CUDA plugin (bash scorematching/scripts/cuda-plugin.sh --no-libs, then set %s to its nvidia folder; test.sh does both)", cudaDirEnvVar, cudaDirEnvVar)
	}
	t.Setenv(backend.PluginPathEnvVar, dir)
	if backend.CUDAPluginPath() == "" {
		t.Fatalf("%s=%s holds no pjrt_c_api_cuda_plugin.so", cudaDirEnvVar, dir)
	}
	b, err := backend.NewWithConfig(backend.XLACUDA)
	if installer.HasNvidiaGPU() {
		if err != nil {
			t.Fatalf("a GPU is visible and the plugin installed, but xla:cuda does not start: %v", err)
		}
		t.Logf("xla:cuda started: %s", backend.Describe(b))
		return
	}
	if err == nil || !strings.Contains(err.Error(), "no NVIDIA GPU is visible") {
		t.Errorf("xla:cuda with its plugin on a machine without a GPU: want an error saying no GPU is visible, got %v", err)
	}
}

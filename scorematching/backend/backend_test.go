package backend_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/backend"
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
	if got := backend.Config(); got != "go" {
		t.Errorf("Config() with %s=go = %q, want go", backend.EnvVar, got)
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

package backend

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDescribeHasNoPaths: the XLA backend's description names its plugin's file with its full
// path; Describe keeps only the base name, so notebooks and logs carry no machine detail.
func TestDescribeHasNoPaths(t *testing.T) {
	for in, want := range map[string]string{
		`xla:cpu - PJRT "cpu" plugin (/work/main/.venv/pjrt/pjrt_c_api_cpu_plugin.so) v0.115 [StableHLO]`: `xla:cpu - PJRT "cpu" plugin (pjrt_c_api_cpu_plugin.so) v0.115 [StableHLO]`,
		"Go Portable Compute Backend (parallelism=-1)":                                                    "Go Portable Compute Backend (parallelism=-1)",
		"plugin /home/ann/x.so and /opt/y.so":                                                             "plugin x.so and y.so",
	} {
		if got := stripPaths(in); got != want {
			t.Errorf("stripPaths(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPluginSource: the wheel a plugin came from is read from the stamp the set-up scripts leave
// beside it (xla-plugin.sh: .installed in the plugin's folder; cuda-plugin.sh: .plugin one folder
// up); without a stamp nothing is claimed.
func TestPluginSource(t *testing.T) {
	cpu, cuda := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(cpu, ".installed"), []byte("lammps-jax-pjrt-cpu==0.11.2 sha256:1319"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(cuda, "nvidia"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cuda, ".plugin"), []byte("jax-cuda13-pjrt==0.12.0.1 sha256:5899"), 0o644); err != nil {
		t.Fatal(err)
	}
	for desc, want := range map[string]string{
		`xla:cpu - PJRT "cpu" plugin (` + cpu + `/pjrt_c_api_cpu_plugin.so) v0.115`:            "PyPI lammps-jax-pjrt-cpu==0.11.2",
		`xla:cuda - PJRT "cuda" plugin (` + cuda + `/nvidia/pjrt_c_api_cuda_plugin.so) v0.116`: "PyPI jax-cuda13-pjrt==0.12.0.1",
		`xla:cpu - PJRT "cpu" plugin (` + t.TempDir() + `/pjrt_c_api_cpu_plugin.so) v0.115`:    "",
		"Go Portable Compute Backend (parallelism=-1)":                                         "",
	} {
		if got := pluginSource(desc); got != want {
			t.Errorf("pluginSource(%q) = %q, want %q", desc, got, want)
		}
	}
}

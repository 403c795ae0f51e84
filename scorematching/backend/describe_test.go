package backend

import "testing"

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

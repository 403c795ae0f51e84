// Package backend chooses the GoMLX compute backend for the whole project, in one place.
//
// The default is GoMLX's pure Go backend, which needs nothing installed. It is configured as
// "go:parallelism=-1": ops run in parallel with an unbounded worker pool. The upstream default
// (a pool of 2 x GOMAXPROCS workers) can deadlock on small machines once a graph holds several
// matrix multiplications (every pool slot held by a node waiting on another); an unbounded pool
// can never be saturated, so it cannot deadlock that way, and it is the fastest Go configuration
// measured on a 2-core machine.
//
// When GOMLX_BACKEND is not set and a PJRT CPU plugin (pjrt_c_api_cpu_plugin.so) sits in one of
// the folders of PJRT_PLUGIN_LIBRARY_PATH, the default is the XLA backend on the CPU ("xla:cpu"),
// which is an order of magnitude faster; scorematching/scripts/xla-plugin.sh installs one.
//
// Setting GOMLX_BACKEND overrides the choice, e.g. GOMLX_BACKEND=go for the pure Go backend, or
// GOMLX_BACKEND=xla:cuda for the XLA backend on an NVIDIA GPU (its plugin and CUDA libraries come
// from scorematching/scripts/cuda-plugin.sh, which setup.sh runs when it finds a GPU; when xla:cuda
// cannot start, the error says whether the plugin or the GPU is missing). The XLA plugin is never
// downloaded at run time unless GOSM_XLA_AUTO_INSTALL=1 is set.
//
// A plain "go" (or "go:") never gets the upstream default: it runs as Default, and any other
// Go configuration that sets neither parallelism nor ops_sequential (e.g. "go:dependency_order")
// gets ",parallelism=-1" appended (see Resolve). Set parallelism explicitly (e.g.
// "go:parallelism=4") to run a bounded pool anyway. Describe's text shows the parallelism that runs.
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // Registers the pure Go backend ("go").
	"github.com/gomlx/go-xla/compute/xla"  // Registers the XLA backend ("xla").
	"github.com/gomlx/go-xla/installer"

	"github.com/gosm/gosm/scorematching/batch"
	"github.com/gosm/gosm/scorematching/hostmath"
)

// EnvVar is the environment variable that overrides the default backend (GoMLX's own).
const EnvVar = compute.ConfigEnvVar

// AutoInstallEnvVar, when set to 1, lets the XLA backend download its PJRT plugin.
const AutoInstallEnvVar = "GOSM_XLA_AUTO_INSTALL"

// Default is the configuration used when GOMLX_BACKEND is not set and no XLA CPU plugin is found.
const Default = "go:parallelism=-1"

// XLACPU is the configuration used when GOMLX_BACKEND is not set and an XLA CPU plugin is found.
const XLACPU = "xla:cpu"

// PluginPathEnvVar lists the folders where the XLA backend looks for PJRT plugins.
const PluginPathEnvVar = "PJRT_PLUGIN_LIBRARY_PATH"

// XLACUDA is the configuration of the XLA backend on an NVIDIA GPU.
const XLACUDA = "xla:cuda"

// cpuPluginFile and cudaPluginFile are the file names of the PJRT plugins the XLA backend loads
// for "xla:cpu" and "xla:cuda".
const (
	cpuPluginFile  = "pjrt_c_api_cpu_plugin.so"
	cudaPluginFile = "pjrt_c_api_cuda_plugin.so"
)

// Config returns the backend configuration that New uses: GOMLX_BACKEND when set (as Resolve
// maps it); else XLACPU when a CPU plugin is in PJRT_PLUGIN_LIBRARY_PATH; else Default.
func Config() string {
	if c := strings.TrimSpace(os.Getenv(EnvVar)); c != "" {
		return Resolve(c)
	}
	if CPUPluginPath() != "" {
		return XLACPU
	}
	return Default
}

// CPUPluginPath returns the path of the PJRT CPU plugin found in PJRT_PLUGIN_LIBRARY_PATH, or "".
func CPUPluginPath() string { return pluginPath(cpuPluginFile) }

// CUDAPluginPath returns the path of the PJRT CUDA plugin found in PJRT_PLUGIN_LIBRARY_PATH, or "".
func CUDAPluginPath() string { return pluginPath(cudaPluginFile) }

// pluginPath returns the first regular file called file in the folders of PJRT_PLUGIN_LIBRARY_PATH.
func pluginPath(file string) string {
	for _, dir := range filepath.SplitList(os.Getenv(PluginPathEnvVar)) {
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, file)
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			return path
		}
	}
	return ""
}

// cudaHint explains why the XLA backend on the GPU did not start: no plugin, or no GPU (then
// go-xla only says that the "cuda" plugin was not found), or else the driver or the libraries.
func cudaHint() string {
	switch {
	case CUDAPluginPath() == "":
		return fmt.Sprintf("the CUDA PJRT plugin (%s) is in no folder of %s: install it with "+
			"bash scorematching/scripts/cuda-plugin.sh and add its folder as the line it prints says (setup.sh does both when it finds a GPU)",
			cudaPluginFile, PluginPathEnvVar)
	case !installer.HasNvidiaGPU(): // go-xla's own test, which hides its CUDA plugin when it fails.
		return "no NVIDIA GPU is visible (no /dev/nvidia* device, and nvidia-smi is missing or reports none): " +
			"xla:cuda needs one; use xla:cpu or go on this machine"
	default:
		return "the plugin and a GPU are there: check the NVIDIA driver (CUDA 13 needs 580 or newer) and that " +
			"scorematching/scripts/cuda-plugin.sh installed the CUDA libraries (it was not run with --no-libs)"
	}
}

// New returns the backend named by Config.
func New() (compute.Backend, error) {
	return NewWithConfig(Config())
}

// Resolve returns the configuration that runs for config: config itself, except for the pure Go
// backend, whose upstream default worker pool (2 x GOMAXPROCS workers) can deadlock. "go" and
// "go:" become Default; a Go configuration that sets neither parallelism nor ops_sequential (the
// last of ops_sequential and ops_parallel wins, as in the Go backend) gets ",parallelism=-1"
// appended. An explicit parallelism=N or ops_sequential is kept as given.
func Resolve(config string) string {
	name, opts, _ := strings.Cut(config, ":")
	if name != goBackend {
		return config
	}
	opts = strings.TrimRight(opts, ",")
	if strings.Trim(opts, ",") == "" {
		return Default
	}
	parallelism, sequential := false, false
	for _, part := range strings.Split(opts, ",") { // The Go backend's own parsing: no spaces.
		key, _, _ := strings.Cut(part, "=")
		switch key {
		case "parallelism":
			parallelism = true
		case "ops_sequential":
			sequential = true
		case "ops_parallel":
			sequential = false
		}
	}
	if parallelism || sequential {
		return config
	}
	return name + ":" + opts + ",parallelism=-1"
}

// goBackend is the name of GoMLX's pure Go backend.
const goBackend = "go"

// NewWithConfig returns the backend for config ("go", "go:parallelism=-1", "xla:cpu", ...),
// with an error naming config when it is unknown or cannot start. The configuration that runs is
// Resolve(config): a plain "go" runs as Default.
func NewWithConfig(config string) (b compute.Backend, err error) {
	config = Resolve(config)
	name, _, _ := strings.Cut(config, ":")
	known := compute.List()
	if !contains(known, name) {
		return nil, fmt.Errorf("unknown backend %q (from %q): known backends are %s", name, config, strings.Join(known, ", "))
	}
	if name == "xla" {
		xla.EnableAutoInstall(os.Getenv(AutoInstallEnvVar) == "1")
	}
	b, err = newSilently(config)
	if err != nil {
		if config == XLACUDA || strings.HasPrefix(config, XLACUDA+",") {
			return nil, fmt.Errorf("backend %q: %w; %s", config, err, cudaHint())
		}
		return nil, fmt.Errorf("backend %q: %w", config, err)
	}
	return b, nil
}

// newSilently starts the backend with stdout silenced (the Go backend prints its parallelism
// setting there), and turns a panic (compute.NewWithConfig panics on some bad configurations) into
// an error; stdout is restored either way.
func newSilently(config string) (b compute.Backend, err error) {
	defer batch.Recover(&err, "starting")
	restore := silenceStdout()
	defer restore()
	return compute.NewWithConfig(config)
}

// Describe returns a one-line description of b for logs and notebooks, free of machine detail:
// a file path in the backend's description (the XLA plugin's) is shortened to its base name, so
// that saved notebooks and logs show the backend and its version, not where it is installed. For
// the pure Go backend it says which build runs: with GOEXPERIMENT=simd, or plain (then how to get
// the faster one, on amd64).
func Describe(b compute.Backend) string {
	d := fmt.Sprintf("%s (%s)", b.Name(), stripPaths(b.Description()))
	if b.String() != "go" {
		if p := pluginSource(b.Description()); p != "" {
			d += ", plugin from " + p
		}
		return d
	}
	switch {
	case hostmath.SIMDBuild:
		return d + ", simd build"
	case runtime.GOARCH == "amd64":
		return d + ", plain build: GOEXPERIMENT=simd builds it about 3 times faster"
	default:
		return d + ", plain build"
	}
}

// pluginSource says where the PJRT plugin named in an XLA backend's description came from: the
// wheel that scorematching/scripts/xla-plugin.sh or cuda-plugin.sh installed it from (their stamp
// file beside it: ".installed", or "../.plugin" for the CUDA plugin), else "" (go-xla's installer,
// or a plugin put there by hand).
func pluginSource(description string) string {
	m := pluginInDescription.FindStringSubmatch(description)
	if m == nil {
		return ""
	}
	dir := filepath.Dir(m[1])
	for _, stamp := range []string{filepath.Join(dir, ".installed"), filepath.Join(dir, "..", ".plugin")} {
		if data, err := os.ReadFile(stamp); err == nil {
			if pkg, _, ok := strings.Cut(string(data), " "); ok && strings.Contains(pkg, "==") {
				return "PyPI " + pkg
			}
		}
	}
	return ""
}

// pluginInDescription finds the plugin's path in the XLA backend's description, e.g.
// `PJRT "cpu" plugin (/x/pjrt_c_api_cpu_plugin.so) v0.115`.
var pluginInDescription = regexp.MustCompile(`\((/[^()]*\.so)\)`)

// absPath matches an absolute file path: a slash, then anything up to a space, a parenthesis or a
// quote.
var absPath = regexp.MustCompile(`/[^\s()"']*/([^\s()"'/]+)`)

// stripPaths replaces every absolute path in s by its base name.
func stripPaths(s string) string { return absPath.ReplaceAllString(s, "$1") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// silenceStdout redirects os.Stdout to the null device until the returned function is called,
// so that a backend's start-up chatter cannot corrupt a command's CSV output.
func silenceStdout() (restore func()) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	saved := os.Stdout
	os.Stdout = null
	return func() {
		os.Stdout = saved
		null.Close()
	}
}

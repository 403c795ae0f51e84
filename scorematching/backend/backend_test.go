package backend_test

import (
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/backend"
)

func TestConfig(t *testing.T) {
	t.Setenv(backend.EnvVar, "")
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

func TestNewGo(t *testing.T) {
	t.Setenv(backend.EnvVar, "")
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

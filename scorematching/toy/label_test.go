package toy_test

import (
	"testing"

	"github.com/gosm/gosm/scorematching/toy"
)

// TestLabel: every parameter with its value, a given one over the default; unknown names plain.
func TestLabel(t *testing.T) {
	ps, err := toy.ParamsOf("moons")
	if err != nil || len(ps) == 0 {
		t.Fatalf("ParamsOf(moons) = %v, %v", ps, err)
	}
	got := toy.Label("moons", map[string]float64{ps[0].Name: 0.25})
	want := "moons (" + ps[0].Name + "=0.25"
	if len(got) < len(want) || got[:len(want)] != want || got[len(got)-1] != ')' {
		t.Errorf("Label(moons, %s=0.25) = %q, want it to start with %q", ps[0].Name, got, want)
	}
	if got := toy.Label("nope", nil); got != "nope" {
		t.Errorf("Label(nope) = %q", got)
	}
}

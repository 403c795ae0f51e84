package hostmath

import (
	"math"
	"testing"
)

// TestExp: the pure Go exp agrees with math.Exp to within 2 ulp (relative 4.5e-16) wherever the
// result is a normal float64, with the same special cases; Exp is one of the two.
func TestExp(t *testing.T) {
	worst := 0.0
	for x := -745.0; x < 709.7; x += 0.01371 {
		want := math.Exp(x)
		if want < 0x1p-1022 || math.IsInf(want, 0) {
			continue // Subnormal results carry fewer significant bits: compared below, absolutely.
		}
		worst = max(worst, math.Abs(pureExp(x)-want)/want)
		if got := Exp(x); got != want && got != pureExp(x) {
			t.Fatalf("Exp(%v) = %v: neither math.Exp (%v) nor the pure Go exp", x, got, want)
		}
	}
	if worst > 4.5e-16 {
		t.Errorf("largest relative difference from math.Exp: %.3g, want <= 4.5e-16", worst)
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 710, -746, 0, 1e-300, -1e-300, 1} {
		got, want := pureExp(x), math.Exp(x)
		if !(got == want || (math.IsNaN(got) && math.IsNaN(want)) || math.Abs(got-want) <= 4.5e-16*want+0x1p-1074) {
			t.Errorf("pureExp(%v) = %v, math.Exp gives %v", x, got, want)
		}
	}
}

// BenchmarkExp times Exp as this build has it (go test -bench Exp; with GOEXPERIMENT=simd for the
// simd build) next to math.Exp.
func BenchmarkExp(b *testing.B) {
	for _, c := range []struct {
		name string
		f    func(float64) float64
	}{{"hostmath.Exp", Exp}, {"math.Exp", math.Exp}} {
		b.Run(c.name, func(b *testing.B) {
			s := 0.0
			for i := range b.N {
				s += c.f(-3 + 6*float64(i&1023)/1024)
			}
			if s < 0 {
				b.Fatal(s)
			}
		})
	}
}

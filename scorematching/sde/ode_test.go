package sde_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/gosm/gosm/scorematching/sde"
)

// TestIntegrators: on dy/dt = -y (y(t) = e^-t) and the harmonic oscillator, RK4 with 100 steps is
// within 1e-7 of the exact solution (its global error is O(h^4), 2.5e-8 measured on the oscillator) and DoPri within its
// tolerance; both run backwards in time too.
func TestIntegrators(t *testing.T) {
	ctx := context.Background()
	decay := func(_ float64, y, dy []float64) error {
		for i := range y {
			dy[i] = -y[i]
		}
		return nil
	}
	osc := func(_ float64, y, dy []float64) error { dy[0], dy[1] = y[1], -y[0]; return nil }
	for _, c := range []struct {
		name   string
		f      sde.Deriv
		y0     []float64
		t0, t1 float64
		want   []float64
	}{
		{"decay", decay, []float64{1, 2}, 0, 1, []float64{math.Exp(-1), 2 * math.Exp(-1)}},
		{"decay backwards", decay, []float64{1}, 1, 0, []float64{math.E}},
		{"oscillator", osc, []float64{1, 0}, 0, math.Pi, []float64{-1, 0}},
	} {
		y := append([]float64(nil), c.y0...)
		if err := sde.RK4(ctx, c.f, y, c.t0, c.t1, 100); err != nil {
			t.Fatal(err)
		}
		for i := range y {
			if math.Abs(y[i]-c.want[i]) > 1e-7 {
				t.Errorf("%s: RK4 y[%d] = %.12g, want %.12g", c.name, i, y[i], c.want[i])
			}
		}
		y = append([]float64(nil), c.y0...)
		st, err := sde.DoPri(ctx, c.f, y, c.t0, c.t1, 1e-8, 1e-10, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for i := range y {
			if math.Abs(y[i]-c.want[i]) > 1e-6 {
				t.Errorf("%s: DoPri y[%d] = %.12g, want %.12g (%+v)", c.name, i, y[i], c.want[i], st)
			}
		}
		if st.Accepted < 2 || st.Evals != 1+6*(st.Accepted+st.Rejected) {
			t.Errorf("%s: DoPri stats %+v", c.name, st)
		}
	}
	blowUp := func(_ float64, y, dy []float64) error { dy[0] = y[0] * y[0]; return nil }
	y := []float64{1}
	if _, err := sde.DoPri(ctx, blowUp, y, 0, 2, 1e-6, 1e-6, 200); err == nil {
		t.Error("dopri: y' = y^2 from y(0) = 1 past t = 1: no error")
	} else if !errors.Is(err, sde.ErrTooManySteps) && !math.IsInf(y[0], 0) {
		t.Logf("dopri blow-up: %v", err)
	}
	if err := sde.RK4(ctx, decay, []float64{1}, 0, 1, 0); err == nil {
		t.Error("rk4 with 0 steps: no error")
	}
}

// TestKernels: the VE kernel's std runs from SigmaMin to SigmaMax; the VP kernel keeps the
// variance (a^2 + std^2 = 1) and ends near the prior; g^2 is d sigma^2/dt for VE (finite
// differences) and beta(t) for VP; Discretize's G^2 sums over a grid to the kernel's variance.
func TestKernels(t *testing.T) {
	ve := sde.SDE{Kind: sde.VE, SigmaMax: 10}.WithDefaults()
	vp := sde.SDE{Kind: sde.VP}.WithDefaults()
	for _, s := range []sde.SDE{ve, vp} {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if a, std := ve.MeanStd(0); a != 1 || math.Abs(std-0.01) > 1e-15 {
		t.Errorf("ve at 0: %v, %v", a, std)
	}
	if _, std := ve.MeanStd(1); math.Abs(std-10) > 1e-12 {
		t.Errorf("ve at 1: std %v", std)
	}
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		a, std := vp.MeanStd(tt)
		if math.Abs(a*a+std*std-1) > 1e-12 {
			t.Errorf("vp at %v: a^2 + std^2 = %v", tt, a*a+std*std)
		}
		h := 1e-6
		_, s1 := ve.MeanStd(tt + h)
		_, s0 := ve.MeanStd(tt - h)
		if fd := (s1*s1 - s0*s0) / (2 * h); math.Abs(fd/ve.G2(tt)-1) > 1e-6 {
			t.Errorf("ve g^2 at %v: %v, finite differences %v", tt, ve.G2(tt), fd)
		}
	}
	if a, _ := vp.MeanStd(1); a > 0.01 {
		t.Errorf("vp at 1: mean coefficient %v, want the prior's 0", a)
	}
	for _, s := range []sde.SDE{ve, vp} {
		const n = 1000
		var v float64 // The variance the discretised chain adds to x_0 = 0: sum of G^2 (times the decays, for VP).
		for i := 1; i <= n; i++ {
			fc, g := s.Discretize(float64(i)/n, 1.0/n)
			v = (1+fc)*(1+fc)*v + g*g
		}
		_, std := s.MeanStd(1)
		if math.Abs(v/(std*std)-1) > 0.02 {
			t.Errorf("%s: the discretised chain's variance %v, the kernel's %v", s.Kind, v, std*std)
		}
	}
	for _, bad := range []sde.SDE{{Kind: "vp2"}, {Kind: sde.VE, SigmaMin: 1, SigmaMax: 0.5, Eps: 1e-3}, {Kind: sde.VP, BetaMin: -1, BetaMax: 20, Eps: 1e-3}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

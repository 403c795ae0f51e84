package plots_test

import (
	"math"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/plots"
)

// hutchinsonCurve is a made-up Hutchinson curve: a running mean that settles on trace and RMS
// errors of std/sqrt(M), with 4 percent of noise.
func hutchinsonCurve(name string, trace, std float64, maxM int) plots.HutchinsonCurve {
	c := plots.HutchinsonCurve{Name: name, Std: std}
	for m := 1; m <= maxM; m = m*5/4 + 1 {
		c.M = append(c.M, m)
	}
	for k, m := range c.M {
		wobble := 1 + 0.04*math.Sin(float64(k))
		c.Running = append(c.Running, trace+std*wobble*math.Cos(float64(3*k))/math.Sqrt(float64(m)))
		c.RMSError = append(c.RMSError, std*wobble/math.Sqrt(float64(m)))
	}
	return c
}

// TestHutchinsonFigures: both figures render, the legends name the distributions and the exact
// trace, and no curves, or a curve whose columns differ in length, are errors.
func TestHutchinsonFigures(t *testing.T) {
	curves := []plots.HutchinsonCurve{
		hutchinsonCurve("gaussian", 4, 6, 100), hutchinsonCurve("rademacher", 4, 4, 100), hutchinsonCurve("sphere", 4, 3.5, 100),
	}
	running, rms, err := plots.HutchinsonFigures(4, curves)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(running, rms); err != nil {
		t.Error(err)
	}
	if running.Y.Min > 4 || running.Y.Max < 4 {
		t.Errorf("running mean's axis [%v, %v] leaves out tr(A) = 4", running.Y.Min, running.Y.Max)
	}
	if _, _, err := plots.HutchinsonFigures(0, nil); err == nil {
		t.Error("no curves: no error")
	}
	bad := curves[0]
	bad.RMSError = bad.RMSError[1:]
	if _, _, err := plots.HutchinsonFigures(4, []plots.HutchinsonCurve{bad}); err == nil || !strings.Contains(err.Error(), "gaussian") {
		t.Errorf("curve with a missing error: error %v", err)
	}
}

func TestLogTicks125(t *testing.T) {
	var labels []string
	for _, tk := range (plots.LogTicks125{}).Ticks(2, 130) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "2 5 10 20 50 100" {
		t.Errorf("labels %q, want 2 5 10 20 50 100", got)
	}
	if ticks := (plots.LogTicks125{}).Ticks(0, 10); ticks != nil {
		t.Errorf("ticks for a range starting at 0: %v", ticks)
	}
}

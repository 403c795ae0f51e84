package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/sde"
)

// TestDiffusionCommands: train --loss sde (both processes) writes a time-conditioned model with
// its process (a VE process's sigma_max from the data); sample runs em, pc and ode on it (CSV of
// --n rows), refuses the Langevin samplers' flags and annealing; likelihood writes x,y,logp with
// finite values, and its adaptive variant agrees with the RK4 one within 0.05 nats (Hutchinson's
// one-vector estimate within 2 nats: on an untrained network its variance is large); likelihood
// refuses a model not trained with sde; PC on the VP process refuses too few steps.
func TestDiffusionCommands(t *testing.T) {
	dir := t.TempDir()
	pts := filepath.Join(dir, "p.csv")
	os.WriteFile(pts, []byte("x,y\n0.5,0.5\n1,0\n-0.3,0.9\n"), 0o644)
	for _, kind := range []string{"ve", "vp"} {
		out := filepath.Join(dir, kind)
		stdout, _ := mustRun(t, trainArgs("--loss", "sde", "--sde", kind, "--sizes", "2,16,2", "--out", out)...)
		if !strings.Contains(stdout, "time-mlp model [10 16 2]") || !strings.Contains(stdout, "loss sde ("+kind) {
			t.Errorf("%s: train printed %q", kind, stdout)
		}
		saved, err := network.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Kind != network.KindTimeMLP || saved.SDE == nil || saved.SDE.Kind != sde.Kind(kind) {
			t.Fatalf("%s: model kind %q, SDE %+v", kind, saved.Kind, saved.SDE)
		}
		if kind == "ve" && !(saved.SDE.SigmaMax >= 2 && saved.SDE.SigmaMax <= 3) { // The blog's ring: diameter about 2.7.
			t.Errorf("ve: sigma_max %v, want the ring's largest distance between points", saved.SDE.SigmaMax)
		}
		for _, s := range []string{"em", "pc", "ode", ""} {
			args := []string{"sample", "--model", out, "--n", "20", "--steps", "50"}
			if s != "" {
				args = append(args, "--sampler", s)
			}
			stdout, _ := mustRun(t, args...)
			if rows := strings.Split(strings.TrimSpace(stdout), "\n"); len(rows) != 21 || rows[0] != "x,y" {
				t.Errorf("%s sample %q: %d rows, header %q", kind, s, len(rows), rows[0])
			}
		}
		mustRun(t, "sample", "--model", out, "--sampler", "ode", "--n", "5", "--steps", "200", "--tolerance", "1e-3")
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--sampler", "pc", "--step-size", "0.1"}, "--step-size is for the Langevin samplers"},
			{[]string{"--sampler", "langevin", "--snr", "0.1"}, "--snr is for the diffusion samplers"},
			{[]string{"--sampler", "annealed"}, "needs a noise-conditional model"},
		} {
			code, _, stderr := runCmd(t, append([]string{"sample", "--model", out, "--n", "5"}, c.args...)...)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Errorf("%s sample %v: exit %d, stderr %q, want %q", kind, c.args, code, stderr, c.want)
			}
		}
		var logps [3][]float64
		for i, extra := range [][]string{nil, {"--tolerance", "1e-4", "--steps", "2000"}, {"--hutchinson", "--seed", "2"}} {
			stdout, _ := mustRun(t, append([]string{"likelihood", "--model", out, "--points", pts}, extra...)...)
			rows := strings.Split(strings.TrimSpace(stdout), "\n")
			if len(rows) != 4 || rows[0] != "x,y,logp" {
				t.Fatalf("%s likelihood %v: %q", kind, extra, stdout)
			}
			for _, r := range rows[1:] {
				var x, y, lp float64
				if _, err := fmt.Sscanf(r, "%g,%g,%g", &x, &y, &lp); err != nil || math.IsNaN(lp) || math.IsInf(lp, 0) {
					t.Fatalf("%s likelihood row %q: %v", kind, r, err)
				}
				logps[i] = append(logps[i], lp)
			}
		}
		for i := range logps[0] {
			if math.Abs(logps[1][i]-logps[0][i]) > 0.05 || math.Abs(logps[2][i]-logps[0][i]) > 2 {
				t.Errorf("%s point %d: log-density %v (rk4), %v (dopri), %v (hutchinson)", kind, i, logps[0][i], logps[1][i], logps[2][i])
			}
		}
	}
	// Any dimension: a 3-D Gaussian, its samples and its likelihood (exact and Hutchinson's).
	cube := filepath.Join(dir, "cube")
	mustRun(t, "train", "--dataset", "gaussian", "--data-params", "dim=3", "--loss", "sde", "--epochs", "1", "--samples", "200", "--batch", "100", "--sizes", "3,8,3", "--out", cube)
	if stdout, _ := mustRun(t, "sample", "--model", cube, "--n", "4", "--steps", "20"); !strings.HasPrefix(stdout, "x1,x2,x3\n") || strings.Count(stdout, "\n") != 5 {
		t.Errorf("3-D samples: %q", stdout)
	}
	pts3 := filepath.Join(dir, "p3.csv")
	os.WriteFile(pts3, []byte("0.1,0.2,0.3\n-1,0,1\n"), 0o644)
	for _, extra := range [][]string{nil, {"--hutchinson"}} {
		stdout, _ := mustRun(t, append([]string{"likelihood", "--model", cube, "--points", pts3, "--steps", "20"}, extra...)...)
		if !strings.HasPrefix(stdout, "x1,x2,x3,logp\n") || strings.Count(stdout, "\n") != 3 {
			t.Errorf("3-D likelihood %v: %q", extra, stdout)
		}
	}
	plain := filepath.Join(dir, "plain")
	mustRun(t, trainArgs("--out", plain)...)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"likelihood", "--model", plain, "--points", pts}, "needs a model trained with --loss sde"},
		{[]string{"sample", "--model", plain, "--sampler", "pc", "--n", "5"}, "needs a time-conditioned model"},
		{[]string{"likelihood", "--model", plain, "--points", pts, "--seed", "3"}, "--hutchinson"},
		{trainArgs("--loss", "exact", "--sde", "vp", "--out", filepath.Join(dir, "x")), "--sde is for the loss sde"},
		{[]string{"sample", "--model", filepath.Join(dir, "vp"), "--sampler", "pc", "--steps", "10", "--n", "5"}, "use at least 40 steps"},
		{trainArgs("--loss", "sde", "--sde", "ou", "--out", filepath.Join(dir, "y")), `"ou"`},
		{trainArgs("--loss", "sde", "--sde", "vp", "--beta-max", "-1", "--out", filepath.Join(dir, "z")), "beta_max"},
	} {
		code, _, stderr := runCmd(t, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}

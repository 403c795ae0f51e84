package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/points"
)

// blogBudgetEnv names the variable that turns on TestBlogBudget: the test trains two models for
// 20,000 steps each, about 2 minutes on xla:cpu and 6 or more on the pure Go backend (2 cores).
// scorematching/scripts/test.sh sets it for its XLA pass, so CI runs the test once.
const blogBudgetEnv = "GOSM_BLOG_BUDGET"

// TestBlogBudget checks, through the command, the two numbers that close issue 4, at the blog's
// budget, which is what train does with no options: 10,000 ring points (R = 1, std 0.1), the
// 2-64-128-64-2 tanh MLP, 1000 epochs of batches of 512 (20,000 Adam steps at 1e-4), seed 0.
//
//  1. `train --loss sliced` (one Rademacher projection per point, the default) reaches a relative
//     Fisher divergence to the true score (10,000 fresh points, summary.json) within 1.5 times that
//     of `train --loss exact`.
//  2. `sample` (Langevin with its defaults: 1000 steps of 1e-3 from uniform starts over the data's
//     extent), 5000 particles from the exact model, gives radius mean and std within 0.02 and
//     0.03 of the ring's 1 and 0.1.
//
// Measured with the command on xla:cpu (2-core EPYC VM), relative Fisher divergence for seeds 0,
// 1, 2: exact 0.0091, 0.0110, 0.0134; sliced 0.0096, 0.0118, 0.0131 (ratios 1.05, 1.07, 0.98);
// with Gaussian projections, the default until this test was written, 0.0146, 0.0127, 0.0156
// (1.60, 1.15, 1.16: seed 0 failed). Samples from the seed-0 exact model (sample --seed 1):
// radius 1.0010 +- 0.1042. The sampler's own bias (the analytic score, same steps:
// 1.0003 +- 0.1020, sample/langevin_test.go) is a tenth of the bounds.
func TestBlogBudget(t *testing.T) {
	if os.Getenv(blogBudgetEnv) == "" {
		t.Skipf("trains two models at the blog's budget (about 2 min on xla:cpu, 6+ on the Go backend); set %s=1 to run it "+
			"(scorematching/scripts/test.sh does, on its XLA pass)", blogBudgetEnv)
	}
	dir := t.TempDir()
	rel := map[string]float64{}
	for _, l := range []string{"exact", "sliced"} {
		out := filepath.Join(dir, l)
		if code, _, stderr := runCmd(t, "train", "--loss", l, "--report-every", "0", "--out", out); code != 0 {
			t.Fatalf("train --loss %s: exit %d: %s", l, code, stderr)
		}
		s := readSummary(t, out)
		if s.Steps != 20000 || s.FisherRelative == nil {
			t.Fatalf("train --loss %s: %d steps, relative Fisher %v; want 20000 steps and a divergence", l, s.Steps, s.FisherRelative)
		}
		rel[l] = *s.FisherRelative
	}
	t.Logf("relative Fisher divergence: exact %.4f, sliced %.4f (ratio %.2f)", rel["exact"], rel["sliced"], rel["sliced"]/rel["exact"])
	if !(rel["exact"] < 0.02) {
		t.Errorf("exact loss: relative Fisher divergence %.4f, want < 0.02 (measured 0.0091)", rel["exact"])
	}
	if !(rel["sliced"] <= 1.5*rel["exact"]) {
		t.Errorf("sliced loss: relative Fisher divergence %.4f, more than 1.5 x the exact loss's %.4f", rel["sliced"], rel["exact"])
	}

	code, stdout, stderr := runCmd(t, "sample", "--model", filepath.Join(dir, "exact"), "--n", "5000", "--seed", "1")
	if code != 0 {
		t.Fatalf("sample: exit %d: %s", code, stderr)
	}
	samples, err := points.Read(strings.NewReader(stdout), 2)
	if err != nil {
		t.Fatalf("reading the samples: %v", err)
	}
	if len(samples) != 5000 {
		t.Fatalf("%d samples, want 5000", len(samples))
	}
	mean, std := metrics.RadiusMoments(samples)
	t.Logf("samples: radius %.4f +- %.4f (ring: 1 +- 0.1)", mean, std)
	if mean < 1-0.02 || mean > 1+0.02 || std < 0.1-0.03 || std > 0.1+0.03 {
		t.Errorf("samples: radius mean %.4f, std %.4f; want within 0.02 of 1 and 0.03 of 0.1", mean, std)
	}
}

// readSummary reads the summary.json that train wrote into dir.
func readSummary(t *testing.T, dir string) experiment.Summary {
	t.Helper()
	var s experiment.Summary
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s/summary.json: %v", dir, err)
	}
	return s
}

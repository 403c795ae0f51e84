package bench_test

import (
	"context"
	"testing"

	"github.com/gomlx/compute"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/bench"
	"github.com/gosm/gosm/scorematching/train"
)

// BenchmarkBlogStep times the blog workload's training step: go test -bench BlogStep -run '^$'
// ./scorematching/bench (GOMLX_BACKEND picks the backend).
func BenchmarkBlogStep(b *testing.B) { benchmarkWorkload(b, bench.Blog) }

// BenchmarkSample times the sample workload's Langevin update of bench.Particles particles: go test
// -bench Sample -run '^$' ./scorematching/bench (GOMLX_BACKEND picks the backend).
func BenchmarkSample(b *testing.B) { benchmarkWorkload(b, bench.Sample) }

// benchmarkWorkload runs b.N steps of a workload on the backend GOMLX_BACKEND picks and reports
// its milliseconds per step and its compile time.
func benchmarkWorkload(b *testing.B, workload func(compute.Backend, string, int) (bench.Result, error)) {
	be, err := backend.New()
	if err != nil {
		b.Fatal(err)
	}
	r, err := workload(be, backend.Config(), b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.MsPerStep, "ms/step")
	b.ReportMetric(r.CompileMs, "compile-ms")
}

// TestWorkloadsRun checks that each workload runs, measures something positive and reports its
// name, and that bad arguments are refused.
func TestWorkloadsRun(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range bench.Workloads {
		results, err := bench.Run(context.Background(), be, "test", w, 1, []int{3}, "exact")
		if err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		for _, r := range results {
			wantSteps := 1 // One step asked for: rounded up to one call's worth of steps.
			if w != "sample" {
				wantSteps = train.StepsPerCall
			}
			if r.Workload != w || r.MsPerStep <= 0 || r.CompileMs <= 0 || r.PeakRSSMB <= 0 || r.Steps != wantSteps {
				t.Errorf("%s: implausible result %+v", w, r)
			}
		}
	}
	if _, err := bench.Run(context.Background(), be, "test", "nope", 1, nil, "exact"); err == nil {
		t.Error("unknown workload: want an error")
	}
	if _, err := bench.Blog(be, "test", 0); err == nil {
		t.Error("zero steps: want an error")
	}
	r, err := bench.DimLossFastest(be, "test", "sliced", 3, 1, 2)
	if err != nil || r.Loss != "sliced" || r.Dim != 3 || r.MsPerStep <= 0 || r.Steps != train.StepsPerCall {
		t.Errorf("DimLossFastest, 2 rounds: %+v, %v", r, err)
	}
	if _, err := bench.DimLossFastest(be, "test", "sliced", 3, 1, 0); err == nil {
		t.Error("zero rounds: want an error")
	}
}

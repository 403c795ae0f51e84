package bench_test

import (
	"reflect"
	"testing"

	"github.com/gosm/gosm/scorematching/bench"
	"github.com/gosm/gosm/scorematching/plots"
)

// TestStepCosts: a result is named by its loss, or by its workload where it has none, and keeps
// its dimension and milliseconds per step; the figure of them renders.
func TestStepCosts(t *testing.T) {
	results := []bench.Result{
		{Workload: "dim", Loss: "exact", Dim: 8, MsPerStep: 5}, {Workload: "dim", Loss: "sliced", Dim: 8, MsPerStep: 2.2},
		{Workload: "blog", Dim: 2, MsPerStep: 2},
	}
	want := []plots.StepCost{{Name: "exact", Dim: 8, Ms: 5}, {Name: "sliced", Dim: 8, Ms: 2.2}, {Name: "blog", Dim: 2, Ms: 2}}
	got := bench.StepCosts(results)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("StepCosts = %+v, want %+v", got, want)
	}
	p, err := plots.StepCostFigure("cost", got)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
}

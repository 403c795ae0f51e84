package plots_test

import (
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/plots"
)

// TestStepCostFigure: the figure renders, with one line per name, and refuses no costs and a
// cost without a positive time (naming its dimension).
func TestStepCostFigure(t *testing.T) {
	costs := []plots.StepCost{
		{Name: "exact", Dim: 8, Ms: 5}, {Name: "exact", Dim: 2, Ms: 2},
		{Name: "sliced", Dim: 2, Ms: 2}, {Name: "sliced", Dim: 8, Ms: 2.2},
	}
	p, err := plots.StepCostFigure("cost", costs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plots.PNG(p); err != nil {
		t.Error(err)
	}
	if _, err := plots.StepCostFigure("cost", nil); err == nil {
		t.Error("no results: no error")
	}
	if _, err := plots.StepCostFigure("cost", []plots.StepCost{{Name: "exact", Dim: 2}}); err == nil || !strings.Contains(err.Error(), "D=2") {
		t.Errorf("zero time: error %v", err)
	}
}

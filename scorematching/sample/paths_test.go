package sample_test

import (
	"testing"

	"github.com/gosm/gosm/scorematching/sample"
)

// TestPathsUpTo cuts recorded paths after a step.
func TestPathsUpTo(t *testing.T) {
	res := sample.Result{TrajectorySteps: []int{0, 10, 20, 24},
		Trajectories: [][][]float64{{{0, 0}, {1, 1}, {2, 2}, {3, 3}}, {{5, 5}, {6, 6}, {7, 7}, {8, 8}}}}
	for _, tc := range []struct{ step, want int }{{-1, 0}, {0, 1}, {15, 2}, {20, 3}, {100, 4}} {
		got := sample.PathsUpTo(res, tc.step)
		if len(got) != 2 || len(got[0]) != tc.want || len(got[1]) != tc.want {
			t.Errorf("step %d: %d and %d points, want %d", tc.step, len(got[0]), len(got[1]), tc.want)
		}
	}
}

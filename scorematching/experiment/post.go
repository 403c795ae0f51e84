package experiment

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/train"
)

// PostLog is what the post (Thiebaut, "Score Matching, Toy Datasets, and JAX", 2022) printed while
// training its network on its flawed loss with its settings (BlogOptions, loss "blog-flawed"): the
// loss on all 10,000 points before training (Epoch -1) and at the end of epochs 0, 100, ..., 900.
// The numbers are the post's output, quoted as data; its data and initial weights were not
// seeded, so a run of ours follows the same trend, not the same digits.
var PostLog = []train.Record{
	{Epoch: -1, Loss: 0.882}, {Epoch: 0, Loss: 0.094}, {Epoch: 100, Loss: -34.914}, {Epoch: 200, Loss: -76.258},
	{Epoch: 300, Loss: -108.725}, {Epoch: 400, Loss: -137.163}, {Epoch: 500, Loss: -163.454},
	{Epoch: 600, Loss: -188.590}, {Epoch: 700, Loss: -212.983}, {Epoch: 800, Loss: -236.987},
	{Epoch: 900, Loss: -260.864},
}

// PostComparisonFigure draws, in one figure, the full-data losses of two runs with the same
// settings, one trained on Hyvärinen's loss (correct) and one on the post's flawed loss (flawed),
// the post's printed log (PostLog) over them, and the lowest value the correct loss can reach
// (floor, the true score's loss): the post's numbers follow the flawed run down, forever, while
// the correct loss levels off just above the floor. The runs must report their loss (Reports).
func PostComparisonFigure(correct, flawed train.Result, floor float64) (*plot.Plot, error) {
	if len(correct.Reports) == 0 || len(flawed.Reports) == 0 {
		return nil, fmt.Errorf("the runs report no loss on all the data: set Train.ReportEvery")
	}
	last := max(correct.Reports[len(correct.Reports)-1].Epoch, flawed.Reports[len(flawed.Reports)-1].Epoch,
		PostLog[len(PostLog)-1].Epoch) + 1 // The floor spans the figure.
	post := recordCurve("printed in the post (its flawed loss)", PostLog)
	post.Dashed = true
	return plots.Loss("Loss on all the data: the post's objective against Hyvärinen's",
		recordCurve("the post's flawed loss, trained here", flawed.Reports),
		post,
		recordCurve("Hyvärinen's loss, trained here", correct.Reports),
		plots.FloorCurve(floor, float64(last)))
}

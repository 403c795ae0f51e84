package train

import (
	"fmt"

	"github.com/gosm/gosm/scorematching/limits"
	"github.com/gosm/gosm/scorematching/network"
)

// StepMemory estimates the memory of one evaluation of a loss (with its gradient) on rows points
// by an MLP with these layer sizes, when every activation carries copies values per row (D + 1
// with the D forward tangents of the exact loss, M + 1 with the M projections of the sliced
// losses, 1 for the losses that only need the scores): float32 activations kept for the backward
// pass, with as much again for their gradients, and a factor 2 of slack for the graph's temporaries.
func StepMemory(sizes []int, rows, copies int) limits.Size {
	width := limits.Of(0)
	for _, s := range sizes {
		width = width.Plus(limits.Of(s))
	}
	return width.Times(rows).Times(copies).Times(4 * 2 * 2)
}

// CheckMemory returns an error naming the network's sizes, the rows and the limit when training
// the MLP sizes on batches of batch rows, or evaluating the loss on evalRows rows at once (the
// full-data reports), with copies values per activation (see StepMemory), would need more memory
// than the limit (see package limits); lossName describes the loss in the error. It is meant to
// run before anything is allocated.
func CheckMemory(sizes []int, batch, evalRows, copies int, lossName string) error {
	m := network.MLP{Sizes: sizes}
	if err := m.CheckMemory(""); err != nil {
		return err
	}
	rows := max(batch, evalRows)
	return limits.Check(fmt.Sprintf("the loss %s on %d points through layers %v (%d values per activation)", lossName, rows, sizes, copies),
		m.TrainingBytes().Plus(StepMemory(sizes, rows, copies)))
}

package plots

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/toy"
)

// Figures of a toy data set's score field: the true score where it is known, the post's flawed
// formula for the ring, and the field figure that draws any field on the data set's window and
// arrow scale.

// TrueField is the true score of an Analytic data set on the grid of its window (toy.DefaultWindow;
// for the ring, the blog's 31 x 31 grid over [-1.5, 1.5]^2), with the centre arrow left out (see
// TrueFieldGrid). It is an error for a data set whose score is not known.
func TrueField(d toy.Dataset) (Field, error) {
	half, step, err := toy.DefaultWindow(d)
	if err != nil {
		return Field{}, err
	}
	return TrueFieldGrid(d, half, step)
}

// TrueFieldGrid is the true score of an Analytic data set on the grid of [-half, half]^2 with
// spacing step (see Grid), with the arrow at the centre left out (ZeroNear): the radial sets'
// score is singular there. It is an error for a data set whose score is not known.
func TrueFieldGrid(d toy.Dataset, half, step float64) (Field, error) {
	a, ok := d.(toy.Analytic)
	if !ok {
		return Field{}, fmt.Errorf("the data set %s has no closed-form score", d.Name())
	}
	grid, err := Grid(half, step)
	if err != nil {
		return Field{}, err
	}
	return Field{Points: grid, Vectors: ZeroNear(grid, toy.Scores(a, grid), step/2)}, nil
}

// BlogFlawedField is the post's score formula for the ring (toy.Ring.BlogFlawedScore) on the
// ring's window (toy.Ring.Window), with the centre arrow left out, for comparison with TrueField.
func BlogFlawedField(r toy.Ring) (Field, error) {
	half, step := r.Window()
	grid, err := Grid(half, step)
	if err != nil {
		return Field{}, err
	}
	vectors := make([][]float64, len(grid))
	for i, p := range grid {
		vectors[i] = r.BlogFlawedScore(p)
	}
	return Field{Points: grid, Vectors: ZeroNear(grid, vectors, step/2)}, nil
}

// FieldFigure draws a score field over samples on the window of the data set d
// (toy.DefaultWindow), with d's log-density shaded under it where it is known, and
// its arrows on the scale of d's true score (ArrowUnit of TrueField; see QuiverWith), which the
// title states: figures of the same data set (the true score, a learned one, the field learned so
// far) compare arrow for arrow. A field whose typical magnitude is more than ten times smaller or
// larger than the true score's (the post's formula for the ring is about a hundred times weaker)
// would show as dots or a thicket on that scale: it gets its own, and a line of the title says so
// and by how much. Without a known score, the field's own scale is used.
func FieldFigure(title string, d toy.Dataset, field Field, samples [][]float64) (*plot.Plot, error) {
	half, step, err := toy.DefaultWindow(d)
	if err != nil {
		return nil, err
	}
	opts := QuiverOptions{Unit: ArrowUnit(field)}
	if a, ok := d.(toy.Analytic); ok && d.Dim() == 2 {
		truth, err := TrueFieldGrid(d, half, step)
		if err != nil {
			return nil, err
		}
		unit := ArrowUnit(truth)
		opts = QuiverOptions{Unit: unit, LogDensity: a.LogDensity}
		if own := ArrowUnit(field); own < unit/10 || own > unit*10 {
			opts.Unit = own
			if own < unit {
				opts.Note = fmt.Sprintf("(own scale: %.3g times less |s| per arrow length than the true score's)", unit/own)
			} else {
				opts.Note = fmt.Sprintf("(own scale: %.3g times more |s| per arrow length than the true score's)", own/unit)
			}
		}
	}
	return QuiverWith(title, field, samples, half+step, step, opts)
}

// DataFigure draws points of the data set d on its window (toy.DefaultWindow): over its true
// score field and shaded log-density where the score is known (FieldFigure of TrueField), alone
// where it is not.
func DataFigure(title string, d toy.Dataset, points [][]float64) (*plot.Plot, error) {
	if _, ok := d.(toy.Analytic); ok && d.Dim() == 2 {
		field, err := TrueField(d)
		if err != nil {
			return nil, err
		}
		return FieldFigure(title, d, field, points)
	}
	half, step, err := toy.DefaultWindow(d)
	if err != nil {
		return nil, err
	}
	return Samples(title, points, half+step)
}

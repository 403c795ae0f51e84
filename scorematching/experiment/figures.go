package experiment

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// GridStep is the spacing of the blog's quiver grid.
const GridStep = 0.1

// GridHalf is the half-width of the blog's quiver grid, R + 5 std.
func GridHalf(r toy.Ring) float64 { return r.Radius + 5*r.Std }

// BlogGrid returns the blog's quiver grid for r: from -(R + 5 std) to R + 5 std in steps of 0.1
// on both axes (31 x 31 points for the blog's ring).
func BlogGrid(r toy.Ring) ([][]float64, error) { return plots.Grid(GridHalf(r), GridStep) }

// TrueField is the ring's analytic score on the blog grid, with the singular centre arrow zeroed.
func TrueField(r toy.Ring) (plots.Field, error) {
	grid, err := BlogGrid(r)
	if err != nil {
		return plots.Field{}, err
	}
	return plots.Field{Points: grid, Vectors: plots.ZeroNear(grid, r.Scores(grid), GridStep/2)}, nil
}

// BlogFlawedField is the post's score formula (toy.Ring.BlogFlawedScore) on the blog grid, with
// the centre arrow zeroed, for comparison with TrueField.
func BlogFlawedField(r toy.Ring) (plots.Field, error) {
	grid, err := BlogGrid(r)
	if err != nil {
		return plots.Field{}, err
	}
	vectors := make([][]float64, len(grid))
	for i, p := range grid {
		vectors[i] = r.BlogFlawedScore(p)
	}
	return plots.Field{Points: grid, Vectors: plots.ZeroNear(grid, vectors, GridStep/2)}, nil
}

// Window returns the half-width of a square window that holds the points (with a margin), and
// the step of a 31 x 31 quiver grid over it. For the ring it is the blog's (R + 5 std, 0.1).
func (o *Outcome) Window() (half, step float64) {
	if o.Options.IsRing() {
		return GridHalf(o.Options.Ring), GridStep
	}
	for _, p := range o.Data {
		for _, v := range p {
			half = math.Max(half, math.Abs(v))
		}
	}
	half = 1.1 * math.Max(half, 1e-6)
	return half, 2 * half / 30
}

// ScoreFields returns the learned score on the quiver grid and, where the data set's score is
// known, the true one (truth.Vectors is nil otherwise).
func (o *Outcome) ScoreFields() (truth, learned plots.Field, err error) {
	if o.Options.IsRing() {
		if truth, err = TrueField(o.Options.Ring); err != nil {
			return
		}
	} else {
		half, step := o.Window()
		if truth.Points, err = plots.Grid(half, step); err != nil {
			return
		}
		if dist, derr := o.Options.Data(); derr == nil {
			if a, ok := dist.(toy.Analytic); ok {
				truth.Vectors = toy.Scores(a, truth.Points)
			}
		}
	}
	vectors, err := o.Scores(truth.Points)
	if err != nil {
		return
	}
	return truth, plots.Field{Points: truth.Points, Vectors: vectors}, nil
}

// RingArrowUnit is the arrow scale of the ring's quiver figures: the |s| that an arrow one grid
// step long stands for, plots.ArrowUnit of the ring's true score on the blog grid (50 for the
// blog's ring).
func RingArrowUnit(r toy.Ring) (float64, error) {
	truth, err := TrueField(r)
	if err != nil {
		return 0, err
	}
	return plots.ArrowUnit(truth), nil
}

// FieldFigure draws a score field over samples on the ring's window, with the ring's log-density
// shaded under it, and its arrows on the scale of the ring's true score (RingArrowUnit; see
// plots.QuiverWith), which the title states: figures of the same ring (the true score, a learned
// one, the field learned so far) compare arrow for arrow. A field whose typical magnitude is more
// than ten times smaller or larger than the true score's (the post's formula is about a hundred
// times weaker) would show as dots or a thicket on that scale: it gets its own, and a line of the
// title says so and by how much.
func FieldFigure(title string, r toy.Ring, field plots.Field, samples [][]float64) (*plot.Plot, error) {
	unit, err := RingArrowUnit(r)
	if err != nil {
		return nil, err
	}
	opts := plots.QuiverOptions{Unit: unit, LogDensity: r.LogDensity}
	if own := plots.ArrowUnit(field); own < unit/10 || own > unit*10 {
		opts.Unit = own
		if own < unit {
			opts.Note = fmt.Sprintf("(own scale: %.3g times less |s| per arrow length than the true score's)", unit/own)
		} else {
			opts.Note = fmt.Sprintf("(own scale: %.3g times more |s| per arrow length than the true score's)", own/unit)
		}
	}
	return plots.QuiverWith(title, field, samples, GridHalf(r)+GridStep, GridStep, opts)
}

// LogDensity returns the log-density of the outcome's data set where it is known in closed form
// (toy.Analytic) and the data lie in the plane, nil otherwise: the shading of its quiver figures.
func (o *Outcome) LogDensity() func(x []float64) float64 {
	dist, err := o.Options.Data()
	if err != nil || dist.Dim() != 2 {
		return nil
	}
	if a, ok := dist.(toy.Analytic); ok {
		return a.LogDensity
	}
	return nil
}

// QuiverOptions returns how the outcome's score fields are drawn: the data set's log-density
// shaded under the arrows where it is known, and one arrow scale for all its field figures, that
// of the true score where it is known (truth from ScoreFields), of the learned one otherwise.
func (o *Outcome) QuiverOptions(truth, learned plots.Field) plots.QuiverOptions {
	ref := learned
	if truth.Vectors != nil {
		ref = truth
	}
	return plots.QuiverOptions{Unit: plots.ArrowUnit(ref), LogDensity: o.LogDensity()}
}

// Figures returns the outcome's figures by file name: the data with the true score (where known),
// the learned score, both side by side, and the loss curve. Data in other than two dimensions
// have the loss curve only (a score field is drawn in the plane). The fields are drawn on one
// arrow scale (see QuiverOptions), over the shaded log-density where it is known.
func (o *Outcome) Figures() (map[string][]*plot.Plot, error) {
	lossFig, err := o.lossCurves(o.Result)
	if err != nil {
		return nil, err
	}
	figs := map[string][]*plot.Plot{"loss.png": {lossFig}}
	if len(o.Data) == 0 || len(o.Data[0]) != 2 {
		return figs, nil
	}
	truth, learned, err := o.ScoreFields()
	if err != nil {
		return nil, err
	}
	half, step := o.Window()
	opts := o.QuiverOptions(truth, learned)
	quiver := func(title string, f plots.Field, samples [][]float64) (*plot.Plot, error) {
		return plots.QuiverWith(title, f, samples, half+step, step, opts)
	}
	shown := o.Data
	if len(shown) > 2000 {
		shown = shown[:2000] // Enough points to see the data without hiding the arrows.
	}
	learnedTitle := "Learned score"
	if o.Fisher != nil {
		learnedTitle = fmt.Sprintf("Learned score (relative Fisher %.4f)", o.Fisher.Relative)
	}
	learnedFig, err := quiver("Samples and the learned score", learned, shown)
	if err != nil {
		return nil, err
	}
	figs["learned_score.png"] = []*plot.Plot{learnedFig}
	if truth.Vectors != nil {
		trueFig, err := quiver("Samples and the true score", truth, shown)
		if err != nil {
			return nil, err
		}
		left, right, err := plots.QuiverPair(plots.QuiverPanel{Title: "True score", Field: truth, Samples: shown},
			plots.QuiverPanel{Title: learnedTitle, Field: learned, Samples: shown}, half+step, step, opts)
		if err != nil {
			return nil, err
		}
		figs["true_score.png"] = []*plot.Plot{trueFig}
		figs["comparison.png"] = []*plot.Plot{left, right}
	} else {
		dataFig, err := plots.Samples("Samples", shown, half+step)
		if err != nil {
			return nil, err
		}
		learnedFig2, err := quiver(learnedTitle, learned, nil)
		if err != nil {
			return nil, err
		}
		figs["comparison.png"] = []*plot.Plot{dataFig, learnedFig2}
	}
	return figs, nil
}

// lossCurves plots res's losses, with the lowest value the loss can reach where it is known (the
// exact loss on the ring).
func (o *Outcome) lossCurves(res train.Result) (*plot.Plot, error) {
	var minimum *float64
	if o.Options.IsRing() && o.Options.Loss == "exact" {
		if m, err := TrueScoreLoss(o.Options.Ring); err == nil {
			minimum = &m
		}
	}
	return LossCurves(res, "Training loss ("+o.Options.Loss+")", minimum)
}

// Watch returns an Outcome for the run of o while it trains the network in store (the store
// given to the training hooks' Snapshot): its data, sampled as Run samples them, its network and
// the store, but no result or divergence yet. Live displays draw it with ProgressFigures.
func Watch(b compute.Backend, o Options, store *model.Store) (*Outcome, error) {
	data, err := o.TrainingData()
	if err != nil {
		return nil, err
	}
	return &Outcome{Options: o, Backend: b.Name(), Data: data, Net: network.MLP{Sizes: o.NetSizes()}, Store: store, backend: b}, nil
}

// ProgressFigures returns two figures of a run in progress (see Watch): the loss curves of the
// epochs so far, and the score field the network has learned so far on the run's window (for a
// noise-conditional network, at the smallest noise level) over 500 of the training points, on
// the scale of the true score where it is known (so that the arrows' growth over the epochs shows)
// and over the shaded log-density.
func (o *Outcome) ProgressFigures(history []train.Record) ([]*plot.Plot, error) {
	lossFig, err := o.lossCurves(train.Result{History: history})
	if err != nil {
		return nil, err
	}
	truth, learned, err := o.ScoreFields()
	if err != nil {
		return nil, err
	}
	half, step := o.Window()
	title := fmt.Sprintf("Learned score after %d epochs", len(history))
	shown := o.Data[:min(500, len(o.Data))] // A few data points, to see where the field should point.
	fieldFig, err := plots.QuiverWith(title, learned, shown, half+step, step, o.QuiverOptions(truth, learned))
	if err != nil {
		return nil, err
	}
	return []*plot.Plot{lossFig, fieldFig}, nil
}

// LossFigure plots the exact loss of a run on the ring r: see LossCurves, with the loss of the
// true score, -0.5 E||s||^2, the lowest value the exact loss can reach, as a dashed line, and the
// gap to it on a log scale in an inset.
func LossFigure(res train.Result, r toy.Ring) (*plot.Plot, error) {
	var minimum *float64
	if m, err := TrueScoreLoss(r); err == nil {
		minimum = &m
	}
	return LossCurves(res, "Exact score-matching loss", minimum)
}

// LossCurves plots, against the number of epochs completed, the mean mini-batch loss of every
// epoch, the full-data reports, and, if minimum is not nil, that value as a dashed line and, in an
// inset, the gap of the losses to it on a log scale (plots.FloorGap): on the main axis the last
// epochs are a flat line on the floor, in the inset the approach to it goes on.
func LossCurves(res train.Result, title string, minimum *float64) (*plot.Plot, error) {
	var curves []plots.Curve
	if len(res.History) > 0 {
		curves = append(curves, recordCurve("mean batch loss per epoch", res.History))
		if minimum != nil {
			curves = append(curves, minimumCurve(*minimum, float64(res.History[len(res.History)-1].Epoch+1)))
		}
	}
	if len(res.Reports) > 0 {
		curves = append(curves, recordCurve("loss on all data", res.Reports))
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("no loss history to plot")
	}
	return lossWithFloor(title, minimum, curves)
}

// lossWithFloor is plots.Loss with, if minimum is not nil, the inset of the gap to it (left out
// when no loss lies above it).
func lossWithFloor(title string, minimum *float64, curves []plots.Curve) (*plot.Plot, error) {
	p, err := plots.Loss(title, curves...)
	if err != nil || minimum == nil {
		return p, err
	}
	if inset, err := plots.FloorGap(*minimum, curves...); err == nil {
		p.Add(inset)
	}
	return p, nil
}

// recordCurve returns the losses of records against the number of epochs completed.
func recordCurve(name string, records []train.Record) plots.Curve {
	c := plots.Curve{Name: name}
	for _, r := range records {
		c.Epochs = append(c.Epochs, float64(r.Epoch+1))
		c.Values = append(c.Values, r.Loss)
	}
	return c
}

// minimumCurve is the dashed line of the loss's lowest value (the true score's), from epoch 0 to last.
func minimumCurve(minimum, last float64) plots.Curve {
	return plots.Curve{Name: fmt.Sprintf("loss of the true score (%.1f)", minimum),
		Epochs: []float64{0, last}, Values: []float64{minimum, minimum}, Dashed: true, Color: plots.OkabeBlack}
}

// TrueScoreLoss is -0.5 E||s(x)||^2 for the ring: the exact loss of the true score, and the
// lowest value any model can reach (about -49.484 for the blog's ring; see toy.Ring.MeanSquaredScore).
func TrueScoreLoss(r toy.Ring) (float64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	return -0.5 * r.MeanSquaredScore(), nil
}

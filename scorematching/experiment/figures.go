package experiment

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"gonum.org/v1/plot"

	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/toy"
	"github.com/gosm/gosm/scorematching/train"
)

// Window returns the half-width of the square window of the run's figures and the step of their
// quiver grid: the data set's own (the ring: R + 5 std, 0.1), or else one that holds the training
// points with a margin, with a 31 x 31 grid (see toy.Window).
func (o *Outcome) Window() (half, step float64) {
	d, err := o.Options.Data()
	if err != nil || o.dataUnknown { // A model saved without its data set.
		return fallbackHalf, 2 * fallbackHalf / 30
	}
	if len(o.Data) > 0 {
		return toy.Window(d, o.Data)
	}
	// A model loaded without its training points.
	if half, step, err = toy.DefaultWindow(d); err != nil {
		return fallbackHalf, 2 * fallbackHalf / 30
	}
	return half, step
}

// fallbackHalf is the half-width of the window of a model whose data set is unknown.
const fallbackHalf = 3

// ScoreFields returns the learned score on the quiver grid and, where the data set's score is
// known, the true one (truth.Vectors is nil otherwise).
func (o *Outcome) ScoreFields() (truth, learned plots.Field, err error) {
	if o.dataUnknown {
		err = fmt.Errorf("the model's data set is not recorded: no window or true score to draw")
		return
	}
	half, step := o.Window()
	dist, err := o.Options.Data()
	if err != nil {
		return
	}
	if _, ok := dist.(toy.Analytic); ok {
		if truth, err = plots.TrueFieldGrid(dist, half, step); err != nil {
			return
		}
	} else if truth.Points, err = plots.Grid(half, step); err != nil {
		return
	}
	vectors, err := o.Scores(truth.Points)
	if err != nil {
		return
	}
	return truth, plots.Field{Points: truth.Points, Vectors: vectors}, nil
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

// lossCurves plots res's losses, with the lowest value the loss can reach where it is known (see
// lossFloor).
func (o *Outcome) lossCurves(res train.Result) (*plot.Plot, error) {
	return LossCurves(res, "Training loss ("+o.Options.Loss+")", o.lossFloor())
}

// Watch returns an Outcome for the run of o while it trains the network in store (the store
// given to the training hooks' Snapshot): its data, sampled as Run samples them, its network and
// the store, but no result or divergence yet. Live displays draw it with ProgressFigures.
func Watch(b compute.Backend, o Options, store *model.Store) (*Outcome, error) {
	data, err := o.TrainingData()
	if err != nil {
		return nil, err
	}
	m, err := o.Model()
	if err != nil {
		return nil, err
	}
	return &Outcome{Options: o, Backend: b.Name(), Data: data, Model: m, Store: store, backend: b}, nil
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

// lossFloor is the lowest value the run's loss can reach where it is known: the data set's
// exact-loss floor, -1/2 E||s||^2 (toy.ExactLossFloor), for a loss that estimates the exact loss
// (loss.EstimatesExact); nil otherwise.
func (o *Outcome) lossFloor() *float64 {
	if !loss.EstimatesExact(o.Options.Loss) {
		return nil
	}
	return o.exactLossFloor()
}

// exactLossFloor is toy.ExactLossFloor of the run's data set, or nil where it is not known; it is
// computed once (a Monte Carlo mean for most sets) and kept.
func (o *Outcome) exactLossFloor() *float64 {
	if !o.floorKnown {
		o.floorKnown = true
		if d, err := o.Options.Data(); err == nil && !o.dataUnknown {
			if floor, ok, err := toy.ExactLossFloor(d); err == nil && ok {
				o.floor = &floor
			}
		}
	}
	return o.floor
}

// LossFigure plots the exact loss of a run on the data set d: see LossCurves, with the loss of
// the true score, -0.5 E||s||^2 (toy.ExactLossFloor), the lowest value the exact loss can reach,
// as a dashed line, and the gap to it on a log scale in an inset, where d's score is known.
func LossFigure(res train.Result, d toy.Dataset) (*plot.Plot, error) {
	var minimum *float64
	if floor, ok, err := toy.ExactLossFloor(d); err != nil {
		return nil, err
	} else if ok {
		minimum = &floor
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
			curves = append(curves, plots.FloorCurve(*minimum, float64(res.History[len(res.History)-1].Epoch+1)))
		}
	}
	if len(res.Reports) > 0 {
		curves = append(curves, recordCurve("loss on all data", res.Reports))
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("no loss history to plot")
	}
	return plots.LossWithFloor(title, minimum, curves...)
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

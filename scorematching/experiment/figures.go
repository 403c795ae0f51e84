package experiment

import (
	"fmt"

	"gonum.org/v1/plot"

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

// ScoreFields returns the true score and the learned score of o on the blog grid.
func (o *Outcome) ScoreFields() (truth, learned plots.Field, err error) {
	truth, err = TrueField(o.Options.Ring)
	if err != nil {
		return
	}
	scorer, err := o.Scorer()
	if err != nil {
		return
	}
	vectors, err := scorer.Scores(truth.Points)
	if err != nil {
		return
	}
	return truth, plots.Field{Points: truth.Points, Vectors: vectors}, nil
}

// FieldFigure draws a score field over samples on the ring's window, its arrows scaled to be
// readable (see plots.Quiver).
func FieldFigure(title string, r toy.Ring, field plots.Field, samples [][]float64) (*plot.Plot, error) {
	return plots.Quiver(title, field, samples, GridHalf(r)+GridStep, GridStep, 0)
}

// Figures returns the outcome's figures by file name: the data with the true score, the learned
// score, both side by side, and the loss curve.
func (o *Outcome) Figures() (map[string][]*plot.Plot, error) {
	truth, learned, err := o.ScoreFields()
	if err != nil {
		return nil, err
	}
	r := o.Options.Ring
	shown := o.Data
	if len(shown) > 2000 {
		shown = shown[:2000] // Enough points to see the ring without hiding the arrows.
	}
	trueFig, err := FieldFigure("Samples and the true score", r, truth, shown)
	if err != nil {
		return nil, err
	}
	learnedFig, err := FieldFigure("Samples and the learned score", r, learned, shown)
	if err != nil {
		return nil, err
	}
	trueFig2, _ := FieldFigure("True score", r, truth, shown)
	learnedFig2, _ := FieldFigure(fmt.Sprintf("Learned score (relative Fisher %.4f)", o.Fisher.Relative), r, learned, shown)
	lossFig, err := LossFigure(o.Result, r)
	if err != nil {
		return nil, err
	}
	return map[string][]*plot.Plot{
		"true_score.png":    {trueFig},
		"learned_score.png": {learnedFig},
		"comparison.png":    {trueFig2, learnedFig2},
		"loss.png":          {lossFig},
	}, nil
}

// LossFigure plots, against the number of epochs completed, the mean mini-batch loss of every
// epoch, the full-data reports, and the loss of the true score, -0.5 E||s||^2, which is the
// lowest value the exact loss can reach.
func LossFigure(res train.Result, r toy.Ring) (*plot.Plot, error) {
	var curves []plots.Curve
	if len(res.History) > 0 {
		c := plots.Curve{Name: "mean batch loss per epoch"}
		for _, h := range res.History {
			c.Epochs = append(c.Epochs, float64(h.Epoch+1))
			c.Values = append(c.Values, h.Loss)
		}
		curves = append(curves, c)
		if min, err := TrueScoreLoss(r); err == nil {
			last := float64(res.History[len(res.History)-1].Epoch + 1)
			curves = append(curves, plots.Curve{Name: fmt.Sprintf("loss of the true score (%.1f)", min),
				Epochs: []float64{0, last}, Values: []float64{min, min}, Dashed: true})
		}
	}
	if len(res.Reports) > 0 {
		c := plots.Curve{Name: "loss on all data"}
		for _, rep := range res.Reports {
			c.Epochs = append(c.Epochs, float64(rep.Epoch+1))
			c.Values = append(c.Values, rep.Loss)
		}
		curves = append(curves, c)
	}
	if len(curves) == 0 {
		return nil, fmt.Errorf("no loss history to plot")
	}
	return plots.Loss("Exact score-matching loss", curves...)
}

// TrueScoreLoss is -0.5 E||s(x)||^2 for the ring: the exact loss of the true score, and the
// lowest value any model can reach (about -49.484 for the blog's ring; see toy.Ring.MeanSquaredScore).
func TrueScoreLoss(r toy.Ring) (float64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	return -0.5 * r.MeanSquaredScore(), nil
}

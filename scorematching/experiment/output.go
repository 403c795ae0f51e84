package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/gosm/gosm/scorematching/net"
	"github.com/gosm/gosm/scorematching/plots"
)

// Summary is the machine-readable outcome written to summary.json.
type Summary struct {
	Backend          string   `json:"backend"`
	Epochs           int      `json:"epochs"`
	Steps            int      `json:"steps"`
	Seconds          float64  `json:"seconds"`
	MsPerStep        float64  `json:"ms_per_step"`
	FinalLoss        float64  `json:"final_loss"`       // Last full-data report, or last epoch's mean batch loss.
	FisherAbsolute   float64  `json:"fisher_absolute"`  // E[0.5||s_model - s_true||^2] on fresh points.
	FisherRelative   float64  `json:"fisher_relative"`  // Divided by E[0.5||s_true||^2].
	TrueScoreLoss    float64  `json:"true_score_loss"`  // -0.5 E||s_true||^2, the loss's minimum.
	CompletedEpochs  int      `json:"completed_epochs"` // Less than Epochs if interrupted.
	Options          Options  `json:"options"`
	ModelFile        string   `json:"model_file"`
	LogFile          string   `json:"log_file"`
	FigureFilesSaved []string `json:"figures"`
}

// Summary returns the outcome's summary.
func (o *Outcome) Summary() Summary {
	s := Summary{
		Backend:         o.Backend,
		Epochs:          o.Options.Train.Epochs,
		Steps:           o.Result.Steps,
		Seconds:         o.Result.Elapsed.Seconds(),
		FisherAbsolute:  o.Fisher.Absolute,
		FisherRelative:  o.Fisher.Relative,
		CompletedEpochs: len(o.Result.History),
		Options:         o.Options,
	}
	if s.Steps > 0 {
		s.MsPerStep = 1000 * s.Seconds / float64(s.Steps)
	}
	if n := len(o.Result.Reports); n > 0 {
		s.FinalLoss = o.Result.Reports[n-1].Loss
	} else if n := len(o.Result.History); n > 0 {
		s.FinalLoss = o.Result.History[n-1].Loss
	}
	s.TrueScoreLoss, _ = TrueScoreLoss(o.Options.Ring)
	return s
}

// WriteDir writes into dir: model.json (the trained network), log.csv (epoch,loss,seconds: the
// mean mini-batch loss of every epoch), the figures as PNG files, and summary.json.
func (o *Outcome) WriteDir(dir string) (Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("output directory: %w", err)
	}
	meta := map[string]any{"dataset": "ring", "radius": o.Options.Ring.Radius, "std": o.Options.Ring.Std,
		"loss": o.Options.Loss, "epochs": len(o.Result.History)}
	if err := net.Save(dir, o.Params, meta); err != nil {
		return Summary{}, err
	}
	var log bytes.Buffer
	log.WriteString("epoch,loss,seconds\n")
	for _, r := range o.Result.History {
		fmt.Fprintf(&log, "%d,%.6g,%.3f\n", r.Epoch, r.Loss, r.Seconds)
	}
	if err := net.WriteFileAtomic(filepath.Join(dir, "log.csv"), log.Bytes()); err != nil {
		return Summary{}, err
	}
	s := o.Summary()
	s.ModelFile, s.LogFile = net.FileName, "log.csv"
	if len(o.Result.History) > 0 {
		figures, err := o.Figures()
		if err != nil {
			return Summary{}, err
		}
		for name, ps := range figures {
			if err := plots.WritePNG(filepath.Join(dir, name), ps...); err != nil {
				return Summary{}, err
			}
			s.FigureFilesSaved = append(s.FigureFilesSaved, name)
		}
		sort.Strings(s.FigureFilesSaved)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return Summary{}, err
	}
	return s, net.WriteFileAtomic(filepath.Join(dir, "summary.json"), append(data, '\n'))
}

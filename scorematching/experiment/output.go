package experiment

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"

	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/gosm/gosm/scorematching/files"
	"github.com/gosm/gosm/scorematching/loss"
	"github.com/gosm/gosm/scorematching/metrics"

	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/train"
)

// Summary is the machine-readable outcome written to summary.json.
type Summary struct {
	Backend          string         `json:"backend"`
	Epochs           int            `json:"epochs"`
	Steps            int            `json:"steps"`
	Seconds          float64        `json:"seconds"`
	MsPerStep        float64        `json:"ms_per_step"`
	FinalLoss        *float64       `json:"final_loss,omitempty"`      // Last full-data report, or last epoch's mean batch loss; absent when there is neither.
	FisherAbsolute   *float64       `json:"fisher_absolute,omitempty"` // E[0.5||s_model - s_true||^2] on fresh points, where the true score is known.
	FisherRelative   *float64       `json:"fisher_relative,omitempty"` // Divided by E[0.5||s_true||^2].
	TrueScoreLoss    *float64       `json:"true_score_loss,omitempty"` // -0.5 E||s_true||^2, the exact loss's minimum (the ring).
	CompletedEpochs  int            `json:"completed_epochs"`          // Less than Epochs if interrupted.
	Reports          []train.Record `json:"reports"`                   // Full-data losses, as printed.
	Options          Options        `json:"options"`
	ModelFile        string         `json:"model_file"`
	LogFile          string         `json:"log_file"`
	FigureFilesSaved []string       `json:"figures"`
}

// Summary returns the outcome's summary.
func (o *Outcome) Summary() Summary {
	s := Summary{
		Backend:         o.Backend,
		Epochs:          o.Options.Train.Epochs,
		Steps:           o.Result.Steps,
		Seconds:         o.Result.Elapsed.Seconds(),
		CompletedEpochs: len(o.Result.History),
		Reports:         o.Result.Reports,
		Options:         o.Options,
	}
	if s.Steps > 0 {
		s.MsPerStep = 1000 * s.Seconds / float64(s.Steps)
	}
	if n := len(o.Result.Reports); n > 0 {
		s.FinalLoss = &o.Result.Reports[n-1].Loss
	} else if n := len(o.Result.History); n > 0 {
		s.FinalLoss = &o.Result.History[n-1].Loss
	}
	if o.Fisher != nil {
		s.FisherAbsolute, s.FisherRelative = &o.Fisher.Absolute, &o.Fisher.Relative
	}
	if o.Options.IsRing() {
		if l, err := TrueScoreLoss(o.Options.Ring); err == nil {
			s.TrueScoreLoss = &l
		}
	}
	return s
}

// WriteDir writes into dir: model.json (the trained network), log.csv (epoch,loss,seconds: the
// mean mini-batch loss of every epoch), the figures as PNG files, and summary.json. The
// directory then holds this run only: the files of an earlier run there that this one does not
// write (a figure it does not draw; the options and checkpoint of a run that did not checkpoint
// into dir) are removed first, so that a resume or a reader never mixes two runs.
func (o *Outcome) WriteDir(dir string) (Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("output directory: %w", err)
	}

	meta := map[string]any{"dataset": o.Options.Dataset, "data_params": o.Options.DataParams,
		"loss": o.Options.Loss, network.MetaNoiseConditional: loss.NoiseConditional(o.Options.Loss), "epochs": len(o.Result.History)}
	if o.Options.IsRing() {
		meta["dataset"], meta["radius"], meta["std"] = "ring", o.Options.Ring.Radius, o.Options.Ring.Std
	}
	meta[network.MetaKind] = network.KindMLP
	if loss.NoiseConditional(o.Options.Loss) {
		meta[network.MetaKind], meta[network.MetaSigmas] = network.KindNoiseMLP, o.Options.LossConfig().Sigmas
	}
	if err := network.Save(dir, o.Params, meta); err != nil {
		return Summary{}, err
	}
	var log bytes.Buffer
	log.WriteString("epoch,loss,seconds\n")
	for _, r := range o.Result.History {
		fmt.Fprintf(&log, "%d,%.6g,%.3f\n", r.Epoch, r.Loss, r.Seconds)
	}
	if err := files.WriteAtomic(filepath.Join(dir, LogFile), log.Bytes()); err != nil {
		return Summary{}, err
	}
	s := o.Summary()
	s.ModelFile, s.LogFile = network.FileName, LogFile
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
	if err := o.removeOtherRunFiles(dir, s.FigureFilesSaved); err != nil {
		return Summary{}, err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return Summary{}, err
	}
	return s, files.WriteAtomic(filepath.Join(dir, SummaryFile), append(data, '\n'))
}

// removeOtherRunFiles removes from dir the run files that WriteDir does not write for o, which
// drew the figures drawn.
func (o *Outcome) removeOtherRunFiles(dir string, drawnFigures []string) error {
	stale := []string{}
	if filepath.Clean(o.Options.CheckpointDir) != filepath.Clean(dir) || o.Options.CheckpointDir == "" {
		stale = append(stale, OptionsFile, train.CheckpointFile)
	}
	for _, name := range FigureFiles {
		if !slices.Contains(drawnFigures, name) {
			stale = append(stale, name)
		}
	}
	for _, name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing an earlier run's %s from %s: %w", name, dir, err)
		}
	}
	return nil
}

// Load reads back a run written by WriteDir: the options, the loss history and reports, the
// metrics and the trained weights, so that a later notebook cell (a new process) or a re-opened
// notebook can draw and evaluate the model without training it again.
func Load(b compute.Backend, dir string) (*Outcome, error) {
	data, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		return nil, fmt.Errorf("loading run: %w", err)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("loading run %s: summary.json is not valid: %w", dir, err)
	}
	saved, err := network.Load(dir)
	if err != nil {
		return nil, err
	}
	history, err := readLog(filepath.Join(dir, LogFile))
	if err != nil {
		return nil, err
	}
	o := &Outcome{Options: s.Options, Backend: s.Backend, Params: saved.Params, Net: network.MLP{Sizes: saved.Sizes},
		Store: model.NewStore(), backend: b,
		Result: train.Result{History: history, Reports: s.Reports, Steps: s.Steps,
			Elapsed: time.Duration(s.Seconds * float64(time.Second))}}
	if s.FisherAbsolute != nil && s.FisherRelative != nil {
		o.Fisher = &metrics.Fisher{Absolute: *s.FisherAbsolute, Relative: *s.FisherRelative}
	}
	if err := network.SetParams(o.Store, saved.Params); err != nil {
		return nil, err
	}
	dist, err := o.Options.Data()
	if err != nil {
		return nil, fmt.Errorf("loading run %s: %w", dir, err)
	}
	if o.Data, err = dist.Sample(o.Options.Samples, o.Options.DataSeed); err != nil {
		return nil, fmt.Errorf("loading run %s: %w", dir, err)
	}
	return o, nil
}

func readLog(path string) ([]train.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading run: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("loading run: %s: %w", path, err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "epoch,loss,seconds" {
		return nil, fmt.Errorf("loading run: %s does not start with the header epoch,loss,seconds", path)
	}
	var out []train.Record
	for i, row := range rows[1:] {
		var r train.Record
		if _, err := fmt.Sscanf(strings.Join(row, " "), "%d %g %g", &r.Epoch, &r.Loss, &r.Seconds); err != nil {
			return nil, fmt.Errorf("loading run: %s line %d: %w", path, i+2, err)
		}
		out = append(out, r)
	}
	return out, nil
}

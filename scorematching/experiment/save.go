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
	"github.com/gosm/gosm/scorematching/metrics"
	"github.com/gosm/gosm/scorematching/sde"

	"github.com/gosm/gosm/scorematching/network"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/train"
)

// SummaryFormat and SummaryVersion identify summary.json; Load refuses any other.
const (
	SummaryFormat  = "gosm-run"
	SummaryVersion = 2
)

// Summary is the machine-readable outcome written to summary.json.
type Summary struct {
	Format           string         `json:"format"`
	Version          int            `json:"version"`
	Backend          string         `json:"backend"`
	Epochs           int            `json:"epochs"`
	Steps            int            `json:"steps"`
	Seconds          float64        `json:"seconds"`
	MsPerStep        float64        `json:"ms_per_step"`
	FinalLoss        *float64       `json:"final_loss,omitempty"`       // Last full-data report, or last epoch's mean batch loss; absent when there is neither.
	FisherAbsolute   *float64       `json:"fisher_absolute,omitempty"`  // E[0.5||s_model - s_true||^2] on fresh points, where the true score is known.
	FisherRelative   *float64       `json:"fisher_relative,omitempty"`  // Divided by E[0.5||s_true||^2].
	ExactLossFloor   *float64       `json:"exact_loss_floor,omitempty"` // -0.5 E||s_true||^2, the exact loss's minimum, where the score is known (toy.ExactLossFloor).
	CompletedEpochs  int            `json:"completed_epochs"`           // Less than Epochs if interrupted.
	Reports          []train.Record `json:"reports"`                    // Full-data losses, as printed.
	Options          Options        `json:"options"`
	ModelFile        string         `json:"model_file"`
	LogFile          string         `json:"log_file"`
	FigureFilesSaved []string       `json:"figures"`
}

// Summary returns the outcome's summary.
func (o *Outcome) Summary() Summary {
	s := Summary{
		Format:          SummaryFormat,
		Version:         SummaryVersion,
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
	s.ExactLossFloor = o.exactLossFloor()
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

	spec := o.Options.FullSpec()
	saved := network.Saved{Kind: o.Model.Kind, Sigmas: o.Model.Sigmas, SDE: o.Model.SDE, Data: spec, Loss: o.Options.Loss,
		Epochs: len(o.Result.History), Params: o.Params}
	if err := network.Save(dir, saved); err != nil {
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

// Load reads back a run written by WriteDir: the score model (model.json), and the options, the
// loss history and reports and the metrics (summary.json, log.csv), so that a later notebook cell
// (a new process), a re-opened notebook or a command can draw, evaluate and sample the model
// without training it again. The training points are drawn again from the options. A directory
// with model.json only (a model saved on its own) loads with the options model.json records (data
// set, loss, sizes, noise levels; no training points or history). Files of another format or
// version, or a model.json and a summary.json of two different runs, are refused.
func Load(b compute.Backend, dir string) (*Outcome, error) {
	saved, err := network.Load(dir)
	if err != nil {
		return nil, err
	}
	o := &Outcome{Params: saved.Params, Model: saved.Model(), Store: model.NewStore(), backend: b}
	if err := network.SetParams(o.Store, saved.Params); err != nil {
		return nil, err
	}
	summaryPath := filepath.Join(dir, SummaryFile)
	data, err := files.Read(summaryPath)
	if errors.Is(err, os.ErrNotExist) {
		o.Options, o.dataUnknown = optionsOf(saved), saved.Data.Name == ""
		return o, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading run: %w", err)
	}
	var s Summary
	if err := files.UnmarshalStrict(data, &s); err != nil {
		return nil, fmt.Errorf("loading run %s: %s is not valid (written by an earlier version of this program? train again): %w", dir, SummaryFile, err)
	}
	if s.Format != SummaryFormat || s.Version != SummaryVersion {
		return nil, fmt.Errorf("loading run %s: %s has format %q version %d, this program reads %q version %d: train again",
			dir, SummaryFile, s.Format, s.Version, SummaryFormat, SummaryVersion)
	}
	o.Options, o.Backend = s.Options, s.Backend
	if err := o.checkSameRun(saved); err != nil {
		return nil, fmt.Errorf("loading run %s: %w", dir, err)
	}
	history, err := readLog(filepath.Join(dir, LogFile))
	if err != nil {
		return nil, err
	}
	o.Result = train.Result{History: history, Reports: s.Reports, Steps: s.Steps, Elapsed: time.Duration(s.Seconds * float64(time.Second))}
	if s.FisherAbsolute != nil && s.FisherRelative != nil {
		o.Fisher = &metrics.Fisher{Absolute: *s.FisherAbsolute, Relative: *s.FisherRelative}
	}
	if o.Data, err = o.Options.TrainingData(); err != nil {
		return nil, fmt.Errorf("loading run %s: %w", dir, err)
	}
	return o, nil
}

// optionsOf returns the options a model file records on its own: data set, loss (and noise
// levels or process), sizes of the data (D, hidden..., D) and the epochs it trained.
func optionsOf(s network.Saved) Options {
	o := Options{Dataset: s.Data.Name, DataParams: s.Data.Params, Loss: s.Loss, Sizes: append([]int(nil), s.Sizes...)}
	o.Train.Epochs = s.Epochs
	switch s.Kind {
	case network.KindNoiseMLP:
		o.Sizes[0]--
		o.LossOptions.Sigmas = s.Sigmas
	case network.KindTimeMLP:
		o.Sizes[0] -= network.TimeFeatures
		if s.SDE != nil {
			o.LossOptions.SDE = *s.SDE
		}
	}
	return o
}

// checkSameRun returns an error unless the model file saved and the run's options (from
// summary.json) describe the same run: the model the options train, on the same data set.
func (o *Outcome) checkSameRun(saved network.Saved) error {
	want, err := o.Options.Model()
	if err != nil {
		return fmt.Errorf("%s: %w", SummaryFile, err)
	}
	got := saved.Model()
	spec := o.Options.FullSpec()
	if got.Kind != want.Kind || !slices.Equal(got.Sizes, want.Sizes) || !slices.Equal(got.Sigmas, want.Sigmas) || !sameSDE(got.SDE, want.SDE) ||
		saved.Loss != o.Options.Loss || saved.Data.String() != spec.String() {
		return fmt.Errorf("%s (%s model %v, %s, loss %s) and %s (%s model %v, %s, loss %s) are from different runs",
			network.FileName, got.Kind, got.Sizes, saved.Data, saved.Loss, SummaryFile, want.Kind, want.Sizes, spec, o.Options.Loss)
	}
	return nil
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

// sameSDE reports whether two models' processes are the same (or both absent).
func sameSDE(a, b *sde.SDE) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

package experiment_test

import (
	"context"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/internal/testutil"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/train"
)

// TestWatch follows two short runs through the Snapshot hook, as nb.Live does: the ring with the
// exact loss, and the moons with the noise-conditional loss (no true score, a window from the
// data). Watch's data must be the run's, its learned field must change from one epoch to the
// next (it reads the store being trained), the last one must be the finished run's, and
// ProgressFigures must give the loss curve and the field, which render to a PNG.
func TestWatch(t *testing.T) {
	b := testutil.Backend(t)
	ring := tinyRingOptions(3)
	moons := tinyRingOptions(3)
	moons.Dataset, moons.Loss = "moons", "ncsn"
	for _, o := range []experiment.Options{ring, moons} {
		o.Train.LearningRate = 1e-2
		var (
			history []train.Record
			watched *experiment.Outcome
			fields  []plots.Field
			figs    int
		)
		hooks := train.Hooks{Epoch: func(r train.Record) { history = append(history, r) }}
		hooks.Snapshot = func(epoch int, store *model.Store) {
			if watched == nil {
				var err error
				if watched, err = experiment.Watch(b, o, store); err != nil {
					t.Fatalf("%s: Watch: %v", o.Dataset, err)
				}
			}
			ps, err := watched.ProgressFigures(history)
			if err != nil {
				t.Fatalf("%s: ProgressFigures after epoch %d: %v", o.Dataset, epoch, err)
			}
			if png, err := plots.PNG(ps...); err != nil || len(ps) != 2 || len(png) < 1000 {
				t.Errorf("%s: %d figures, PNG of %d bytes (%v); want 2 and a picture", o.Dataset, len(ps), len(png), err)
			}
			figs++
			_, learned, err := watched.ScoreFields()
			if err != nil {
				t.Fatal(err)
			}
			fields = append(fields, learned)
		}
		out, err := experiment.Run(context.Background(), b, o, hooks)
		if err != nil {
			t.Fatalf("%s: %v", o.Dataset, err)
		}
		if figs != 3 || len(watched.Data) != len(out.Data) || watched.Data[7][1] != out.Data[7][1] {
			t.Fatalf("%s: %d snapshots (want 3); watched data %d points, run's %d", o.Dataset, figs, len(watched.Data), len(out.Data))
		}
		if fields[0].Vectors[40][0] == fields[1].Vectors[40][0] {
			t.Errorf("%s: the watched field did not change between epochs 0 and 1", o.Dataset)
		}
		_, final, err := out.ScoreFields()
		if err != nil {
			t.Fatal(err)
		}
		last := fields[len(fields)-1]
		for i := range final.Vectors {
			if final.Points[i][0] != last.Points[i][0] || final.Vectors[i][0] != last.Vectors[i][0] || final.Vectors[i][1] != last.Vectors[i][1] {
				t.Fatalf("%s: grid point %d: watched %v -> %v, finished run %v -> %v", o.Dataset, i, last.Points[i], last.Vectors[i], final.Points[i], final.Vectors[i])
			}
		}
	}
}

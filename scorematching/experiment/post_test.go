package experiment_test

import (
	"testing"

	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/train"
)

// TestPostLog: the post's printed log as FACTS.md records it (initial loss 0.882, epoch 0: 0.094,
// epoch 100: -34.914, epoch 900: -260.864), every 100 epochs.
func TestPostLog(t *testing.T) {
	log := experiment.PostLog
	if len(log) != 11 || log[0] != (train.Record{Epoch: -1, Loss: 0.882}) || log[1].Loss != 0.094 ||
		log[2] != (train.Record{Epoch: 100, Loss: -34.914}) || log[10] != (train.Record{Epoch: 900, Loss: -260.864}) {
		t.Errorf("PostLog = %v", log)
	}
	for i := 2; i < len(log); i++ {
		if log[i].Epoch != log[i-1].Epoch+100 || log[i].Loss >= log[i-1].Loss {
			t.Errorf("PostLog[%d] = %v after %v: want every 100 epochs, falling", i, log[i], log[i-1])
		}
	}
}

func TestPostComparisonFigure(t *testing.T) {
	reports := func(losses ...float64) train.Result {
		var r train.Result
		for i, l := range losses {
			r.Reports = append(r.Reports, train.Record{Epoch: 100*i - 1, Loss: l})
		}
		return r
	}
	if _, err := experiment.PostComparisonFigure(train.Result{}, reports(1, -40), -49.5); err == nil {
		t.Error("a run without reports: no error")
	}
	p, err := experiment.PostComparisonFigure(reports(0.9, -45, -49), reports(0.9, -60, -120), -49.5)
	if err != nil {
		t.Fatal(err)
	}
	if png, err := plots.PNG(p); err != nil || len(png) < 1000 {
		t.Errorf("rendering: %d bytes, %v", len(png), err)
	}
	if p.Y.Min > -260.864 {
		t.Errorf("the y axis starts at %g: the post's last printed loss, -260.9, is cut off", p.Y.Min)
	}
}

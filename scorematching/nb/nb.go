// Package nb keeps notebook cells short: it turns errors into one readable line, shows figures
// inline, and draws a live progress bar while a model trains. Outside a GoNB notebook, figures and
// progress go nowhere and errors go to stderr, so the same cell code runs in a plain program.
package nb

import (
	"context"
	"fmt"
	"html"
	"math"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/gosm/gosm/scorematching/backend"
	"github.com/gosm/gosm/scorematching/experiment"
	"github.com/gosm/gosm/scorematching/plots"
	"github.com/gosm/gosm/scorematching/train"
)

// Must returns v, or stops the cell with a one-line message if err is not nil.
func Must[T any](v T, err error) T {
	Check(err)
	return v
}

// Must2 returns a and b, or stops the cell with a one-line message if err is not nil.
func Must2[A, B any](a A, b B, err error) (A, B) {
	Check(err)
	return a, b
}

// Check stops the cell with a one-line message if err is not nil.
func Check(err error) {
	if err != nil {
		gonbui.Sync() // Whatever the cell displayed before failing is shown.
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

// Backend returns the project's backend (see package backend) and prints which one it is.
func Backend() compute.Backend {
	b := Must(backend.New())
	fmt.Printf("Backend: %s\n", backend.Describe(b))
	return b
}

// Show renders the plots side by side and displays them in the notebook. It waits until GoNB
// has the image: a cell's process may end right after, and an image still in the pipe would be
// lost.
func Show(ps ...*plot.Plot) {
	png := Must(plots.PNG(ps...))
	gonbui.DisplayPng(png)
	gonbui.Sync()
}

// Animate shows frames (each a row of panels, see plots.GIF) as an animated GIF in the cell's
// output, as an HTML image with a data URI (it plays in JupyterLab, on a repository's page and in
// an exported HTML file), with alt text for readers who cannot see it.
func Animate(alt string, frames [][]*plot.Plot) {
	data := Must(plots.GIF(frames, plots.AnimationOptions{}))
	gonbui.DisplayHTML(plots.AnimationHTML(data, alt))
	gonbui.Sync()
}

// Context returns a context that is cancelled when the kernel is interrupted (the notebook's
// stop button), so that training stops cleanly between two steps.
func Context() context.Context {
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt)
	return ctx
}

// Progress returns training hooks that draw a progress bar (epoch, loss, steps/s, time left),
// updated in place in the notebook, and print each full-data report line as the blog does.
// Outside a notebook the bar is drawn on stderr.
func Progress() train.Hooks {
	hooks := train.Hooks{Report: func(r train.Record) { experiment.PrintReport(os.Stdout, r) }}
	if !gonbui.IsNotebook {
		hooks.Progress = train.TerminalProgress(os.Stderr, false)
		return hooks
	}
	id := "progress_" + gonbui.UniqueID()
	var last time.Time
	hooks.Progress = func(s train.Status) {
		done := s.Step == s.Steps
		if !done && time.Since(last) < 250*time.Millisecond {
			return
		}
		last = time.Now()
		gonbui.UpdateHTML(id, progressHTML(s))
		if done {
			gonbui.Sync()
		}
	}
	return hooks
}

// Live returns the hooks of Progress plus a live figure, updated in place LiveFrames times during
// the run: the loss curve so far next to the score field learned so far (see
// experiment.Outcome.ProgressFigures), for any data set and loss. The last frame stays. b and o
// must be those given to experiment.Run.
func Live(b compute.Backend, o experiment.Options) train.Hooks { return live(b, o, false) }

// LiveAnimation is Live, but when the last epoch is done the figure becomes an animation of the
// field after epochs spaced on a log scale (1, 2, 4, ... up to the last: it changes most at the
// start), an animated GIF of about half a megabyte stored with the notebook, so that a reader
// sees the field being learned; if the animation cannot be built (plots.GIF's size bound)
// the last frame stays.
func LiveAnimation(b compute.Backend, o experiment.Options) train.Hooks { return live(b, o, true) }

func live(b compute.Backend, o experiment.Options, animate bool) train.Hooks {
	hooks := Progress()
	if !gonbui.IsNotebook {
		return hooks
	}
	id := "live_" + gonbui.UniqueID()
	every := max(o.Train.Epochs/LiveFrames, 1)
	framed := geometricEpochs(o.Train.Epochs, LiveFrames)
	var history []train.Record
	var watched *experiment.Outcome
	var frames [][]*plot.Plot
	hooks.Epoch = func(r train.Record) { history = append(history, r) }
	hooks.Snapshot = func(epoch int, store *model.Store) {
		if (epoch+1)%every != 0 && !framed[epoch] {
			return
		}
		if watched == nil {
			var err error
			if watched, err = experiment.Watch(b, o, store); err != nil {
				return // The live figure is a nicety: training goes on without it.
			}
		}
		figs, err := watched.ProgressFigures(history)
		if err != nil {
			return
		}
		if animate && framed[epoch] {
			frames = append(frames, figs)
		}
		last := epoch == o.Train.Epochs-1
		if last && len(frames) > 1 {
			gif, err := plots.GIF(frames, plots.AnimationOptions{Side: liveSide, Hold: 3 * time.Second})
			if err == nil {
				alt := fmt.Sprintf("The loss and the learned score field after 1, 2, 4, ... up to %d epochs", o.Train.Epochs)
				gonbui.UpdateHTML(id, plots.AnimationHTML(gif, alt))
				gonbui.Sync()
				return
			}
		}
		if png, err := plots.PNGWithSize(liveSide, figs...); err == nil {
			gonbui.UpdateHTML(id, plots.PNGHTML(png, fmt.Sprintf("The loss and the learned score field after %d epochs", epoch+1)))
			if last {
				gonbui.Sync()
			}
		}
	}
	return hooks
}

// geometricEpochs is the set of about n epochs (counted from 0) from the first to the last of a
// run of the given length, evenly spaced on a log scale: a score field changes most at the start.
func geometricEpochs(epochs, n int) map[int]bool {
	out := map[int]bool{epochs - 1: true}
	for k := range n {
		e := int(math.Round(math.Pow(float64(epochs), float64(k)/float64(max(n-1, 1))))) - 1
		out[max(0, min(e, epochs-1))] = true
	}
	return out
}

// LiveFrames is about how many times Live redraws its figure during a run, evenly over the epochs
// (LiveAnimation also draws it after epochs spaced on a log scale, the frames of its animation:
// 1, 2, 4, 7, 12, ... of 1000); liveSide is the side of each of its two panels.
const (
	LiveFrames = 12
	liveSide   = 4 * vg.Inch
)

func progressHTML(s train.Status) string {
	frac := float64(s.Step) / float64(max(s.Steps, 1))
	return fmt.Sprintf(`<div style="font-family:monospace">`+
		`<progress value="%d" max="%d" style="width:40%%"></progress> %s</div>`,
		s.Step, s.Steps, html.EscapeString(strings.TrimSpace(train.FormatStatus(s)))+
			fmt.Sprintf(" (%.0f%%)", 100*frac))
}

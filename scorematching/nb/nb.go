// Package nb keeps notebook cells short: it turns errors into one readable line, shows figures
// inline, and draws a live progress bar while a model trains. Outside a GoNB notebook, figures and
// progress go nowhere and errors go to stderr, so the same cell code runs in a plain program.
package nb

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"

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

// Show renders the plots side by side and displays them in the notebook.
func Show(ps ...*plot.Plot) {
	png := Must(plots.PNG(ps...))
	gonbui.DisplayPng(png)
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
	}
	return hooks
}

func progressHTML(s train.Status) string {
	frac := float64(s.Step) / float64(max(s.Steps, 1))
	return fmt.Sprintf(`<div style="font-family:monospace">`+
		`<progress value="%d" max="%d" style="width:40%%"></progress> %s</div>`,
		s.Step, s.Steps, html.EscapeString(strings.TrimSpace(train.FormatStatus(s)))+
			fmt.Sprintf(" (%.0f%%)", 100*frac))
}

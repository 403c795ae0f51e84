package train

import (
	"fmt"
	"io"
	"time"
)

// TerminalProgress returns a Progress hook that shows one line on w: the epoch, the step, the
// latest batch loss, steps per second and the time left. On a terminal (inPlace) the line is
// rewritten in place a few times a second; otherwise (a log file, CI) a line is printed at every
// tenth of the run.
func TerminalProgress(w io.Writer, inPlace bool) func(Status) {
	var last time.Time
	lastTenth := -1
	return func(s Status) {
		done := s.Step == s.Steps
		if inPlace {
			if !done && time.Since(last) < 200*time.Millisecond {
				return
			}
			last = time.Now()
			fmt.Fprintf(w, "\r%s", FormatStatus(s))
			if done {
				fmt.Fprintln(w)
			}
			return
		}
		if tenth := 10 * s.Step / max(s.Steps, 1); tenth != lastTenth {
			lastTenth = tenth
			fmt.Fprintln(w, FormatStatus(s))
		}
	}
}

// FormatStatus renders s as one line of text.
func FormatStatus(s Status) string {
	return fmt.Sprintf("epoch %d/%d  step %d/%d  loss %9.3f  %6.1f steps/s  ETA %s   ",
		s.Epoch+1, s.Epochs, s.Step, s.Steps, s.Loss, s.StepsPerSec, s.ETA.Round(time.Second))
}

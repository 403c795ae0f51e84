package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// StopGraceEnvVar changes how long the command waits, after the first Ctrl-C or SIGTERM, for the
// current step to return before it quits at once (a Go duration such as "2s"; default
// defaultStopGrace).
const StopGraceEnvVar = "GOSM_STOP_GRACE"

// defaultStopGrace is the grace period when GOSM_STOP_GRACE is not set.
const defaultStopGrace = 10 * time.Second

// stopAckKey is the context key of the acknowledgement function that stopped calls.
type stopAckKey struct{}

// stopped tells the signal handling that the long computation of a command (training, sampling,
// a benchmark) has returned after the context was cancelled by a first Ctrl-C or SIGTERM, so the
// grace period stops and the command may take its time to write what it has. Call it right after
// the computation returns, whether or not it was interrupted: before any signal it does nothing.
// A command that never calls it still gets the grace period: if it has not returned within it
// after the first signal, the process ends.
func stopped(ctx context.Context) {
	if ack, ok := ctx.Value(stopAckKey{}).(func()); ok {
		ack()
	}
}

// notifySignals is watchSignals on the process's SIGINT and SIGTERM, with the grace period of
// GOSM_STOP_GRACE, ending the process with os.Exit. stop restores the default signal handling.
func notifySignals(parent context.Context, stderr io.Writer) (ctx context.Context, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	grace, err := stopGrace(os.Getenv(StopGraceEnvVar))
	if err != nil {
		fmt.Fprintf(stderr, "scorematching: %v; using %v\n", err, grace)
	}
	ctx, _, stopWatch := watchSignals(parent, sigs, grace, stderr, os.Exit)
	return ctx, func() {
		signal.Stop(sigs)
		stopWatch()
	}
}

// stopGrace parses the value of GOSM_STOP_GRACE: "" gives the default; so does a value that is
// not a positive Go duration, with an error that says so.
func stopGrace(value string) (time.Duration, error) {
	if value == "" {
		return defaultStopGrace, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 {
		return defaultStopGrace, fmt.Errorf("%s=%q is not a positive duration such as 10s", StopGraceEnvVar, value)
	}
	return d, nil
}

// watchSignals returns a context derived from parent that the first signal read from sigs
// cancels, with one line on stderr saying that the command stops after the current step. After
// that first signal, exit is called (once) with 128 + the signal's number (130 for SIGINT, 143
// for SIGTERM):
//   - at once on a second signal (its number);
//   - after grace (the first signal's number) unless ack was called first: the current step did
//     not return.
//
// ack is the acknowledgement that the computation returned; it is also in ctx for stopped, and
// does nothing before the first signal. stop ends the watch: exit is not called after it returns.
func watchSignals(parent context.Context, sigs <-chan os.Signal, grace time.Duration, stderr io.Writer, exit func(int)) (ctx context.Context, ack func(), stop func()) {
	ctx, cancel := context.WithCancel(parent)
	var mu sync.Mutex
	signalled, ackClosed := false, false
	acked := make(chan struct{}) // Closed by the first ack after the first signal.
	ack = func() {
		mu.Lock()
		defer mu.Unlock()
		if signalled && !ackClosed {
			ackClosed = true
			close(acked)
		}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var first os.Signal
		select {
		case first = <-sigs:
		case <-done:
			return
		}
		mu.Lock()
		signalled = true // Acknowledgements before the first signal do not count.
		mu.Unlock()
		cancel()
		fmt.Fprintf(stderr, "\nscorematching: %s: stopping after the current step (press Ctrl-C again to quit at once)\n", signalName(first))
		timer := time.NewTimer(grace)
		defer timer.Stop()
		expired, ackedC := timer.C, (<-chan struct{})(acked)
		for {
			select {
			case s := <-sigs:
				fmt.Fprintf(stderr, "scorematching: second %s: quitting at once\n", signalName(s))
				exit(exitStatus(s))
				return
			case <-expired:
				fmt.Fprintf(stderr, "scorematching: the current step did not return within %v of the %s: quitting at once\n", grace, signalName(first))
				exit(exitStatus(first))
				return
			case <-ackedC:
				ackedC, expired = nil, nil // Keep waiting for a second signal only.
			case <-done:
				return
			}
		}
	}()
	var stopOnce sync.Once
	stop = func() {
		stopOnce.Do(func() { close(done) })
		<-finished
		cancel()
	}
	return context.WithValue(ctx, stopAckKey{}, ack), ack, stop
}

// signalName names s for the user: "interrupt" (Ctrl-C) or "SIGTERM".
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "interrupt"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// exitStatus is the shell's status for a process ended by s: 128 + its number.
func exitStatus(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

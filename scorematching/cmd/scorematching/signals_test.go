package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the watcher's goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// watched is a watchSignals under test: its signal channel, stderr and the exit statuses.
type watched struct {
	sigs   chan os.Signal
	stderr *lockedBuffer
	exits  chan int
	ctx    context.Context
	ack    func()
	stop   func()
}

func watch(t *testing.T, grace time.Duration) *watched {
	t.Helper()
	w := &watched{sigs: make(chan os.Signal, 2), stderr: &lockedBuffer{}, exits: make(chan int, 4)}
	w.ctx, w.ack, w.stop = watchSignals(context.Background(), w.sigs, grace, w.stderr, func(code int) { w.exits <- code })
	t.Cleanup(w.stop)
	return w
}

// waitCancel fails the test unless ctx is cancelled within a second.
func (w *watched) waitCancel(t *testing.T) {
	t.Helper()
	select {
	case <-w.ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
}

// waitExit returns the status exit was called with within limit, or fails.
func (w *watched) waitExit(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case code := <-w.exits:
		return code
	case <-time.After(limit):
		t.Fatalf("exit not called within %v; stderr %q", limit, w.stderr.String())
		return 0
	}
}

// noExit fails the test if exit is called within d.
func (w *watched) noExit(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case code := <-w.exits:
		t.Fatalf("exit(%d) called; stderr %q", code, w.stderr.String())
	case <-time.After(d):
	}
}

func TestSignalFirstCancels(t *testing.T) {
	w := watch(t, time.Hour)
	if w.ctx.Err() != nil {
		t.Fatal("context cancelled before any signal")
	}
	w.sigs <- os.Interrupt
	w.waitCancel(t)
	w.noExit(t, 50*time.Millisecond)
	got := w.stderr.String()
	if strings.Count(got, "\n") > 2 || !strings.Contains(got, "stopping after the current step") || !strings.Contains(got, "Ctrl-C again to quit at once") {
		t.Errorf("stderr after the first signal = %q, want one line saying it stops after the step and how to quit", got)
	}
}

// TestSignalAckWithinGrace: a command that calls stopped(ctx) within the grace period is not
// ended; it may take its time to write its outputs.
func TestSignalAckWithinGrace(t *testing.T) {
	grace := 100 * time.Millisecond
	w := watch(t, grace)
	w.sigs <- syscall.SIGTERM
	w.waitCancel(t)
	stopped(w.ctx)
	stopped(w.ctx) // Twice is fine.
	w.noExit(t, 4*grace)
	w.stop()
	if strings.Contains(w.stderr.String(), "quitting") {
		t.Errorf("stderr %q: the acknowledged stop quit anyway", w.stderr.String())
	}
}

// TestSignalNoAck: a step that does not return within the grace period ends the process with the
// first signal's status.
func TestSignalNoAck(t *testing.T) {
	for _, c := range []struct {
		sig  os.Signal
		code int
	}{{os.Interrupt, 130}, {syscall.SIGTERM, 143}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			grace := 50 * time.Millisecond
			w := watch(t, grace)
			start := time.Now()
			w.sigs <- c.sig
			if code := w.waitExit(t, 5*time.Second); code != c.code {
				t.Errorf("exit(%d), want %d", code, c.code)
			}
			if el := time.Since(start); el < grace {
				t.Errorf("exit after %v, before the grace period %v", el, grace)
			}
			if !strings.Contains(w.stderr.String(), "the current step did not return within 50ms") {
				t.Errorf("stderr %q does not say the step did not return", w.stderr.String())
			}
			w.noExit(t, 2*grace) // Once only.
		})
	}
}

// TestSignalAckBeforeSignal: stopped before any signal (the computation ended normally) does not
// cover a later signal.
func TestSignalAckBeforeSignal(t *testing.T) {
	w := watch(t, 50*time.Millisecond)
	stopped(w.ctx)
	w.sigs <- os.Interrupt
	if code := w.waitExit(t, 5*time.Second); code != 130 {
		t.Errorf("exit(%d), want 130", code)
	}
}

// TestSignalSecond: a second signal ends the process at once with its own status, even after
// the stop was acknowledged.
func TestSignalSecond(t *testing.T) {
	for _, c := range []struct {
		name          string
		first, second os.Signal
		ack           bool
		code          int
	}{
		{"int int", os.Interrupt, os.Interrupt, false, 130},
		{"int term", os.Interrupt, syscall.SIGTERM, false, 143},
		{"term int", syscall.SIGTERM, os.Interrupt, false, 130},
		{"int ack int", os.Interrupt, os.Interrupt, true, 130},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := watch(t, time.Hour)
			w.sigs <- c.first
			w.waitCancel(t)
			if c.ack {
				w.ack()
			}
			w.sigs <- c.second
			if code := w.waitExit(t, time.Second); code != c.code {
				t.Errorf("exit(%d), want %d", code, c.code)
			}
			lines := strings.Split(strings.TrimSpace(w.stderr.String()), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "second") || !strings.Contains(last, "quitting at once") {
				t.Errorf("last stderr line %q, want one saying it quits at once", last)
			}
		})
	}
}

// TestSignalStop: after stop, signals are not watched, exit is never called, and the context is
// released; stopped on a context without a watcher does nothing.
func TestSignalStop(t *testing.T) {
	w := watch(t, time.Millisecond)
	w.stop()
	w.stop()
	w.sigs <- os.Interrupt
	w.noExit(t, 50*time.Millisecond)
	if w.ctx.Err() == nil {
		t.Error("context not released by stop")
	}
	if w.stderr.String() != "" {
		t.Errorf("stderr %q after stop", w.stderr.String())
	}
	stopped(context.Background())
}

func TestStopGrace(t *testing.T) {
	for in, want := range map[string]time.Duration{"": defaultStopGrace, "2s": 2 * time.Second, "150ms": 150 * time.Millisecond} {
		if got, err := stopGrace(in); got != want || err != nil {
			t.Errorf("stopGrace(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"10", "soon", "0s", "-1s"} {
		if got, err := stopGrace(in); got != defaultStopGrace || err == nil || !strings.Contains(err.Error(), StopGraceEnvVar) {
			t.Errorf("stopGrace(%q) = %v, %v, want the default and an error naming %s", in, got, err, StopGraceEnvVar)
		}
	}
}

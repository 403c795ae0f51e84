//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalsEndToEnd runs the built command: two Ctrl-C in quick succession end a training at
// once with status 130 (the second is sent as soon as the first is reported: the kernel and the
// Go runtime merge a signal that arrives while the same one is still pending), and a SIGTERM whose step does not return within GOSM_STOP_GRACE ends it
// with 143 (the way `timeout` stops a hung run).
func TestSignalsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "scorematching")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		name  string
		env   string
		sigs  []os.Signal
		code  int
		wants []string
	}{
		{"two SIGINT", "", []os.Signal{os.Interrupt, os.Interrupt}, 130, []string{"stopping after the current step", "second interrupt: quitting at once"}},
		{"SIGTERM past the grace", StopGraceEnvVar + "=1ns", []os.Signal{syscall.SIGTERM}, 143, []string{"did not return within 1ns"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			cmd := exec.Command(bin, "train", "--samples", "512", "--batch", "128", "--sizes", "2,16,16,2",
				"--epochs", "100000", "--checkpoint-every", "1", "--out", dir)
			cmd.Env = append(os.Environ(), c.env)
			stderr := &lockedBuffer{}
			cmd.Stderr = stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			waitForCheckpoint(t, dir, 1, 60*time.Second)
			start := time.Now()
			for i, s := range c.sigs {
				if i > 0 {
					waitForStderr(t, stderr, "stopping after the current step", 5*time.Second)
				}
				if err := cmd.Process.Signal(s); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 10 s after the signals; stderr %q", stderr.String())
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Errorf("ended %v after the signals, want at once", el)
			}
			if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != c.code {
				t.Errorf("%v, want exit status %d; stderr %q", err, c.code, stderr.String())
			}
			for _, w := range c.wants {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not contain %q", stderr.String(), w)
				}
			}
		})
	}
}

// waitForStderr polls stderr until it contains want.
func waitForStderr(t *testing.T, stderr *lockedBuffer, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(stderr.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("stderr %q has no %q after %v", stderr.String(), want, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

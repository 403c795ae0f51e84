//go:build unix

package nbtest_test

// TestBrowser runs notebook 01 in a real browser: scorematching/internal/nbtest/browser.py starts JupyterLab on
// 127.0.0.1, opens a copy of the notebook (small parameters, under <repo>/out/browser/) in headless
// Chromium through Playwright, runs Run > Run All Cells from the menu bar, and fails on any error
// output, a cell left unrun, fewer than 4 images shown, or a kernel other than "Go (gonb)". On the
// way it uses the notebook's slider as a student would (dragged with the mouse; the view must be redrawn, its
// pixels compared before and after; then Done), checks that every animation decodes in the browser
// to more than one frame, and then does the same with notebook 04's data-set selector.
// Screenshots: out/browser/screenshot.png (the whole notebook), out/browser/learned-field.png, and
// the views before and after each control moved (out/browser/{slider,selector}-{before,after}.png).
//
// Needs: the set-up (bash scorematching/scripts/setup.sh), Playwright in the venv
// (.venv/bin/pip install -r scorematching/scripts/requirements-dev.txt) and Debian's Chromium
// (apt-get install chromium; another executable with GOSM_CHROMIUM).
//
// Skips without the venv and kernel unless GOSM_REQUIRE_NOTEBOOKS=1, and without Chromium unless
// GOSM_REQUIRE_BROWSER=1 (then each fails); a missing Playwright is a failure once the rest is there.
// -short skips it too, unless one of the two is set.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	browserRequireEnv = "GOSM_REQUIRE_BROWSER"
	chromiumEnv       = "GOSM_CHROMIUM"
	defaultChromium   = "/usr/bin/chromium"
	browserTimeout    = 12 * time.Minute
	browserHint       = "install it with: apt-get install chromium (Debian/Ubuntu), or point " +
		chromiumEnv + " at a Chromium or Chrome"
)

func TestBrowser(t *testing.T) {
	requireBrowser := os.Getenv(browserRequireEnv) == "1"
	root := notebookRoot(t, requireBrowser)
	chromium := os.Getenv(chromiumEnv)
	if chromium == "" {
		chromium = defaultChromium
	}
	if err := checkExecutable(chromium); err != nil {
		if requireBrowser {
			t.Fatalf("%s=1 but there is no Chromium: %v; %s", browserRequireEnv, err, browserHint)
		}
		t.Skipf("no Chromium (%v); %s. Set %s=1 to make this a failure.", err, browserHint, browserRequireEnv)
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	if out, err := exec.Command(python, "-c", "import playwright.sync_api").CombinedOutput(); err != nil {
		t.Fatalf("Playwright is missing from the venv (%v: %s); install it with: "+
			".venv/bin/pip install -r scorematching/scripts/requirements-dev.txt",
			err, strings.TrimSpace(string(out)))
	}
	touchInputs(root)

	timeout := timeLeft(t, browserTimeout) // Stop before `go test -timeout` would panic, so the failure says what happened.
	if timeout <= 2*time.Minute {
		t.Fatalf("only %s left for the browser test: raise go test -timeout (e.g. -timeout 30m)", timeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	// browser.py's own limit for Run All Cells comes first, so a stuck cell is named and screenshots
	// are saved; the context is the backstop.
	runLimit := timeout - 2*time.Minute
	cmd := exec.CommandContext(ctx, python, filepath.Join(root, harnessDir, "browser.py"),
		"--timeout", fmt.Sprint(int(runLimit.Seconds())), "--chromium", chromium)
	cmd.Dir = root
	cmd.Env = subprocessEnv()
	// Own process group. On the backstop time-out: SIGTERM, on which browser.py shuts JupyterLab (in a
	// session of its own) and the kernel down, then SIGKILL for the whole group 30 s later.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var killer atomic.Pointer[time.Timer]
	cmd.Cancel = func() error {
		pgid := cmd.Process.Pid
		killer.Store(time.AfterFunc(30*time.Second, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) }))
		return syscall.Kill(-pgid, syscall.SIGTERM)
	}
	cmd.WaitDelay = 45 * time.Second
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out

	start := time.Now()
	err := cmd.Run()
	if timer := killer.Load(); timer != nil { // Cancelled: whatever is left of the group goes now.
		timer.Stop()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	elapsed := time.Since(start).Round(100 * time.Millisecond)
	text := strings.TrimSpace(out.String())
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("browser.py still running after %s, killed (raise go test -timeout)\n%s", timeout, text)
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			t.Fatalf("browser.py could not set up the check (%v, after %s):\n%s", err, elapsed, text)
		}
		t.Fatalf("the browser check (notebook 01, then the selector of notebook 04) failed (%v, after %s); screenshots in out/browser/:\n%s", err, elapsed, text)
	}
	t.Logf("after %s:\n%s", elapsed, text)
}

// checkExecutable reports why path is not an executable file.
func checkExecutable(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return errors.New(path + " is not an executable file")
	}
	return nil
}

//go:build unix

package files

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Devices, named pipes and folders at an output path are refused, not renamed over; a named pipe
// is refused by Read without blocking.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "model.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Read(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Read of a named pipe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read of a named pipe blocked")
	}
	for _, path := range []string{fifo, dir, "/dev/null"} {
		if err := WriteAtomic(path, []byte("png")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("WriteAtomic(%s): %v, want a refusal", path, err)
		}
	}
	if info, err := os.Lstat(fifo); err != nil || info.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the named pipe was replaced: %v %v", info, err)
	}
}

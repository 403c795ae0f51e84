//go:build unix

package files

import (
	"strings"
	"testing"
)

func TestLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dir); err == nil || !strings.Contains(err.Error(), "in use by another") {
		t.Errorf("a second lock: %v, want a refusal", err)
	}
	unlock()
	again, err := Lock(dir)
	if err != nil {
		t.Errorf("lock after unlock: %v", err)
	} else {
		again()
	}
	if _, err := Lock(dir + "/missing"); err == nil {
		t.Error("lock of a missing folder: no error")
	}
}

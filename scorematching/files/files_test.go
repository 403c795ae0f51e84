package files

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gosm/gosm/scorematching/limits"
)

func TestWriteAtomicPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	if err := WriteAtomic(path, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != Perm {
		t.Errorf("mode %v, want %v", info.Mode().Perm(), Perm)
	}
}

// A failed write (a full disk, an encoder error) keeps the previous file whole and leaves no
// temporary file behind.
func TestWriteAtomicFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "figure.png")
	if err := os.WriteFile(path, []byte("old figure"), 0o644); err != nil {
		t.Fatal(err)
	}
	diskFull := errors.New("no space left on device")
	err := WriteAtomicFunc(path, func(w io.Writer) error {
		w.Write([]byte("half a fig"))
		return diskFull
	})
	if !errors.Is(err, diskFull) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want the write's error naming %s", err, path)
	}
	if got, _ := os.ReadFile(path); string(got) != "old figure" {
		t.Errorf("after a failed write the file holds %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

// A symbolic link planted at the output path is replaced; the file it points to is untouched.
func TestWriteAtomicDoesNotFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim.txt")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "comparison.png")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(link, []byte("png")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious" {
		t.Errorf("the symlink's target was overwritten: %q", got)
	}
	info, err := os.Lstat(link)
	if err != nil || !info.Mode().IsRegular() {
		t.Errorf("the output is not a regular file: %v %v", info, err)
	}
}

func TestReadRefusesDevicesAndHugeFiles(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "model.json")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(link); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a link to /dev/zero: got %v, want 'not a regular file'", err)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder: got %v", err)
	}
	t.Setenv(limits.EnvVar, "4KiB") // Files may then have 1 KiB.
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(big); err == nil || !strings.Contains(err.Error(), "larger than") || !strings.Contains(err.Error(), limits.EnvVar) {
		t.Errorf("a 2000-byte file under a 1 KiB limit: got %v", err)
	}
	small := filepath.Join(dir, "small.json")
	if err := os.WriteFile(small, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(small); err != nil || string(got) != "{}" {
		t.Errorf("Read(small) = %q, %v", got, err)
	}
}

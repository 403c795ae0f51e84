// Package files writes and reads the project's output files safely: every file is written to a
// temporary file in the same folder and renamed into place (so a crash, a kill or a full disk never
// leaves a truncated file, and a symbolic link planted at the path is replaced, never followed),
// with permissions 0644; files are read only when they are regular files no larger than the
// memory limit allows (package limits), so a model path pointing at /dev/zero or a huge file is an
// error, not an out-of-memory crash.
package files

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gosm/gosm/scorematching/limits"
)

// Perm is the permission of every file the project writes: readable by all, writable by the owner.
const Perm os.FileMode = 0o644

// WriteAtomic writes data to path through a temporary file in the same folder and a rename.
func WriteAtomic(path string, data []byte) error {
	return WriteAtomicFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomicFunc writes what write produces to path through a temporary file in the same folder
// and a rename. If write (or the disk) fails, path keeps its previous content and the temporary
// file is removed. A symbolic link at path is replaced by the new file; its target is untouched.
// A path that holds a folder, a device or a named pipe is refused.
func WriteAtomicFunc(path string, write func(io.Writer) error) error {
	if err := checkReplaceable(path); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), TempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // No-op after a successful rename.
	fail := func(err error) error {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(Perm); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// checkReplaceable refuses a path that holds something other than a regular file or a symbolic
// link (a folder, a device such as /dev/full, a named pipe, a socket): renaming a new file over
// it would destroy it.
func checkReplaceable(path string) error {
	info, err := os.Lstat(path)
	if err != nil || info.Mode().IsRegular() || info.Mode()&os.ModeSymlink != 0 {
		return nil
	}
	return fmt.Errorf("writing %s: it exists and is not a regular file (%v): choose another path", path, info.Mode().Type())
}

// TempPrefix is the prefix of the temporary files WriteAtomic uses for a file named name: a file
// whose name starts with it is a leftover of a write that was killed.
func TempPrefix(name string) string { return "." + name + ".tmp" }

// Read returns the content of the regular file at path (a symbolic link to one is followed). It
// refuses devices, pipes and folders, and files larger than limits.MaxFileBytes, naming the file,
// before reading anything.
func Read(path string) ([]byte, error) {
	// Checked before opening too: opening a named pipe blocks until a writer comes.
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%v)", path, info.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%v)", path, info.Mode().Type())
	}
	max, err := limits.MaxFileBytes()
	if err != nil {
		return nil, err
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%s is %s, larger than the %s a file may have here (%s)", path,
			limits.FormatBytes(info.Size()), limits.FormatBytes(max), limits.Explain())
	}
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + 1)
	// The file may grow while it is read: never read more than the limit.
	if _, err := io.Copy(&buf, io.LimitReader(f, max+1)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(buf.Len()) > max {
		return nil, fmt.Errorf("%s is larger than the %s a file may have here (%s)", path, limits.FormatBytes(max), limits.Explain())
	}
	return buf.Bytes(), nil
}

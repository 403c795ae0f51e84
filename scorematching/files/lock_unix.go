//go:build unix

package files

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Lock takes an exclusive lock on the folder dir for this process, so that two commands never
// write one run directory at once (a second `train --resume` of a running run, say): a second
// Lock of the same folder, by any process, fails until unlock is called or the process ends.
func Lock(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by another scorematching process (a training or a resume): wait for it to finish, or stop it", dir)
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() { f.Close() }, nil // Closing the descriptor releases the lock.
}

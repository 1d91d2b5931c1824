//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package storage

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// lockFile creates p exclusively and writes the pid in it. A lock file left by a process that
// has ended (a crash) is taken over: the pid in it no longer names a running process.
func lockFile(p string) (*os.File, error) {
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			if _, err := f.WriteString(strconv.Itoa(os.Getpid()) + "\n"); err != nil {
				f.Close()
				os.Remove(p)
				return nil, fmt.Errorf("storage: writing the window lock: %w", err)
			}
			return f, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("storage: taking the window lock: %w", err)
		}
		b, _ := os.ReadFile(p)
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if perr == nil && pid != os.Getpid() && processAlive(pid) {
			return nil, ErrAlreadyOpen
		}
		if perr == nil && pid == os.Getpid() {
			return nil, ErrAlreadyOpen
		}
		// Stale (or half-written by a crash): remove it and try once more.
		os.Remove(p)
	}
	return nil, ErrAlreadyOpen
}

// processAlive says whether pid names a running process. On Windows FindProcess opens the
// process and fails when there is none; elsewhere it cannot tell, so a lock is kept.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

func unlockFile(f *os.File, p string) error {
	err := f.Close()
	os.Remove(p)
	return err
}

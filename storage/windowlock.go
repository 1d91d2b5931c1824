package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrAlreadyOpen means another window holds the library.
var ErrAlreadyOpen = errors.New("Pollinations Studio is already open on this library")

// WindowLock is the window's exclusive hold on a library folder: one window per library (two
// would each think they own its queue and its reconcile). Command-line commands do not take it;
// the job leases keep them apart from the window.
type WindowLock struct {
	f    *os.File
	path string
}

const windowLockName = "window.lock"

// LockWindow takes the window lock on the library folder dir (creating the folder if needed).
// It fails with an error wrapping ErrAlreadyOpen while another process holds it. The lock goes
// with the process: a crashed window leaves nothing that blocks the next one.
func LockWindow(dir string) (*WindowLock, error) {
	if dir == "" {
		return nil, errors.New("storage: no library folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: creating %s: %w", dir, err)
	}
	p := filepath.Join(dir, windowLockName)
	f, err := lockFile(p)
	if err != nil {
		return nil, err
	}
	return &WindowLock{f: f, path: p}, nil
}

// Unlock lets another window open the library.
func (w *WindowLock) Unlock() error {
	if w == nil || w.f == nil {
		return nil
	}
	err := unlockFile(w.f, w.path)
	w.f = nil
	return err
}

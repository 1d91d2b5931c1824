package cli

import (
	"fmt"
	"os"
	"path/filepath"
)

// atomicFile is written to a temporary file beside its target and renamed into place only when
// complete, so a cut download never leaves a half file under the name the user asked for.
type atomicFile struct {
	*os.File
	target string
	done   bool
}

func createAtomic(target string) (*atomicFile, error) {
	dir := filepath.Dir(target)
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.part")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", target, err)
	}
	return &atomicFile{File: f, target: target}, nil
}

// Commit syncs and renames the file into place.
func (a *atomicFile) Commit() error {
	if err := a.Sync(); err != nil {
		a.Abort()
		return fmt.Errorf("writing %s: %w", a.target, err)
	}
	if err := a.Close(); err != nil {
		a.Abort()
		return fmt.Errorf("writing %s: %w", a.target, err)
	}
	if err := os.Rename(a.Name(), a.target); err != nil {
		a.Abort()
		return fmt.Errorf("saving %s: %w", a.target, err)
	}
	a.done = true
	return nil
}

// Abort removes the temporary file unless Commit succeeded.
func (a *atomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.Close()
	os.Remove(a.Name())
}

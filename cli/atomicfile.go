package cli

import (
	"errors"
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
	if err := checkOutput(target); err != nil {
		return nil, err
	}
	dir := filepath.Dir(target)
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.part")
	if err != nil {
		return nil, &fileError{fmt.Errorf("creating %s: %w", target, err)}
	}
	return &atomicFile{File: f, target: target}, nil
}

// checkOutput tells, before anything is generated (and paid for), whether target can be
// written: its folder exists and takes a new file, and target is not a folder.
// requireOutput is every generation command's rule for -o: it is given (or, where the command
// can play instead, --play is), and it can be written, all before anything is sent and paid for.
// play is nil for commands that cannot play.
func requireOutput(cmd, out string, play *bool) error {
	switch {
	case out != "":
		return checkOutput(out)
	case play == nil:
		return usagef("%s: -o FILE is required", cmd)
	case !*play:
		return usagef("%s: -o FILE or --play is required", cmd)
	}
	return nil
}

func checkOutput(target string) error {
	if target == "" {
		return &fileError{errors.New("no output file given")}
	}
	if st, err := os.Stat(target); err == nil && st.IsDir() {
		return &fileError{fmt.Errorf("%s is a folder: give a file name", target)}
	}
	dir := filepath.Dir(target)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &fileError{fmt.Errorf("cannot write %s: the folder %s does not exist", target, dir)}
	case err != nil:
		return &fileError{fmt.Errorf("cannot write %s: %w", target, err)}
	case !st.IsDir():
		return &fileError{fmt.Errorf("cannot write %s: %s is not a folder", target, dir)}
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.check")
	if err != nil {
		return &fileError{fmt.Errorf("cannot write %s: %w", target, err)}
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// Commit syncs and renames the file into place.
func (a *atomicFile) Commit() error {
	if err := a.Sync(); err != nil {
		a.Abort()
		return &fileError{fmt.Errorf("writing %s: %w", a.target, err)}
	}
	if err := a.Close(); err != nil {
		a.Abort()
		return &fileError{fmt.Errorf("writing %s: %w", a.target, err)}
	}
	if err := os.Rename(a.Name(), a.target); err != nil {
		a.Abort()
		return &fileError{fmt.Errorf("saving %s: %w", a.target, err)}
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

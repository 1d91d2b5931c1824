// Package sinklock serializes the tests that sound through the shared PulseAudio null sink.
// scripts/test.sh starts one sound server with one null sink, and `go test ./...` runs packages
// at the same time: a tone recorded off the sink's monitor while another package's test plays
// speech into it records both. Each such test holds this lock, an flock on a file beside the
// sound server's socket, for as long as it plays or records.
package sinklock

import (
	"fmt"
	"os"
	"path/filepath"
)

// Lock waits for the sink and returns the function that gives it back.
func Lock() (unlock func(), err error) {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "pollinations-studio-sink.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sink lock: %w", err)
	}
	if err := acquire(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("sink lock %s: %w", path, err)
	}
	return func() {
		release(f)
		f.Close()
	}, nil
}

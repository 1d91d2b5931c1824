package sinklock

import (
	"sync/atomic"
	"testing"
	"time"
)

// Two holders never overlap (flock excludes separate open files, in one process as in two).
func TestLockExcludes(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	var inside, overlaps atomic.Int32
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			unlock, err := Lock()
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(20 * time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	if overlaps.Load() != 0 {
		t.Fatalf("%d holders overlapped", overlaps.Load())
	}
}

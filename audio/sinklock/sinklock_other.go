//go:build !unix

package sinklock

import (
	"os"
	"sync"
)

// Windows has no PulseAudio null sink (the tests that record it skip there) and no flock in
// the standard library: the lock holds within one test process, which is all those builds need.
var mu sync.Mutex

func acquire(*os.File) error { mu.Lock(); return nil }

func release(*os.File) { mu.Unlock() }

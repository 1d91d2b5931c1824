//go:build unix

package sinklock

import (
	"os"
	"syscall"
)

func acquire(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

func release(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

package jobs

import (
	"io"
	"sync"
)

// tapBuffer keeps every byte written to it and lets a reader follow along from the start,
// blocking only when it has caught up. The download never waits for the reader: a player that
// is slow, paused or absent cannot stall the job. (Speech clips are a few megabytes at most.)
type tapBuffer struct {
	mu     sync.Mutex
	cond   *sync.Cond
	data   []byte
	closed bool
	err    error
}

func newTapBuffer() *tapBuffer {
	b := &tapBuffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *tapBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.data = append(b.data, p...)
	b.mu.Unlock()
	b.cond.Broadcast()
	return len(p), nil
}

// CloseWithError ends the stream; readers get err (nil means io.EOF) once they have read all.
func (b *tapBuffer) CloseWithError(err error) {
	b.mu.Lock()
	if !b.closed {
		b.closed, b.err = true, err
	}
	b.mu.Unlock()
	b.cond.Broadcast()
}

// NewReader returns an independent reader from the first byte.
func (b *tapBuffer) NewReader() io.Reader { return &tapReader{b: b} }

type tapReader struct {
	b   *tapBuffer
	off int
}

func (r *tapReader) Read(p []byte) (int, error) {
	b := r.b
	b.mu.Lock()
	defer b.mu.Unlock()
	for r.off >= len(b.data) && !b.closed {
		b.cond.Wait()
	}
	if r.off >= len(b.data) {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n := copy(p, b.data[r.off:])
	r.off += n
	return n, nil
}

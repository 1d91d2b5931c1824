package jobs

import (
	"fmt"
	"io"
	"sync"
)

// Memory bounds of the live-playback buffer of one speech job. The file in the library always
// gets every byte; the buffer holds only what a player may still need:
//   - until tapHead bytes have arrived, all of them, so that a player that attaches late can
//     start from the first byte;
//   - after that, only what readers that have started reading still have to read, at most
//     tapLag bytes behind the newest byte.
//
// So an endless body with nothing playing it holds at most tapHead bytes, and one with a
// stalled player at most tapLag (plus one write in both cases); the array holding them is at
// most half as large again.
const (
	tapHead = 16 << 20
	tapLag  = 64 << 20
)

// ErrLiveTooLate and ErrLiveTooFarBehind end a live reader whose bytes were let go.
var (
	ErrLiveTooLate      = fmt.Errorf("live playback started after the first %d MB, which are no longer held: play it from the library once it is saved", tapHead>>20)
	ErrLiveTooFarBehind = fmt.Errorf("live playback fell more than %d MB behind the download: play it from the library once it is saved", tapLag>>20)
)

// tapBuffer lets readers follow a download from its first byte, blocking only when they have
// caught up. The download never waits for a reader: a player that is slow, paused or absent
// cannot stall the job; it can only lose its place (see tapHead and tapLag).
type tapBuffer struct {
	mu      sync.Mutex
	cond    *sync.Cond
	data    []byte // bytes [base, base+len(data)) of the stream
	base    int64
	readers map[*tapReader]struct{}
	closed  bool
	err     error
	// head and lag are tapHead and tapLag (fields so that tests can use small ones).
	head, lag int
	// peak is the most it has held, for tests and figures.
	peak int
}

func newTapBuffer() *tapBuffer {
	b := &tapBuffer{readers: map[*tapReader]struct{}{}, head: tapHead, lag: tapLag}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *tapBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	if need := len(b.data) + len(p); need > cap(b.data) {
		// Grown by hand, by half again what is needed: the front of the array is let go as
		// readers move on, which append's own growth (from the capacity left) would turn into
		// copying the whole window every few writes.
		grown := make([]byte, len(b.data), need+need/2)
		copy(grown, b.data)
		b.data = grown
	}
	b.data = append(b.data, p...)
	b.peak = max(b.peak, len(b.data))
	b.trim()
	b.mu.Unlock()
	b.cond.Broadcast()
	return len(p), nil
}

// trim lets go of the bytes no reader can still get. Called with mu held.
func (b *tapBuffer) trim() {
	end := b.base + int64(len(b.data))
	if b.base == 0 && len(b.data) <= b.head {
		return // the start is kept for a reader that has yet to begin
	}
	keep := end
	for r := range b.readers {
		if r.started && r.off < keep {
			keep = r.off
		}
	}
	keep = max(keep, end-int64(b.lag), b.base)
	drop := int(keep - b.base)
	switch {
	case drop == 0:
		return
	case drop == len(b.data):
		b.data = nil
	case drop > len(b.data)/2:
		// A fresh, smaller array: the old one (with the bytes let go) can be collected.
		b.data = append([]byte(nil), b.data[drop:]...)
	default:
		b.data = b.data[drop:]
	}
	b.base = keep
}

// size is how many bytes the buffer holds.
func (b *tapBuffer) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.data)
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

// NewReader returns an independent reader from the first byte. Until its first Read it holds
// nothing back beyond the first tapHead bytes.
func (b *tapBuffer) NewReader() io.Reader {
	r := &tapReader{b: b}
	b.mu.Lock()
	b.readers[r] = struct{}{}
	b.mu.Unlock()
	return r
}

type tapReader struct {
	b       *tapBuffer
	off     int64
	started bool
	err     error
}

func (r *tapReader) Read(p []byte) (int, error) {
	b := r.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	late := !r.started
	r.started = true
	for r.off >= b.base+int64(len(b.data)) && !b.closed && r.off >= b.base {
		b.cond.Wait()
	}
	if r.off < b.base {
		// Its bytes were let go: it will never get them.
		r.err = ErrLiveTooFarBehind
		if late {
			r.err = ErrLiveTooLate
		}
		delete(b.readers, r)
		return 0, r.err
	}
	if r.off >= b.base+int64(len(b.data)) {
		delete(b.readers, r)
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n := copy(p, b.data[r.off-b.base:])
	r.off += int64(n)
	b.trim()
	return n, nil
}

package audio

import "sync/atomic"

// ring is a single-producer single-consumer buffer of samples. The real-time callback (the
// consumer for playback, the producer for capture) never blocks and never allocates: it copies
// what is there and moves an atomic index.
type ring struct {
	buf  []int16
	mask uint64
	r, w atomic.Uint64 // total samples read and written
}

func newRing(minSize int) *ring {
	n := 1
	for n < minSize {
		n <<= 1
	}
	return &ring{buf: make([]int16, n), mask: uint64(n - 1)}
}

func (q *ring) len() int   { return int(q.w.Load() - q.r.Load()) }
func (q *ring) space() int { return len(q.buf) - q.len() }

// write copies as much of p as fits and returns how much.
func (q *ring) write(p []int16) int {
	w, r := q.w.Load(), q.r.Load()
	free := len(q.buf) - int(w-r)
	n := min(free, len(p))
	for i := 0; i < n; i++ {
		q.buf[(w+uint64(i))&q.mask] = p[i]
	}
	q.w.Store(w + uint64(n))
	return n
}

// read copies up to len(p) samples out and returns how many.
func (q *ring) read(p []int16) int {
	r, w := q.r.Load(), q.w.Load()
	n := min(int(w-r), len(p))
	for i := 0; i < n; i++ {
		p[i] = q.buf[(r+uint64(i))&q.mask]
	}
	q.r.Store(r + uint64(n))
	return n
}

// reset empties the ring (only while neither side runs).
func (q *ring) reset() { q.r.Store(q.w.Load()) }

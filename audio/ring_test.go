package audio

import (
	"runtime"
	"testing"
)

// One producer and one consumer, as the decoder and the callback: every sample arrives once,
// in order, whatever the interleaving.
func TestRingSPSC(t *testing.T) {
	q := newRing(1000) // rounded up to 1024
	if len(q.buf) != 1024 || q.space() != 1024 {
		t.Fatalf("ring of %d, space %d", len(q.buf), q.space())
	}
	const total = 200000
	go func() {
		buf := make([]int16, 300)
		next := 0
		for next < total {
			n := min(len(buf), total-next)
			for i := range buf[:n] {
				buf[i] = int16(next + i)
			}
			w := q.write(buf[:n])
			next += w
			if w == 0 {
				runtime.Gosched()
			}
		}
	}()
	buf := make([]int16, 257)
	for got := 0; got < total; {
		n := q.read(buf)
		for i, v := range buf[:n] {
			if v != int16(got+i) {
				t.Fatalf("sample %d is %d", got+i, v)
			}
		}
		got += n
		if q.len() > len(q.buf) {
			t.Fatalf("ring holds %d of %d", q.len(), len(q.buf))
		}
		if n == 0 {
			runtime.Gosched()
		}
	}
	if q.len() != 0 {
		t.Fatalf("%d samples left over", q.len())
	}
}

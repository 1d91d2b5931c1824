package jobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"testing"

	"pollinations-studio/backend/api"
)

// An endless speech body with nothing playing it (the reader offered in the job's event is
// never read) is held only up to tapHead, with the real bounds; the heap says the same.
func TestTapWithNoListenerStaysBounded(t *testing.T) {
	b := newTapBuffer()
	_ = b.NewReader() // offered to the window and the command line, never read
	chunk := bytes.Repeat([]byte{0xAA}, 32<<10)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	peak, maxHeld := uint64(0), 0
	const total = 8 * tapHead // 128 MB through the buffer
	for written := 0; written < total; written += len(chunk) {
		b.Write(chunk)
		maxHeld = max(maxHeld, b.size())
		if written%(4<<20) == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if maxHeld > tapHead+len(chunk) {
		t.Fatalf("held %d bytes, bound %d", maxHeld, tapHead+len(chunk))
	}
	// The live heap, with the buffer still in use: what it let go is really gone.
	runtime.GC()
	runtime.ReadMemStats(&ms)
	live := int64(ms.HeapAlloc) - int64(before)
	runtime.KeepAlive(b)
	if live > tapHead+1<<20 {
		t.Fatalf("live heap grew by %d MB after %d MB went through", live>>20, total>>20)
	}
	t.Logf("bound %d MB; held at most %d MB; heap (sampled, garbage included) grew by at most %d MB, live heap by %d KB, for %d MB written",
		tapHead>>20, maxHeld>>20, (int64(peak)-int64(before))>>20, live>>10, total>>20)
	b.CloseWithError(nil)
}

// A player that started and then stalled (paused) holds at most the lag, then loses its place.
func TestTapStalledPlayerStaysBounded(t *testing.T) {
	b := newTapBuffer()
	b.head, b.lag = 1<<20, 4<<20 // smaller than the real bounds, for speed: the rule is the same
	r := b.NewReader()
	chunk := bytes.Repeat([]byte{0x55}, 32<<10)
	b.Write(chunk)
	if _, err := r.Read(make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	maxHeld := 0
	for written := 0; written < 4*b.lag; written += len(chunk) {
		b.Write(chunk)
		maxHeld = max(maxHeld, b.size())
	}
	if maxHeld > b.lag+len(chunk) {
		t.Fatalf("held %d bytes, bound %d", maxHeld, b.lag+len(chunk))
	}
	if _, err := r.Read(make([]byte, 10)); !errors.Is(err, ErrLiveTooFarBehind) {
		t.Fatalf("stalled reader: %v, want ErrLiveTooFarBehind", err)
	}
}

func TestTapLateReader(t *testing.T) {
	b := newTapBuffer()
	b.head, b.lag = 100, 400
	early := b.NewReader()
	b.Write(bytes.Repeat([]byte("a"), 80))
	// Within the head, a reader attaching now still starts at the first byte.
	late := b.NewReader()
	got := make([]byte, 80)
	if _, err := io.ReadFull(late, got); err != nil || !bytes.Equal(got, bytes.Repeat([]byte("a"), 80)) {
		t.Fatalf("reader within the head: %q, %v", got, err)
	}
	b.Write(bytes.Repeat([]byte("b"), 80)) // past the head: the start is let go
	if _, err := early.Read(make([]byte, 10)); !errors.Is(err, ErrLiveTooLate) {
		t.Fatalf("reader that never started: %v, want ErrLiveTooLate", err)
	}
	if _, err := b.NewReader().Read(make([]byte, 10)); !errors.Is(err, ErrLiveTooLate) {
		t.Fatalf("reader made after the head went: %v, want ErrLiveTooLate", err)
	}
	// The reader that started keeps its place and gets the rest.
	b.CloseWithError(nil)
	rest, err := io.ReadAll(late)
	if err != nil || !bytes.Equal(rest, bytes.Repeat([]byte("b"), 80)) {
		t.Fatalf("started reader: %q, %v", rest, err)
	}
}

func TestTapSlowReaderKeepsItsPlaceWithinTheLag(t *testing.T) {
	b := newTapBuffer()
	b.head, b.lag = 64, 256
	r := b.NewReader()
	var want, got bytes.Buffer
	p := make([]byte, 7)
	for i := range 200 {
		chunk := bytes.Repeat([]byte{byte(i)}, 10)
		b.Write(chunk)
		want.Write(chunk)
		n, err := r.Read(p) // reads 7 for every 10 written: falls behind, within the lag
		if err != nil {
			if !errors.Is(err, ErrLiveTooFarBehind) {
				t.Fatal(err)
			}
			// It fell more than the lag behind: the buffer held no more than the lag.
			if b.size() > b.lag+10 {
				t.Fatalf("held %d bytes, lag %d", b.size(), b.lag)
			}
			if !bytes.HasPrefix(want.Bytes(), got.Bytes()) {
				t.Fatal("bytes out of order before the reader was dropped")
			}
			return
		}
		got.Write(p[:n])
	}
	t.Fatal("a reader falling ever further behind was never dropped")
}

func TestTapReaderGetsEveryByte(t *testing.T) {
	b := newTapBuffer() // the real bounds cover the reader however late its goroutine starts
	r := b.NewReader()
	done := make(chan []byte)
	go func() {
		got, _ := io.ReadAll(r)
		done <- got
	}()
	var want bytes.Buffer
	for i := range 500 {
		chunk := []byte{byte(i), byte(i >> 8), 1, 2, 3}
		b.Write(chunk)
		want.Write(chunk)
	}
	b.CloseWithError(nil)
	if got := <-done; !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("got %d bytes, want %d", len(got), want.Len())
	}
}

// Through the whole job: a speech body three times the head, with the live stream offered and
// never read, is saved whole while the buffer never holds more than the head.
func TestLongSpeechWithNoPlayerHoldsOnlyTheHead(t *testing.T) {
	f := newFixture(t)
	const size = 3 * tapHead
	target, _ := url.Parse(f.sim.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/audio/speech" {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"))
		block := bytes.Repeat([]byte{0xFF, 0xFB, 0x90, 0x00}, 16<<10)
		for sent := 10; sent < size; sent += len(block) {
			if _, err := w.Write(block); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c, err := api.New(api.Options{BaseURL: srv.URL, EnterURL: f.sim.URL(), Key: f.sim.Key("secret")})
	if err != nil {
		t.Fatal(err)
	}
	svc := New(Config{Library: f.lib, Client: c, MaxConcurrent: 1})
	svc.SetPaid(true)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	events, stop := svc.Subscribe()
	defer stop()
	ctx := context.Background()
	id, err := svc.Submit(ctx, Request{Speech: &api.SpeechRequest{Text: "A long one.", Format: "mp3"}})
	if err != nil {
		t.Fatal(err)
	}
	var tap *tapBuffer
	for ev := range events {
		if ev.ID == id && ev.Audio != nil {
			tap = ev.Audio.(*tapReader).b // offered, never read
		}
		if ev.ID == id && (ev.State == Done || ev.State == Failed) {
			break
		}
	}
	it, err := svc.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if it.MediaSize < size {
		t.Fatalf("saved %d bytes of %d", it.MediaSize, size)
	}
	if tap == nil {
		t.Fatal("no live stream offered")
	}
	tap.mu.Lock()
	peak := tap.peak
	tap.mu.Unlock()
	if peak > tapHead+64<<10 {
		t.Fatalf("the live buffer held %d MB of a %d MB body; bound %d MB", peak>>20, size>>20, tapHead>>20)
	}
	t.Logf("%d MB saved; the live buffer held at most %d MB", it.MediaSize>>20, peak>>20)
}

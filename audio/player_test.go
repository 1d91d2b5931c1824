package audio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"testing"
	"time"
)

func TestPlayOnNullBackend(t *testing.T) {
	e := nullEngine(t)
	p, err := e.NewPlayer(PlayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := wavBytes(t, sine(440, 16000, 1, 0.6, 0.3), 16000, 1)
	if err := p.Play(context.Background(), bytes.NewReader(data), FormatAuto); err != nil {
		t.Fatal(err)
	}
	if !p.Playing() {
		t.Fatal("not playing after Play")
	}
	if d, ok := p.Duration(); !ok || d < 590*time.Millisecond || d > 610*time.Millisecond {
		t.Fatalf("duration %v %v", d, ok)
	}
	p.Pause()
	pos := p.Position()
	time.Sleep(150 * time.Millisecond)
	if got := p.Position(); got != pos || !p.Paused() {
		t.Fatalf("position moved while paused: %v → %v", pos, got)
	}
	p.Resume()
	if err := waitErr(p, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if p.Playing() {
		t.Fatal("still playing after the end")
	}
	if p.Position() < 590*time.Millisecond {
		t.Fatalf("played only %v", p.Position())
	}
	st := p.Stats()
	if st.FirstSampleAt.IsZero() || st.FirstSampleLatency <= 0 || st.FirstSampleLatency > time.Second || st.Frames != 9600 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestExclusiveAndSharedPlayback(t *testing.T) {
	e := nullEngine(t)
	long := wavBytes(t, sine(300, 16000, 1, 5, 0.3), 16000, 1)
	for _, tc := range []struct {
		name        string
		shared      bool
		firstStops  bool
		description string
	}{
		{"exclusive", false, true, "the first sound kept playing under the second"},
		{"shared", true, false, "a shared player stopped another"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := e.NewPlayer(PlayerOptions{Shared: tc.shared})
			b, _ := e.NewPlayer(PlayerOptions{Shared: tc.shared})
			defer a.Stop()
			defer b.Stop()
			if err := a.Play(context.Background(), bytes.NewReader(long), FormatAuto); err != nil {
				t.Fatal(err)
			}
			if err := b.Play(context.Background(), bytes.NewReader(long), FormatAuto); err != nil {
				t.Fatal(err)
			}
			select {
			case <-a.Done():
				if !tc.firstStops {
					t.Fatal(tc.description)
				}
			case <-time.After(time.Second):
				if tc.firstStops {
					t.Fatal(tc.description)
				}
			}
			if !b.Playing() {
				t.Fatal("the second sound is not playing")
			}
		})
	}
}

func TestSeek(t *testing.T) {
	e := nullEngine(t)
	tone := wavBytes(t, sine(300, 16000, 1, 3, 0.3), 16000, 1)
	pcm := int16sToBytes(sine(300, 24000, 1, 2, 0.3)) // FormatPCM: 24 kHz mono
	mp3, err := os.ReadFile("testdata/speech.mp3")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		src  func() io.Reader
		to   time.Duration // near the end, so the test is short
		hint Format
		rate int
	}{
		{"wav file", func() io.Reader { return bytes.NewReader(tone) }, 2500 * time.Millisecond, FormatAuto, 16000},
		{"wav stream", func() io.Reader { return onlyReader{bytes.NewReader(tone)} }, 2500 * time.Millisecond, FormatAuto, 16000},
		{"mp3 file", func() io.Reader { return bytes.NewReader(mp3) }, 6500 * time.Millisecond, FormatAuto, 24000},
		{"mp3 stream", func() io.Reader { return onlyReader{bytes.NewReader(mp3)} }, 6500 * time.Millisecond, FormatMP3, 24000},
		{"raw pcm file", func() io.Reader { return bytes.NewReader(pcm) }, 1500 * time.Millisecond, FormatPCM, 24000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := e.NewPlayer(PlayerOptions{})
			if err := p.Play(context.Background(), tc.src(), tc.hint); err != nil {
				t.Fatal(err)
			}
			done := p.Done()
			p.Pause()
			if err := p.Seek(tc.to); err != nil {
				t.Fatal(err)
			}
			if pos := p.Position(); pos != tc.to {
				t.Fatalf("position after seek: %v", pos)
			}
			if !p.Paused() {
				t.Fatal("seeking lost the pause")
			}
			p.Resume()
			// Played to the end from the target: the frames handed out are the rest of the sound.
			if err := waitErr(p, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			default:
				t.Fatal("Done from before the seek did not close at the end")
			}
			d, ok := p.Duration()
			if !ok || d <= tc.to {
				t.Fatal("duration unknown after the whole sound played")
			}
			if got, want := p.Position(), d; got < want-30*time.Millisecond || got > want+30*time.Millisecond {
				t.Fatalf("ended at %v, duration %v", got, want)
			}
			if played, want := framesToDuration(p.Stats().Frames, tc.rate), d-tc.to; played < want-30*time.Millisecond || played > want+30*time.Millisecond {
				t.Fatalf("played %v after seeking to %v of %v", played, tc.to, d)
			}
		})
	}
	t.Run("unseekable", func(t *testing.T) {
		p, _ := e.NewPlayer(PlayerOptions{})
		s, _ := NewPCMStream(bytes.NewReader(int16sToBytes(sine(300, 16000, 1, 1, 0.3))), 16000, 1)
		if err := p.PlayStream(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		if err := p.Seek(time.Second); !errors.Is(err, ErrNotSeekable) {
			t.Fatalf("a bare stream cannot seek: %v", err)
		}
		p.Stop()
		if err := p.Seek(0); err == nil {
			t.Fatal("seeking a stopped player must fail")
		}
	})
}

// A stream seeks back into what has arrived while the rest is still downloading.
func TestSeekWhileDownloading(t *testing.T) {
	e := nullEngine(t)
	data := wavBytes(t, sine(300, 16000, 1, 4, 0.3), 16000, 1)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(data[:len(data)/2]) // 2 s now, the rest later
		time.Sleep(700 * time.Millisecond)
		pw.Write(data[len(data)/2:])
		pw.Close()
	}()
	p, _ := e.NewPlayer(PlayerOptions{})
	if err := p.Play(context.Background(), pr, FormatAuto); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := p.Seek(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(p, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	d, ok := p.Duration()
	if !ok || d != 4*time.Second || p.Position() != d {
		t.Fatalf("duration %v %v, ended at %v", d, ok, p.Position())
	}
}

func TestStopCancelAndVolume(t *testing.T) {
	e := nullEngine(t)
	long := wavBytes(t, sine(300, 16000, 1, 30, 0.3), 16000, 1)
	p, _ := e.NewPlayer(PlayerOptions{})
	if err := p.Play(context.Background(), bytes.NewReader(long), FormatAuto); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	if err := waitErr(p, time.Second); err != nil {
		t.Fatalf("Stop is not an error: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Play(ctx, bytes.NewReader(long), FormatAuto); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := waitErr(p, 2*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelling the context: %v", err)
	}

	// A download that never sends a byte: Play gives up with the context.
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.Play(ctx, pr, FormatAuto); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a silent download: %v", err)
	}

	for _, tc := range []struct{ in, want float64 }{{0.5, 0.5}, {-1, 0}, {5, 2}, {0, 0}} {
		p.SetVolume(tc.in)
		if got := p.Volume(); got != tc.want {
			t.Errorf("SetVolume(%v) gives %v, want %v", tc.in, got, tc.want)
		}
	}
}

// The real-time callback must not allocate, must write what it was given, and must turn a
// dry spell into counted silence with fades rather than clicks.
func TestCallback(t *testing.T) {
	e := nullEngine(t)
	p, _ := e.NewPlayer(PlayerOptions{})
	pb := &playback{p: p, rate: 16000, ch: 2, ring: newRing(1 << 16), scratch: make([]int16, 8000), finished: make(chan struct{}, 1)}
	in := sine(440, 16000, 2, 0.5, 0.5)
	pb.ring.write(in)
	p.SetVolume(0.5)
	out := make([]byte, 160*2*2)
	sample := func(i int) int16 { return int16(uint16(out[i*2]) | uint16(out[i*2+1])<<8) }
	silent := func() bool {
		for _, b := range out {
			if b != 0 {
				return false
			}
		}
		return true
	}
	pb.callback(out, nil, 160)
	for i := 0; i < 320; i++ {
		if want := int16(float32(in[i]) * 0.5); sample(i) != want {
			t.Fatalf("sample %d: %d, want %d (half volume)", i, sample(i), want)
		}
	}
	if a := testing.AllocsPerRun(20, func() { pb.callback(out, nil, 160) }); a != 0 {
		t.Fatalf("the playback callback allocates %.1f times a call", a)
	}
	// Running dry: one underrun, silence, and no more counting until sound is back.
	pb.ring.reset()
	pb.callback(out, nil, 160)
	if pb.underruns.Load() != 1 || !silent() {
		t.Fatalf("a dry spell: %d underruns, silent %v", pb.underruns.Load(), silent())
	}
	if a := testing.AllocsPerRun(10, func() { pb.callback(out, nil, 160) }); a != 0 || pb.underruns.Load() != 1 {
		t.Fatalf("while dry: %.1f allocs, %d underruns", a, pb.underruns.Load())
	}
	// A trickle below the preroll stays buffered; enough sound resumes, fading in.
	p.SetVolume(1)
	full := sine(440, 16000, 2, 0.2, 0.5)
	pb.ring.write(full[:100])
	pb.callback(out, nil, 160)
	if !silent() {
		t.Fatal("played a trickle below the preroll")
	}
	pb.ring.write(full[100:])
	pb.callback(out, nil, 160)
	if sample(0) != 0 || sample(2*rampFrames+2) != full[2*rampFrames+2] {
		t.Fatalf("resuming: first sample %d (want 0, faded in), after the fade %d (want %d)", sample(0), sample(2*rampFrames+2), full[2*rampFrames+2])
	}
	for f := 1; f < rampFrames; f++ {
		if a, b := math.Abs(float64(sample(2*f))), math.Abs(float64(full[2*f])); a > b+1 {
			t.Fatalf("frame %d of the fade-in is louder (%v) than the sound (%v)", f, a, b)
		}
	}
}

// A device that disappears mid-play ends the play with an error, not a hang: both when
// miniaudio reports it (stop notification) and when the device just stops calling back.
func TestDeviceLost(t *testing.T) {
	e := nullEngine(t)
	long := wavBytes(t, sine(300, 16000, 1, 30, 0.3), 16000, 1)
	p, _ := e.NewPlayer(PlayerOptions{})
	if err := p.Play(context.Background(), bytes.NewReader(long), FormatAuto); err != nil {
		t.Fatal(err)
	}
	p.current().deviceStopped() // what miniaudio calls when a device goes away
	if err := waitErr(p, 5*time.Second); !errors.Is(err, ErrDeviceLost) {
		t.Fatalf("after the device stopped: %v", err)
	}

	// The watchdog alone: a playback whose device never calls back.
	pb := &playback{p: p, rate: 16000, ch: 1, ring: newRing(1024), stall: 200 * time.Millisecond,
		finished: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	start := time.Now()
	go pb.watch(context.Background())
	select {
	case <-pb.done:
		if !errors.Is(pb.err, ErrDeviceLost) || time.Since(start) > time.Second {
			t.Fatalf("watchdog: %v after %v", pb.err, time.Since(start))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog never fired")
	}
}

func TestPlayAfterCloseIsAnError(t *testing.T) {
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.NewPlayer(PlayerOptions{})
	if err := p.Play(context.Background(), bytes.NewReader(wavBytes(t, sine(440, 8000, 1, 10, 0.3), 8000, 1)), FormatAuto); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(p, time.Second); err != nil && !errors.Is(err, ErrClosed) {
		t.Fatalf("playback cut by Close: %v", err)
	}
	err = p.Play(context.Background(), bytes.NewReader(wavBytes(t, sine(440, 8000, 1, 0.1, 0.3), 8000, 1)), FormatAuto)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("playing on a closed engine: %v", err)
	}
	if _, err := e.PlaybackDevices(); !errors.Is(err, ErrClosed) {
		t.Fatalf("listing on a closed engine: %v", err)
	}
}

// A stream with no length in its header (MP3 as it downloads) learns it from elsewhere, once,
// and only for what plays.
func TestLearnLength(t *testing.T) {
	e := nullEngine(t)
	p, _ := e.NewPlayer(PlayerOptions{})
	data := wavBytes(t, sine(300, 16000, 1, 4, 0.3), 16000, 1)
	pr, pw := io.Pipe()
	go func() { pw.Write(data); pw.Close() }()
	if err := p.Play(context.Background(), pr, FormatAuto); err != nil {
		t.Fatal(err)
	}
	// The WAV header gave the length already: nothing to learn.
	if p.LearnLength(pr, 9*time.Second) {
		t.Fatal("a known length was replaced")
	}
	p.Stop()

	raw := int16sToBytes(sine(300, 24000, 1, 4, 0.3)) // raw PCM has no length, like an MP3 stream
	pr, pw = io.Pipe()
	go func() {
		for i := 0; i < len(raw); i += 4800 {
			if _, err := pw.Write(raw[i:min(len(raw), i+4800)]); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		pw.Close()
	}()
	if err := p.Play(context.Background(), pr, FormatPCM); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Duration(); ok {
		t.Fatal("a raw stream knew its length")
	}
	if p.LearnLength(bytes.NewReader(raw), 4*time.Second) {
		t.Fatal("the length of another source was taken")
	}
	if !p.LearnLength(pr, 4*time.Second) {
		t.Fatal("the length was not learned")
	}
	if d, ok := p.Duration(); !ok || d != 4*time.Second {
		t.Fatalf("duration %v %v", d, ok)
	}
	if p.LearnLength(pr, 5*time.Second) {
		t.Fatal("a learned length was learned again")
	}
	p.Stop()
}

package audio

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"
)

// throttled serves data like a download at a fixed byte rate (10 ms slices), and notes when
// its first byte went out. It cannot seek, as a response body cannot.
type throttled struct {
	data []byte
	rate int // bytes per second

	mu    sync.Mutex
	start time.Time
	sent  int
	first time.Time
}

func (r *throttled) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sent >= len(r.data) {
		return 0, io.EOF
	}
	if r.start.IsZero() {
		r.start = time.Now()
	}
	for {
		allowed := min(len(r.data), int(time.Since(r.start).Seconds()*float64(r.rate))+r.rate/100)
		if allowed > r.sent {
			n := copy(p, r.data[r.sent:allowed])
			r.sent += n
			if r.first.IsZero() {
				r.first = time.Now()
			}
			return n, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *throttled) firstByte() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

type streamFigures struct {
	latency   time.Duration // first byte served → first sample handed to the device
	firstCall time.Duration // first byte served → the device's first callback
	cpu       float64       // process CPU ÷ wall time while playing, in cores
	underruns int64
	played    time.Duration
}

// measureStreaming plays speech served at 64 kB/s for playFor (or to its end when 0).
func measureStreaming(tb testing.TB, e *Engine, data []byte, playFor time.Duration) streamFigures {
	tb.Helper()
	p, err := e.NewPlayer(PlayerOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	src := &throttled{data: data, rate: 64 << 10}
	cpu0, wall0 := cpuTime(), time.Now()
	if err := p.Play(context.Background(), src, FormatAuto); err != nil {
		tb.Fatal(err)
	}
	if playFor > 0 {
		select {
		case <-p.Done():
		case <-time.After(playFor):
		}
		p.Stop()
	}
	if err := waitErr(p, 30*time.Second); err != nil {
		tb.Fatal(err)
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	st := p.Stats()
	if st.FirstSampleAt.IsZero() {
		tb.Fatal("no sample reached the device")
	}
	return streamFigures{latency: st.FirstSampleAt.Sub(src.firstByte()), cpu: cpu.Seconds() / wall.Seconds(),
		underruns: st.Underruns, played: p.Position(), firstCall: time.Unix(0, p.current().firstCallNS.Load()).Sub(src.firstByte())}
}

func speechMP3(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/speech.mp3") // 7 s of espeak-ng speech, 64 kb/s, 24 kHz mono
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Speech starts while its download is still running, fast, and cheaply. Goals: under 150 ms
// from the first byte to the first sample, under 5% of a core over the whole clip (the race
// detector multiplies both, so its bounds are looser; -short plays 2 s only).
func TestStreamingLatency(t *testing.T) {
	e := nullEngine(t)
	playFor := time.Duration(0) // the whole 7 s clip
	if testing.Short() {
		playFor = 2 * time.Second
	}
	f := measureStreaming(t, e, speechMP3(t), playFor)
	t.Logf("null device, speech MP3 at 64 kB/s: first byte → first sample %v (first callback %v), CPU %.1f%% of a core, %d underruns, %v played (race detector: %v)",
		f.latency.Round(time.Millisecond), f.firstCall.Round(time.Millisecond), f.cpu*100, f.underruns, f.played.Round(time.Millisecond), raceEnabled)
	maxLatency, maxCPU := 150*time.Millisecond, 0.05
	if raceEnabled {
		maxLatency, maxCPU = 500*time.Millisecond, 0.5
	}
	if f.latency <= 0 || f.latency > maxLatency {
		t.Errorf("first sample after %v, want under %v", f.latency, maxLatency)
	}
	if f.cpu > maxCPU && playFor == 0 {
		t.Errorf("playback used %.1f%% of a core, want under %.0f%%", f.cpu*100, maxCPU*100)
	}
	if f.underruns != 0 {
		t.Errorf("%d underruns while the download ran 8× faster than the sound", f.underruns)
	}
	if want := min(playFor, 6900*time.Millisecond); playFor == 0 && f.played < 6900*time.Millisecond || f.played < want-500*time.Millisecond {
		t.Errorf("played only %v", f.played)
	}
}

func TestPulseStreamingLatency(t *testing.T) {
	e := pulse(t)
	defer e.Close()
	f := measureStreaming(t, e, speechMP3(t), 2*time.Second)
	t.Logf("PulseAudio null sink, speech MP3 at 64 kB/s: first byte → first sample %v (first callback %v), CPU %.1f%% of a core, %d underruns (race detector: %v)",
		f.latency.Round(time.Millisecond), f.firstCall.Round(time.Millisecond), f.cpu*100, f.underruns, raceEnabled)
	// 5–20 ms here. PulseAudio calls once at the start and then may not call again for most
	// of a second; Play therefore buffers the preroll before starting the device, so the
	// first callback has sound (before that, this was ~1 s one run in four).
	if f.latency <= 0 || f.latency > 500*time.Millisecond {
		t.Errorf("first sample after %v", f.latency)
	}
}

// BenchmarkStreamingPlayback plays the whole speech clip as it downloads at 64 kB/s:
//
//	go test -run '^$' -bench StreamingPlayback -benchtime 3x ./audio/
func BenchmarkStreamingPlayback(b *testing.B) {
	e, err := NewEngine(EngineOptions{Null: os.Getenv("PULSE_SERVER") == ""})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	data := speechMP3(b)
	var lat time.Duration
	var cpu float64
	var under int64
	for i := 0; i < b.N; i++ {
		f := measureStreaming(b, e, data, 0)
		lat += f.latency
		cpu += f.cpu
		under += f.underruns
	}
	b.ReportMetric(float64(lat.Microseconds())/1000/float64(b.N), "ms-to-first-sample")
	b.ReportMetric(cpu*100/float64(b.N), "%-of-a-core")
	b.ReportMetric(float64(under)/float64(b.N), "underruns/op")
}

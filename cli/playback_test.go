package cli

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
)

// firstByte records when the first byte of a download arrived.
type firstByte struct {
	r  io.Reader
	at atomic.Int64
}

func (f *firstByte) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 {
		f.at.CompareAndSwap(0, time.Now().UnixNano())
	}
	return n, err
}

// TestStreamingPlaybackLatency plays speech that the simulator serves at 64 kB/s and measures
// the time from its first byte to the first sample handed to the device, and the CPU used
// while it plays (null backend: real time, no sound card needed).
func TestStreamingPlaybackLatency(t *testing.T) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Inject(sim.Fault{PathPrefix: "/v1/audio/speech", BytesPerSec: 64000})
	c, _ := api.New(api.Options{BaseURL: s.URL(), Key: s.Key("secret")})
	e, err := audio.NewEngine(audio.EngineOptions{Null: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, _ := e.NewPlayer(audio.PlayerOptions{})
	ms, err := c.Speech(context.Background(), api.SpeechRequest{Text: "A sentence long enough to stream for a while. It keeps going, and going, for several seconds of speech.", Format: "mp3"})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Body.Close()
	fb := &firstByte{r: ms.Body}
	cpu0, wall0 := cpuTime(), time.Now()
	if err := p.Play(context.Background(), fb, audio.FormatMP3); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	st := p.Stats()
	latency := st.FirstSampleAt.Sub(time.Unix(0, fb.at.Load()))
	cpuText := "CPU not measured here"
	if cpu > 0 {
		cpuText = fmt.Sprintf("CPU %.1f%% of one core", float64(cpu)/float64(wall)*100)
	}
	t.Logf("first byte → first sample: %v; %s over %v of playback; underruns %d", latency.Round(time.Millisecond), cpuText, wall.Round(time.Millisecond), st.Underruns)
	if latency <= 0 || latency > 500*time.Millisecond {
		t.Fatalf("first sample %v after the first byte (goal 150 ms, limit 500 ms)", latency)
	}
}

package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gen2brain/malgo"
)

func sine(freq float64, rate, channels int, secs float64, amp float64) []int16 {
	n := int(float64(rate) * secs)
	out := make([]int16, n*channels)
	for i := 0; i < n; i++ {
		v := int16(amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		for c := 0; c < channels; c++ {
			out[i*channels+c] = v
		}
	}
	return out
}

func wavBytes(t testing.TB, s []int16, rate, ch int) []byte {
	var b bytes.Buffer
	if err := EncodeWAV(&b, s, rate, ch); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBackendNullConstant(t *testing.T) {
	// malgo.BackendNull is miniaudio's custom backend: the real null backend is the next one.
	if BackendNull != malgo.BackendNull+1 {
		t.Fatalf("BackendNull = %d, malgo.BackendNull = %d", BackendNull, malgo.BackendNull)
	}
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatalf("the null backend must open anywhere: %v", err)
	}
	defer e.Close()
	ds, err := e.PlaybackDevices()
	if err != nil || len(ds) == 0 || !strings.Contains(strings.ToLower(ds[0].Name), "null") {
		t.Fatalf("null playback devices: %+v %v", ds, err)
	}
}

func TestDecodeFormats(t *testing.T) {
	s := sine(440, 24000, 1, 0.5, 0.5)
	// 24-bit and float WAVs made by hand.
	mk := func(tag, bits int, sample func(v int16) []byte) []byte {
		var data bytes.Buffer
		for _, v := range s {
			data.Write(sample(v))
		}
		h := wavHeader(24000, 1, uint32(data.Len()))
		binary.LittleEndian.PutUint16(h[20:], uint16(tag))
		binary.LittleEndian.PutUint16(h[32:], uint16(bits/8))
		binary.LittleEndian.PutUint16(h[34:], uint16(bits))
		binary.LittleEndian.PutUint32(h[28:], uint32(24000*bits/8))
		return append(h, data.Bytes()...)
	}
	cases := map[string][]byte{
		"wav16": wavBytes(t, s, 24000, 1),
		"wav24": mk(1, 24, func(v int16) []byte { x := int32(v) << 8; return []byte{byte(x), byte(x >> 8), byte(x >> 16)} }),
		"float": mk(3, 32, func(v int16) []byte {
			b := make([]byte, 4)
			binary.LittleEndian.PutUint32(b, math.Float32bits(float32(v)/32767))
			return b
		}),
	}
	for name, data := range cases {
		st, err := Decode(bytes.NewReader(data), FormatAuto)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		raw, _ := io.ReadAll(readerOf(st))
		n := len(raw)
		got := make([]int16, n/2)
		for i := range got {
			got[i] = int16(binary.LittleEndian.Uint16(raw[i*2:]))
		}
		if n/2 != len(s) || st.SampleRate() != 24000 || st.Frames() != int64(len(s)) {
			t.Fatalf("%s: %d samples at %d Hz", name, n/2, st.SampleRate())
		}
		for i := range s {
			if d := int(got[i]) - int(s[i]); d > 2 || d < -2 {
				t.Fatalf("%s: sample %d = %d, want %d", name, i, got[i], s[i])
			}
		}
	}
	if _, err := Decode(strings.NewReader("hello world, not audio"), FormatAuto); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("text must be refused: %v", err)
	}
}

// readerOf exposes a Stream as bytes (for ReadFull in tests).
func readerOf(s Stream) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		buf := make([]int16, 1024)
		for {
			n, err := s.ReadSamples(buf)
			b := make([]byte, n*2)
			for i := 0; i < n; i++ {
				binary.LittleEndian.PutUint16(b[i*2:], uint16(buf[i]))
			}
			pw.Write(b)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return pr
}

func TestPlayOnNullBackend(t *testing.T) {
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, err := e.NewPlayer(PlayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := wavBytes(t, sine(440, 16000, 1, 0.6, 0.3), 16000, 1)
	if err := p.Play(context.Background(), bytes.NewReader(data), FormatAuto); err != nil {
		t.Fatal(err)
	}
	if d, ok := p.Duration(); !ok || d < 590*time.Millisecond || d > 610*time.Millisecond {
		t.Fatalf("duration %v %v", d, ok)
	}
	p.Pause()
	pos := p.Position()
	time.Sleep(150 * time.Millisecond)
	if p.Position() != pos {
		t.Fatal("position moved while paused")
	}
	p.Resume()
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("playback did not end")
	}
	if p.Position() < 590*time.Millisecond {
		t.Fatalf("played only %v", p.Position())
	}
	if st := p.Stats(); st.FirstSampleAt.IsZero() || st.FirstSampleAt.Before(st.Started) {
		t.Fatalf("stats: %+v", st)
	}
}

func TestExclusivePlayback(t *testing.T) {
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	a, _ := e.NewPlayer(PlayerOptions{})
	b, _ := e.NewPlayer(PlayerOptions{})
	long := wavBytes(t, sine(300, 16000, 1, 5, 0.3), 16000, 1)
	if err := a.Play(context.Background(), bytes.NewReader(long), FormatAuto); err != nil {
		t.Fatal(err)
	}
	if err := b.Play(context.Background(), bytes.NewReader(long), FormatAuto); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.Done():
	case <-time.After(time.Second):
		t.Fatal("the first sound kept playing under the second")
	}
	b.Stop()
}

func TestSeekOnFile(t *testing.T) {
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, _ := e.NewPlayer(PlayerOptions{})
	if err := p.Play(context.Background(), bytes.NewReader(wavBytes(t, sine(300, 16000, 1, 3, 0.3), 16000, 1)), FormatAuto); err != nil {
		t.Fatal(err)
	}
	if err := p.Seek(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if pos := p.Position(); pos < 2*time.Second || pos > 2500*time.Millisecond {
		t.Fatalf("position after seek: %v", pos)
	}
	p.Stop()
	pr, pw := io.Pipe()
	go pw.Write(wavBytes(t, sine(300, 16000, 1, 1, 0.3), 16000, 1))
	p.Play(context.Background(), pr, FormatAuto)
	if err := p.Seek(time.Second); !errors.Is(err, ErrNotSeekable) {
		t.Fatalf("a stream cannot seek: %v", err)
	}
	p.Stop()
}

func TestRecorderFromSourceAndRepair(t *testing.T) {
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tone := sine(1000, 16000, 1, 0.5, 0.5)
	src := bytes.NewReader(int16sToBytes(tone))
	r, err := e.NewRecorder(RecorderOptions{Source: src, MaxDuration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rec.wav")
	if err := r.Start(path); err != nil {
		t.Fatal(err)
	}
	sawLevel := false
	deadline := time.After(5 * time.Second)
wait:
	for {
		select {
		case <-r.Done():
			break wait
		case <-deadline:
			t.Fatal("the source never ended")
		case <-time.After(30 * time.Millisecond):
			if rms, peak := r.Level(); rms > 0.2 && peak > 0.4 {
				sawLevel = true
			}
		}
	}
	info, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if !sawLevel {
		t.Fatal("the level meter never showed the tone")
	}
	if info.Duration < 0.45 || info.Duration > 0.55 {
		t.Fatalf("recorded %.2f s, want 0.5", info.Duration)
	}
	pi, err := Probe(path)
	if err != nil || math.Abs(pi.Duration-info.Duration) > 0.001 || pi.SampleRate != 16000 {
		t.Fatalf("probe: %+v %v", pi, err)
	}
	// A crash leaves a header that says 0 bytes: RepairWAV makes it whole again.
	b, _ := os.ReadFile(path)
	binary.LittleEndian.PutUint32(b[40:], 0)
	binary.LittleEndian.PutUint32(b[4:], 36)
	b = append(b, 0x01) // and half a frame at the end
	os.WriteFile(path, b, 0o644)
	fixed, err := RepairWAV(path)
	if err != nil || !fixed {
		t.Fatalf("repair: %v %v", fixed, err)
	}
	if pi2, err := Probe(path); err != nil || math.Abs(pi2.Duration-info.Duration) > 0.001 {
		t.Fatalf("after repair: %+v %v", pi2, err)
	}
	if again, _ := RepairWAV(path); again {
		t.Fatal("a sound file must not be repaired twice")
	}
	wf, err := Waveform(path, 20)
	if err != nil || len(wf) != 20 || wf[10] < 0.4 {
		t.Fatalf("waveform: %v %v", wf, err)
	}
}

func int16sToBytes(s []int16) []byte {
	b := make([]byte, len(s)*2)
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[i*2:], uint16(v))
	}
	return b
}

// pulse returns an engine on PulseAudio, or skips (outside CI) when no server runs.
func pulse(t *testing.T) *Engine {
	t.Helper()
	if os.Getenv("PULSE_SERVER") == "" || exec.Command("pactl", "info").Run() != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run with a PulseAudio server (scripts/test.sh starts one)")
		}
		t.Skip("no PulseAudio server: run scripts/test.sh, which starts one with a null sink")
	}
	e, err := NewEngine(EngineOptions{Backends: []malgo.Backend{malgo.BackendPulseaudio}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// recordWhilePlaying plays data through the default sink and records its monitor.
func recordWhilePlaying(t *testing.T, e *Engine, data []byte, secs float64) []int16 {
	t.Helper()
	rec, err := e.NewRecorder(RecorderOptions{SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "loop.wav")
	if err := rec.Start(path); err != nil {
		t.Fatal(err)
	}
	p, _ := e.NewPlayer(PlayerOptions{})
	if err := p.Play(context.Background(), bytes.NewReader(data), FormatAuto); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(time.Duration(secs*float64(time.Second)) + 10*time.Second):
		t.Fatal("playback never ended")
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	out := make([]int16, (len(b)-44)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[44+i*2:]))
	}
	return out
}

func TestPulseLoopbackTone(t *testing.T) {
	e := pulse(t)
	defer e.Close()
	const freq = 1000.0
	data := wavBytes(t, sine(freq, 48000, 1, 2, 0.25), 48000, 1)
	got := recordWhilePlaying(t, e, data, 2)
	// The loudest stretch is the tone; measure its frequency by zero crossings.
	start, end := loudSpan(got, 0.05)
	if end-start < 8000 {
		t.Fatalf("captured only %d loud samples of %d", end-start, len(got))
	}
	seg := got[start+1600 : end-1600]
	crossings := 0
	for i := 1; i < len(seg); i++ {
		if (seg[i-1] < 0) != (seg[i] < 0) {
			crossings++
		}
	}
	measured := float64(crossings) / 2 / (float64(len(seg)) / 16000)
	if math.Abs(measured-freq)/freq > 0.02 {
		t.Fatalf("captured %.1f Hz, want %.0f Hz within 2%%", measured, freq)
	}
	var sum float64
	for _, v := range seg {
		sum += float64(v) * float64(v)
	}
	rms := math.Sqrt(sum/float64(len(seg))) / 32768
	want := 0.25 / math.Sqrt2
	if rms < want*0.5 || rms > want*1.5 {
		t.Fatalf("captured RMS %.3f, want about %.3f", rms, want)
	}
}

func loudSpan(s []int16, thresh float64) (int, int) {
	start, end := -1, -1
	for i, v := range s {
		if math.Abs(float64(v))/32768 > thresh {
			if start < 0 {
				start = i
			}
			end = i
		}
	}
	if start < 0 {
		return 0, 0
	}
	return start, end
}

func TestPulseLoopbackSpeech(t *testing.T) {
	e := pulse(t)
	defer e.Close()
	wav := filepath.Join(t.TempDir(), "speech.wav")
	if err := exec.Command("espeak-ng", "-w", wav, "Hello from Pollinations Studio").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("espeak-ng: %v", err)
		}
		t.Skip("espeak-ng is not installed")
	}
	data, _ := os.ReadFile(wav)
	got := recordWhilePlaying(t, e, data, 3)
	start, end := loudSpan(got, 0.02)
	if end-start < 4000 {
		t.Fatalf("the recorded speech is (nearly) silent: %d loud samples", end-start)
	}
}

func TestPlayAfterCloseIsAnError(t *testing.T) {
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.NewPlayer(PlayerOptions{})
	e.Close()
	err = p.Play(context.Background(), bytes.NewReader(wavBytes(t, sine(440, 8000, 1, 0.1, 0.3), 8000, 1)), FormatAuto)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("playing on a closed engine: %v", err)
	}
}

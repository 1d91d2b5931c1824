package audio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"pollinations-studio/audio/sinklock"
)

// These tests need a PulseAudio server with a null sink (scripts/test.sh and CI start one):
// the player plays into the default sink, the recorder records its monitor (the default
// source). Outside CI they skip when no server answers; with CI=true they must run.

func inCI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

// pulseReady reports why PulseAudio cannot be used, or "" when it can.
func pulseReady() string {
	if os.Getenv("PULSE_SERVER") == "" {
		return "PULSE_SERVER is not set"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "pactl", "info").CombinedOutput(); err != nil {
		return "pactl info: " + strings.TrimSpace(string(out)) + " " + err.Error()
	}
	return ""
}

// pulse returns an engine on PulseAudio, or skips (outside CI) when no server runs.
func pulse(t *testing.T) *Engine {
	t.Helper()
	if why := pulseReady(); why != "" {
		if inCI() {
			t.Fatalf("CI=true needs a PulseAudio server with a null sink (see scripts/test.sh): %s", why)
		}
		t.Skipf("no PulseAudio server (%s): start one with a null sink to run the loopback tests", why)
	}
	// Other packages' tests play into the same sink (go test runs packages at once).
	unlock, err := sinklock.Lock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	e, err := NewEngine(EngineOptions{Backends: []Backend{BackendPulseAudio}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// recordWhilePlaying plays data through the default sink while recording its monitor, and
// returns the recording. It waits for frames with deadlines, never for fixed times: PulseAudio
// delivers little in its first second.
func recordWhilePlaying(t *testing.T, e *Engine, data []byte) []int16 {
	t.Helper()
	rec, err := e.NewRecorder(RecorderOptions{SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "loop.wav")
	if err := rec.Start(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { return rec.Elapsed() >= 200*time.Millisecond })
	p, err := e.NewPlayer(PlayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Play(context.Background(), bytes.NewReader(data), FormatAuto); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(p, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("player: %d underruns", p.Stats().Underruns)
	end := rec.Elapsed()
	waitFor(t, 10*time.Second, func() bool { return rec.Elapsed() >= end+300*time.Millisecond })
	if _, err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Decode(f, FormatWAV)
	if err != nil {
		t.Fatal(err)
	}
	return readAllSamples(t, s)
}

// goertzel is the power of one frequency in s.
func goertzel(s []int16, rate int, freq float64) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// peakFreq finds the strongest frequency between lo and hi, to 1 Hz.
func peakFreq(s []int16, rate int, lo, hi float64) float64 {
	best, bestP := lo, -1.0
	for f := lo; f <= hi; f++ {
		if p := goertzel(s, rate, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

// periodFreq measures a tone's frequency from the spacing of its rising zero crossings, the
// way a tuner does: a crossing counts only once the signal has swung past ±hyst, so noise near
// zero (a dropout, resampler ringing) adds none, and a period far from the median (a gap or a
// glitch in the capture) is left out rather than averaged in. Crossing times are interpolated
// between samples. It returns the frequency and how many periods were left out of how many.
func periodFreq(s []int16, rate int, hyst float64) (freq float64, dropped, total int) {
	h := hyst * 32768
	var crossings []float64
	armed := false // the signal has been below -h since the last rising crossing
	last := -1     // the newest sample at or below zero: the crossing lies just after it
	for i, v := range s {
		x := float64(v)
		if x <= 0 {
			armed = armed || x < -h
			last = i
			continue
		}
		if armed && x > h {
			// Every sample after last is above zero, so the crossing is between last and last+1.
			a, b := float64(s[last]), float64(s[last+1])
			crossings = append(crossings, float64(last)+a/(a-b))
			armed = false
		}
	}
	if len(crossings) < 3 {
		return 0, 0, 0
	}
	periods := make([]float64, 0, len(crossings)-1)
	for i := 1; i < len(crossings); i++ {
		periods = append(periods, crossings[i]-crossings[i-1])
	}
	sorted := append([]float64(nil), periods...)
	sort.Float64s(sorted)
	median := sorted[len(sorted)/2]
	var sum float64
	kept := 0
	for _, p := range periods {
		if math.Abs(p-median) <= 0.2*median {
			sum += p
			kept++
		}
	}
	return float64(rate) / (sum / float64(kept)), len(periods) - kept, len(periods)
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

// The tone estimator itself, on made-up captures: clean, with hiss, with a dropout full of
// noise near zero (what broke the plain zero-crossing count on a loaded CI machine), and at
// the wrong pitch, which it must not hide.
func TestPeriodFreq(t *testing.T) {
	const rate = 16000
	tone := func(f float64, secs float64) []int16 { return sine(f, rate, 1, secs, 0.25) }
	hiss := func(s []int16, amp float64) []int16 {
		out := append([]int16(nil), s...)
		x := uint32(1)
		for i := range out {
			x = x*1664525 + 1013904223
			out[i] += int16((float64(x>>16)/65536 - 0.5) * 2 * amp * 32768)
		}
		return out
	}
	dropout := append(append(tone(440, 0.6), hiss(make([]int16, rate/10), 0.01)...), tone(440, 0.6)...)
	for _, tc := range []struct {
		name     string
		s        []int16
		want     float64
		naiveBad bool // the plain crossing count is fooled by this one
	}{
		{"clean 440", tone(440, 1), 440, false},
		{"clean 1000", tone(1000, 1), 1000, false},
		// 16.05 samples a period: the phase walks, so steps across zero skip the ±hyst band.
		{"clean 997", tone(997, 1), 997, false},
		{"hiss", hiss(tone(440, 1), 0.02), 440, false},
		{"dropout", dropout, 440, true},
		{"wrong pitch", tone(482, 1), 482, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, dropped, total := periodFreq(tc.s, rate, 0.25/4)
			if math.Abs(f-tc.want)/tc.want > 0.005 {
				t.Errorf("got %.2f Hz, want %.0f", f, tc.want)
			}
			if dropped > total/10 {
				t.Errorf("%d of %d periods dropped", dropped, total)
			}
			if zc := zeroCrossings(tc.s, rate); tc.naiveBad != (math.Abs(zc-tc.want)/tc.want > 0.02) {
				t.Errorf("plain crossing count %.1f Hz: expected it to be fooled: %v", zc, tc.naiveBad)
			}
		})
	}
}

// zeroCrossings is the naive estimate periodFreq replaces, kept to show the difference.
func zeroCrossings(s []int16, rate int) float64 {
	n := 0
	for i := 1; i < len(s); i++ {
		if (s[i-1] < 0) != (s[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(s)) / float64(rate))
}

func TestPulseLoopbackTone(t *testing.T) {
	e := pulse(t)
	defer e.Close()
	for _, tc := range []struct {
		freq float64
		rate int
		amp  float64
	}{
		{440, 48000, 0.25},
		{1000, 44100, 0.4},
	} {
		t.Run(fmt.Sprintf("%.0fHz", tc.freq), func(t *testing.T) {
			got := recordWhilePlaying(t, e, wavBytes(t, sine(tc.freq, tc.rate, 1, 1.5, tc.amp), tc.rate, 1))
			start, end := loudSpan(got, tc.amp/5)
			// The steady part: the tone minus 100 ms at each end.
			if end-start < 16000 {
				t.Fatalf("captured only %d loud samples of %d (1.5 s of tone expected)", end-start, len(got))
			}
			seg := got[start+1600 : end-1600]
			zc, dropped, periods := periodFreq(seg, 16000, tc.amp/4)
			pk := peakFreq(seg, 16000, tc.freq*0.9, tc.freq*1.1)
			for name, f := range map[string]float64{"zero crossings": zc, "Goertzel peak": pk} {
				if math.Abs(f-tc.freq)/tc.freq > 0.02 {
					t.Errorf("%s: captured %.1f Hz, want %.0f Hz within 2%%", name, f, tc.freq)
				}
			}
			// A few periods broken by a dropout are tolerated (a loaded CI machine); a tone that
			// is mostly broken is not the tone that was played.
			if periods == 0 || dropped > periods/10 {
				t.Errorf("the captured tone is broken: %d of %d periods off the median", dropped, periods)
			}
			rms, _ := rmsPeak(seg)
			want := tc.amp / math.Sqrt2
			if rms < want*0.7 || rms > want*1.3 {
				t.Errorf("captured RMS %.3f, want about %.3f", rms, want)
			}
			t.Logf("%.0f Hz played at %d Hz: captured %.1f Hz (zero crossings, %d of %d periods left out), %.0f Hz (Goertzel), RMS %.3f (want %.3f)", tc.freq, tc.rate, zc, dropped, periods, pk, rms, want)
		})
	}
}

func TestPulseLoopbackSpeech(t *testing.T) {
	e := pulse(t)
	defer e.Close()
	wav := filepath.Join(t.TempDir(), "speech.wav")
	if out, err := exec.Command("espeak-ng", "-w", wav, "Hello from Pollinations Studio").CombinedOutput(); err != nil {
		if inCI() {
			t.Fatalf("espeak-ng: %v %s", err, out)
		}
		t.Skipf("espeak-ng is not usable: %v", err)
	}
	info, err := Probe(wav)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(wav)
	got := recordWhilePlaying(t, e, data)
	start, end := loudSpan(got, 0.02)
	spoken := float64(end-start) / 16000
	rms, peak := rmsPeak(got[start:end])
	t.Logf("speech of %.2f s: %.2f s captured above -34 dBFS, RMS %.3f, peak %.3f", info.Duration, spoken, rms, peak)
	if spoken < info.Duration/2 || rms < 0.01 || peak < 0.1 {
		t.Fatalf("the recorded speech is (nearly) silent: %.2f s loud of %.2f, RMS %.3f, peak %.3f", spoken, info.Duration, rms, peak)
	}
}

// pulseSecondSocket opens another socket on the test server and points new devices at it;
// unloading it (the returned func) cuts every connection made through it, as a sound server
// that dies does.
func pulseSecondSocket(t *testing.T) (cut func()) {
	t.Helper()
	mainServer := os.Getenv("PULSE_SERVER")
	sock := filepath.Join(t.TempDir(), "native2")
	out, err := exec.Command("pactl", "-s", mainServer, "load-module", "module-native-protocol-unix", "socket="+sock, "auth-anonymous=1").CombinedOutput()
	if err != nil {
		t.Fatalf("loading a second native socket: %v %s", err, out)
	}
	mod := strings.TrimSpace(string(out))
	t.Setenv("PULSE_SERVER", "unix:"+sock)
	unloaded := false
	cut = func() {
		if !unloaded {
			unloaded = true
			if out, err := exec.Command("pactl", "-s", mainServer, "unload-module", mod).CombinedOutput(); err != nil {
				t.Errorf("unloading the socket: %v %s", err, out)
			}
		}
	}
	t.Cleanup(cut)
	return cut
}

// The sound server going away mid-play ends the play and the recording with ErrDeviceLost,
// not a hang, and the recording is still a valid file.
func TestPulseDeviceLost(t *testing.T) {
	e := pulse(t)
	cut := pulseSecondSocket(t)
	defer func() {
		if err := e.Close(); err != nil {
			t.Logf("closing after the loss: %v", err) // a device stuck in the dead server
		}
	}()
	p, err := e.NewPlayer(PlayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Play(context.Background(), bytes.NewReader(wavBytes(t, sine(440, 48000, 1, 30, 0.3), 48000, 1)), FormatAuto); err != nil {
		t.Fatal(err)
	}
	rec, _ := e.NewRecorder(RecorderOptions{})
	path := filepath.Join(t.TempDir(), "cut.wav")
	if err := rec.Start(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { return p.Position() > 200*time.Millisecond && rec.Elapsed() > 200*time.Millisecond })
	start := time.Now()
	cut()
	if err := waitErr(p, stallTimeout+3*time.Second); !errors.Is(err, ErrDeviceLost) {
		t.Fatalf("playback after the server went away: %v", err)
	}
	t.Logf("playback ended %v after the server went away", time.Since(start))
	select {
	case <-rec.Done():
	case <-time.After(captureStall + 3*time.Second):
		t.Fatal("the recording did not notice the server going away")
	}
	info, err := rec.Stop()
	if !errors.Is(err, ErrDeviceLost) {
		t.Fatalf("recording after the server went away: %v", err)
	}
	if pi, err := Probe(path); err != nil || pi.Duration != info.Duration || info.Duration < 0.2 {
		t.Fatalf("the cut recording: %+v %+v %v", info, pi, err)
	}
	t.Logf("recording ended %v after the server went away, %.2f s kept", time.Since(start), info.Duration)
}

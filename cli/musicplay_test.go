package cli

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"pollinations-studio/audio"
	"pollinations-studio/internal/mp3tone"
)

// The simulator's music is a steady sine of mp3tone.ToneHz peaking at about 0.35 of full
// scale. `music --play` must be heard: played through the PulseAudio null sink and recorded
// off its monitor, it is that tone, about as long as the saved file.
func TestMusicPlayIsHeard(t *testing.T) {
	needPulse(t)
	h := newHarness(t)
	e, err := audio.NewEngine(audio.EngineOptions{Backends: []audio.Backend{audio.BackendPulseAudio}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const rate = 16000
	rec, err := e.NewRecorder(audio.RecorderOptions{SampleRate: rate})
	if err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(t.TempDir(), "heard.wav")
	if err := rec.Start(wav); err != nil {
		t.Fatal(err)
	}
	// PulseAudio delivers little in its first moments: wait for frames, not for a time.
	until(t, 10*time.Second, func() bool { return rec.Elapsed() >= 200*time.Millisecond })
	out := h.path("tune.mp3")
	if code, _, stderr := h.run("music", "a calm sine", "--duration", "3", "-o", out, "--play"); code != ExitOK {
		rec.Stop()
		t.Fatalf("music --play: %d %s", code, stderr)
	}
	end := rec.Elapsed()
	until(t, 10*time.Second, func() bool { return rec.Elapsed() >= end+300*time.Millisecond })
	if _, err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	played := mp3Length(t, out)
	got := readWAVSamples(t, wav)

	start, stop, loud := loudBlocks(got, 0.05)
	heard := float64(len(loud)) / rate
	t.Logf("saved %.2f s of music; recorded %.2f s, %.2f s of it above -26 dBFS, over %.2f s", played, float64(len(got))/rate, heard, float64(stop-start)/rate)
	// Counted in loud 10 ms blocks, so underruns on a loaded machine (gaps) do not count; a
	// tone cut short, never played or played twice does.
	if heard < played*0.9 || heard > played+0.3 {
		t.Fatalf("heard %.2f s of a %.2f s clip", heard, played)
	}
	steady := got[start+rate/10 : stop-rate/10]
	zc := crossingHz(steady, rate)
	pk := strongestHz(steady, rate, mp3tone.ToneHz*0.8, mp3tone.ToneHz*1.2)
	for name, f := range map[string]float64{"zero crossings": zc, "Goertzel peak": pk} {
		if math.Abs(f-mp3tone.ToneHz)/mp3tone.ToneHz > 0.02 {
			t.Errorf("%s: heard %.1f Hz, want %.1f Hz within 2%%", name, f, mp3tone.ToneHz)
		}
	}
	rms := rmsOf(loud[rate/10 : len(loud)-rate/10])
	if want := 0.354 / math.Sqrt2; rms < want*0.7 || rms > want*1.3 {
		t.Errorf("heard RMS %.3f, want about %.3f", rms, want)
	}
	t.Logf("pitch %.1f Hz (zero crossings), %.1f Hz (Goertzel), want %.1f; RMS %.3f", zc, pk, mp3tone.ToneHz, rms)
}

// until polls cond until it holds, failing the test after d.
func until(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the recorder")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readWAVSamples decodes a mono recording into shares of full scale.
func readWAVSamples(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := audio.Decode(f, audio.FormatWAV)
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	buf := make([]int16, 4096)
	for {
		n, err := s.ReadSamples(buf)
		for _, v := range buf[:n] {
			out = append(out, float64(v)/32768)
		}
		if err != nil {
			return out
		}
	}
}

// loudBlocks cuts s into 10 ms blocks and returns the span from the first to the last block
// whose peak passes thresh, and those loud blocks joined.
func loudBlocks(s []float64, thresh float64) (start, stop int, loud []float64) {
	const block = 160
	start = -1
	for i := 0; i+block <= len(s); i += block {
		peak := 0.0
		for _, v := range s[i : i+block] {
			peak = max(peak, math.Abs(v))
		}
		if peak >= thresh {
			if start < 0 {
				start = i
			}
			stop = i + block
			loud = append(loud, s[i:i+block]...)
		}
	}
	if start < 0 {
		return 0, 0, nil
	}
	return start, stop, loud
}

// crossingHz is the frequency from the median period between rising zero crossings.
func crossingHz(s []float64, rate int) float64 {
	var periods []float64
	last := -1.0
	for i := 1; i < len(s); i++ {
		if s[i-1] < 0 && s[i] >= 0 {
			at := float64(i-1) + s[i-1]/(s[i-1]-s[i]) // interpolated
			if last >= 0 {
				periods = append(periods, at-last)
			}
			last = at
		}
	}
	if len(periods) == 0 {
		return 0
	}
	slices.Sort(periods)
	return float64(rate) / periods[len(periods)/2]
}

// strongestHz is the frequency of most power between lo and hi, in 0.5 Hz steps (Goertzel).
func strongestHz(s []float64, rate int, lo, hi float64) float64 {
	best, bf := 0.0, 0.0
	for f := lo; f <= hi; f += 0.5 {
		c := 2 * math.Cos(2*math.Pi*f/float64(rate))
		var s1, s2 float64
		for _, v := range s {
			s1, s2 = v+c*s1-s2, s1
		}
		if p := s1*s1 + s2*s2 - c*s1*s2; p > best {
			best, bf = p, f
		}
	}
	return bf
}

func rmsOf(s []float64) float64 {
	sum := 0.0
	for _, v := range s {
		sum += v * v
	}
	return math.Sqrt(sum / float64(max(1, len(s))))
}

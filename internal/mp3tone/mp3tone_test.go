package mp3tone

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"testing"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// decode returns the left channel of an MP3 stream as floats, and its length in samples as the
// decoder measures it from the frame headers.
func decode(t *testing.T, data []byte) ([]float64, int64) {
	t.Helper()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if d.SampleRate() != Rate {
		t.Fatalf("sample rate %d, want %d", d.SampleRate(), Rate)
	}
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]float64, len(b)/4)
	for i := range s {
		s[i] = float64(int16(binary.LittleEndian.Uint16(b[i*4:]))) / 32768
	}
	return s, d.Length() / 4
}

// strongest is the frequency (in 2 Hz steps) of most power in s, by Goertzel.
func strongest(s []float64, lo, hi float64) float64 {
	best, bf := 0.0, 0.0
	for f := lo; f <= hi; f += 2 {
		c := 2 * math.Cos(2*math.Pi*f/Rate)
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

func TestTone(t *testing.T) {
	for _, tc := range []struct {
		gain     int
		peak     float64 // expected, within 15 %
		secs     float64
		wantFrms int
	}{
		{200, 0.177, 1, 39},
		{204, 0.354, 0.5, 20},
		{196, 0.088, 2, 77},
	} {
		data := Tone(Frames(tc.secs), tc.gain)
		if Frames(tc.secs) != tc.wantFrms || len(data) != tc.wantFrms*FrameBytes {
			t.Fatalf("%.1f s: %d frames, %d bytes", tc.secs, Frames(tc.secs), len(data))
		}
		s, n := decode(t, data)
		if n != int64(tc.wantFrms*FrameSamples) {
			t.Errorf("gain %d: measured length %d samples, want %d", tc.gain, n, tc.wantFrms*FrameSamples)
		}
		steady := s[2*FrameSamples:] // past the decoder's first overlap
		peak, sum := 0.0, 0.0
		for _, v := range steady {
			peak = max(peak, math.Abs(v))
			sum += v * v
		}
		rms := math.Sqrt(sum / float64(len(steady)))
		if math.Abs(peak-tc.peak)/tc.peak > 0.15 {
			t.Errorf("gain %d: peak %.3f, want about %.3f", tc.gain, peak, tc.peak)
		}
		// A steady sine: RMS is peak/√2 (a tone whose loudness wobbles would be lower).
		if r := rms / peak; r < 0.65 || r > 0.75 {
			t.Errorf("gain %d: RMS/peak %.2f, want about 0.71 (a steady sine)", tc.gain, r)
		}
		if f := strongest(steady, 100, 3000); math.Abs(f-ToneHz) > 4 {
			t.Errorf("gain %d: strongest at %.0f Hz, want %.1f Hz", tc.gain, f, ToneHz)
		}
	}
}

func TestSilence(t *testing.T) {
	data := Silence(Frames(1.5))
	s, n := decode(t, data)
	if n != 58*FrameSamples || len(data) != 58*FrameBytes {
		t.Fatalf("1.5 s of silence: %d samples, %d bytes", n, len(data))
	}
	for i, v := range s {
		if v != 0 {
			t.Fatalf("sample %d is %v, want 0", i, v)
		}
	}
	// A tone after silence and silence after a tone: frames do not depend on each other (no bit
	// reservoir), so streams concatenate.
	mixed := append(Tone(10, 200), Silence(10)...)
	s, _ = decode(t, mixed)
	if s[5*FrameSamples] == 0 && s[5*FrameSamples+10] == 0 {
		t.Error("the tone half is silent")
	}
	for i, v := range s[12*FrameSamples:] {
		if v != 0 {
			t.Fatalf("sample %d of the silent half is %v", 12*FrameSamples+i, v)
		}
	}
}

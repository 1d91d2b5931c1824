package audio

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"

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
	if BackendNull != 14 || malgo.BackendNull != 13 {
		t.Fatalf("BackendNull = %d, malgo.BackendNull = %d", BackendNull, malgo.BackendNull)
	}
	// malgo's own constant opens no backend at all, which is why ours exists.
	if ctx, err := malgo.InitContext([]malgo.Backend{malgo.BackendNull}, malgo.ContextConfig{}, nil); err == nil {
		ctx.Uninit()
		ctx.Free()
		t.Log("malgo.BackendNull works now: the off-by-one was fixed upstream, BackendNull can go")
	}
	e := nullEngine(t)
	for name, list := range map[string]func() ([]Device, error){"playback": e.PlaybackDevices, "capture": e.CaptureDevices} {
		ds, err := list()
		if err != nil || len(ds) == 0 || !strings.Contains(strings.ToLower(ds[0].Name), "null") || ds[0].ID == "" {
			t.Fatalf("null %s devices: %+v %v", name, ds, err)
		}
	}
}

func nullEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(EngineOptions{Null: true})
	if err != nil {
		t.Fatalf("the null backend must open anywhere: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("closing the engine: %v", err)
		}
	})
	return e
}

func TestDeviceChoice(t *testing.T) {
	e := nullEngine(t)
	ds, err := e.PlaybackDevices()
	if err != nil || len(ds) == 0 {
		t.Fatal(ds, err)
	}
	cs, err := e.CaptureDevices()
	if err != nil || len(cs) == 0 {
		t.Fatal(cs, err)
	}
	for _, tc := range []struct {
		name, id string
		want     error
	}{
		{"default", "", nil},
		{"by ID", ds[0].ID, nil},
		{"by name", ds[0].Name, nil},
		{"unplugged", "USB Headset that is gone", ErrDeviceNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.NewPlayer(PlayerOptions{DeviceID: tc.id})
			if !errors.Is(err, tc.want) {
				t.Fatalf("player on %q: %v, want %v", tc.id, err, tc.want)
			}
			if err != nil {
				return
			}
			if err := p.Play(context.Background(), bytes.NewReader(wavBytes(t, sine(440, 8000, 1, 0.1, 0.3), 8000, 1)), FormatAuto); err != nil {
				t.Fatal(err)
			}
			if err := waitErr(p, 5*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := e.NewRecorder(RecorderOptions{DeviceID: cs[0].Name}); err != nil {
		t.Fatalf("recorder by name: %v", err)
	}
	if _, err := e.NewRecorder(RecorderOptions{DeviceID: "gone"}); !errors.Is(err, ErrDeviceNotFound) {
		t.Fatalf("recorder on a missing device: %v", err)
	}
}

// waitErr waits for the end of playback with a deadline.
func waitErr(p *Player, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return errors.New("playback did not end in time")
	}
}

// wavWith makes a WAV of s in another encoding; extra chunks go before "data".
func wavWith(s []int16, rate, ch, tag, bits int, extra []byte) []byte {
	var data bytes.Buffer
	for _, v := range s {
		switch {
		case tag == 3:
			data.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(v)/32767)))
		case bits == 24:
			x := int32(v) << 8
			data.Write([]byte{byte(x), byte(x >> 8), byte(x >> 16)})
		default:
			data.Write(binary.LittleEndian.AppendUint16(nil, uint16(v)))
		}
	}
	h := wavHeader(rate, ch, uint32(data.Len()))
	binary.LittleEndian.PutUint16(h[20:], uint16(tag))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*ch*bits/8))
	binary.LittleEndian.PutUint16(h[32:], uint16(ch*bits/8))
	binary.LittleEndian.PutUint16(h[34:], uint16(bits))
	out := append([]byte{}, h[:36]...)
	out = append(out, extra...)
	out = append(out, h[36:]...)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8+data.Len()))
	return append(out, data.Bytes()...)
}

// onlyReader hides Seek, as a download would.
type onlyReader struct{ io.Reader }

func readAllSamples(t testing.TB, s Stream) []int16 {
	t.Helper()
	var out []int16
	buf := make([]int16, 1000)
	for {
		n, err := s.ReadSamples(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("decoding: %v", err)
		}
	}
}

func TestDecodeFormats(t *testing.T) {
	mono := sine(440, 24000, 1, 0.5, 0.5)
	stereo := sine(440, 22050, 2, 0.3, 0.5)
	list := append([]byte("LIST\x05\x00\x00\x00INFOx"), 0) // odd size: padded
	cases := []struct {
		name     string
		data     []byte
		hint     Format
		want     []int16
		rate, ch int
		frames   int64
	}{
		{"wav16", wavBytes(t, mono, 24000, 1), FormatAuto, mono, 24000, 1, int64(len(mono))},
		{"wav16 stereo", wavBytes(t, stereo, 22050, 2), FormatWAV, stereo, 22050, 2, int64(len(stereo) / 2)},
		{"wav24", wavWith(mono, 24000, 1, 1, 24, nil), FormatAuto, mono, 24000, 1, int64(len(mono))},
		{"float32", wavWith(mono, 24000, 1, 3, 32, nil), FormatAuto, mono, 24000, 1, int64(len(mono))},
		{"LIST chunk first", wavWith(mono, 24000, 1, 1, 16, list), FormatAuto, mono, 24000, 1, int64(len(mono))},
		{"raw pcm", int16sToBytes(mono), FormatPCM, mono, 24000, 1, -1},
	}
	for _, tc := range cases {
		for _, wrap := range []string{"file", "stream"} {
			t.Run(tc.name+" "+wrap, func(t *testing.T) {
				var r io.Reader = bytes.NewReader(tc.data)
				if wrap == "stream" {
					r = onlyReader{r}
				}
				st, err := Decode(r, tc.hint)
				if err != nil {
					t.Fatal(err)
				}
				if st.SampleRate() != tc.rate || st.Channels() != tc.ch || st.Frames() != tc.frames {
					t.Fatalf("%d Hz %d ch %d frames, want %d %d %d", st.SampleRate(), st.Channels(), st.Frames(), tc.rate, tc.ch, tc.frames)
				}
				got := readAllSamples(t, st)
				if len(got) != len(tc.want) {
					t.Fatalf("%d samples, want %d", len(got), len(tc.want))
				}
				for i := range got {
					if d := int(got[i]) - int(tc.want[i]); d > 2 || d < -2 {
						t.Fatalf("sample %d = %d, want %d", i, got[i], tc.want[i])
					}
				}
			})
		}
	}
	for name, data := range map[string]string{"text": "hello world, not audio", "empty": "", "riff only": "RIFF\x00\x00\x00\x00WAVE"} {
		if _, err := Decode(strings.NewReader(data), FormatAuto); err == nil {
			t.Errorf("%s must be refused", name)
		}
	}
	if _, err := NewPCMStream(strings.NewReader(""), 10, 1); err == nil {
		t.Error("PCM at 10 Hz must be refused")
	}
}

func TestDecodeMP3(t *testing.T) {
	data, err := os.ReadFile("testdata/speech.mp3")
	if err != nil {
		t.Fatal(err)
	}
	var lens []int
	for _, r := range []io.Reader{bytes.NewReader(data), onlyReader{bytes.NewReader(data)}} {
		s, err := Decode(r, FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		if s.SampleRate() != 24000 || s.Channels() != 2 {
			t.Fatalf("%d Hz %d ch", s.SampleRate(), s.Channels())
		}
		got := readAllSamples(t, s)
		secs := float64(len(got)/2) / 24000
		if secs < 6.5 || secs > 7.5 {
			t.Fatalf("decoded %.2f s of speech, want about 7", secs)
		}
		if _, ok := r.(*bytes.Reader); ok && s.Frames() != int64(len(got)/2) {
			t.Fatalf("a file's MP3 length is %d frames, decoded %d", s.Frames(), len(got)/2)
		}
		lens = append(lens, len(got))
		_, peak := rmsPeak(got)
		if peak < 0.1 {
			t.Fatalf("decoded speech is silent (peak %.3f)", peak)
		}
	}
	if lens[0] != lens[1] {
		t.Fatalf("file and stream decode to %d and %d samples", lens[0], lens[1])
	}
	info, err := Probe("testdata/speech.mp3")
	if err != nil || info.Format != FormatMP3 || math.Abs(info.Duration-float64(lens[0]/2)/24000) > 0.001 {
		t.Fatalf("probe: %+v %v", info, err)
	}
	wf, err := Waveform("testdata/speech.mp3", 50)
	if err != nil || len(wf) != 50 {
		t.Fatal(wf, err)
	}
	loud := 0
	for _, v := range wf {
		if v < 0 || v > 1 {
			t.Fatalf("waveform value %v out of 0..1", v)
		}
		if v > 0.1 {
			loud++
		}
	}
	if loud < 25 {
		t.Fatalf("speech waveform has only %d loud points of 50: %v", loud, wf)
	}
	if _, err := Waveform("testdata/speech.mp3", 0); err == nil {
		t.Fatal("a waveform of 0 points must be refused")
	}
}

func rmsPeak(s []int16) (rms, peak float64) {
	var sum float64
	for _, v := range s {
		f := float64(v) / 32768
		sum += f * f
		peak = math.Max(peak, math.Abs(f))
	}
	if len(s) > 0 {
		rms = math.Sqrt(sum / float64(len(s)))
	}
	return rms, peak
}

func TestFormatFromName(t *testing.T) {
	for in, want := range map[string]Format{"mp3": FormatMP3, ".WAV": FormatWAV, "audio/mpeg": FormatMP3, "audio/wav": FormatWAV, "pcm": FormatPCM, "ogg": FormatAuto, "": FormatAuto} {
		if got := FormatFromName(in); got != want {
			t.Errorf("FormatFromName(%q) = %v, want %v", in, got, want)
		}
	}
}

func int16sToBytes(s []int16) []byte {
	b := make([]byte, len(s)*2)
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[i*2:], uint16(v))
	}
	return b
}

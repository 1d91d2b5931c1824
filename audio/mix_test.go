package audio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// pcm is a Stream over known samples, handing out at most chunk samples a read (as decoders
// do), so the mix must fill its tracks' buffers itself.
type pcm struct {
	s     []int16
	rate  int
	ch    int
	chunk int
}

func (p *pcm) SampleRate() int { return p.rate }
func (p *pcm) Channels() int   { return p.ch }
func (p *pcm) Frames() int64   { return int64(len(p.s) / p.ch) }
func (p *pcm) ReadSamples(b []int16) (int, error) {
	if len(p.s) == 0 {
		return 0, io.EOF
	}
	n := min(len(b), len(p.s))
	if p.chunk > 0 {
		n = min(n, p.chunk)
	}
	n = n / p.ch * p.ch
	copy(b, p.s[:n])
	p.s = p.s[n:]
	return n, nil
}

func mono(s ...int16) *pcm   { return &pcm{s: s, rate: 8000, ch: 1, chunk: 3} }
func stereo(s ...int16) *pcm { return &pcm{s: s, rate: 8000, ch: 2, chunk: 4} }

func TestMixSums(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tracks  func() []Stream
		muted   []int
		solo    int
		want    []int16
		channel int
	}{
		{"two mono", func() []Stream { return []Stream{mono(1, 2, 3, 4), mono(10, 20, 30, 40)} }, nil, -1, []int16{11, 22, 33, 44}, 1},
		{"one muted", func() []Stream { return []Stream{mono(1, 2, 3, 4), mono(10, 20, 30, 40)} }, []int{1}, -1, []int16{1, 2, 3, 4}, 1},
		{"all muted is silence of the same length", func() []Stream { return []Stream{mono(1, 2), mono(10, 20)} }, []int{0, 1}, -1, []int16{0, 0}, 1},
		{"solo wins over mute", func() []Stream { return []Stream{mono(1, 2), mono(10, 20)} }, []int{1}, 1, []int16{10, 20}, 1},
		{"shorter track ends in silence", func() []Stream { return []Stream{mono(1, 2, 3, 4, 5), mono(10, 20)} }, nil, -1, []int16{11, 22, 3, 4, 5}, 1},
		{"clipped, not wrapped", func() []Stream { return []Stream{mono(30000, -30000), mono(30000, -30000)} }, nil, -1, []int16{32767, -32768}, 1},
		{"mono spread into stereo", func() []Stream { return []Stream{stereo(1, 2, 3, 4), mono(10, 20)} }, nil, -1, []int16{11, 12, 23, 24}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMix(tc.tracks()...)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range tc.muted {
				m.SetMuted(i, true)
			}
			m.SetSolo(tc.solo)
			if m.Channels() != tc.channel {
				t.Errorf("%d channels, want %d", m.Channels(), tc.channel)
			}
			if got := readAllSamples(t, m); !slices.Equal(got, tc.want) {
				t.Errorf("mixed %v, want %v", got, tc.want)
			}
		})
	}
}

// Muting while the mix plays takes effect from the next read, and the muted track keeps its
// place: unmuted again, it is in time with the others.
func TestMixMuteWhilePlaying(t *testing.T) {
	m, err := NewMix(mono(1, 2, 3, 4, 5, 6), mono(10, 20, 30, 40, 50, 60))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, 2)
	var got []int16
	for _, mute := range []bool{false, true, false} {
		m.SetMuted(1, mute)
		n, err := m.ReadSamples(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if want := []int16{11, 22, 3, 4, 55, 66}; !slices.Equal(got, want) {
		t.Errorf("mixed %v, want %v", got, want)
	}
	if m.Muted(1) || !m.Audible(1) {
		t.Error("track 2 should be heard again")
	}
	if _, err := m.ReadSamples(buf); err != io.EOF {
		t.Errorf("after the end: %v, want EOF", err)
	}
}

func TestMixRefuses(t *testing.T) {
	other := &pcm{s: []int16{1}, rate: 44100, ch: 1}
	if _, err := NewMix(mono(1), other); !errors.Is(err, ErrMixRates) {
		t.Errorf("different rates: %v", err)
	}
	if _, err := NewMix(); err == nil {
		t.Error("an empty mix was accepted")
	}
	if _, err := NewMix(&pcm{s: make([]int16, 6), rate: 8000, ch: 6}); err == nil {
		t.Error("six channels were accepted")
	}
	m, _ := NewMix(mono(1, 2), &pcm{s: []int16{1, 2, 3}, rate: 8000, ch: 1})
	if m.Frames() != 3 {
		t.Errorf("length %d frames, want the longest track's 3", m.Frames())
	}
}

// Two MP3 stems decoded as the Voice page decodes them mix at their shared rate.
func TestMixDecodedMP3s(t *testing.T) {
	data := speechMP3(t)
	dir := t.TempDir()
	var srcs []Stream
	for _, name := range []string{"vocals.mp3", "drums.mp3"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s, err := Decode(f, FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, s)
	}
	one, err := Decode(onlyReader{bytes.NewReader(data)}, FormatMP3)
	if err != nil {
		t.Fatal(err)
	}
	alone := readAllSamples(t, one)
	m, err := NewMix(srcs...)
	if err != nil {
		t.Fatal(err)
	}
	m.SetMuted(1, true)
	got := readAllSamples(t, m)
	if len(got) != len(alone) || !slices.Equal(got[:1000], alone[:1000]) {
		t.Errorf("one stem muted: %d samples, want the other alone (%d)", len(got), len(alone))
	}
}

// Through a real sound server: two tones mixed, the higher one muted while playing, and the
// recording of the sink holds the lower one only.
func TestPulseMixMute(t *testing.T) {
	e := pulse(t)
	const rate = 16000
	low := &pcm{s: sine(440, rate, 1, 3, 0.3), rate: rate, ch: 1}
	high := &pcm{s: sine(1000, rate, 1, 3, 0.3), rate: rate, ch: 1}
	m, err := NewMix(low, high)
	if err != nil {
		t.Fatal(err)
	}
	m.SetMuted(1, true)
	rec, err := e.NewRecorder(RecorderOptions{SampleRate: rate})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mix.wav")
	if err := rec.Start(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool { return rec.Elapsed() >= 200*time.Millisecond })
	p, err := e.NewPlayer(PlayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.PlayStream(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(p, 20*time.Second); err != nil {
		t.Fatal(err)
	}
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
	got := readAllSamples(t, s)
	lo, hi := goertzel(got, rate, 440), goertzel(got, rate, 1000)
	if lo == 0 || hi > lo/100 || math.IsNaN(lo) {
		t.Errorf("440 Hz power %.3g, 1000 Hz (muted) %.3g: the muted track was heard", lo, hi)
	}
}

package peaks

import (
	"bytes"
	"math"
	"os"
	"testing"

	mp3 "github.com/hajimehoshi/go-mp3"

	"pollinations-studio/internal/mp3tone"
)

// loudThenQuiet is n frames of a tone (peak about 0.35) then n frames of silence.
func loudThenQuiet(n int) []byte {
	return append(mp3tone.Tone(n, 204), mp3tone.Silence(n)...)
}

func peaksOf(t *testing.T, data []byte, cols int, lim Limits) []Column {
	t.Helper()
	got, err := MP3(bytes.NewReader(data), int64(len(data)), cols, lim)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != cols {
		t.Fatalf("%d columns, want %d", len(got), cols)
	}
	return got
}

func loud(c Column) bool  { return c.Max > 0.3 && c.Min < -0.3 && c.Max < 0.4 && c.Min > -0.4 }
func quiet(c Column) bool { return c.Max == 0 && c.Min == 0 }

func TestLoudThenQuiet(t *testing.T) {
	data := loudThenQuiet(40)
	got := peaksOf(t, data, 20, DefaultLimits)
	// Column 10 starts where the silence does; the decoder's overlap carries the tone's last
	// granule into it.
	for i, c := range got {
		switch {
		case i < 10 && !loud(c):
			t.Errorf("column %d of the tone: %+v, want about ±0.35", i, c)
		case i > 10 && !quiet(c):
			t.Errorf("column %d of the silence: %+v, want 0", i, c)
		}
	}

	// A byte limit: only the first half of the file (the tone) is read, and fills every column.
	for i, c := range peaksOf(t, data, 8, Limits{MaxBytes: 40 * mp3tone.FrameBytes}) {
		if !loud(c) {
			t.Errorf("byte limit: column %d %+v, want the tone", i, c)
		}
	}
	// A decoding budget under the file's length: sampled windows at the columns' starts still
	// draw the tone, then silence. With frames of 104 bytes the lead before a window is 10
	// frames, so over 800 frames a budget of 400 pays for 20 windows of 10 frames, one a
	// column; 200 for 10 windows, each shared by two columns (the one at the boundary covers
	// columns 10 and 11).
	long := loudThenQuiet(400)
	for _, tc := range []struct{ frames, edge int }{{400, 10}, {200, 11}} {
		lim := Limits{DecodeSeconds: float64(tc.frames*mp3tone.FrameSamples) / mp3tone.Rate}
		for i, c := range peaksOf(t, long, 20, lim) {
			switch {
			case i < 10 && !loud(c):
				t.Errorf("budget of %d frames: column %d of the tone: %+v, want about ±0.35", tc.frames, i, c)
			case i > tc.edge && !quiet(c):
				t.Errorf("budget of %d frames: column %d of the silence: %+v, want 0", tc.frames, i, c)
			}
		}
	}

	// More columns than samples: no panic, the sound lands in some columns, the rest are flat.
	short := mp3tone.Tone(1, 204)
	got = peaksOf(t, short, 2000, DefaultLimits)
	n := 0
	for _, c := range got {
		if c.Max > 0.01 {
			n++
		}
	}
	if n == 0 {
		t.Error("one frame of tone over 2000 columns: all flat")
	}
}

func TestNotMP3(t *testing.T) {
	tone := mp3tone.Tone(10, 204)
	for name, data := range map[string][]byte{
		"text":   []byte("this is not audio at all, only some words"),
		"empty":  nil,
		"header": tone[:4],
		"riff":   []byte("RIFF\x24\x00\x00\x00WAVEfmt "),
	} {
		if _, err := MP3(bytes.NewReader(data), int64(len(data)), 10, DefaultLimits); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := MP3(bytes.NewReader(tone), int64(len(tone)), 0, DefaultLimits); err == nil {
		t.Error("0 columns: no error")
	}
	// Cut short in the middle of a frame: what is there counts.
	cut := tone[:len(tone)-mp3tone.FrameBytes/2]
	got := peaksOf(t, cut, 4, DefaultLimits)
	if !loud(got[0]) {
		t.Errorf("a cut file: first column %+v", got[0])
	}
}

// FuzzMP3 feeds damaged streams to the reader: an error or columns in range, never a panic.
func FuzzMP3(f *testing.F) {
	f.Add(loudThenQuiet(3), 7)
	f.Add(loudThenQuiet(30), 9) // over the 1 s budget below: sampled, with seeks
	f.Add(mp3tone.Tone(2, 255), 1)
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), 3)
	f.Add([]byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0}, 5)
	f.Fuzz(func(t *testing.T, data []byte, cols int) {
		cols = 1 + abs(cols)%500
		got, err := MP3(bytes.NewReader(data), int64(len(data)), cols, Limits{MaxBytes: 1 << 20, DecodeSeconds: 1})
		if err != nil {
			return
		}
		if len(got) != cols {
			t.Fatalf("%d columns, want %d", len(got), cols)
		}
		for i, c := range got {
			if c.Min < -1 || c.Max > 1 || c.Min > c.Max {
				t.Fatalf("column %d out of range: %+v", i, c)
			}
		}
	})
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// A real encoder's MP3 (see testdata/README) uses the bit reservoir: a frame's data starts in
// the frames before it, which a seek skips. Sampled windows must still read true samples: a
// window lies within its column, so its peaks can never pass the column's own (streamed whole).
func TestSampledMatchesStreamed(t *testing.T) {
	data, err := os.ReadFile("testdata/steps-lame-32k.mp3")
	if err != nil {
		t.Fatal(err)
	}
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	total := float64(d.Length()/4) / float64(d.SampleRate()) // about 6.03 s: the codec pads
	const cols = 10
	whole := peaksOf(t, data, cols, Limits{})
	// At 32 kbit/s (frames of 104 bytes) the lead before a window is 10 frames (0.26 s); a
	// budget of 5.5 s pays for 10 windows of about 0.29 s, one at the start of each column.
	const window = 0.29
	sampled := peaksOf(t, data, cols, Limits{DecodeSeconds: 5.5})
	const eps = 0.01
	checked := 0
	for i := range whole {
		w, s := whole[i], sampled[i]
		if s.Max > w.Max+eps || s.Min < w.Min-eps {
			t.Errorf("column %d: sampled %+v beyond the column's own peaks %+v", i, s, w)
		}
		// Loud seconds (0–1, 2–3, 4–5) and quiet ones alternate; a window that lies inside one
		// second, away from its step and the codec's delay, sees which.
		at := float64(i) * total / cols
		if frac := at - math.Floor(at); frac < 0.1 || frac+window > 0.95 {
			continue
		}
		checked++
		if loudSecond := int(at)%2 == 0; loudSecond != (s.Max > 0.1) {
			t.Errorf("column %d (%.2f s): sampled %+v", i, at, s)
		}
	}
	if checked < 4 {
		t.Fatalf("only %d columns checked", checked)
	}
}

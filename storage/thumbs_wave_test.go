package storage

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"pollinations-studio/internal/mp3tone"
)

// addAudio stores data as an item of kind with the given content type.
func addAudio(t testing.TB, l *Library, kind Kind, data []byte, ext, contentType string) *Item {
	t.Helper()
	h := must[string](t)(l.PutMedia(context.Background(), bytes.NewReader(data), ext))
	it := &Item{Kind: kind, MediaHash: h, ContentType: contentType}
	must[int64](t)(l.AddItem(context.Background(), it))
	return it
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	check(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	check(t, err)
	return img
}

// barHeights is the height in light pixels of each waveform bar (one per 3 pixels).
func barHeights(img image.Image) []int {
	b := img.Bounds()
	var out []int
	for x := b.Min.X; x+2 < b.Max.X; x += 3 {
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r > 0xd000 && g > 0xd000 && bl > 0xd000 {
				n++
			}
		}
		out = append(out, n)
	}
	return out
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// A music or sound MP3 gets its own waveform: a loud first half (a tone peaking at about 0.35
// of full scale) then silence gives tall bars on the left and flat ones on the right.
func TestMP3WaveformThumbnail(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	const size = 96 // 32 bars; a flat bar is 2 pixels, a ±0.35 one about 2 × 0.35 × 0.4 × 96 = 27
	for i, tc := range []struct {
		kind        Kind
		ext, ctype  string
		placeholder string
	}{
		{KindMusic, ".mp3", "audio/mpeg", "music"},
		{KindSound, ".mp3", "audio/mpeg", "sound"},
		{KindSpeech, ".mp3", "", "speech"}, // no content type: the media name says MP3
	} {
		// Thumbnails are cached per file: each kind gets a file of its own (a frame longer each).
		data := append(mp3tone.Tone(40+i, 204), mp3tone.Silence(40+i)...)
		it := addAudio(t, l, tc.kind, data, tc.ext, tc.ctype)
		img := readPNG(t, must[string](t)(l.Thumbnail(ctx, it.ID, size)))
		hs := barHeights(img)
		if len(hs) != 32 {
			t.Fatalf("%s: %d bars", tc.kind, len(hs))
		}
		for i, h := range hs {
			switch {
			case i < 16 && (h < 22 || h > 32):
				t.Errorf("%s: bar %d of the loud half is %d pixels tall, want about 27 (bars %v)", tc.kind, i, h, hs)
			case i > 16 && h != 2:
				t.Errorf("%s: bar %d of the silent half is %d pixels tall, want 2 (flat; bars %v)", tc.kind, i, h, hs)
			}
		}
		// Drawn on the kind's colour: the corner is the placeholder's.
		ph := placeholder(tc.placeholder, size)
		if r1, g1, b1, _ := img.At(size-1, 0).RGBA(); func() bool {
			r2, g2, b2, _ := ph.At(size-1, 0).RGBA()
			return r1 != r2 || g1 != g2 || b1 != b2
		}() {
			t.Errorf("%s: the waveform is not on the kind's colour", tc.kind)
		}
	}

	// A corrupt MP3 (text, a lone frame header) gets the kind's placeholder, without an error.
	for name, bad := range map[string][]byte{
		"text":   []byte("this is not audio at all, only a few words"),
		"header": mp3tone.Tone(1, 204)[:4],
	} {
		it := addAudio(t, l, KindMusic, bad, ".mp3", "audio/mpeg")
		p, err := l.Thumbnail(ctx, it.ID, size)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !samePixels(readPNG(t, p), placeholder("music", size)) {
			t.Errorf("%s: a corrupt MP3 must get the music placeholder", name)
		}
	}
	// Music and sound have their own colours (not the default slate of an unknown kind).
	for _, k := range []string{"music", "sound"} {
		if samePixels(placeholderBackground(k, 16), placeholderBackground("no such kind", 16)) {
			t.Errorf("%s has no colour of its own", k)
		}
	}
}

// BenchmarkMP3WaveformThumbnail makes the waveform of a 3-minute MP3: the generated tone
// (44.1 kHz mono, 32 kbit/s), and, when ffmpeg is there to encode it, music-like stereo at
// 192 kbit/s (noise under a sine), which costs the decoder more a frame.
func BenchmarkMP3WaveformThumbnail(b *testing.B) {
	files := map[string]func(b *testing.B) []byte{
		"tone-mono-32k": func(*testing.B) []byte { return mp3tone.Tone(mp3tone.Frames(180), 204) },
		"stereo-192k": func(b *testing.B) []byte {
			if _, err := exec.LookPath("ffmpeg"); err != nil {
				b.Skip("no ffmpeg to encode a stereo MP3")
			}
			out := filepath.Join(b.TempDir(), "song.mp3")
			cmd := exec.Command("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "anoisesrc=d=180:c=pink:a=0.2",
				"-f", "lavfi", "-i", "sine=f=220:d=180", "-filter_complex", "amix=inputs=2,pan=stereo|c0=c0|c1=c0",
				"-ar", "44100", "-b:a", "192k", out)
			if msg, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("ffmpeg: %v %s", err, msg)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				b.Fatal(err)
			}
			return data
		},
	}
	for _, name := range []string{"tone-mono-32k", "stereo-192k"} {
		b.Run(name, func(b *testing.B) {
			data := files[name](b)
			l, err := Open(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			ctx := context.Background()
			it := addAudio(b, l, KindMusic, data, ".mp3", "audio/mpeg")
			b.ReportAllocs()
			for b.Loop() {
				l.thumbs.forget(it.MediaHash) // measure making it, not finding it cached
				if _, err := l.Thumbnail(ctx, it.ID, 256); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

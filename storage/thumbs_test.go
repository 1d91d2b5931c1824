package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/png"
	"math"
	"os"
	"sync"
	"testing"
	"time"
)

func TestThumbnails(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	it := addImage(t, l, "a picture", pngBytes(t, 300, 200), time.Now())
	p := must[string](t)(l.Thumbnail(ctx, it.ID, 64))
	if w, h := pngSize(t, p); w != 64 || h != 42 {
		t.Fatalf("thumbnail %dx%d, want 64x42", w, h)
	}
	tall := addImage(t, l, "tall", pngBytes(t, 50, 200), time.Now())
	if w, h := pngSize(t, must[string](t)(l.Thumbnail(ctx, tall.ID, 100))); w != 25 || h != 100 {
		t.Fatalf("tall thumbnail %dx%d", w, h)
	}
	small := addImage(t, l, "small", pngBytes(t, 20, 10), time.Now())
	if w, h := pngSize(t, must[string](t)(l.Thumbnail(ctx, small.ID, 64))); w != 20 || h != 10 {
		t.Fatalf("a small image is not enlarged: %dx%d", w, h)
	}
	made := l.thumbs.made.Load()
	if again := must[string](t)(l.Thumbnail(ctx, it.ID, 64)); again != p || l.thumbs.made.Load() != made {
		t.Fatal("a cached thumbnail must be reused, not made again")
	}
	// Placeholders for what is not an image; one per kind, shared.
	sp := &Item{Kind: KindSpeech, Prompt: "hello"}
	must[int64](t)(l.AddItem(ctx, sp))
	vid := &Item{Kind: KindVideo, Prompt: "clip"}
	must[int64](t)(l.AddItem(ctx, vid))
	ps := must[string](t)(l.Thumbnail(ctx, sp.ID, 64))
	pv := must[string](t)(l.Thumbnail(ctx, vid.ID, 64))
	if ps == p || pv == ps {
		t.Fatal("placeholders differ by kind")
	}
	if w, h := pngSize(t, pv); w != 64 || h != 64 {
		t.Fatalf("placeholder %dx%d", w, h)
	}
	// Not an image although it says so: a placeholder, not an error.
	bad := must[string](t)(l.PutMedia(ctx, bytes.NewReader([]byte("not a png")), ".png"))
	broken := &Item{Kind: KindImage, MediaHash: bad, ContentType: "image/png"}
	must[int64](t)(l.AddItem(ctx, broken))
	if _, err := l.Thumbnail(ctx, broken.ID, 64); err != nil {
		t.Fatalf("broken image: %v", err)
	}
	for _, size := range []int{0, 8, 5000} {
		if _, err := l.Thumbnail(ctx, it.ID, size); err == nil {
			t.Errorf("size %d must be refused", size)
		}
	}
	if _, err := l.Thumbnail(ctx, 999, 64); err == nil {
		t.Fatal("thumbnail of a missing item")
	}
}

// TestThumbnailsMadeOnce: many identical requests at once make the thumbnail once.
func TestThumbnailsMadeOnce(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	it := addImage(t, l, "a picture", pngBytes(t, 800, 800), time.Now())
	other := addImage(t, l, "another", pngBytes(t, 600, 600), time.Now())
	before := l.thumbs.made.Load()
	var wg sync.WaitGroup
	paths := make([]string, 16)
	errs := make([]error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := it.ID
			if i%2 == 1 {
				id = other.ID
			}
			paths[i], errs[i] = l.Thumbnail(ctx, id, 128)
		}()
	}
	wg.Wait()
	for i := range 16 {
		if errs[i] != nil || paths[i] != paths[i%2] {
			t.Fatalf("request %d: %q %v", i, paths[i], errs[i])
		}
	}
	if made := l.thumbs.made.Load() - before; made != 2 {
		t.Fatalf("made %d thumbnails for 2 distinct requests", made)
	}
	// Forgetting removes them.
	l.thumbs.forget(it.MediaHash)
	if _, err := os.Stat(paths[0]); !os.IsNotExist(err) {
		t.Fatal("forget must remove the cached thumbnail")
	}
}

func wavBytes(samples []float64) []byte {
	var b bytes.Buffer
	data := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(int16(s*32767)))
	}
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+len(data)+8+4))
	b.WriteString("WAVE")
	b.WriteString("LIST") // a chunk to skip
	binary.Write(&b, binary.LittleEndian, uint32(4))
	b.WriteString("INFO")
	b.WriteString("fmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestWaveformThumbnail(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	// Silence, then a loud tone: the right half of the picture has taller bars.
	samples := make([]float64, 16000)
	for i := 8000; i < 16000; i++ {
		samples[i] = 0.9 * math.Sin(float64(i)*0.3)
	}
	h := must[string](t)(l.PutMedia(ctx, bytes.NewReader(wavBytes(samples)), ".wav"))
	rec := &Item{Kind: KindRecording, MediaHash: h, ContentType: "audio/wav"}
	must[int64](t)(l.AddItem(ctx, rec))
	p := must[string](t)(l.Thumbnail(ctx, rec.ID, 96))
	f, err := os.Open(p)
	check(t, err)
	img, err := png.Decode(f)
	f.Close()
	check(t, err)
	lit := func(x0, x1 int) int {
		n := 0
		for x := x0; x < x1; x++ {
			for y := 0; y < 96; y++ {
				if r, g, b, _ := img.At(x, y).RGBA(); r > 0xd000 && g > 0xd000 && b > 0xd000 {
					n++
				}
			}
		}
		return n
	}
	quiet, loud := lit(0, 45), lit(51, 96)
	if loud < 10*quiet || loud == 0 {
		t.Fatalf("waveform: %d light pixels in the quiet half, %d in the loud half", quiet, loud)
	}
	if _, err := readWAVHeader(bytes.NewReader([]byte("RIFF\x00\x00\x00\x00WAVEdata"))); err == nil {
		t.Fatal("a truncated WAV must be an error")
	}
}

func FuzzReadWAVHeader(f *testing.F) {
	f.Add(wavBytes([]float64{0, 0.5, -0.5}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := readWAVHeader(bytes.NewReader(b))
		if err == nil && (w.blockAlign <= 0 || w.dataStart < 12) {
			t.Fatalf("accepted a header it cannot use: %+v", w)
		}
	})
}

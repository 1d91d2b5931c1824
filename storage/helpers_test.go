package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
	"time"
)

// openTemp opens a library in a fresh folder, waits for its opening reconcile (so tests that
// reconcile themselves see only their own pass) and closes it at the end.
func openTemp(t testing.TB) *Library {
	t.Helper()
	l, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.WaitReconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func addImage(t testing.TB, l *Library, prompt string, data []byte, at time.Time) *Item {
	t.Helper()
	ctx := context.Background()
	// Media are checked by their content on import: give every test image a PNG signature.
	if !bytes.HasPrefix(data, []byte(pngSig)) {
		data = append([]byte(pngSig), data...)
	}
	hash, err := l.PutMedia(ctx, bytes.NewReader(data), ".png")
	if err != nil {
		t.Fatal(err)
	}
	seed := int64(42)
	it := &Item{Kind: KindImage, Prompt: prompt, ModelRequested: "flux", ModelUsed: "flux", Seed: &seed, Width: 64, Height: 64,
		MediaHash: hash, MediaSize: int64(len(data)), ContentType: "image/png", Cost: 0.002, CostKnown: true, CreatedAt: at,
		Params: json.RawMessage(`{"width":64}`), Tags: []string{"test"}}
	if _, err := l.AddItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	return it
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func pngBytes(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngSize(t testing.TB, path string) (int, int) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Width, cfg.Height
}

const pngSig = "\x89PNG\r\n\x1a\n"

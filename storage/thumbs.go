package storage

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // decoders for thumbnails
	_ "image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// thumbnailer makes thumbnails lazily, a few at a time, once per (file, size).
type thumbnailer struct {
	l        *Library
	sem      chan struct{}
	mu       sync.Mutex
	inflight map[string]chan struct{}
}

func newThumbnailer(l *Library, n int) *thumbnailer {
	return &thumbnailer{l: l, sem: make(chan struct{}, n), inflight: map[string]chan struct{}{}}
}

func (t *thumbnailer) path(hash string, size int) string {
	return filepath.Join(t.l.dir, "thumbs", fmt.Sprintf("%s-%d.png", strings.SplitN(hash, ".", 2)[0], size))
}

func (t *thumbnailer) forget(hash string) {
	matches, _ := filepath.Glob(filepath.Join(t.l.dir, "thumbs", strings.SplitN(hash, ".", 2)[0]+"-*.png"))
	for _, m := range matches {
		os.Remove(m)
	}
}

// maxDecodePixels guards against a decompression bomb.
const maxDecodePixels = 80_000_000

// Thumbnail returns the path of a PNG no larger than size×size for an item: the image scaled
// down, or a placeholder drawn for audio, video, text and missing media. It is cached on disk.
func (l *Library) Thumbnail(ctx context.Context, id int64, size int) (string, error) {
	if size < 16 || size > 2048 {
		return "", fmt.Errorf("storage: thumbnail size %d out of range", size)
	}
	it, err := l.Item(ctx, id)
	if err != nil {
		return "", err
	}
	key := it.MediaHash
	if key == "" || it.Missing || !strings.HasPrefix(it.ContentType, "image/") || it.ContentType == "image/svg+xml" {
		key = "placeholder-" + string(it.Kind)
		if it.Missing {
			key = "placeholder-missing"
		}
	}
	t := l.thumbs
	out := t.path(key, size)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	// One maker per file and size: the others wait for it.
	t.mu.Lock()
	if ch, ok := t.inflight[out]; ok {
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		if _, err := os.Stat(out); err == nil {
			return out, nil
		}
		return "", fmt.Errorf("storage: thumbnail of item %d could not be made", id)
	}
	ch := make(chan struct{})
	t.inflight[out] = ch
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.inflight, out)
		t.mu.Unlock()
		close(ch)
	}()
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-t.sem }()

	var img image.Image
	if strings.HasPrefix(key, "placeholder-") {
		img = placeholder(strings.TrimPrefix(key, "placeholder-"), size)
	} else {
		img, err = scaledImage(it.MediaPath, size)
		if err != nil {
			img = placeholder("broken", size)
		}
	}
	if err := writePNG(out, img); err != nil {
		return "", err
	}
	return out, nil
}

func scaledImage(path string, size int) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, err
	}
	if cfg.Width*cfg.Height > maxDecodePixels {
		return nil, fmt.Errorf("image too large to preview (%dx%d)", cfg.Width, cfg.Height)
	}
	f.Seek(0, 0)
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > h {
		w, h = size, max(1, h*size/w)
	} else {
		w, h = max(1, w*size/h), size
	}
	if w >= b.Dx() {
		return src, nil
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, xdraw.Src, nil)
	return dst, nil
}

// placeholder draws a flat tile with a simple glyph for the kind.
func placeholder(kind string, size int) image.Image {
	bg := map[string]color.NRGBA{
		"speech": {0x3b, 0x82, 0xf6, 255}, "recording": {0x0e, 0xa5, 0xe9, 255}, "video": {0x8b, 0x5c, 0xf6, 255},
		"transcript": {0x10, 0xb9, 0x81, 255}, "chat": {0xf5, 0x9e, 0x0b, 255}, "text": {0xf5, 0x9e, 0x0b, 255},
		"missing": {0x6b, 0x72, 0x80, 255}, "broken": {0xef, 0x44, 0x44, 255},
	}[kind]
	if bg.A == 0 {
		bg = color.NRGBA{0x64, 0x74, 0x8b, 255}
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), &image.Uniform{bg}, image.Point{}, draw.Src)
	white := color.NRGBA{255, 255, 255, 220}
	c := size / 2
	switch kind {
	case "speech", "recording":
		// A little waveform.
		for i := 0; i < 9; i++ {
			x := c - size/4 + i*size/18
			hgt := []int{2, 5, 8, 4, 9, 6, 3, 7, 2}[i] * size / 40
			fill(img, x, c-hgt, x+size/36+1, c+hgt, white)
		}
	case "video":
		for y := -size / 6; y <= size/6; y++ {
			w := (size/6 - abs(y)) * 3 / 2
			fill(img, c-size/10, c+y, c-size/10+w, c+y+1, white)
		}
	default:
		for i := 0; i < 4; i++ {
			y := c - size/6 + i*size/9
			fill(img, c-size/4, y, c+size/4-(i%2)*size/8, y+size/30+1, white)
		}
	}
	return img
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func fill(img *image.NRGBA, x0, y0, x1, y1 int, c color.NRGBA) {
	draw.Draw(img, image.Rect(x0, y0, x1, y1), &image.Uniform{c}, image.Point{}, draw.Over)
}

func writePNG(path string, img image.Image) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".thumb-*")
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

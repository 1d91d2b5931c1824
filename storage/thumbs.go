package storage

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // decoders for thumbnails
	_ "image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"pollinations-studio/internal/peaks"
	"pollinations-studio/internal/wav"
)

// thumbnailer makes thumbnails lazily, a few at a time, once per (file, size).
type thumbnailer struct {
	l        *Library
	sem      chan struct{} // bounds how many are made at once (decoding is CPU and memory heavy)
	mu       sync.Mutex
	inflight map[string]chan struct{} // one maker per output file; the others wait for it
	made     atomic.Int64             // thumbnails actually made (tests check de-duplication)
}

func newThumbnailer(l *Library, n int) *thumbnailer {
	return &thumbnailer{l: l, sem: make(chan struct{}, n), inflight: map[string]chan struct{}{}}
}

// path is where the thumbnail of key at size is cached: thumbs/<first two>/<key>-<size>.png,
// in sub-folders like media/ so that no folder grows huge.
func (t *thumbnailer) path(key string, size int) string {
	base, _, _ := strings.Cut(key, ".")
	sub := "placeholders"
	if hashRE.MatchString(key) {
		sub = key[:2]
	}
	return filepath.Join(t.l.dir, "thumbs", sub, fmt.Sprintf("%s-%d.png", base, size))
}

// forget removes the cached thumbnails of a media file that is gone.
func (t *thumbnailer) forget(hash string) {
	if !hashRE.MatchString(hash) {
		return
	}
	base, _, _ := strings.Cut(hash, ".")
	matches, _ := filepath.Glob(filepath.Join(t.l.dir, "thumbs", hash[:2], base+"-*.png"))
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
	// Only what the picture depends on (not tags and references: a gallery asks this a lot).
	it := &Item{ID: id}
	err := l.r.QueryRowContext(ctx, `SELECT kind, media_hash, content_type, missing FROM items WHERE id = ?`, id).
		Scan(&it.Kind, &it.MediaHash, &it.ContentType, &it.Missing)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("storage: thumbnail: item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("storage: thumbnail of item %d: %w", id, err)
	}
	it.MediaPath = l.MediaPath(it.MediaHash)
	key := it.MediaHash
	wave := false
	switch {
	case key == "" || it.Missing:
		key = "placeholder-" + string(it.Kind)
		if it.Missing {
			key = "placeholder-missing"
		}
	case isWAV(it) || isMP3(it):
		wave = true // the file's own waveform, cached under its hash
	case is3DModel(it): // a drawing of the mesh (thumbs3d.go), cached under its hash
	case !strings.HasPrefix(it.ContentType, "image/") || it.ContentType == "image/svg+xml":
		key = "placeholder-" + string(it.Kind)
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

	if _, err := os.Stat(out); err == nil {
		return out, nil // made by a request that finished while this one waited for its turn
	}
	var img image.Image
	switch {
	case strings.HasPrefix(key, "placeholder-"):
		img = placeholder(strings.TrimPrefix(key, "placeholder-"), size)
	case wave:
		img, err = waveform(it.MediaPath, isMP3(it), string(it.Kind), size)
		if err != nil {
			img = placeholder(string(it.Kind), size)
		}
	case is3DModel(it):
		img = meshThumbnail(it.MediaPath, size)
	default:
		img, err = scaledImage(it.MediaPath, size)
		if err != nil {
			img = placeholder("broken", size)
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		return "", fmt.Errorf("storage: thumbnail: %w", err)
	}
	if err := writePNG(out, img); err != nil {
		return "", fmt.Errorf("storage: thumbnail: %w", err)
	}
	t.made.Add(1)
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

// placeholderBackground is the flat tile of a kind's colour.
func placeholderBackground(kind string, size int) *image.NRGBA {
	bg := map[string]color.NRGBA{
		"speech": {0x3b, 0x82, 0xf6, 255}, "recording": {0x0e, 0xa5, 0xe9, 255}, "video": {0x8b, 0x5c, 0xf6, 255},
		"transcript": {0x10, 0xb9, 0x81, 255}, "chat": {0xf5, 0x9e, 0x0b, 255}, "text": {0xf5, 0x9e, 0x0b, 255},
		"missing": {0x6b, 0x72, 0x80, 255}, "broken": {0xef, 0x44, 0x44, 255},
		"music": {0xdb, 0x27, 0x77, 255}, "sound": {0x0d, 0x94, 0x88, 255},
	}[kind]
	if bg.A == 0 {
		bg = color.NRGBA{0x64, 0x74, 0x8b, 255}
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), &image.Uniform{bg}, image.Point{}, draw.Src)
	return img
}

// placeholder draws a flat tile with a simple glyph for the kind.
func placeholder(kind string, size int) image.Image {
	img := placeholderBackground(kind, size)
	white := color.NRGBA{255, 255, 255, 220}
	c := size / 2
	switch kind {
	case "speech", "recording", "music", "sound":
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

func isWAV(it *Item) bool {
	switch it.ContentType {
	case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave":
		return true
	}
	return strings.HasSuffix(it.MediaHash, ".wav")
}

func isMP3(it *Item) bool {
	switch it.ContentType {
	case "audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg-3":
		return true
	}
	return strings.HasSuffix(it.MediaHash, ".mp3")
}

// waveColumns is how many bars a waveform of size pixels has (3 pixels each).
func waveColumns(size int) int { return size / 3 }

// waveform draws the outline of a PCM WAV file (16-bit integer or 32-bit float) or an MP3 on
// the kind's colour: one bar per column, from its lowest to its highest sample.
func waveform(path string, mp3 bool, kind string, size int) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cols := waveColumns(size)
	var cs []peaks.Column
	if mp3 {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		// Decoded while it streams, bounded: a long song is sampled a window per column.
		cs, err = peaks.MP3(f, st.Size(), cols, peaks.DefaultLimits)
		if err != nil {
			return nil, err
		}
	} else if cs, err = wavColumns(f, cols); err != nil {
		return nil, err
	}
	img := placeholderBackground(kind, size)
	white := color.NRGBA{255, 255, 255, 220}
	mid := size / 2
	scale := float64(size) * 0.4
	for c, col := range cs {
		top := mid - int(min(float64(col.Max), 1)*scale)
		bottom := mid - int(max(float64(col.Min), -1)*scale)
		fill(img, c*3, min(top, mid-1), c*3+2, max(bottom, mid+1), white)
	}
	return img, nil
}

// wavColumns reads the lowest and highest sample of each column of a WAV file from a small
// window at the column's start, not the whole file.
func wavColumns(f *os.File, cols int) ([]peaks.Column, error) {
	w, err := readWAVHeader(f)
	if err != nil {
		return nil, err
	}
	frames := w.dataLen / int64(w.blockAlign)
	if cols == 0 || frames == 0 {
		return nil, nil
	}
	out := make([]peaks.Column, cols)
	window := min(frames/int64(cols)+1, 2048)
	buf := make([]byte, window*int64(w.blockAlign))
	for c := range out {
		off := w.dataStart + int64(c)*frames/int64(cols)*int64(w.blockAlign)
		n, _ := f.ReadAt(buf, off)
		lo, hi := 0.0, 0.0
		for i := 0; i+w.bits/8 <= n; i += w.blockAlign {
			var v float64
			if w.float {
				v = float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[i:])))
			} else {
				v = float64(int16(binary.LittleEndian.Uint16(buf[i:]))) / 32768
			}
			if math.IsNaN(v) {
				continue
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		out[c] = peaks.Column{Min: float32(lo), Max: float32(hi)}
	}
	return out, nil
}

type wavInfo struct {
	dataStart, dataLen int64
	blockAlign, bits   int
	float              bool
}

// readWAVHeader finds the samples of a 16-bit integer or 32-bit float WAV file.
func readWAVHeader(r io.ReadSeeker) (wavInfo, error) {
	h, err := wav.ReadHeader(r)
	if err != nil {
		return wavInfo{}, err
	}
	w := wavInfo{blockAlign: int(h.BlockAlign()), bits: h.Bits(), float: h.Float()}
	if !(w.bits == 16 && h.Format() == wav.FormatPCM) && !(w.bits == 32 && w.float) || w.blockAlign < w.bits/8 {
		return w, errors.New("unsupported WAV sample format")
	}
	if w.dataStart, err = r.Seek(0, io.SeekCurrent); err != nil {
		return w, err
	}
	w.dataLen = h.DataSize
	if w.dataLen == wav.UnknownSize {
		end, err := r.Seek(0, io.SeekEnd)
		if err != nil {
			return w, err
		}
		w.dataLen = end - w.dataStart
	}
	return w, nil
}

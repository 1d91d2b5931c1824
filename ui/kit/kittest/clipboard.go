package kittest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"slices"
	"sync"

	"pollinations-studio/ui/kit"
)

// MemClipboard is an image clipboard in memory: what CopyImage put there, PasteImage gives
// back. Err, when set, is what both return (a machine without a clipboard).
type MemClipboard struct {
	mu   sync.Mutex
	data []byte
	Err  error
}

// CopyImage keeps a copy of the picture.
func (m *MemClipboard) CopyImage(png []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	m.data = slices.Clone(png)
	return nil
}

// PasteImage gives the picture back, kit.ErrNoClipboardImage when there is none.
func (m *MemClipboard) PasteImage() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return nil, m.Err
	}
	if m.data == nil {
		return nil, kit.ErrNoClipboardImage
	}
	return slices.Clone(m.data), nil
}

// Image is what the clipboard holds (nil for nothing).
func (m *MemClipboard) Image() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.data)
}

// SetError makes both calls fail with err (nil: work again).
func (m *MemClipboard) SetError(err error) {
	m.mu.Lock()
	m.Err = err
	m.mu.Unlock()
}

var _ kit.ImageClipboard = (*MemClipboard)(nil)

// PNG is a w×h picture with a few colours, as PNG bytes.
func PNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// ClaimedPNG is a small PNG whose header claims w×h pixels: what a check of the header must
// refuse without decoding (the pixels are not there).
func ClaimedPNG(w, h int) []byte {
	b := PNG(1, 1)
	// The IHDR chunk: length (4), "IHDR" (4), width, height, …, then its CRC over type+data.
	ihdr := b[8:]
	binary.BigEndian.PutUint32(ihdr[8:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[12:], uint32(h))
	binary.BigEndian.PutUint32(ihdr[8+13:], crc32.ChecksumIEEE(ihdr[4:8+13]))
	return b
}

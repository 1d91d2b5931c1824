package kittest

import (
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

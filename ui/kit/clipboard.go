// Pictures through the system clipboard: copying a library image so that it pastes into a
// chat or a document, and pasting one as a reference or an attachment.

package kit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/internal/imagefmt" // also registers the decoders: png, jpeg, gif, webp
	"pollinations-studio/storage"
)

// ImageClipboard carries PNG pictures through the system clipboard. Both calls may wait on
// the system: pages make them off the UI goroutine.
type ImageClipboard interface {
	// CopyImage puts a PNG picture on the clipboard.
	CopyImage(png []byte) error
	// PasteImage is the clipboard's picture as PNG, ErrNoClipboardImage when it holds none.
	PasteImage() ([]byte, error)
}

// ErrNoClipboardImage says the clipboard holds no picture.
var ErrNoClipboardImage = errors.New("the clipboard holds no image: copy an image first (in a browser: right-click, Copy Image)")

// Bounds on a picture read whole (a paste, a copy, a video's frame): what another program made
// is refused before it is decoded or sent when it is huge.
const (
	MaxImageBytes  = 50 << 20
	MaxImagePixels = 40_000_000
)

// CheckImage says why a picture's bytes are refused (nil when they are not): too many bytes,
// not a picture, or too many pixels. Only the header is decoded.
func CheckImage(data []byte) error {
	if err := checkImageSize(int64(len(data))); err != nil {
		return err
	}
	return checkImageHeader(bytes.NewReader(data))
}

// CheckImageFile is CheckImage for a file, reading only its size and header.
func CheckImageFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading the image: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading the image: %w", err)
	}
	if err := checkImageSize(st.Size()); err != nil {
		return err
	}
	return checkImageHeader(f)
}

func checkImageSize(n int64) error {
	if n > MaxImageBytes {
		return fmt.Errorf("the image is %.1f MB; at most %d MB is taken", float64(n)/(1<<20), MaxImageBytes>>20)
	}
	return nil
}

func checkImageHeader(r io.Reader) error {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return fmt.Errorf("not an image this program reads (png, jpeg, webp, gif): %w", err)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxImagePixels {
		return fmt.Errorf("the image is %d × %d (%.0f million pixels); at most %d million are taken", cfg.Width, cfg.Height, float64(px)/1e6, MaxImagePixels/1_000_000)
	}
	return nil
}

// ImagePNG reads an image file as PNG bytes for the clipboard: a PNG as it is, a JPEG, WebP
// or GIF converted. The same bounds as a paste apply, checked before decoding.
func ImagePNG(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the image: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the image: %w", err)
	}
	if err := CheckImage(data); err != nil {
		return nil, err
	}
	png, ok, err := imagefmt.Convert(data, imagefmt.PNG)
	if err != nil {
		return nil, fmt.Errorf("converting the image to PNG: %w", err)
	}
	if !ok {
		return nil, errors.New("this picture cannot be decoded to copy it")
	}
	return png, nil
}

// PasteImage takes the clipboard's picture into the library's media folder, whole, and
// returns the file's path (the same picture pasted twice is one file). Run it off the UI
// goroutine.
func PasteImage(ctx context.Context, clip ImageClipboard, lib *storage.Library) (string, error) {
	if clip == nil {
		return "", errors.New("no clipboard for images here")
	}
	data, err := clip.PasteImage()
	if err != nil {
		return "", err
	}
	if len(data) == 0 {
		return "", ErrNoClipboardImage
	}
	if err := CheckImage(data); err != nil {
		return "", err
	}
	hash, err := lib.PutMedia(ctx, bytes.NewReader(data), ".png")
	if err != nil {
		return "", fmt.Errorf("keeping the pasted image: %w", err)
	}
	return lib.MediaPath(hash), nil
}

// ImagePasteEntry is a multi-line entry whose Ctrl+V hands over to OnPasteImage when the
// clipboard holds no text (a picture copied in a browser or an image editor carries none).
type ImagePasteEntry struct {
	widget.Entry
	OnPasteImage func()
}

// NewImagePasteEntry makes a multi-line entry that pastes pictures through OnPasteImage.
func NewImagePasteEntry() *ImagePasteEntry {
	e := &ImagePasteEntry{}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// TypedShortcut pastes a picture when the clipboard has no text, and leaves the rest to the
// entry.
func (e *ImagePasteEntry) TypedShortcut(s fyne.Shortcut) {
	if ps, ok := s.(*fyne.ShortcutPaste); ok && e.OnPasteImage != nil && ps.Clipboard != nil && strings.TrimSpace(ps.Clipboard.Content()) == "" {
		e.OnPasteImage()
		return
	}
	e.Entry.TypedShortcut(s)
}

package app

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"golang.design/x/clipboard"

	"pollinations-studio/ui/kit"
)

// systemImages is the image clipboard of the system (golang.design/x/clipboard; Fyne's own
// carries only text). It starts on first use, so a window that never copies a picture never
// touches it, and a machine without a clipboard (no display, a CI runner) fails only then,
// with words that say so.
type systemImages struct {
	once sync.Once
	err  error
}

func (c *systemImages) init() error {
	c.once.Do(func() {
		if err := clipboard.Init(); err != nil {
			c.err = noImageClipboard(err)
		}
	})
	return c.err
}

// noImageClipboard words the library's failure to start (whose own message is a page of
// installation advice).
func noImageClipboard(err error) error {
	msg := "no clipboard for images here"
	if runtime.GOOS == "linux" {
		// The library loads libX11.so by that name, which only the development package installs.
		msg += " (it needs an X11 display, and libX11.so: install libx11-dev)"
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// CopyImage puts a PNG picture on the system clipboard.
func (c *systemImages) CopyImage(png []byte) error {
	if err := c.init(); err != nil {
		return err
	}
	if clipboard.Write(clipboard.FmtImage, png) == nil {
		return errors.New("the system clipboard did not take the image")
	}
	return nil
}

// PasteImage is the system clipboard's picture as PNG.
func (c *systemImages) PasteImage() ([]byte, error) {
	if err := c.init(); err != nil {
		return nil, err
	}
	data := clipboard.Read(clipboard.FmtImage)
	if len(data) == 0 {
		return nil, kit.ErrNoClipboardImage
	}
	return data, nil
}

// ImageClipboard is the system's image clipboard (or the one the options give).
func (s *Shell) ImageClipboard() kit.ImageClipboard {
	if s.o.ImageClipboard != nil {
		return s.o.ImageClipboard
	}
	return &s.images
}

// copyInFront is Ctrl+C when no text field has the keyboard: the page in front copies what it
// shows (a picture).
func (s *Shell) copyInFront() {
	if p, ok := s.current().page.(kit.Copier); ok {
		p.Copy()
	}
}

// pasteInFront is Ctrl+V when no text field has the keyboard.
func (s *Shell) pasteInFront() {
	if p, ok := s.current().page.(kit.Paster); ok {
		p.Paste()
	}
}

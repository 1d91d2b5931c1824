package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// The system's image clipboard, for real: a picture copied is pasted back whole. It needs an
// X11 display (scripts/test.sh runs the tests under Xvfb); without one it is skipped.
func TestSystemImageClipboardRoundTrip(t *testing.T) {
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" {
		t.Skip("no X11 display: the system clipboard is tested under Xvfb (scripts/test.sh)")
	}
	var c systemImages
	want := kittest.PNG(20, 10)
	if err := c.CopyImage(want); err != nil {
		t.Fatal(err)
	}
	got, err := c.PasteImage()
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("pasted %d bytes (%v), want the %d copied", len(got), err, len(want))
	}
	if err := kit.CheckImage(got); err != nil {
		t.Fatal(err)
	}
}

// Where the clipboard cannot start, the words say what is missing, not a page of advice.
func TestNoImageClipboardWords(t *testing.T) {
	inner := errors.New("clipboard unavailable")
	err := noImageClipboard(fmt.Errorf("%w: Failed to initialize the X11 display, and the clipboard package\nwill not work properly.\n\n\tapt install -y libx11-dev", inner))
	if !strings.HasPrefix(err.Error(), "no clipboard for images here") || strings.Contains(err.Error(), "\n") || !errors.Is(err, inner) {
		t.Fatalf("%q", err)
	}
	if runtime.GOOS == "linux" && !strings.Contains(err.Error(), "libx11-dev") {
		t.Fatalf("on Linux the missing package is named: %q", err)
	}
}

// A picture copied in the library (Ctrl+C on the shown image) pastes into the image studio as
// a reference (Ctrl+V there), through the window's image clipboard.
func TestCopyInTheLibraryPasteInTheImageStudio(t *testing.T) {
	pic := kittest.PNG(16, 12)
	var id int64
	h := newHarnessAt(t, "secret", t.TempDir(), func(l *lib.Library) {
		ctx := context.Background()
		hash, err := l.PutMedia(ctx, bytes.NewReader(pic), ".png")
		if err != nil {
			t.Fatal(err)
		}
		if id, err = l.AddItem(ctx, &lib.Item{Kind: lib.KindImage, Prompt: "a kite", MediaHash: hash, ContentType: "image/png"}); err != nil {
			t.Fatal(err)
		}
	})
	mem := &kittest.MemClipboard{}
	h.ui(func() {
		h.s.o.ImageClipboard = mem
		h.s.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActShow, ItemID: id})
	})
	// The copy needs the picture shown: Ctrl+C until it is.
	h.eventually("the copied picture", func() bool {
		if h.front() == kit.PageLibrary {
			h.s.copyInFront()
		}
		return mem.Image() != nil
	})
	if !bytes.Equal(mem.Image(), pic) {
		t.Fatal("the clipboard holds the item's PNG as it is")
	}
	h.ui(func() { h.s.Show(kit.PageImage); h.s.pasteInFront() })
	sum := sha256.Sum256(pic)
	h.eventually("the reference", func() bool {
		text := kittest.Text(h.s.Page(kit.PageImage).Content())
		return strings.Contains(text, hex.EncodeToString(sum[:])[:16]) // the picture kept in the library

	})
}

package app

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

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

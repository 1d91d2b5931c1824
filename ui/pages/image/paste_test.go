package image

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"pollinations-studio/ui/kit/kittest"
)

// A picture on the clipboard (a library image's Copy image) becomes a reference image: by
// Ctrl+V in the prompt when the clipboard holds no text, or by the page's paste (the button,
// and Ctrl+V when no field has the keyboard). It is kept whole in the library first.
func TestImagePastesAPictureAsAReference(t *testing.T) {
	h, p := newPage(t, "secret")
	pic := kittest.PNG(32, 32)
	h.Images.CopyImage(pic)
	h.UI(func() {
		h.Clipboard().SetContent("")
		p.prompt.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.Clipboard()})
	})
	h.Eventually("the reference", func() bool { return len(p.refs) == 1 })
	var ref, label string
	h.UI(func() { ref, label = p.refs[0], p.refLabel.Text })
	if got, err := os.ReadFile(ref); err != nil || !bytes.Equal(got, pic) || label == "No reference images" {
		t.Fatalf("the reference is the pasted picture, whole: %s %q %v", ref, label, err)
	}
	// Text in the prompt pastes as text.
	h.UI(func() {
		h.Clipboard().SetContent("a red fox")
		p.prompt.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.Clipboard()})
	})
	var prompt string
	h.UI(func() { prompt = p.prompt.Text })
	if prompt != "a red fox" {
		t.Fatalf("text pastes as text: %q", prompt)
	}
	// The page's paste with an empty text clipboard takes the picture.
	h.UI(func() { h.Clipboard().SetContent(""); p.Paste() })
	h.Eventually("the second reference", func() bool { return len(p.refs) == 2 })
	// A picture over the bounds is refused before it is kept.
	h.Images.CopyImage(kittest.ClaimedPNG(10000, 5000))
	h.UI(p.Paste)
	h.Eventually("the refusal", func() bool { return len(h.Errors()) == 1 })
	if msg := h.Errors()[0].Error(); !strings.Contains(msg, "million pixels") {
		t.Fatalf("the refusal says why: %q", msg)
	}
	// No clipboard at all (no display): said so.
	h.Images.SetError(errors.New("no clipboard for images here"))
	h.UI(p.Paste)
	h.Eventually("the second refusal", func() bool { return len(h.Errors()) == 2 })
	var n int
	h.UI(func() { n = len(p.refs) })
	if n != 2 || !strings.Contains(h.Errors()[1].Error(), "no clipboard") {
		t.Fatalf("refused pastes add nothing: %d refs, %v", n, h.Errors())
	}
}

package chat

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"pollinations-studio/ui/kit/kittest"
)

// A picture on the clipboard (a library image's Copy image) is attached by Ctrl+V in the
// message box when the clipboard holds no text, and by Paste image; it reaches the model.
func TestChatPastesAPictureAsAnAttachment(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	pic := kittest.PNG(24, 16)
	h.Images.CopyImage(pic)
	h.UI(func() {
		h.Clipboard().SetContent("")
		h.Win.Canvas().Focus(p.input)
		p.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.Clipboard()})
	})
	h.Eventually("the attachment", func() bool { return len(p.attach) == 1 })
	var path, label string
	h.UI(func() { path, label = p.attach[0], p.attachL.Text })
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, pic) || !strings.HasPrefix(label, "Attached: ") {
		t.Fatalf("the attachment is the pasted picture, whole: %s %q %v", path, label, err)
	}
	// Text on the clipboard is pasted as text, not as a picture.
	h.UI(func() {
		h.Clipboard().SetContent("hello")
		p.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.Clipboard()})
	})
	var text string
	var n int
	h.UI(func() { text, n = p.input.Text, len(p.attach) })
	if text != "hello" || n != 1 {
		t.Fatalf("text pastes as text: %q, %d attachments", text, n)
	}
	// The button attaches it too; the message with it reaches the model.
	h.UI(func() { test.Tap(p.pasteB) })
	h.Eventually("the second attachment", func() bool { return len(p.attach) == 2 })
	h.UI(func() { p.input.SetText("what is in this picture?"); test.Tap(p.sendB) })
	h.Eventually("the reply", func() bool { return p.jobID == 0 && len(p.msgs) == 2 })
	var reply string
	h.UI(func() { reply = p.msgs[1].Content })
	if !strings.Contains(reply, "I can see the image") {
		t.Fatalf("the pasted picture must reach the model: %q", reply)
	}
}

// A picture over the bounds is refused with its size, and nothing is attached.
func TestChatRefusesAHugePastedPicture(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	h.Images.CopyImage(kittest.ClaimedPNG(9000, 9000))
	h.UI(func() { test.Tap(p.pasteB) })
	h.Eventually("the refusal", func() bool { return len(h.Errors()) == 1 })
	if msg := h.Errors()[0].Error(); !strings.Contains(msg, "9000 × 9000") || !strings.Contains(msg, "at most 40 million") {
		t.Fatalf("the refusal says why: %q", msg)
	}
	var n int
	h.UI(func() { n = len(p.attach) })
	if n != 0 {
		t.Fatal("a refused picture is not attached")
	}
}

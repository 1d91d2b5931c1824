package ui

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/sim"
)

func TestChatStreamsStopsAndRegenerates(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	h.eventually("the text models", func() bool { return p.model.Selected != "" })
	// A slow stream, so that it can be stopped part-way.
	h.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", BytesPerSec: 1500})
	h.ui(func() {
		test.Type(p.input, "write 300 words about bees")
		test.Tap(p.sendB)
	})
	h.eventually("streamed text", func() bool { return p.jobID != 0 && p.streaming.Len() > 20 })
	h.ui(func() { test.Tap(p.stopB) })
	h.eventually("the stopped reply", func() bool {
		return p.jobID == 0 && len(p.msgs) == 2 && p.msgs[1].Partial && p.msgs[1].Content != ""
	})
	var chatID int64
	h.ui(func() { chatID = p.chatID })

	// Regenerate at full speed: the stopped answer stays as a sibling.
	h.ui(func() { p.regenerate() })
	h.eventually("the new reply", func() bool { return p.jobID == 0 && len(p.msgs) == 2 && !p.msgs[1].Partial })
	var replyID int64
	h.ui(func() { replyID = p.msgs[1].ID })
	sibs, err := h.s.lib.Siblings(context.Background(), replyID)
	if err != nil || len(sibs) != 2 {
		t.Fatalf("siblings: %d %v", len(sibs), err)
	}
	h.eventually("the conversation in the list", func() bool { return len(p.chats) == 1 && p.chats[0].ID == chatID })

	// Flip back to the stopped answer.
	h.eventually("the sibling counter", func() bool { return p.siblings[replyID].Count == 2 })
	var prev int64
	h.ui(func() { prev = p.siblings[replyID].Prev })
	h.ui(func() { p.flip(prev) })
	h.eventually("the earlier answer", func() bool { return len(p.msgs) == 2 && p.msgs[1].ID == prev && p.msgs[1].Partial })

	// Edit the question and resend: a new branch, the old question kept as a sibling.
	h.sim.ClearFaults()
	h.ui(func() {
		p.startEdit(p.msgs[0])
		p.input.SetText("write 20 words about wasps")
		p.send()
	})
	h.eventually("the edited branch", func() bool {
		return p.jobID == 0 && len(p.msgs) == 2 && p.msgs[0].Content == "write 20 words about wasps" && p.msgs[1].Role == "assistant"
	})
	var q int64
	h.ui(func() { q = p.msgs[0].ID })
	h.eventually("the edited question's sibling", func() bool { return p.siblings[q].Count == 2 })
}

func TestChatNoticeIsAnError(t *testing.T) {
	h := newHarness(t, "exhausted")
	p := h.s.chat
	h.eventually("the text models", func() bool { return p.model.Selected != "" })
	h.ui(func() {
		test.Type(p.input, "hello")
		test.Tap(p.sendB)
	})
	h.eventually("the error dialog", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var texts string
	var msgs int
	h.ui(func() { texts = collectText(h.s.win.Canvas().Overlays().Top()); msgs = len(p.msgs) })
	if !strings.Contains(texts, "budget") {
		t.Fatalf("the notice must show as the error it is: %q", texts)
	}
	if msgs != 1 {
		t.Fatalf("the notice must not appear as an assistant message (%d messages)", msgs)
	}
}

func TestChatWithAnImageAttachment(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	h.eventually("the text models", func() bool { return p.model.Selected != "" })
	img := filepath.Join(t.TempDir(), "photo.png")
	os.WriteFile(img, tinyPNG(), 0o644)
	h.ui(func() {
		h.s.Show("chat")
		h.s.HandleDrop([]fyne.URI{storage.NewFileURI(img)})
		test.Type(p.system, "Answer in one line.")
		test.Type(p.input, "what is in this picture?")
		test.Tap(p.sendB)
	})
	h.eventually("the reply", func() bool { return p.jobID == 0 && len(p.msgs) == 2 })
	var reply string
	var att []string
	h.ui(func() { reply, att = p.msgs[1].Content, p.msgs[0].Attachments })
	if !strings.Contains(reply, "I can see the image") || len(att) != 1 {
		t.Fatalf("the image must reach the model and stay with the message: %q %v", reply, att)
	}
}

func tinyPNG() []byte {
	var b bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	png.Encode(&b, img)
	return b.Bytes()
}

func TestStreamTail(t *testing.T) {
	short := "## Title\n\nshort reply"
	if streamTail(short) != short {
		t.Fatal("a short reply is shown whole")
	}
	long := strings.Repeat("A paragraph of words that goes on.\n\n", 500)
	tail := streamTail(long)
	if len(tail) > streamTailBytes+10 || !strings.HasPrefix(tail, "…\n\nA paragraph") || !strings.HasSuffix(long, tail[len("…\n\n"):]) {
		t.Fatalf("tail: %d bytes, starts %q", len(tail), tail[:20])
	}
}

func TestChatPresets(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	sel := widget.NewSelect(nil, nil)
	h.ui(func() { p.savePreset(sel, "Pirate", "Answer like a pirate.") })
	if len(sel.Options) != 1 || h.s.app.Preferences().String("chatPreset.Pirate") != "Answer like a pirate." {
		t.Fatalf("preset not kept: %v", sel.Options)
	}
}

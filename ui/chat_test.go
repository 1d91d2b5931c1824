package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
)

func TestChatStreamsStopsAndRegenerates(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	h.eventually("the text models", func() bool { return p.model.Selected != "" })
	var hint bool
	h.ui(func() { hint = p.empty.Visible() })
	if !hint {
		t.Fatal("an empty conversation should show its hint")
	}
	// A slow stream, so that it can be stopped part-way.
	h.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", BytesPerSec: 1500})
	h.ui(func() {
		test.Type(p.input, "write 300 words about bees")
		test.Tap(p.sendB)
	})
	h.eventually("streamed text", func() bool { return p.jobID != 0 && p.streaming.Len() > 20 })
	h.ui(func() { hint = p.empty.Visible() })
	if hint {
		t.Fatal("the hint must not show through the messages")
	}
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

func TestChatPresets(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	sel := widget.NewSelect(nil, nil)
	h.ui(func() { p.savePreset(sel, "Pirate", "Answer like a pirate.") })
	if len(sel.Options) != 1 || h.s.app.Preferences().String("chatPreset.Pirate") != "Answer like a pirate." {
		t.Fatalf("preset not kept: %v", sel.Options)
	}
}

// visibleButtons lists the shown buttons under o that match.
func visibleButtons(o fyne.CanvasObject, match func(*widget.Button) bool) []*widget.Button {
	var out []*widget.Button
	for _, c := range test.LaidOutObjects(o) {
		if b, ok := c.(*widget.Button); ok && b.Visible() && match(b) {
			out = append(out, b)
		}
	}
	return out
}

func TestChatListSearchRenameAndTrash(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	ctx := context.Background()
	bees, _ := h.s.lib.NewChat(ctx, "About bees", "openai", "")
	wasps, _ := h.s.lib.NewChat(ctx, "About wasps", "openai", "")
	h.ui(func() { h.s.win.Resize(fyne.NewSize(1200, 800)); h.s.Show("chat"); p.reloadChats() })
	h.eventually("both conversations", func() bool { return len(p.chats) == 2 })

	h.ui(func() { test.Type(p.chatSearch, "wasp") })
	h.eventually("the search to narrow the list", func() bool { return len(p.chats) == 1 && p.chats[0].ID == wasps })
	h.ui(func() { p.chatSearch.SetText("") })
	h.eventually("the whole list again", func() bool { return len(p.chats) == 2 })

	h.ui(func() { p.renameChat(bees, "Honey and hives") })
	h.eventually("the new title", func() bool {
		it, err := h.s.lib.Item(ctx, bees)
		return err == nil && it.Prompt == "Honey and hives" && len(p.chats) == 2 &&
			(p.chats[0].Prompt == "Honey and hives" || p.chats[1].Prompt == "Honey and hives")
	})

	// Open the wasps conversation, then delete it with its row's button: it goes to the trash
	// and the page starts afresh.
	h.ui(func() { p.openChat(wasps) })
	h.eventually("the open conversation", func() bool { return p.chatID == wasps })
	var del []*widget.Button
	h.ui(func() {
		p.chatList.Refresh()
		del = visibleButtons(p.chatList, func(b *widget.Button) bool { return b.Icon == theme.DeleteIcon() })
	})
	if len(del) != 2 {
		t.Fatalf("each conversation needs a delete button, found %d", len(del))
	}
	h.ui(func() {
		for i, it := range p.chats {
			if it.ID == wasps {
				test.Tap(del[i])
			}
		}
	})
	h.eventually("the conversation to leave the list", func() bool { return len(p.chats) == 1 && p.chats[0].ID == bees && p.chatID == 0 })
	trash, err := h.s.lib.Search(ctx, lib.Query{Kinds: []lib.Kind{lib.KindChat}, Trashed: true})
	if err != nil || len(trash.Items) != 1 || trash.Items[0].ID != wasps {
		t.Fatalf("the conversation must be in the trash: %+v %v", trash.Items, err)
	}
}

func TestChatCopiesCodeBlocksAndMessages(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	reply := "Try this:\n\n```go\nfmt.Println(\"hi\")\n```\n\nAnd **that** is all."
	h.ui(func() {
		h.s.win.Resize(fyne.NewSize(1200, 800))
		h.s.Show("chat")
		p.chatID = 1
		p.msgs = []lib.Message{{ID: 1, Role: "user", Content: "how do I print?"}, {ID: 2, Role: "assistant", Content: reply}}
		p.list.Refresh()
	})
	var monospace bool
	var copyCode, copyMsg []*widget.Button
	h.ui(func() {
		for _, o := range test.LaidOutObjects(p.list) {
			if rt, ok := o.(*widget.RichText); ok {
				for _, sg := range rt.Segments {
					if ts, ok := sg.(*widget.TextSegment); ok && ts.Style.TextStyle.Monospace && ts.Text == "fmt.Println(\"hi\")" {
						monospace = true
					}
				}
			}
		}
		copyCode = visibleButtons(p.list, func(b *widget.Button) bool { return b.Text == "Copy" })
		copyMsg = visibleButtons(p.list, func(b *widget.Button) bool { return b.Text == "" && b.Icon == theme.ContentCopyIcon() })
	})
	if !monospace {
		t.Fatal("the code block must be drawn in a monospace face")
	}
	if len(copyCode) != 1 || len(copyMsg) != 2 {
		t.Fatalf("one copy button per code block and per message: %d code, %d message", len(copyCode), len(copyMsg))
	}
	var got string
	h.ui(func() { test.Tap(copyCode[0]); got = h.s.app.Clipboard().Content() })
	if got != "fmt.Println(\"hi\")" {
		t.Fatalf("the code block's copy: %q", got)
	}
	h.ui(func() { test.Tap(copyMsg[1]); got = h.s.app.Clipboard().Content() })
	if got != reply {
		t.Fatalf("the message's copy: %q", got)
	}
	h.ui(func() { test.Tap(copyMsg[0]); got = h.s.app.Clipboard().Content() })
	if got != "how do I print?" {
		t.Fatalf("the question's copy: %q", got)
	}
}

func TestChatReasoningIsFoldedUnderTheReply(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	h.eventually("the text models", func() bool { return p.model.Selected != "" })
	h.ui(func() {
		h.s.win.Resize(fyne.NewSize(1200, 800))
		h.s.Show("chat")
		for l, n := range p.modelNames {
			if n == "deepseek" {
				p.model.SetSelected(l)
			}
		}
		test.Type(p.input, "why is the sky blue?")
		test.Tap(p.sendB)
	})
	h.eventually("the reply with its reasoning", func() bool {
		return p.jobID == 0 && len(p.msgs) == 2 && p.msgs[1].Reasoning != ""
	})
	reasoningShown := func() bool {
		for _, o := range test.LaidOutObjects(p.list) {
			if l, ok := o.(*widget.Label); ok && l.Visible() && strings.Contains(l.Text, "step by step") {
				return true
			}
		}
		return false
	}
	var fold []*widget.Button
	var shown bool
	h.ui(func() {
		fold = visibleButtons(p.list, func(b *widget.Button) bool { return b.Text == "Reasoning" })
		shown = reasoningShown()
	})
	if len(fold) != 1 || shown {
		t.Fatalf("the reasoning starts folded under its reply: %d folds, shown %v", len(fold), shown)
	}
	h.ui(func() { test.Tap(fold[0]); shown = reasoningShown() })
	if !shown {
		t.Fatal("unfolding shows the reasoning")
	}
}

func TestChatAttachmentsFollowTheModel(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	h.eventually("the text models", func() bool { return p.model.Selected != "" })
	dir := t.TempDir()
	img := filepath.Join(dir, "photo.png")
	os.WriteFile(img, tinyPNG(), 0o644)

	// Pasting a file copied in a file manager attaches it; pasting words pastes words.
	h.ui(func() {
		h.s.Show("chat")
		h.s.app.Clipboard().SetContent(storage.NewFileURI(img).String() + "\n")
		h.s.win.Canvas().Focus(p.input)
		p.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.s.app.Clipboard()})
	})
	var attached []string
	var text string
	h.ui(func() { attached, text = p.attach, p.input.Text })
	if len(attached) != 1 || attached[0] != img || text != "" {
		t.Fatalf("the pasted file must become an attachment: %v %q", attached, text)
	}
	h.ui(func() {
		test.Tap(p.clearB)
		h.s.app.Clipboard().SetContent("just words")
		p.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.s.app.Clipboard()})
		attached, text = p.attach, p.input.Text
	})
	if len(attached) != 0 || text != "just words" {
		t.Fatalf("pasted text stays text: %v %q", attached, text)
	}

	// A model that takes no images offers no attachments and refuses a dropped picture.
	var enabled bool
	h.ui(func() {
		for l, n := range p.modelNames {
			if n == "deepseek" {
				p.model.SetSelected(l)
			}
		}
		enabled = !p.attachB.Disabled()
		h.s.HandleDrop([]fyne.URI{storage.NewFileURI(img)})
	})
	if enabled {
		t.Fatal("a text-only model must not offer attachments")
	}
	h.eventually("the refusal", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	h.ui(func() { attached, text = p.attach, collectText(h.s.win.Canvas().Overlays().Top()) })
	if len(attached) != 0 || !strings.Contains(text, "does not take images") {
		t.Fatalf("the picture must be refused with the reason: %v %q", attached, text)
	}
}

func TestVideoDroppedOnTheChatPageIsTranscribed(t *testing.T) {
	h := newHarness(t, "secret")
	clip := filepath.Join(t.TempDir(), "talk.mp4")
	os.WriteFile(clip, toneWAV(1), 0o644) // only the name matters before it is sent
	h.ui(func() { h.s.Show("chat"); h.s.HandleDrop([]fyne.URI{storage.NewFileURI(clip)}) })
	var rows int
	var page bool
	h.ui(func() { rows, page = len(h.s.transcribe.rows), h.s.tabs.Selected() == h.s.pages["transcribe"] })
	if rows != 1 || !page {
		t.Fatalf("a video dropped on the chat page must queue a transcription (%d rows, on Transcribe %v)", rows, page)
	}
}

func TestChatOptionsReachTheRequest(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	var r api.ChatRequest
	var err error
	h.ui(func() {
		p.maxTokens.SetText("64")
		p.effort.SetSelected("low")
		p.temp.SetValue(0.5)
		r, err = p.request("openai")
	})
	if err != nil || r.MaxTokens != 64 || r.ReasoningEffort != "low" || r.Temperature == nil || *r.Temperature != 0.5 {
		t.Fatalf("options: %+v %v", r, err)
	}
	h.ui(func() { p.maxTokens.SetText("lots"); _, err = p.request("openai") })
	if err == nil {
		t.Fatal("a max tokens that is not a number must be refused")
	}
}

func TestChatOpensAndScrollsALongConversation(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.chat
	ctx := context.Background()
	chat, err := h.s.lib.NewChat(ctx, "A long conversation", "openai", "")
	if err != nil {
		t.Fatal(err)
	}
	var parent *int64
	for i := 0; i < 5000; i++ {
		m := &lib.Message{ChatID: chat, ParentID: parent, Role: []string{"user", "assistant"}[i%2],
			Content: fmt.Sprintf("## Message %d\n\nSome words, a list:\n\n- one\n- two\n\n```\ncode %d\n```", i, i)}
		if _, err := h.s.lib.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		parent = &m.ID
	}
	h.ui(func() { h.s.win.Resize(fyne.NewSize(1200, 800)); h.s.Show("chat"); p.openChat(chat) })
	h.eventually("the conversation", func() bool { return len(p.msgs) == 5000 })
	// Each jump draws only the rows in view: it stays well under a frame budget's worth of work
	// even under the race detector.
	var worst time.Duration
	for _, to := range []int{0, 1200, 2500, 3700, 4999, 10} {
		start := time.Now()
		h.ui(func() { p.list.ScrollTo(to) })
		worst = max(worst, time.Since(start))
	}
	if worst > 500*time.Millisecond {
		t.Fatalf("scrolling a 5 000-message conversation stalled for %v", worst)
	}
	t.Logf("worst jump: %v", worst)
}

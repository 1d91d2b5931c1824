package chat

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

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the chat page alone on a test host.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	return h, p
}

func tinyPNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 4, 4)))
	return b.Bytes()
}

func TestChatStreamsStopsAndRegenerates(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	var hint bool
	h.UI(func() { hint = p.empty.Visible() })
	if !hint {
		t.Fatal("an empty conversation should show its hint")
	}
	// A slow stream, so that it can be stopped part-way.
	h.Sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", BytesPerSec: 1500})
	h.UI(func() {
		test.Type(p.input, "write 300 words about bees")
		test.Tap(p.sendB)
	})
	h.Eventually("streamed text", func() bool { return p.jobID != 0 && p.streaming.Len() > 20 })
	h.UI(func() { hint = p.empty.Visible() })
	if hint {
		t.Fatal("the hint must not show through the messages")
	}
	h.UI(func() { test.Tap(p.stopB) })
	h.Eventually("the stopped reply", func() bool {
		return p.jobID == 0 && len(p.msgs) == 2 && p.msgs[1].Partial && p.msgs[1].Content != ""
	})
	var chatID int64
	h.UI(func() { chatID = p.chatID })

	// Regenerate at full speed: the stopped answer stays as a sibling.
	h.UI(func() { p.regenerate() })
	h.Eventually("the new reply", func() bool { return p.jobID == 0 && len(p.msgs) == 2 && !p.msgs[1].Partial })
	var replyID int64
	h.UI(func() { replyID = p.msgs[1].ID })
	sibs, err := h.Lib.Siblings(context.Background(), replyID)
	if err != nil || len(sibs) != 2 {
		t.Fatalf("siblings: %d %v", len(sibs), err)
	}
	h.Eventually("the conversation in the list", func() bool { return len(p.chats) == 1 && p.chats[0].ID == chatID })

	// Flip back to the stopped answer.
	h.Eventually("the sibling counter", func() bool { return p.siblings[replyID].Count == 2 })
	var prev int64
	h.UI(func() { prev = p.siblings[replyID].Prev })
	h.UI(func() { p.flip(prev) })
	h.Eventually("the earlier answer", func() bool { return len(p.msgs) == 2 && p.msgs[1].ID == prev && p.msgs[1].Partial })

	// Edit the question and resend: a new branch, the old question kept as a sibling.
	h.Sim.ClearFaults()
	h.UI(func() {
		p.startEdit(p.msgs[0])
		p.input.SetText("write 20 words about wasps")
		p.send()
	})
	h.Eventually("the edited branch", func() bool {
		return p.jobID == 0 && len(p.msgs) == 2 && p.msgs[0].Content == "write 20 words about wasps" && p.msgs[1].Role == "assistant"
	})
	var q int64
	h.UI(func() { q = p.msgs[0].ID })
	h.Eventually("the edited question's sibling", func() bool { return p.siblings[q].Count == 2 })
}

func TestChatNoticeIsAnError(t *testing.T) {
	h, p := newPage(t, "exhausted")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	h.UI(func() {
		test.Type(p.input, "hello")
		test.Tap(p.sendB)
	})
	h.Eventually("the error dialog", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	var texts string
	var msgs int
	h.UI(func() { texts = kittest.Text(h.Win.Canvas().Overlays().Top()); msgs = len(p.msgs) })
	if !strings.Contains(texts, "budget") {
		t.Fatalf("the notice must show as the error it is: %q", texts)
	}
	if msgs != 1 {
		t.Fatalf("the notice must not appear as an assistant message (%d messages)", msgs)
	}
}

func TestChatWithAnImageAttachment(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	img := filepath.Join(t.TempDir(), "photo.png")
	os.WriteFile(img, tinyPNG(), 0o644)
	h.UI(func() {
		p.TakeDrop([]string{img})
		test.Type(p.system, "Answer in one line.")
		test.Type(p.input, "what is in this picture?")
		test.Tap(p.sendB)
	})
	h.Eventually("the reply", func() bool { return p.jobID == 0 && len(p.msgs) == 2 })
	var reply string
	var att []string
	h.UI(func() { reply, att = p.msgs[1].Content, p.msgs[0].Attachments })
	if !strings.Contains(reply, "I can see the image") || len(att) != 1 {
		t.Fatalf("the image must reach the model and stay with the message: %q %v", reply, att)
	}
}

func TestChatPresets(t *testing.T) {
	h, p := newPage(t, "secret")
	sel := widget.NewSelect(nil, nil)
	h.UI(func() { p.savePreset(sel, "Pirate", "Answer like a pirate.") })
	if len(sel.Options) != 1 || h.Preferences().String("chatPreset.Pirate") != "Answer like a pirate." {
		t.Fatalf("preset not kept: %v", sel.Options)
	}
}

func TestChatListSearchRenameAndTrash(t *testing.T) {
	h, p := newPage(t, "secret")
	ctx := context.Background()
	bees, _ := h.Lib.NewChat(ctx, "About bees", "openai", "")
	wasps, _ := h.Lib.NewChat(ctx, "About wasps", "openai", "")
	h.UI(func() { h.Win.Resize(fyne.NewSize(1200, 800)); p.reloadChats() })
	h.Eventually("both conversations", func() bool { return len(p.chats) == 2 })

	h.UI(func() { test.Type(p.chatSearch, "wasp") })
	h.Eventually("the search to narrow the list", func() bool { return len(p.chats) == 1 && p.chats[0].ID == wasps })
	h.UI(func() { p.chatSearch.SetText("") })
	h.Eventually("the whole list again", func() bool { return len(p.chats) == 2 })

	h.UI(func() { p.renameChat(bees, "Honey and hives") })
	h.Eventually("the new title", func() bool {
		it, err := h.Lib.Item(ctx, bees)
		return err == nil && it.Prompt == "Honey and hives" && len(p.chats) == 2 &&
			(p.chats[0].Prompt == "Honey and hives" || p.chats[1].Prompt == "Honey and hives")
	})

	// Open the wasps conversation, then delete it with its row's button: it goes to the trash
	// and the page starts afresh.
	h.UI(func() { p.openChat(wasps) })
	h.Eventually("the open conversation", func() bool { return p.chatID == wasps })
	var rows []*chatRow
	h.UI(func() {
		p.chatList.Refresh()
		for _, o := range test.LaidOutObjects(p.chatList) {
			if r, ok := o.(*chatRow); ok && r.Visible() && r.title.Text != "conversation" {
				rows = append(rows, r)
			}
		}
	})
	if len(rows) != 2 {
		t.Fatalf("each conversation needs a row, found %d", len(rows))
	}
	h.UI(func() {
		for _, r := range rows {
			if r.title.Text == "About wasps" {
				test.Tap(r.del)
			}
		}
	})
	h.Eventually("the conversation to leave the list", func() bool { return len(p.chats) == 1 && p.chats[0].ID == bees && p.chatID == 0 })
	trash, err := h.Lib.Search(ctx, lib.Query{Kinds: []lib.Kind{lib.KindChat}, Trashed: true})
	if err != nil || len(trash.Items) != 1 || trash.Items[0].ID != wasps {
		t.Fatalf("the conversation must be in the trash: %+v %v", trash.Items, err)
	}
}

func TestChatCopiesCodeBlocksAndMessages(t *testing.T) {
	h, p := newPage(t, "secret")
	reply := "Try this:\n\n```go\nfmt.Println(\"hi\")\n```\n\nAnd **that** is all."
	h.UI(func() {
		h.Win.Resize(fyne.NewSize(1200, 800))
		p.chatID = 1
		p.msgs = []lib.Message{{ID: 1, Role: "user", Content: "how do I print?"}, {ID: 2, Role: "assistant", Content: reply}}
		p.list.Refresh()
	})
	var monospace bool
	var copyCode, copyMsg []*widget.Button
	h.UI(func() {
		for _, o := range test.LaidOutObjects(p.list) {
			if rt, ok := o.(*widget.RichText); ok {
				for _, sg := range rt.Segments {
					if ts, ok := sg.(*widget.TextSegment); ok && ts.Style.TextStyle.Monospace && ts.Text == "fmt.Println(\"hi\")" {
						monospace = true
					}
				}
			}
		}
		copyCode = kittest.Buttons(p.list, func(b *widget.Button) bool { return b.Text == "Copy" })
		copyMsg = kittest.Buttons(p.list, func(b *widget.Button) bool { return b.Text == "" && b.Icon == theme.ContentCopyIcon() })
	})
	if !monospace {
		t.Fatal("the code block must be drawn in a monospace face")
	}
	if len(copyCode) != 1 || len(copyMsg) != 2 {
		t.Fatalf("one copy button per code block and per message: %d code, %d message", len(copyCode), len(copyMsg))
	}
	var got string
	h.UI(func() { test.Tap(copyCode[0]); got = h.Clipboard().Content() })
	if got != "fmt.Println(\"hi\")" {
		t.Fatalf("the code block's copy: %q", got)
	}
	h.UI(func() { test.Tap(copyMsg[1]); got = h.Clipboard().Content() })
	if got != reply {
		t.Fatalf("the message's copy: %q", got)
	}
	h.UI(func() { test.Tap(copyMsg[0]); got = h.Clipboard().Content() })
	if got != "how do I print?" {
		t.Fatalf("the question's copy: %q", got)
	}
}

func TestChatReasoningIsFoldedUnderTheReply(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	h.UI(func() {
		h.Win.Resize(fyne.NewSize(1200, 800))
		p.selectModel("deepseek") // an alias: the catalogue lists deepseek/deepseek-v3.2
		test.Type(p.input, "why is the sky blue?")
		test.Tap(p.sendB)
	})
	h.Eventually("the reply with its reasoning", func() bool {
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
	h.UI(func() {
		fold = kittest.Buttons(p.list, func(b *widget.Button) bool { return b.Text == "Reasoning" })
		shown = reasoningShown()
	})
	if len(fold) != 1 || shown {
		t.Fatalf("the reasoning starts folded under its reply: %d folds, shown %v", len(fold), shown)
	}
	h.UI(func() { test.Tap(fold[0]); shown = reasoningShown() })
	if !shown {
		t.Fatal("unfolding shows the reasoning")
	}
}

func TestChatAttachmentsFollowTheModel(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	dir := t.TempDir()
	img := filepath.Join(dir, "photo.png")
	os.WriteFile(img, tinyPNG(), 0o644)

	// Pasting a file copied in a file manager attaches it; pasting words pastes words.
	h.UI(func() {
		h.Clipboard().SetContent(storage.NewFileURI(img).String() + "\n")
		h.Win.Canvas().Focus(p.input)
		p.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.Clipboard()})
	})
	var attached []string
	var text string
	h.UI(func() { attached, text = p.attach, p.input.Text })
	if len(attached) != 1 || attached[0] != img || text != "" {
		t.Fatalf("the pasted file must become an attachment: %v %q", attached, text)
	}
	h.UI(func() {
		test.Tap(p.clearB)
		h.Clipboard().SetContent("just words")
		p.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.Clipboard()})
		attached, text = p.attach, p.input.Text
	})
	if len(attached) != 0 || text != "just words" {
		t.Fatalf("pasted text stays text: %v %q", attached, text)
	}

	// A model that takes no images offers no attachments and refuses a dropped picture.
	var enabled bool
	h.UI(func() {
		p.selectModel("deepseek") // an alias: the catalogue lists deepseek/deepseek-v3.2
		enabled = !p.attachB.Disabled()
		p.TakeDrop([]string{img})
	})
	if enabled {
		t.Fatal("a text-only model must not offer attachments")
	}
	h.Eventually("the refusal", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	h.UI(func() { attached, text = p.attach, kittest.Text(h.Win.Canvas().Overlays().Top()) })
	if len(attached) != 0 || !strings.Contains(text, "does not take images") {
		t.Fatalf("the picture must be refused with the reason: %v %q", attached, text)
	}
}

func TestChatOptionsReachTheRequest(t *testing.T) {
	h, p := newPage(t, "secret")
	var r api.ChatRequest
	var err error
	h.UI(func() {
		p.maxTokens.SetText("64")
		p.effort.SetSelected("low")
		p.temp.SetValue(0.5)
		r, err = p.request("openai")
	})
	if err != nil || r.MaxTokens != 64 || r.ReasoningEffort != "low" || r.Temperature == nil || *r.Temperature != 0.5 {
		t.Fatalf("options: %+v %v", r, err)
	}
	h.UI(func() { p.maxTokens.SetText("lots"); _, err = p.request("openai") })
	if err == nil {
		t.Fatal("a max tokens that is not a number must be refused")
	}
}

func TestChatOpensAndScrollsALongConversation(t *testing.T) {
	h, p := newPage(t, "secret")
	ctx := context.Background()
	chat, err := h.Lib.NewChat(ctx, "A long conversation", "openai", "")
	if err != nil {
		t.Fatal(err)
	}
	var parent *int64
	for i := 0; i < 5000; i++ {
		m := &lib.Message{ChatID: chat, ParentID: parent, Role: []string{"user", "assistant"}[i%2],
			Content: fmt.Sprintf("## Message %d\n\nSome words, a list:\n\n- one\n- two\n\n```\ncode %d\n```", i, i)}
		if _, err := h.Lib.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		parent = &m.ID
	}
	h.UI(func() { h.Win.Resize(fyne.NewSize(1200, 800)); p.openChat(chat) })
	h.Eventually("the conversation", func() bool { return len(p.msgs) == 5000 })
	// Each jump draws only the rows in view: a screen's worth of rows, not the conversation.
	for _, to := range []int{0, 1200, 2500, 3700, 4999, 10} {
		var drawn int
		h.UI(func() { before := p.rowsDrawn; p.list.ScrollTo(to); drawn = p.rowsDrawn - before })
		if drawn > 60 {
			t.Fatalf("jumping to message %d drew %d rows", to, drawn)
		}
	}
}

// TakeDrop keeps images (and audio the model takes) as attachments and hands back the rest,
// which the window routes on (a video to transcription).
func TestChatTakesImagesAndLeavesVideos(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	dir := t.TempDir()
	img, clip := filepath.Join(dir, "photo.png"), filepath.Join(dir, "talk.mp4")
	os.WriteFile(img, tinyPNG(), 0o644)
	var rest, attached []string
	h.UI(func() { rest = p.TakeDrop([]string{img, clip}); attached = p.attach })
	if len(rest) != 1 || rest[0] != clip || len(attached) != 1 || attached[0] != img {
		t.Fatalf("the image is attached (%v) and the video handed back (%v)", attached, rest)
	}
}

// A refusal sent as a 200 notice (or a 402) is an error: it never shows as the assistant's
// reply, never lands in the library as one, and the error is shown with its way out.
func TestChatRefusalIsNeverAReply(t *testing.T) {
	for _, tc := range []struct{ key, model, says string }{
		{"exhausted", "", "budget"},
		{"quest", "anthropic/claude-sonnet-4.6", "paid"}, // a paid-only model on a Quest-only key
	} {
		t.Run(tc.key, func(t *testing.T) {
			h, p := newPage(t, tc.key)
			h.Eventually("the text models", func() bool { return p.model.Selected != "" })
			if tc.model != "" {
				var ok bool
				h.UI(func() { ok = p.selectModel(tc.model) })
				if !ok {
					t.Fatalf("%s is not offered", tc.model)
				}
			}
			h.UI(func() {
				test.Type(p.input, "hello")
				test.Tap(p.sendB)
			})
			h.Eventually("the error", func() bool { return len(h.Errors()) > 0 && h.Win.Canvas().Overlays().Top() != nil })
			h.Eventually("the reply ended", func() bool { return p.jobID == 0 })
			var shown string
			var msgs []lib.Message
			h.UI(func() { shown = kittest.Text(h.Win.Canvas().Overlays().Top()); msgs = append(msgs, p.msgs...) })
			if !strings.Contains(strings.ToLower(shown), tc.says) {
				t.Fatalf("the refusal must be shown as the error it is: %q", shown)
			}
			const notice = "API key used for this request"
			for _, m := range msgs {
				if m.Role == "assistant" || strings.Contains(m.Content, notice) {
					t.Fatalf("the refusal appears as a message: %+v", m)
				}
			}
			ctx := context.Background()
			page, err := h.Lib.Search(ctx, lib.Query{Kinds: []lib.Kind{lib.KindChat, lib.KindText}})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				if strings.Contains(it.Text, notice) || strings.Contains(it.Prompt, notice) {
					t.Fatalf("the refusal is kept in the library: %+v", it)
				}
				stored, err := h.Lib.Messages(ctx, it.ID)
				if err != nil && it.Kind == lib.KindChat {
					t.Fatal(err)
				}
				for _, m := range stored {
					if m.Role == "assistant" || strings.Contains(m.Content, notice) {
						t.Fatalf("the refusal is stored as a reply: %+v", m)
					}
				}
			}
		})
	}
}

// A conversation stored under a model's alias opens on that model (its canonical id today).
func TestChatOpensOnTheConversationsModel(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the text models", func() bool { return p.model.Selected != "" })
	id, err := h.Lib.NewChat(context.Background(), "Old talk", "deepseek", "")
	if err != nil {
		t.Fatal(err)
	}
	h.UI(func() { p.Start() })
	h.Eventually("the conversation in the list", func() bool { return len(p.chats) == 1 })
	h.UI(func() { p.openChat(id) })
	var picked string
	h.UI(func() { picked = p.modelNames[p.model.Selected] })
	if picked != "deepseek/deepseek-v3.2" {
		t.Fatalf("the conversation's model (stored as deepseek) must be picked: %q", picked)
	}
}

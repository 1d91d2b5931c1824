package library

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// Items with sound offer "Voice tools…", which hands the item to the Voice tools page; an
// image does not.
func TestVoiceToolsButton(t *testing.T) {
	h, page := newPage(t, "secret")
	clip := putMedia(t, h, kittest.ToneWAV(1), ".wav")
	pic := putMedia(t, h, pngBytes(1), ".png")
	ids := addItems(t, h,
		lib.Item{Kind: lib.KindSpeech, Prompt: "hello", MediaHash: clip, ContentType: "audio/wav"},
		lib.Item{Kind: lib.KindMusic, Prompt: "a waltz", MediaHash: clip, ContentType: "audio/wav"},
		lib.Item{Kind: lib.KindRecording, Prompt: "a memo", MediaHash: clip, ContentType: "audio/wav"},
		lib.Item{Kind: lib.KindImage, Prompt: "a fox", MediaHash: pic, ContentType: "image/png"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "the items", ids...)
	isVoice := func(b *widget.Button) bool { return b.Text == "Voice tools…" }
	for i, id := range ids {
		want := i < 3
		h.UI(func() { lp.showDetail(id) })
		h.Eventually("the detail view", func() bool {
			return lp.shown == id && len(kittest.Buttons(lp.detail, func(b *widget.Button) bool { return b.Text == "Save as…" })) == 1
		})
		var buttons []*widget.Button
		h.UI(func() { buttons = kittest.Buttons(lp.detail, isVoice) })
		if (len(buttons) == 1) != want {
			t.Fatalf("item %d: %d Voice tools buttons, want it %v", i, len(buttons), want)
		}
		if !want {
			continue
		}
		before := len(h.Navs())
		h.UI(func() { test.Tap(buttons[0]) })
		navs := h.Navs()
		if len(navs) != before+1 {
			t.Fatalf("item %d: no navigation", i)
		}
		if v := navs[len(navs)-1]; v.Page != kit.PageVoice || v.Action != kit.ActVoice || v.Item == nil || v.Item.ID != id || v.Item.MediaPath == "" {
			t.Errorf("item %d: navigated to %+v", i, v)
		}
	}
}

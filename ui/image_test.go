package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/api"
)

func TestImageCustomSizeAndSafety(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.image
	h.eventually("the image models", func() bool { return p.model.Selected != "" })
	var err error
	h.ui(func() {
		test.Type(p.prompt, "a harbour at night")
		p.size.SetSelected(customSize)
		p.width.SetText("20")
		p.height.SetText("600")
		_, err = p.request()
	})
	if err == nil || !strings.Contains(err.Error(), "from 64") {
		t.Fatalf("a 20-pixel width must be refused with the allowed range: %v", err)
	}
	h.ui(func() {
		p.width.SetText("1000")
		p.safe.SetSelectedIndex(1)
		test.Tap(p.generateB)
	})
	h.eventually("the result", func() bool { return len(p.results) == 1 })
	var id int64
	h.ui(func() { id = p.results[0].ID })
	it, err := h.s.lib.Item(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if it.Width != 1000 || it.Height != 600 {
		t.Fatalf("custom size: got %d × %d, want 1000 × 600", it.Width, it.Height)
	}
	if !strings.Contains(string(it.Params), `"safe":"privacy,secrets"`) {
		t.Fatalf("the safety level is not in the parameters as sent: %s", it.Params)
	}
}

func TestRemixKeepsSettingsWithANewSeed(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.image
	h.eventually("the image models", func() bool { return p.model.Selected != "" })
	h.ui(func() {
		test.Type(p.prompt, "a paper boat")
		p.size.SetSelected("Small 512 × 512")
		p.seed.SetText("42")
		p.lockSeed.SetChecked(true)
		test.Tap(p.generateB)
	})
	h.eventually("the first result", func() bool { return len(p.results) == 1 })
	var first int64
	h.ui(func() {
		first = p.results[0].ID
		p.size.SetSelectedIndex(0) // the form moves on; the remix must use the item's own settings
		p.remix(p.results[0])
	})
	h.eventually("the remix", func() bool { return len(p.results) == 2 })
	var remixID int64
	h.ui(func() { remixID = p.results[0].ID })
	got, err := h.s.lib.Item(context.Background(), remixID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ParentID == nil || *got.ParentID != first || got.Relation != "remix" {
		t.Fatalf("the remix is not linked to its source: parent %v relation %q", got.ParentID, got.Relation)
	}
	if got.Width != 512 || got.Prompt != "a paper boat" {
		t.Fatalf("the remix did not keep the settings: %d × %d %q", got.Width, got.Height, got.Prompt)
	}
	if got.Seed == nil || *got.Seed == 42 {
		t.Fatalf("the remix must have a new seed, got %v", got.Seed)
	}
	var caption string
	h.ui(func() { p.grid.Select(0); caption = p.caption.Text })
	if !strings.Contains(caption, "512 × 512") || !strings.Contains(caption, "pollen") {
		t.Fatalf("the result caption should tell the real size and cost: %q", caption)
	}
}

func TestPasteReferenceAndHistory(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.image
	h.eventually("the image models", func() bool { return p.model.Selected != "" })
	ref := filepath.Join(t.TempDir(), "ref.png")
	if err := os.WriteFile(ref, tinyPNG(), 0o644); err != nil {
		t.Fatal(err)
	}

	h.ui(func() { h.s.app.Clipboard().SetContent("file://" + ref); p.pasteRef() })
	h.eventually("the pasted reference", func() bool { return len(p.refs) == 1 && p.refs[0] == ref })
	h.ui(func() { h.s.app.Clipboard().SetContent("https://example.com/cat.jpg"); p.pasteRef() })
	h.eventually("the pasted address", func() bool { return len(p.refs) == 2 })
	var r struct{ urls, files []string }
	h.ui(func() {
		test.Type(p.prompt, "in this style")
		// kontext takes reference images in the simulator's catalogue.
		for label, name := range p.modelNames {
			if name == "kontext" {
				p.model.SetSelected(label)
			}
		}
		req, err := p.request()
		if err != nil {
			t.Error(err)
		}
		r.urls, r.files = req.RefURLs, req.RefFiles
	})
	if len(r.urls) != 1 || len(r.files) != 1 || r.files[0] != ref {
		t.Fatalf("references must go as URLs and files: %v %v", r.urls, r.files)
	}
	// Text that is neither is refused, and nothing is added.
	h.ui(func() { h.s.app.Clipboard().SetContent("just some words"); p.pasteRef() })
	h.eventually("the refusal", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var n int
	h.ui(func() { n = len(p.refs) })
	if n != 2 {
		t.Fatalf("a refused paste changed the references: %d", n)
	}

	// Prompts generated are offered again by the history menu.
	h.ui(func() { p.rememberPrompt("an old prompt"); p.rememberPrompt("a newer prompt") })
	var shown string
	h.ui(func() {
		for h.s.win.Canvas().Overlays().Top() != nil {
			h.s.win.Canvas().Overlays().Remove(h.s.win.Canvas().Overlays().Top())
		}
		p.showHistory(p.prompt)
		shown = collectText(h.s.win.Canvas().Overlays().Top())
	})
	if !strings.Contains(shown, "a newer prompt") || !strings.Contains(shown, "an old prompt") {
		t.Fatalf("the history menu should list earlier prompts: %q", shown)
	}
}

// The picker groups the catalogue: models the key may use for free first, paid-only after,
// each with its price.
func TestModelPickerGroupsPaidOnlyLast(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.image
	h.eventually("the image models", func() bool { return len(p.model.Options) > 2 })
	var opts []string
	h.ui(func() { opts = p.model.Options })
	seenPaid, paid := false, 0
	for _, o := range opts {
		isPaid := strings.Contains(o, " · paid")
		if seenPaid && !isPaid {
			t.Fatalf("free models must come before the paid-only ones: %q", opts)
		}
		seenPaid = seenPaid || isPaid
		if isPaid {
			paid++
		}
		if strings.HasPrefix(o, "flux ") && !strings.Contains(o, "pollen") {
			t.Errorf("a picker entry should show its price: %q", o)
		}
	}
	if paid == 0 || paid == len(opts) {
		t.Fatalf("the simulator's catalogue has free and paid-only image models: %q", opts)
	}
}

func TestPriceLabels(t *testing.T) {
	for _, tc := range []struct {
		m    api.Model
		want string
	}{
		{api.Model{Kind: "image", Pricing: api.Pricing{"completionImageTokens": 0.002}}, "0.0020 pollen/image"},
		{api.Model{Kind: "video", Pricing: api.Pricing{"completionVideoSeconds": 0.08}}, "0.080 pollen/s"},
		{api.Model{Kind: "audio", Pricing: api.Pricing{"completionAudioTokens": 0.0001}}, "0.100 pollen/1k chars"},
		{api.Model{Kind: "transcription", Pricing: api.Pricing{"promptAudioSeconds": 0.0000005}}, "3e-05 pollen/min"},
		{api.Model{Kind: "text", Pricing: api.Pricing{"completionTextTokens": 0.000002}}, ""},
		{api.Model{Kind: "image"}, ""},
	} {
		if got := priceLabel(tc.m); got != tc.want {
			t.Errorf("%s %v: got %q, want %q", tc.m.Kind, tc.m.Pricing, got, tc.want)
		}
	}
}

package music

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/api"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// musicItems are the music items made, oldest first.
func musicItems(t *testing.T, h *kittest.Host) []lib.Item {
	page, err := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindMusic}})
	if err != nil {
		t.Fatal(err)
	}
	items := page.Items
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	return items
}

// A library sound used as reference audio goes up once (the address is remembered) and the
// request names its hosted address; a model without reference audio hides the row.
func TestReferenceAudioIsUploadedOnceAndSent(t *testing.T) {
	h, p := newPage(t, "secret")
	hash, err := h.Lib.PutMedia(context.Background(), bytes.NewReader(kittest.ToneWAV(1)), ".wav")
	if err != nil {
		t.Fatal(err)
	}
	src := &lib.Item{Kind: lib.KindRecording, Prompt: "humming", MediaHash: hash, ContentType: "audio/wav"}
	if _, err := h.Lib.AddItem(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	pick(h, p, ModeMusic, "stability-ai/stable-audio-3")
	if shown(h, p)["reference"] {
		t.Fatal("stable-audio-3 takes no reference audio")
	}
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageMusic, Action: kit.ActUseRef, Item: src}) })
	h.Eventually("the reference", func() bool { return p.ref.file != "" && p.ref.label.Text == "humming" })
	var name string
	h.UI(func() { name = p.names[p.model.Selected] })
	if name != "elevenlabs/music-v2" || !shown(h, p)["reference"] {
		t.Fatalf("a reference moves to a model that takes one: %s", name)
	}
	// The reference is billed per second as the output is: 5 s made and 1 s sent.
	h.UI(func() { p.duration.SetText("5") })
	h.Eventually("the estimate with the reference", func() bool {
		return strings.Contains(p.cost.Text, "about 0.015 pollen") && strings.Contains(p.cost.Text, "1 s of reference audio")
	})
	for round := 1; round <= 2; round++ {
		h.UI(func() {
			p.prompt.SetText("a waltz on that tune")
			p.duration.SetText("5")
			test.Tap(p.generateB)
		})
		h.Eventually("the music in the library", func() bool { return len(musicItems(t, h)) == round && p.jobID == 0 })
		if n := h.Sim.Uploads(); n != 1 {
			t.Fatalf("round %d: %d uploads, want 1", round, n)
		}
		var sent api.MusicRequest
		it := musicItems(t, h)[round-1]
		if err := json.Unmarshal(it.Params, &sent); err != nil || !strings.HasPrefix(sent.ReferenceAudio, h.Sim.URL()+"/") {
			t.Fatalf("round %d: the request names the hosted reference: %s (%v)", round, it.Params, err)
		}
	}
	if errs := h.Errors(); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
}

// A reference over 20 MB is refused before anything is uploaded or generated.
func TestReferenceAudioTooLargeIsRefusedBeforeUpload(t *testing.T) {
	h, p := newPage(t, "secret")
	big := filepath.Join(t.TempDir(), "long.wav")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxReferenceAudioBytes + 1); err != nil { // sparse: nothing written
		t.Fatal(err)
	}
	f.Close()
	h.UI(func() {
		p.Navigate(kit.Nav{Page: kit.PageMusic, Action: kit.ActUseRef, Paths: []string{big}})
		p.prompt.SetText("a waltz")
		p.duration.SetText("5")
		test.Tap(p.generateB)
	})
	h.Eventually("the refusal", func() bool { return len(h.Errors()) == 1 && p.ref.cancel == nil })
	if msg := h.Errors()[0].Error(); !strings.Contains(msg, "at most 20 MB") {
		t.Fatalf("the refusal says why: %q", msg)
	}
	if h.Sim.Uploads() != 0 || len(musicItems(t, h)) != 0 {
		t.Fatal("nothing may be uploaded or generated")
	}
	// Removed, the music is made without it.
	h.UI(func() { test.Tap(p.ref.remove); test.Tap(p.generateB) })
	h.Eventually("the music", func() bool { return len(musicItems(t, h)) == 1 && p.jobID == 0 })
}

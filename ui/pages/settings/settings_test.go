package settings

import (
	"context"
	"strings"
	"testing"

	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the settings page alone on a test host.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	go p.Start() // the device lists
	return h, p
}

func TestSettingsDefaultsDevicesAndAddress(t *testing.T) {
	h, sp := newPage(t, "secret")
	// Default models: the pickers fill from the catalogue and a choice is kept.
	h.Eventually("the default-model pickers", func() bool {
		return len(sp.defaults["image"].Options) > 1 && len(sp.defaults["video"].Options) > 0
	})
	var pick string
	h.UI(func() {
		for _, o := range sp.defaults["image"].Options {
			if strings.HasPrefix(o, "kontext ") {
				pick = o
			}
		}
		sp.defaults["image"].SetSelected(pick)
	})
	if pick == "" {
		t.Fatal("kontext is missing from the image defaults")
	}
	if got := kit.DefaultModel(h.Preferences(), "image", "flux"); got != "kontext" {
		t.Fatalf("default image model: got %q, want kontext", got)
	}

	// Sound devices (the null backend has one of each): a choice is kept.
	h.Eventually("the device lists", func() bool { return len(sp.output.Options) > 1 && len(sp.input.Options) > 1 })
	var dev string
	h.UI(func() {
		dev = sp.output.Options[1]
		sp.output.SetSelected(dev)
	})
	if got := h.Preferences().String(kit.PrefOutput); got != dev || h.Output() != dev {
		t.Fatalf("output device: got %q, want %q", got, dev)
	}
	h.UI(func() { sp.output.SetSelected(systemDefault) })
	if got := h.Preferences().String(kit.PrefOutput); got != "" || h.Output() != "" {
		t.Fatalf("the system default is kept as \"\", got %q", got)
	}

	// The API address: a bad one is refused with a reason, a good one is used and kept.
	var note string
	h.UI(func() { sp.setBaseURL("ftp://example.com"); note = sp.baseNote.Text })
	if !strings.Contains(note, "Not an API address") {
		t.Fatalf("a non-http address must be refused: %q", note)
	}
	h.UI(func() { sp.setBaseURL(h.Sim.URL() + "/") })
	c := h.Client()
	if c == nil || c.BaseURL() != h.Sim.URL() || !c.HasKey() {
		t.Fatalf("the new address must be used with the same key: %+v", c)
	}
	if got := h.Preferences().String(kit.PrefBaseURL); got != h.Sim.URL() {
		t.Fatalf("the address is not kept: %q", got)
	}
}
func TestKeyIsValidatedAndStored(t *testing.T) {
	h, sp := newPage(t, "")
	var note string
	h.UI(func() { sp.saveKey("pk_xxxxxxx..."); note = sp.note.Text })
	if !strings.Contains(note, "masked") {
		t.Fatalf("a masked key must be refused with a reason: %q", note)
	}
	key := h.Sim.Key("scoped")
	h.UI(func() { sp.saveKey(key) })
	h.Eventually("the key to be stored", func() bool {
		k, err := h.Keys.Get(context.Background())
		return err == nil && k == key
	})
	h.Eventually("the key information", func() bool { return strings.Contains(sp.info.Text, "Allowed models: flux, openai") })
	h.UI(func() { sp.signOut() })
	h.Eventually("sign-out", func() bool { _, err := h.Keys.Get(context.Background()); return err != nil })
}

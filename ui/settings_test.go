package ui

import (
	"strings"
	"testing"
)

func TestSettingsDefaultsDevicesAndAddress(t *testing.T) {
	h := newHarness(t, "secret")
	sp := h.s.settings
	// Default models: the pickers fill from the catalogue and a choice is kept.
	h.eventually("the default-model pickers", func() bool {
		return len(sp.defaults["image"].Options) > 1 && len(sp.defaults["video"].Options) > 0
	})
	var pick string
	h.ui(func() {
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
	if got := h.s.defaultModel("image", "flux"); got != "kontext" {
		t.Fatalf("default image model: got %q, want kontext", got)
	}

	// Sound devices (the null backend has one of each): a choice is kept.
	h.eventually("the device lists", func() bool { return len(sp.output.Options) > 1 && len(sp.input.Options) > 1 })
	var dev string
	h.ui(func() {
		dev = sp.output.Options[1]
		sp.output.SetSelected(dev)
	})
	if got := h.s.outputDevice(); got != dev {
		t.Fatalf("output device: got %q, want %q", got, dev)
	}
	h.ui(func() { sp.output.SetSelected(systemDefault) })
	if got := h.s.outputDevice(); got != "" {
		t.Fatalf("the system default is kept as \"\", got %q", got)
	}

	// The API address: a bad one is refused with a reason, a good one is used and kept.
	var note string
	h.ui(func() { sp.setBaseURL("ftp://example.com"); note = sp.baseNote.Text })
	if !strings.Contains(note, "Not an API address") {
		t.Fatalf("a non-http address must be refused: %q", note)
	}
	h.ui(func() { sp.setBaseURL(h.sim.URL() + "/") })
	c := h.s.Client()
	if c == nil || c.BaseURL() != h.sim.URL() || !c.HasKey() {
		t.Fatalf("the new address must be used with the same key: %+v", c)
	}
	if got := h.s.app.Preferences().String(prefBaseURL); got != h.sim.URL() {
		t.Fatalf("the address is not kept: %q", got)
	}
}

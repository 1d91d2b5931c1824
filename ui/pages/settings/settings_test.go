package settings

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/sim"

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
	// A stored short name ("flux", the fallback) shows as its model, whose id is now
	// publisher/model; choosing "kontext" by its alias finds black-forest-labs/flux.1-kontext.
	var pick, shown string
	h.UI(func() {
		shown = sp.defaults["image"].Selected
		for _, o := range sp.defaults["image"].Options {
			if kit.SameModel(h, kit.ModelOfLabel(o), "kontext") {
				pick = o
			}
		}
		sp.defaults["image"].SetSelected(pick)
	})
	if !kit.SameModel(h, kit.ModelOfLabel(shown), "flux") {
		t.Fatalf("the stored default flux shows as %q", shown)
	}
	if pick == "" {
		t.Fatal("kontext is missing from the image defaults")
	}
	if got := kit.DefaultModel(h.Preferences(), "image", "flux"); !kit.SameModel(h, got, "kontext") {
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
	// The scoped key's legacy list holds canonical ids: shown as the models' names.
	h.Eventually("the key information", func() bool {
		return strings.Contains(sp.info.Text, "This key may use only Flux Schnell (flux) and GPT-5.4 Nano (openai).")
	})
	h.UI(func() { sp.signOut() })
	h.Eventually("sign-out", func() bool { _, err := h.Keys.Get(context.Background()); return err != nil })
}

// Balances name Quest Pollen and paid Pollen; a key that sees only its budget shows what is
// left of it; a key limited to categories says what it may make.
func TestBalancesAndScopeInWords(t *testing.T) {
	for _, tc := range []struct {
		kind string
		want []string
	}{
		{"secret", []string{"Balance: Quest Pollen 0.60 · paid Pollen 25.00"}},
		{"quest", []string{"Balance: Quest Pollen 0.60 · paid Pollen 25.00"}},
		{"budgeted", []string{"Balance: key budget left 3.50", "This key may write text and make images.", "Budget 3.50 Pollen"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			h, sp := newPage(t, tc.kind)
			h.Eventually("the key information", func() bool { return strings.Contains(sp.info.Text, "Balance:") })
			var text string
			h.UI(func() { text = sp.info.Text })
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
			for _, bad := range []string{"free", "refill", "top up"} {
				if strings.Contains(strings.ToLower(text), bad) {
					t.Errorf("%q says %q", text, bad)
				}
			}
		})
	}
}

// The device sign-in: the new key's expiry (7 days) and budget (5 Pollen) show, with a button
// to where both are raised that opens it only when pressed.
func TestDeviceSignInShowsLimits(t *testing.T) {
	h, sp := newPage(t, "")
	h.UI(func() { sp.deviceSignIn() })
	h.Eventually("the new key", func() bool {
		return strings.Contains(sp.info.Text, "(in 7 days)") && strings.Contains(sp.info.Text, "budget 5.00 Pollen")
	})
	if k, err := h.Keys.Get(context.Background()); err != nil || k == "" {
		t.Fatalf("the key is not stored: %v", err)
	}
	var visible bool
	h.UI(func() { visible = sp.raise.Visible() })
	if !visible {
		t.Fatal("no button to raise the budget or expiry")
	}
	if got := h.Opened(); len(got) != 1 || !strings.Contains(got[0], "/device") {
		t.Fatalf("only the sign-in page is opened before a press: %v", got)
	}
	h.UI(func() { test.Tap(sp.raise) })
	if got := h.Opened(); len(got) != 2 || got[1] != "https://enter.pollinations.ai/keys" {
		t.Fatalf("opened %v", got)
	}
}

// A sign-in refused in the browser, or left to expire, ends with words that say so.
func TestDeviceSignInRefusedOrExpired(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(s *sim.Server, code string)
		want string
	}{
		{"denied", (*sim.Server).DenyDevice, "refused in the browser"},
		{"expired", (*sim.Server).ExpireDevice, "expired before it was approved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Approval would come after a (scaled) hour: the test ends the sign-in first.
			h := kittest.NewWithSim(t, "", sim.Options{TimeScale: 0.001, DeviceApproveAfter: time.Hour})
			var sp *Page
			h.UI(func() { sp = New(h) })
			h.Show(sp.Content())
			h.UI(func() { sp.deviceSignIn() })
			var code string
			h.Eventually("the code", func() bool { code = sp.userCode; return code != "" })
			tc.end(h.Sim, code)
			h.Eventually("the sign-in to end", func() bool { return strings.Contains(sp.note.Text, tc.want) })
			h.Eventually("the button back", func() bool { return !sp.signIn.Disabled() })
			if _, err := h.Keys.Get(context.Background()); err == nil {
				t.Fatal("a key was stored")
			}
		})
	}
}

// "Show community models" is a preference the pickers follow.
func TestCommunityModelsToggle(t *testing.T) {
	h, sp := newPage(t, "secret")
	hasCommunity := func() bool {
		for _, o := range sp.defaults["image"].Options {
			if strings.Contains(o, "· community") {
				return true
			}
		}
		return false
	}
	h.Eventually("the image defaults", func() bool { return len(sp.defaults["image"].Options) > 1 })
	if hasCommunity() {
		t.Fatal("community models listed by default")
	}
	h.UI(func() { sp.community.SetChecked(true) })
	if !kit.ShowCommunity(h.Preferences()) {
		t.Fatal("the preference is not kept")
	}
	h.Eventually("community models", hasCommunity)
}

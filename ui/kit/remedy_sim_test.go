package kit_test

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// refusal asks the simulator, with a key of a kind, for an image of a model and returns the
// error it refuses with.
func refusal(t *testing.T, h *kittest.Host, model string) error {
	t.Helper()
	_, err := h.Client().Image(context.Background(), api.ImageRequest{Prompt: "a cat", Model: model})
	if err == nil {
		t.Fatalf("%s was not refused", model)
	}
	return err
}

// shownView shows an error through the host and returns the dialog's content.
func shownView(t *testing.T, h *kittest.Host, err error) *kit.ErrorView {
	t.Helper()
	h.ShowError(err)
	var v *kit.ErrorView
	h.Eventually("the error dialog", func() bool {
		if vs := h.ErrorViews(); len(vs) > 0 {
			v = vs[len(vs)-1]
		}
		return v != nil
	})
	return v
}

func labels(bs []*widget.Button) string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Text)
	}
	return strings.Join(out, "|")
}

func TestQuestOnlyRefusalOffersPaidPollenNotTopUp(t *testing.T) {
	h := kittest.New(t, "quest")
	h.Eventually("the account", func() bool { i, _ := h.Account(); return i != nil })
	err := refusal(t, h, "nanobanana") // paid-only
	v := shownView(t, h, err)
	if !strings.HasPrefix(labels(v.Remedies), "Allow paid Pollen for this key") || strings.Contains(labels(v.Remedies), "Top up") {
		t.Fatalf("buttons: %q", labels(v.Remedies))
	}
	if msg := strings.ToLower(v.Message.Text); strings.Contains(msg, "top up") || !strings.Contains(msg, "quest pollen") {
		t.Fatalf("message: %q", v.Message.Text)
	}
	link := v.Links[0].URL
	if !strings.HasPrefix(link, "https://enter.pollinations.ai/edit-key?id=") || !strings.Contains(link, "quest_pollen_only") {
		t.Fatalf("link: %q", link)
	}
	if got := h.Opened(); len(got) != 0 {
		t.Fatalf("opened before any press: %v", got)
	}
	h.UI(func() { test.Tap(v.Remedies[0]) })
	if got := h.Opened(); len(got) != 1 || got[0] != link {
		t.Fatalf("opened %v, want [%s]", got, link)
	}
	// The refusal taught that the key is Quest-only: the next paid-only model picked is
	// answered at once with paid Pollen for the key, never a top-up.
	var n *kit.ModelNote
	h.UI(func() { n = kit.NewModelNote(h); n.SetModel("google/gemini-2.5-flash") })
	if labels(n.Buttons) != "Allow paid Pollen for this key" || !strings.Contains(n.Text.Text, "only spends Quest Pollen") {
		t.Fatalf("note after the refusal: %q %q", n.Text.Text, labels(n.Buttons))
	}
}

func TestExhaustedKeyOffersRaiseBudget(t *testing.T) {
	h := kittest.New(t, "exhausted")
	v := shownView(t, h, refusal(t, h, "flux"))
	if labels(v.Remedies) != "Raise this key's budget" {
		t.Fatalf("buttons: %q", labels(v.Remedies))
	}
	if !strings.Contains(v.Links[0].URL, "/edit-key?id=") {
		t.Fatalf("link: %q", v.Links[0].URL)
	}
	if len(h.Opened()) != 0 {
		t.Fatal("opened before any press")
	}
	h.UI(func() { test.Tap(v.Remedies[0]) })
	if got := h.Opened(); len(got) != 1 || got[0] != v.Links[0].URL {
		t.Fatalf("opened %v", got)
	}
}

// A 403 that closes a whole category says so; the safety filter's refusal says it was the
// safety filter.
func TestCategoryAndSafetyWords(t *testing.T) {
	h := kittest.New(t, "budgeted") // text and image only
	_, err := h.Client().Speech(context.Background(), api.SpeechRequest{Text: "hello", Model: "openai/tts-1", Voice: "alloy"})
	if err == nil {
		t.Fatal("speech was not refused")
	}
	v := shownView(t, h, err)
	if !strings.Contains(v.Message.Text, "may not make audio at all") {
		t.Fatalf("category refusal: %q", v.Message.Text)
	}
	if labels(v.Remedies) != "Allow it for this key" {
		t.Fatalf("buttons: %q", labels(v.Remedies))
	}
	_, err = h.Client().Image(context.Background(), api.ImageRequest{Prompt: "unsafe-content", Model: "flux"})
	if err == nil {
		t.Fatal("the safety filter did not refuse")
	}
	if got := kit.Friendly(err); !strings.Contains(got, "blocked by the safety filter") || !strings.Contains(got, "prompt is kept") {
		t.Fatalf("safety words: %q", got)
	}
}

// A paid-only model picked by an account without paid Pollen shows the way to pay at once,
// before anything is sent; a model the key may use freely shows nothing.
func TestModelNoteOffersTopUpOnSelection(t *testing.T) {
	h := kittest.New(t, "free") // Quest Pollen only, no paid Pollen
	h.Eventually("the balance", func() bool { _, b := h.Account(); return b != nil && len(h.Models("image")) > 0 })
	var n *kit.ModelNote
	h.UI(func() { n = kit.NewModelNote(h); n.SetModel("seedream") })
	if !n.Visible() || !strings.Contains(n.Text.Text, "needs paid Pollen") || labels(n.Buttons) != "Top up" {
		t.Fatalf("note: %q buttons %q", n.Text.Text, labels(n.Buttons))
	}
	if !strings.Contains(n.Text.Text, "failing lately (71%") {
		t.Fatalf("degraded health missing: %q", n.Text.Text)
	}
	if len(h.Opened()) != 0 {
		t.Fatal("opened before any press")
	}
	h.UI(func() { test.Tap(n.Buttons[0]) })
	if got := h.Opened(); len(got) != 1 || !strings.HasPrefix(got[0], "https://enter.pollinations.ai/top-up") {
		t.Fatalf("opened %v", got)
	}
	h.UI(func() { n.SetModel("black-forest-labs/flux-schnell") })
	if n.Visible() || len(n.Buttons) != 0 {
		t.Fatalf("a free model shows a note: %q", n.Text.Text)
	}
}

// Pickers hold community models only when asked, and find a stored alias's label.
func TestPickerCommunityAndAliases(t *testing.T) {
	h := kittest.New(t, "secret")
	h.Eventually("the catalogue", func() bool { return len(h.Models("image")) > 0 })
	has := func(ms []api.Model) bool {
		for _, m := range ms {
			if m.Community {
				return true
			}
		}
		return false
	}
	if !has(h.Models("image")) {
		t.Fatal("the simulator lists no community model")
	}
	if has(kit.PickerModels(h, "image")) {
		t.Fatal("community models shown without the preference")
	}
	h.Preferences().SetBool(kit.PrefCommunity, true)
	if !has(kit.PickerModels(h, "image")) {
		t.Fatal("community models hidden with the preference on")
	}
	models, ls := kit.PickerLabels(h, "image")
	if l := kit.LabelOf(models, ls, "flux"); kit.ModelOfLabel(l) != "black-forest-labs/flux-schnell" {
		t.Fatalf("flux's label: %q", l)
	}
	if !kit.SameModel(h, "flux", "black-forest-labs/flux-schnell") || kit.Canonical(h, "kontext") != "black-forest-labs/flux.1-kontext" {
		t.Fatal("aliases are not one model")
	}
	if got := kit.PickerModels(h, "no-such-kind"); len(got) != 0 {
		t.Fatalf("an unknown kind: %v", got)
	}
}

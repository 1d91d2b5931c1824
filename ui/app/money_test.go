package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/ui/kit/kittest"
)

func (h *harness) openedPages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.opened)
}

// The status bar names Quest Pollen and paid Pollen, or the key's budget left.
func TestStatusBarBalances(t *testing.T) {
	for kind, want := range map[string]string{
		"secret":   "secret key · Quest Pollen 0.60 · paid Pollen 25.00",
		"quest":    "secret key · Quest Pollen 0.60 · paid Pollen 25.00",
		"budgeted": "secret key · key budget left 3.50",
	} {
		t.Run(kind, func(t *testing.T) {
			h := newHarness(t, kind)
			h.eventually("the balance", func() bool { return h.s.status.account.Text == want })
		})
	}
}

// The window's error dialog offers the refusal's remedy as a button that opens its page on a
// press, and only then.
func TestErrorDialogRemedyOpensOnPress(t *testing.T) {
	h := newHarness(t, "exhausted")
	h.eventually("the key", func() bool { i, _ := h.s.Account(); return i != nil })
	_, err := h.s.Client().Image(context.Background(), api.ImageRequest{Prompt: "a cat", Model: "flux"})
	e, ok := api.AsError(err)
	if !ok || e.Payment != api.PaymentKeyBudgetExhausted || e.FixURL == "" {
		t.Fatalf("the exhausted key's refusal: %v", err)
	}
	h.s.ShowError(err)
	var btn *widget.Button
	h.eventually("the remedy button", func() bool {
		top := h.s.win.Canvas().Overlays().Top()
		if top == nil {
			return false
		}
		bs := kittest.Buttons(top, func(b *widget.Button) bool { return b.Text == "Raise this key's budget" })
		if len(bs) == 1 {
			btn = bs[0]
		}
		topUp := kittest.Buttons(top, func(b *widget.Button) bool { return strings.Contains(b.Text, "Top up") })
		return btn != nil && len(topUp) == 0
	})
	if got := h.openedPages(); len(got) != 0 {
		t.Fatalf("opened before a press: %v", got)
	}
	h.ui(func() { test.Tap(btn) })
	if got := h.openedPages(); len(got) != 1 || got[0] != e.FixURL {
		t.Fatalf("opened %v, want [%s]", got, e.FixURL)
	}
}

// A Quest-only refusal teaches the window that the key spends Quest Pollen only: the status
// bar says so.
func TestQuestOnlyLearntFromRefusal(t *testing.T) {
	h := newHarness(t, "quest")
	h.eventually("the balance", func() bool { return strings.Contains(h.s.status.account.Text, "Quest Pollen") })
	_, err := h.s.Client().Image(context.Background(), api.ImageRequest{Prompt: "a cat", Model: "nanobanana"})
	if e, ok := api.AsError(err); !ok || e.Payment != api.PaymentQuestPollenOnly {
		t.Fatalf("the quest key's refusal: %v", err)
	}
	h.s.ShowError(err)
	h.eventually("the key's Quest-only note", func() bool {
		return strings.HasSuffix(h.s.status.account.Text, "this key spends Quest Pollen only")
	})
}

// A generation refreshes the balance, not the catalogue (two listings of several requests
// each); the status bar's refresh button reloads both.
func TestRefreshAfterAGenerationKeepsTheCatalogue(t *testing.T) {
	h := newHarness(t, "secret")
	h.eventually("the catalogue", func() bool { return len(h.s.Models("")) > 0 && h.s.status.account.Text != "" })
	count := func() (listings, balances int) {
		for _, r := range h.sim.Requests() {
			switch {
			case strings.HasSuffix(r.Path, "/models"):
				listings++
			case strings.Contains(r.Path, "balance"):
				balances++
			}
		}
		return
	}
	h.sim.ResetRequests()
	h.s.RefreshAccount()
	h.eventually("the balance asked again", func() bool { _, b := count(); return b > 0 })
	if l, _ := count(); l != 0 {
		t.Fatalf("a refresh after a generation listed the models %d times", l)
	}
	h.sim.ResetRequests()
	h.ui(func() { test.Tap(h.s.status.refresh) })
	h.eventually("the catalogue listed again", func() bool { l, _ := count(); return l > 0 })
}

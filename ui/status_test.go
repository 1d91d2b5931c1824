package ui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
)

// Esc closes the newest panel first, then the one under it.
func TestEscClosesTheTopPanel(t *testing.T) {
	h := newHarness(t, "secret")
	c := h.s.win.Canvas()
	esc := func() { c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) }
	h.ui(func() { h.s.status.showJobs() })
	h.s.showError(errors.New("something to read"))
	h.eventually("two panels", func() bool { return len(c.Overlays().List()) == 2 })
	var texts string
	h.ui(func() { esc(); texts = collectText(c.Overlays().Top()) })
	if n := len(c.Overlays().List()); n != 1 {
		t.Fatalf("Esc should close one panel, %d left", n)
	}
	if want := "Jobs"; !strings.Contains(texts, want) {
		t.Fatalf("Esc closed the wrong panel: the one left says %q", texts)
	}
	h.ui(func() { esc() })
	h.eventually("no panels", func() bool { return c.Overlays().Top() == nil })
	h.ui(func() {
		if h.s.closeTop() {
			t.Error("closeTop found a panel after all were closed")
		}
	})
}

package kit_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"pollinations-studio/audio"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

func TestPlayerBarFollowsPausesAndSeeks(t *testing.T) {
	h := kittest.New(t, "")
	var b *kit.PlayerBar
	h.UI(func() { b = kit.NewPlayerBar(h) })
	h.Show(b.Content())
	h.UI(b.Refresh)
	if b.Pos.Visible() || !b.Pause.Disabled() || b.Elapsed.Text != "" {
		t.Fatal("nothing plays: the bar must be idle")
	}
	clip := filepath.Join(t.TempDir(), "tone.wav")
	if err := os.WriteFile(clip, kittest.ToneWAV(4), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(clip)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := h.Player().Play(h.Context(), f, audio.FormatAuto); err != nil {
		t.Fatal(err)
	}
	h.Eventually("the length on the bar", func() bool {
		b.Refresh()
		return b.Pos.Visible() && strings.HasSuffix(b.Elapsed.Text, "/ 0:04")
	})

	h.UI(func() { test.Tap(b.Pause) })
	if !h.Player().Paused() || b.Pause.Text != "Resume" {
		t.Fatalf("pause: paused %v, button %q", h.Player().Paused(), b.Pause.Text)
	}
	h.UI(func() { test.Tap(b.Pause) })
	if h.Player().Paused() || b.Pause.Text != "Pause" {
		t.Fatalf("resume: paused %v, button %q", h.Player().Paused(), b.Pause.Text)
	}

	// A tick moves the slider without seeking (Fyne's SetValue fires OnChangeEnded too).
	h.UI(func() { test.Tap(b.Pause) })
	before := h.Player().Position()
	h.UI(func() {
		b.Show(kit.PlayerState{Playing: true, Paused: true, Pos: before + 2*time.Second, Length: 4 * time.Second, LengthKnown: true})
	})
	b.WaitSeeks()
	if got := h.Player().Position(); got != before || b.Pos.Value < 0.5 {
		t.Fatalf("a tick seeked: %v → %v (slider %v)", before, got, b.Pos.Value)
	}
	h.UI(func() { test.Tap(b.Pause) })
	// The user holds the slider: ticks leave it where the user put it; letting go seeks.
	var held float64
	h.UI(func() {
		w := b.Pos.Size().Width
		b.Pos.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(w*0.9, b.Pos.Size().Height/2)}})
		held = b.Pos.Value
		b.Refresh()
	})
	if held < 0.6 || b.Pos.Value != held {
		t.Fatalf("a tick moved the slider the user holds from %v to %v", held, b.Pos.Value)
	}
	h.UI(b.Pos.DragEnd)
	h.Eventually("the seek", func() bool { return h.Player().Position() >= 2*time.Second })

	h.UI(func() { test.Tap(b.Stop) })
	h.Eventually("the idle bar", func() bool { b.Refresh(); return !b.Pos.Visible() && b.Pause.Disabled() })
}

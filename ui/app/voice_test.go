package app

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"

	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// Audio dropped on the Voice tools page becomes its source there: nothing is queued for
// transcription, and the page stays in front.
func TestAudioDroppedOnTheVoicePageStaysThere(t *testing.T) {
	h := newHarness(t, "secret")
	wav := filepath.Join(t.TempDir(), "noisy.wav")
	os.WriteFile(wav, kittest.ToneWAV(5), 0o644)
	h.ui(func() { h.s.Show(kit.PageVoice); h.s.HandleDrop([]fyne.URI{storage.NewFileURI(wav)}) })
	var queued int
	var front string
	h.ui(func() { queued, front = len(h.s.jobs.Snapshot()), h.front() })
	if queued != 0 || front != kit.PageVoice {
		t.Fatalf("a WAV dropped on the Voice tools page: %d jobs, %q in front", queued, front)
	}
	// The library's "Voice tools…" brings the page to the front.
	h.ui(func() {
		h.s.Show(kit.PageLibrary)
		h.s.Navigate(kit.Nav{Page: kit.PageVoice, Action: kit.ActVoice, Paths: []string{wav}})
	})
	h.ui(func() { front = h.front() })
	if front != kit.PageVoice {
		t.Fatalf("Voice tools… shows %q", front)
	}
}

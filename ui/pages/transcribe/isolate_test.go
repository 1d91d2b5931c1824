package transcribe

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// requestsTo counts the simulator's requests on a route.
func requestsTo(h *kittest.Host, route string) int {
	n := 0
	for _, r := range h.Sim.Requests() {
		if strings.Contains(r.Path, route) {
			n++
		}
	}
	return n
}

// "Isolate the voice first" sends the file to the voice isolator and transcribes the voice, as
// one job; a file too short to isolate is refused before anything is sent, with the way out.
func TestIsolateTheVoiceFirst(t *testing.T) {
	h, p := newPage(t, "secret")
	dir := t.TempDir()
	noisy, short := filepath.Join(dir, "noisy.wav"), filepath.Join(dir, "short.wav")
	os.WriteFile(noisy, kittest.ToneWAV(5), 0o644)
	os.WriteFile(short, kittest.ToneWAV(2), 0o644)

	h.UI(func() {
		p.isolate.SetChecked(true)
		p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{short}})
	})
	h.Eventually("the refusal", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	var text string
	var rows int
	h.UI(func() { text, rows = kittest.Text(h.Win.Canvas().Overlays().Top()), len(p.rows) })
	h.CloseOverlays()
	if rows != 0 || !strings.Contains(text, "at least 4.6 s") || !strings.Contains(text, "Untick") {
		t.Fatalf("a file too short to isolate must be refused with the way out (%d rows): %q", rows, text)
	}
	if n := requestsTo(h, "/v1/audio/"); n != 0 {
		t.Fatalf("%d requests were sent for a refused file", n)
	}

	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{noisy}}) })
	h.Eventually("the transcript", func() bool { return len(p.rows) == 1 && p.rows[0].itemID != 0 })
	if iso, tr := requestsTo(h, "voice-isolator"), requestsTo(h, "transcriptions"); iso != 1 || tr != 1 {
		t.Fatalf("%d isolator and %d transcription requests, want one of each", iso, tr)
	}
	if jobs := h.Jobs().Snapshot(); len(jobs) != 1 {
		t.Fatalf("%d jobs, want one chain", len(jobs))
	}

	// Unticked, the same short file is transcribed as it is.
	h.UI(func() {
		p.isolate.SetChecked(false)
		p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{short}})
	})
	h.Eventually("the second transcript", func() bool { return len(p.rows) == 2 && p.rows[0].itemID != 0 })
	if iso := requestsTo(h, "voice-isolator"); iso != 1 {
		t.Fatalf("%d isolator requests after an unticked file, want still 1", iso)
	}
}

// A recording too short to isolate is kept and transcribed as it is, saying so.
func TestShortRecordingIsTranscribedWithoutIsolating(t *testing.T) {
	h, p := newPage(t, "secret")
	h.UI(func() { p.isolate.SetChecked(true); p.toggleRecord() })
	h.Eventually("some recorded sound", func() bool { return p.rec != nil && p.rec.Elapsed() > 500*time.Millisecond })
	h.UI(func() { p.toggleRecord() })
	h.Eventually("the transcript", func() bool { return len(p.rows) == 1 && p.rows[0].itemID != 0 })
	if !strings.Contains(p.rows[0].name, "too short to isolate") {
		t.Errorf("the row says %q", p.rows[0].name)
	}
	if iso := requestsTo(h, "voice-isolator"); iso != 0 {
		t.Errorf("%d isolator requests for a recording too short", iso)
	}
	it, err := h.Lib.Item(context.Background(), p.rows[0].itemID)
	if err != nil || it.ParentID == nil {
		t.Fatalf("the transcript must point at its recording: %+v %v", it, err)
	}
}

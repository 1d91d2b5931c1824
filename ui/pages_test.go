package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
)

func TestSpeechPlaysAndLandsInLibrary(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.speech
	h.eventually("the voices", func() bool { return p.voice.Selected != "" })
	h.ui(func() {
		test.Type(p.text, "Hello from the speech page.")
		test.Tap(p.speakB)
	})
	h.eventually("playback", func() bool { return p.player != nil && p.player.Position() > 0 })
	h.eventually("the clip in the library", func() bool { return strings.Contains(p.state.Text, "Saved") })
	page, err := h.s.lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindSpeech}})
	if err != nil || len(page.Items) != 1 || page.Items[0].MediaHash == "" {
		t.Fatalf("speech item: %+v %v", page.Items, err)
	}
}

func TestRecordingIsTranscribed(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.transcribe
	h.ui(func() { p.toggleRecord() })
	h.eventually("some recorded sound", func() bool { return p.rec != nil && p.rec.Elapsed() > 500*time.Millisecond })
	h.ui(func() { p.toggleRecord() })
	h.eventually("the transcript", func() bool { return len(p.rows) == 1 && p.rows[0].itemID != 0 })
	h.eventually("its segments", func() bool { return len(p.segs) > 0 })
	var item int64
	h.ui(func() { item = p.rows[0].itemID })
	it, err := h.s.lib.Item(context.Background(), item)
	if err != nil || it.ParentID == nil || it.Relation != "transcript_of" {
		t.Fatalf("the transcript must point at its recording: %+v %v", it, err)
	}
	rec, err := h.s.lib.Item(context.Background(), *it.ParentID)
	if err != nil || rec.Kind != lib.KindRecording {
		t.Fatalf("recording item: %+v %v", rec, err)
	}
	// Clicking a segment plays from there and lets its text be corrected.
	h.ui(func() {
		p.segList.Select(0)
		p.edit.SetText("Corrected words")
		p.saveEdit()
	})
	h.eventually("the correction in the library", func() bool {
		segs, err := h.s.lib.Segments(context.Background(), item)
		return err == nil && len(segs) > 0 && segs[0].Text == "Corrected words"
	})
	var vtt bytes.Buffer
	h.ui(func() { lib.ExportTranscript(p.segs, "vtt", &vtt) })
	if !strings.HasPrefix(vtt.String(), "WEBVTT\n\n00:00:00.000 --> ") {
		t.Fatalf("VTT export: %q", vtt.String())
	}
}

func TestVideoTakesLongWhileTheWindowResponds(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.video
	h.eventually("the video models", func() bool { return p.model.Selected != "" && p.duration.Selected != "" })
	h.sim.Inject(sim.Fault{PathPrefix: "/video/", Latency: 3 * time.Second})
	h.ui(func() {
		test.Type(p.prompt, "waves at night")
		p.generate()
	})
	// While it runs, the UI goroutine keeps answering quickly.
	var worst time.Duration
	for i := 0; i < 20; i++ {
		start := time.Now()
		h.ui(func() { p.prompt.SetText(p.prompt.Text) })
		worst = max(worst, time.Since(start))
		time.Sleep(50 * time.Millisecond)
	}
	if worst > 200*time.Millisecond {
		t.Fatalf("the window stalled %v while the video ran", worst)
	}
	h.eventually("the finished video", func() bool { return p.jobID == 0 && strings.HasPrefix(p.status.Text, "Done") })
	page, _ := h.s.lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindVideo}})
	if len(page.Items) != 1 || page.Items[0].ContentType != "video/mp4" {
		t.Fatalf("video item: %+v", page.Items)
	}
}

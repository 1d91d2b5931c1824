package ui

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
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

func TestTranscriptIsCopied(t *testing.T) {
	h := newHarness(t, "secret")
	wav := filepath.Join(t.TempDir(), "note.wav")
	os.WriteFile(wav, toneWAV(3), 0o644)
	tp := h.s.transcribe
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(wav)}) })
	h.eventually("the transcript's segments", func() bool { return len(tp.segs) > 0 })
	var copyB []*widget.Button
	var want string
	h.ui(func() {
		h.s.win.Resize(fyne.NewSize(1200, 800))
		copyB = visibleButtons(tp.content, func(b *widget.Button) bool { return b.Text == "Copy" })
		for _, sg := range tp.segs {
			want += sg.Text + "\n"
		}
	})
	if len(copyB) != 1 {
		t.Fatalf("the transcript needs one Copy button, found %d", len(copyB))
	}
	var got string
	h.ui(func() { test.Tap(copyB[0]); got = h.s.app.Clipboard().Content() })
	if got != want || got == "" {
		t.Fatalf("copied %q, want %q", got, want)
	}
}

// bigFile makes a file just over the transcription limit: a header and then silence (sparse).
func bigFile(t *testing.T, name string, head []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, head, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, api.MaxTranscriptionBytes+1<<20); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOversizedFilesAreRefusedOrSplit(t *testing.T) {
	h := newHarness(t, "secret")
	tp := h.s.transcribe
	// An MP3 over the limit cannot be cut here: refused with the way out, not sent.
	mp3 := bigFile(t, "long.mp3", []byte("ID3"))
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(mp3)}) })
	h.eventually("the refusal", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var text string
	var rows int
	h.ui(func() {
		text, rows = collectText(h.s.win.Canvas().Overlays().Top()), len(tp.rows)
		h.s.win.Canvas().Overlays().Top().Hide()
		h.s.win.Canvas().Overlays().Remove(h.s.win.Canvas().Overlays().Top())
	})
	if rows != 0 || !strings.Contains(text, "25 MB") || !strings.Contains(text, "Compress it") {
		t.Fatalf("an oversized mp3 must be refused with the limit and the way out (%d rows): %q", rows, text)
	}

	// A WAV over the limit is cut into parts, each transcribed.
	h.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/transcriptions", Latency: time.Second})
	head := toneWAV(1)[:44]
	binary.LittleEndian.PutUint32(head[4:], uint32(36+api.MaxTranscriptionBytes+1<<20-44))
	binary.LittleEndian.PutUint32(head[40:], uint32(api.MaxTranscriptionBytes+1<<20-44))
	wav := bigFile(t, "long.wav", head)
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(wav)}) })
	h.eventually("two parts in the queue", func() bool { return len(tp.rows) == 2 })
	h.ui(func() { text = tp.rows[0].name + " | " + tp.rows[1].name })
	if !strings.Contains(text, "long.wav (part 2 of 2, from 13:37)") || !strings.Contains(text, "long.wav (part 1 of 2, from 0:00)") {
		t.Fatalf("the parts must say where they start: %q", text)
	}
}

func TestVideoTimeIsSetAgainstTheModelsTypicalTime(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.video
	h.eventually("the video models", func() bool { return p.model.Selected != "" })
	var model string
	h.ui(func() { model = p.modelNames[p.model.Selected] })
	t0 := time.Now().Add(-time.Hour)
	for _, d := range []time.Duration{60 * time.Second, 70 * time.Second, 200 * time.Second} {
		it := &lib.Item{Kind: lib.KindVideo, Status: lib.StatusDone, Prompt: "waves", ModelRequested: model, ModelUsed: model,
			CreatedAt: t0, FinishedAt: t0.Add(d)}
		if _, err := h.s.lib.AddItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	}
	var before string
	h.ui(func() { p.running = model; before = p.progressText(30 * time.Second) })
	if !strings.Contains(before, "0:30–2:10") {
		t.Fatalf("with nothing to go by, the published range: %q", before)
	}
	h.ui(func() { p.fillDurations() })
	h.eventually("the model's typical time", func() bool { return p.typical[model].n == 3 })
	var now, late string
	h.ui(func() { now, late = p.progressText(30*time.Second), p.progressText(3*time.Minute) })
	if !strings.Contains(now, "0:30 of about 1:10") || !strings.Contains(now, model) {
		t.Fatalf("elapsed against the typical time: %q", now)
	}
	if !strings.Contains(late, "slower than usual") {
		t.Fatalf("a run well past the typical time says so: %q", late)
	}
}

func TestSpeechRefusesTextOverTheModelsLimit(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.speech
	h.eventually("the voices", func() bool { return p.voice.Selected != "" })
	long := strings.Repeat("The bees are busy in the meadow today. ", 300) // 11 699 characters, trimmed
	h.ui(func() {
		p.text.SetText(long)
		test.Tap(p.speakB)
	})
	h.eventually("the refusal", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var text string
	var job int64
	h.ui(func() { text, job = collectText(h.s.win.Canvas().Overlays().Top()), p.jobID })
	if job != 0 {
		t.Fatal("a text over the limit must not be sent")
	}
	for _, want := range []string{"11699 characters", "at most 10000", "2 parts", "“…The bees are busy in the meadow today.”"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the refusal must say %q: %q", want, text)
		}
	}
}

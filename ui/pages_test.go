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
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the job cuts its parts
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

	// A WAV over the limit is one job: sent in parts, kept as one transcript of the whole file.
	h.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/transcriptions", Latency: time.Second})
	size := int64(api.MaxTranscriptionBytes + 1<<20)
	head := toneWAV(1)[:44]
	binary.LittleEndian.PutUint32(head[4:], uint32(size-8))
	binary.LittleEndian.PutUint32(head[40:], uint32(size-44))
	wav := bigFile(t, "long.wav", head)
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(wav)}) })
	h.eventually("the first of two parts running", func() bool { return len(tp.rows) == 1 && tp.rows[0].state == "part 1 of 2" })
	h.eventually("the transcript's segments", func() bool { return len(tp.rows) == 1 && tp.rows[0].itemID != 0 && len(tp.segs) > 0 })
	var segs []lib.Segment
	var item int64
	h.ui(func() { segs, item, text = tp.segs, tp.rows[0].itemID, tp.rows[0].name })
	if text != "long.wav" {
		t.Fatalf("one row for the file, named after it: %q", text)
	}
	whole := float64(size-44) / 32000
	for i := 1; i < len(segs); i++ {
		if segs[i].Start < segs[i-1].Start {
			t.Fatalf("segment %d starts at %v, before segment %d at %v", i, segs[i].Start, i-1, segs[i-1].Start)
		}
	}
	// The second part starts at 13:37: its segments are timed from there, not from 0.
	if last := segs[len(segs)-1]; last.Start < 13*60+37 || last.End > whole+0.01 || last.End < whole-4 {
		t.Fatalf("the last segment runs %v–%v s; the file lasts %v s", last.Start, last.End, whole)
	}
	it, err := h.s.lib.Item(context.Background(), item)
	if err != nil || it.DurationSec < whole-0.01 || it.DurationSec > whole+0.01 {
		t.Fatalf("the transcript's duration %v, want the whole %v s (%v)", it.DurationSec, whole, err)
	}
	if media, err := os.Stat(it.MediaPath); err != nil || media.Size() != size {
		t.Fatalf("the transcript's media must be the original file: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "pollinations-split-*")); len(left) != 0 {
		t.Fatalf("the parts were left behind: %v", left)
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

func TestSpeechOverTheModelsLimitIsOneClip(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.speech
	h.eventually("the voices", func() bool { return p.voice.Selected != "" })
	long := strings.Repeat("The bees are busy in the meadow today. ", 300) // 11 699 characters, trimmed
	h.ui(func() {
		p.text.SetText(long)
		test.Tap(p.speakB)
	})
	h.eventually("the job", func() bool { return p.jobID != 0 })
	h.eventually("the second part", func() bool { return p.state.Text == "Part 2 of 2…" || strings.Contains(p.state.Text, "Saved") })
	h.eventually("the clip in the library", func() bool { return strings.Contains(p.state.Text, "Saved") })
	if top := h.s.win.Canvas().Overlays().Top(); top != nil {
		t.Fatalf("no refusal or error expected: %q", collectText(top))
	}
	n := 0
	for _, r := range h.sim.Requests() {
		if r.Path == "/v1/audio/speech" {
			n++
		}
	}
	page, err := h.s.lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindSpeech}})
	if n != 2 || err != nil || len(page.Items) != 1 || page.Items[0].Prompt != strings.TrimSpace(long) {
		t.Fatalf("want 2 requests and one clip of the whole text: %d requests, %d items (%v)", n, len(page.Items), err)
	}
}

func TestSpeechRefusesTextOfOverFiftyParts(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.speech
	h.eventually("the voices", func() bool { return p.voice.Selected != "" })
	// A dialogue model reads 2000 characters at a time: 51 parts' worth.
	huge := strings.Repeat("The bees are busy in the meadow today. ", 2700) // 105 299 characters
	h.ui(func() {
		p.model.Selected = "eleven-dialogue"
		p.text.SetText(huge)
		test.Tap(p.speakB)
	})
	h.eventually("the refusal", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var text string
	var job int64
	h.ui(func() { text, job = collectText(h.s.win.Canvas().Overlays().Top()), p.jobID })
	if job != 0 {
		t.Fatal("a text of over 50 parts must not be sent")
	}
	for _, want := range []string{"105299 characters", "2000 at a time", "at most 50"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the refusal must say %q: %q", want, text)
		}
	}
}

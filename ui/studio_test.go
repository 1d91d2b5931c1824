package ui

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/keychain"
	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
)

// harness runs the whole window on Fyne's test driver against the simulator. Widget changes
// from background goroutines and from the test both go through one lock.
type harness struct {
	t     *testing.T
	s     *Studio
	sim   *sim.Server
	keys  *keychain.Memory
	queue chan func()
}

func newHarness(t *testing.T, keyKind string) *harness {
	t.Helper()
	srv, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// One goroutine plays the UI thread: like fyne.Do, RunOnUI queues work for it, so a
	// callback may queue more without deadlocking.
	h := &harness{t: t, sim: srv, keys: keychain.NewMemory(), queue: make(chan func(), 100000)}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case f := <-h.queue:
				f()
			case <-stop:
				return
			}
		}
	}()
	if keyKind != "" {
		h.keys.Set(context.Background(), srv.Key(keyKind))
	}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s, err := NewStudio(a, w, Options{DataDir: t.TempDir(), BaseURL: srv.URL(), EnterURL: srv.URL(), Keychain: h.keys,
		RunOnUI: func(f func()) { h.queue <- f }, SilentAudio: true,
		RecordSource: func() io.Reader { return bytes.NewReader(toneWAV(2)[44:]) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// Cleanups run last-first: the UI goroutine stops before the studio and the test app go.
	t.Cleanup(func() { close(stop); <-stopped })
	h.ui(func() { w.SetContent(s.Content()) })
	h.s = s
	return h
}

// ui runs f on the UI goroutine and waits for it.
func (h *harness) ui(f func()) {
	done := make(chan struct{})
	h.queue <- func() { defer close(done); f() }
	<-done
}

func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ok := false
		h.ui(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("timed out waiting for: %s", what)
}

func TestGenerateImageLandsInLibrary(t *testing.T) {
	h := newHarness(t, "secret")
	p := h.s.image
	h.eventually("the image models", func() bool { return p.model.Selected != "" })
	h.ui(func() {
		test.Type(p.prompt, "a lighthouse at dawn")
		test.Tap(p.generateB)
	})
	h.eventually("the result", func() bool { return len(p.results) == 1 })
	var it lib.Item
	h.ui(func() { it = p.results[0] })
	got, err := h.s.lib.Item(context.Background(), it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Prompt != "a lighthouse at dawn" || got.ModelUsed == "" || got.Seed == nil || got.Width != 1024 || !got.CostKnown {
		t.Fatalf("library item lacks metadata: %+v", got)
	}
	if _, err := os.Stat(got.MediaPath); err != nil {
		t.Fatalf("media file: %v", err)
	}

	// The library finds it by search, and favourite, delete and undo work.
	lp := h.s.library
	h.ui(func() { h.s.Show("library"); lp.search.SetText("lighthouse") })
	h.eventually("the search result", func() bool { return len(lp.ids) == 1 })
	h.ui(func() { lp.search.SetText("nothing-like-this") })
	h.eventually("an empty search", func() bool { return len(lp.ids) == 0 })
	h.ui(func() { lp.search.SetText("") })
	h.eventually("everything again", func() bool { return len(lp.ids) == 1 })
	// A tag typed in the detail view is kept.
	h.ui(func() { lp.renderDetail(&it) })
	h.ui(func() {
		for _, o := range lp.detail.Objects {
			if f, ok := o.(*widget.Form); ok {
				e := f.Items[0].Widget.(*widget.Entry)
				e.SetText("lighthouses, dawn")
				e.OnSubmitted(e.Text)
			}
		}
	})
	h.eventually("the tags in the library", func() bool {
		got, err := h.s.lib.Item(context.Background(), it.ID)
		return err == nil && strings.Join(got.Tags, ",") == "dawn,lighthouses"
	})
	h.s.lib.SetFavourite(context.Background(), it.ID, true)
	h.ui(func() { lp.fav.SetChecked(true) })
	h.eventually("the favourites filter", func() bool { return len(lp.ids) == 1 })
	h.ui(func() { lp.fav.SetChecked(false); lp.trash(it.ID) })
	h.eventually("the item to leave", func() bool { return len(lp.ids) == 0 })
	h.ui(func() { lp.undo(it.ID) })
	h.eventually("the undo", func() bool { return len(lp.ids) == 1 })
}

func TestPaymentErrorKeepsThePrompt(t *testing.T) {
	h := newHarness(t, "exhausted")
	p := h.s.image
	h.eventually("the image models", func() bool { return p.model.Selected != "" })
	h.ui(func() {
		test.Type(p.prompt, "an expensive painting")
		test.Tap(p.generateB)
	})
	h.eventually("the error dialog", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var prompt, texts string
	h.ui(func() { prompt, texts = p.prompt.Text, collectText(h.s.win.Canvas().Overlays().Top()) })
	if prompt != "an expensive painting" {
		t.Fatalf("the prompt was lost: %q", prompt)
	}
	if !strings.Contains(texts, "budget") || !strings.Contains(texts, "Top up") {
		t.Fatalf("the dialog should explain the budget and offer a top-up: %q", texts)
	}
	if !strings.Contains(texts, "costs 0.0020 pollen/image") {
		t.Fatalf("the dialog should say what the generation costs: %q", texts)
	}
}

func collectText(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, c := range test.LaidOutObjects(o) {
		switch v := c.(type) {
		case *widget.Label:
			b.WriteString(v.Text + " ")
		case *widget.Hyperlink:
			b.WriteString(v.Text + " ")
		case *canvas.Text:
			b.WriteString(v.Text + " ")
		}
	}
	return b.String()
}

func TestKeyIsValidatedAndStored(t *testing.T) {
	h := newHarness(t, "")
	sp := h.s.settings
	var note string
	h.ui(func() { sp.saveKey("pk_xxxxxxx..."); note = sp.note.Text })
	if !strings.Contains(note, "masked") {
		t.Fatalf("a masked key must be refused with a reason: %q", note)
	}
	key := h.sim.Key("scoped")
	h.ui(func() { sp.saveKey(key) })
	h.eventually("the key to be stored", func() bool {
		k, err := h.keys.Get(context.Background())
		return err == nil && k == key
	})
	h.eventually("the key information", func() bool { return strings.Contains(sp.info.Text, "Allowed models: flux, openai") })
	h.ui(func() { sp.signOut() })
	h.eventually("sign-out", func() bool { _, err := h.keys.Get(context.Background()); return err != nil })
}

func TestDroppedWAVBecomesATranscript(t *testing.T) {
	h := newHarness(t, "secret")
	dir := t.TempDir()
	wav := filepath.Join(dir, "note.wav")
	os.WriteFile(wav, toneWAV(3), 0o644)
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("not audio"), 0o644)
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(wav)}) })
	tp := h.s.transcribe
	h.eventually("the transcript", func() bool { return len(tp.rows) == 1 && tp.rows[0].itemID != 0 })
	h.eventually("its segments", func() bool { return len(tp.segs) > 0 })
	var buf bytes.Buffer
	h.ui(func() { lib.ExportTranscript(tp.segs, "srt", &buf) })
	if !strings.Contains(buf.String(), "00:00:00,000 --> ") {
		t.Fatalf("SRT export: %q", buf.String())
	}
	buf.Reset()
	h.ui(func() { lib.ExportTranscript(tp.segs, "vtt", &buf) })
	if vtt := buf.String(); !strings.HasPrefix(vtt, "WEBVTT") || !strings.Contains(vtt, "00:00:00.000 --> ") {
		t.Fatalf("VTT export: %q", vtt)
	}
	// A file the API does not take is refused with a message, not sent.
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(txt)}) })
	h.eventually("the refusal", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var rows int
	h.ui(func() { rows = len(tp.rows) })
	if rows != 1 {
		t.Fatalf("a .txt must not be queued")
	}
}

func toneWAV(secs int) []byte {
	const rate = 16000
	var b bytes.Buffer
	n := rate * secs
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n*2))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, []uint32{16})
	binary.Write(&b, binary.LittleEndian, []uint16{1, 1})
	binary.Write(&b, binary.LittleEndian, []uint32{rate, rate * 2})
	binary.Write(&b, binary.LittleEndian, []uint16{2, 16})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n*2))
	for i := 0; i < n; i++ {
		binary.Write(&b, binary.LittleEndian, int16(8000*math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}

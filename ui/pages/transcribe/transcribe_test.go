package transcribe

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
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the transcription page alone on a test host.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	return h, p
}

func TestRecordingIsTranscribed(t *testing.T) {
	h, p := newPage(t, "secret")
	h.UI(func() { p.toggleRecord() })
	h.Eventually("some recorded sound", func() bool { return p.rec != nil && p.rec.Elapsed() > 500*time.Millisecond })
	h.UI(func() { p.toggleRecord() })
	h.Eventually("the transcript", func() bool { return len(p.rows) == 1 && p.rows[0].itemID != 0 })
	h.Eventually("its segments", func() bool { return len(p.segs) > 0 })
	var item int64
	h.UI(func() { item = p.rows[0].itemID })
	it, err := h.Lib.Item(context.Background(), item)
	if err != nil || it.ParentID == nil || it.Relation != "transcript_of" {
		t.Fatalf("the transcript must point at its recording: %+v %v", it, err)
	}
	rec, err := h.Lib.Item(context.Background(), *it.ParentID)
	if err != nil || rec.Kind != lib.KindRecording {
		t.Fatalf("recording item: %+v %v", rec, err)
	}
	// Clicking a segment plays from there and lets its text be corrected.
	h.UI(func() {
		p.segList.Select(0)
		p.edit.SetText("Corrected words")
		p.saveEdit()
	})
	h.Eventually("the correction in the library", func() bool {
		segs, err := h.Lib.Segments(context.Background(), item)
		return err == nil && len(segs) > 0 && segs[0].Text == "Corrected words"
	})
	var vtt bytes.Buffer
	h.UI(func() { lib.ExportTranscript(p.segs, "vtt", &vtt) })
	if !strings.HasPrefix(vtt.String(), "WEBVTT\n\n00:00:00.000 --> ") {
		t.Fatalf("VTT export: %q", vtt.String())
	}
}

func TestTranscriptIsCopied(t *testing.T) {
	h, p := newPage(t, "secret")
	wav := filepath.Join(t.TempDir(), "note.wav")
	os.WriteFile(wav, kittest.ToneWAV(3), 0o644)
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{wav}}) })
	h.Eventually("the transcript's segments", func() bool { return len(p.segs) > 0 })
	var copyB []*widget.Button
	var want string
	h.UI(func() {
		h.Win.Resize(fyne.NewSize(1200, 800))
		copyB = kittest.Buttons(p.content, func(b *widget.Button) bool { return b.Text == "Copy" })
		for _, sg := range p.segs {
			want += sg.Text + "\n"
		}
	})
	if len(copyB) != 1 {
		t.Fatalf("the transcript needs one Copy button, found %d", len(copyB))
	}
	var got string
	h.UI(func() { test.Tap(copyB[0]); got = h.Clipboard().Content() })
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
	h, p := newPage(t, "secret")
	// An MP3 over the limit cannot be cut here: refused with the way out, not sent.
	mp3 := bigFile(t, "long.mp3", []byte("ID3"))
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{mp3}}) })
	h.Eventually("the refusal", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	var text string
	var rows int
	h.UI(func() {
		text, rows = kittest.Text(h.Win.Canvas().Overlays().Top()), len(p.rows)
		h.Win.Canvas().Overlays().Top().Hide()
		h.Win.Canvas().Overlays().Remove(h.Win.Canvas().Overlays().Top())
	})
	if rows != 0 || !strings.Contains(text, "25 MB") || !strings.Contains(text, "Compress it") {
		t.Fatalf("an oversized mp3 must be refused with the limit and the way out (%d rows): %q", rows, text)
	}

	// A WAV over the limit is one job: sent in parts, kept as one transcript of the whole file.
	h.Sim.Inject(sim.Fault{PathPrefix: "/v1/audio/transcriptions", Latency: time.Second})
	size := int64(api.MaxTranscriptionBytes + 1<<20)
	head := kittest.ToneWAV(1)[:44]
	binary.LittleEndian.PutUint32(head[4:], uint32(size-8))
	binary.LittleEndian.PutUint32(head[40:], uint32(size-44))
	wav := bigFile(t, "long.wav", head)
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{wav}}) })
	h.Eventually("the first of two parts running", func() bool { return len(p.rows) == 1 && p.rows[0].state == "part 1 of 2" })
	h.Eventually("the transcript's segments", func() bool { return len(p.rows) == 1 && p.rows[0].itemID != 0 && len(p.segs) > 0 })
	var segs []lib.Segment
	var item int64
	h.UI(func() { segs, item, text = p.segs, p.rows[0].itemID, p.rows[0].name })
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
	it, err := h.Lib.Item(context.Background(), item)
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
func TestWAVBecomesATranscript(t *testing.T) {
	h, p := newPage(t, "secret")
	dir := t.TempDir()
	wav := filepath.Join(dir, "note.wav")
	os.WriteFile(wav, kittest.ToneWAV(3), 0o644)
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{wav}}) })
	h.Eventually("the transcript", func() bool { return len(p.rows) == 1 && p.rows[0].itemID != 0 })
	h.Eventually("its segments", func() bool { return len(p.segs) > 0 })
	var buf bytes.Buffer
	h.UI(func() { lib.ExportTranscript(p.segs, "srt", &buf) })
	if !strings.Contains(buf.String(), "00:00:00,000 --> ") {
		t.Fatalf("SRT export: %q", buf.String())
	}
	buf.Reset()
	h.UI(func() { lib.ExportTranscript(p.segs, "vtt", &buf) })
	if vtt := buf.String(); !strings.HasPrefix(vtt, "WEBVTT") || !strings.Contains(vtt, "00:00:00.000 --> ") {
		t.Fatalf("VTT export: %q", vtt)
	}
}

// A WAV transcribed with speakers (diarized_json, two expected) shows each segment's speaker;
// renaming "Speaker A" to "Ana" relabels all of A's segments, in the library and the exports.
func TestSpeakersAreLabelledAndRenamed(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the models", func() bool { return p.model.Selected != "" })
	var offered bool
	h.UI(func() { offered = p.speakersRow.Visible() })
	if offered {
		t.Fatal("whisper cannot tell speakers apart: no Speakers option")
	}
	h.UI(func() { p.model.SetSelected("elevenlabs/scribe-v2"); offered = p.speakersRow.Visible() })
	if !offered {
		t.Fatal("scribe tells speakers apart: the Speakers option shows")
	}
	h.UI(func() { p.speakers.SetSelected("2") })
	wav := filepath.Join(t.TempDir(), "talk.wav")
	os.WriteFile(wav, kittest.ToneWAV(12), 0o644)
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: []string{wav}}) })
	h.Eventually("the transcript", func() bool { return len(p.rows) == 1 && p.rows[0].itemID != 0 })
	h.Eventually("its speakers", func() bool { return len(p.segs) > 1 && len(p.renameFrom.Options) > 1 })
	var rows []string
	var item int64
	h.UI(func() {
		item = p.itemID
		for _, sg := range p.segs {
			rows = append(rows, segmentText(sg))
		}
	})
	if it, err := h.Lib.Item(context.Background(), item); err != nil || !strings.Contains(string(it.Params), `"speakers_expected":2`) {
		t.Fatalf("the request must ask for two speakers: %v", err)
	}
	if !strings.Contains(strings.Join(rows, "\n"), "Speaker A: ") || !strings.Contains(strings.Join(rows, "\n"), "Speaker B: ") {
		t.Fatalf("the segments show their speakers: %q", rows)
	}
	h.UI(func() {
		p.renameFrom.SetSelected("Speaker A")
		p.renameTo.SetText("Ana")
		test.Tap(p.renameB)
	})
	var txt, srt, vtt bytes.Buffer
	h.UI(func() {
		lib.ExportTranscript(p.segs, "txt", &txt)
		lib.ExportTranscript(p.segs, "srt", &srt)
		lib.ExportTranscript(p.segs, "vtt", &vtt)
	})
	for name, out := range map[string]string{"txt": txt.String(), "srt": srt.String()} {
		if !strings.Contains(out, "Ana: ") || strings.Contains(out, "Speaker A") || !strings.Contains(out, "Speaker B: ") {
			t.Fatalf("the %s export carries the new name: %q", name, out)
		}
	}
	if !strings.Contains(vtt.String(), "<v Ana>") || strings.Contains(vtt.String(), "Speaker A") {
		t.Fatalf("the vtt export carries the new name: %q", vtt.String())
	}
	h.Eventually("the name in the library", func() bool {
		segs, err := h.Lib.Segments(context.Background(), item)
		if err != nil {
			return false
		}
		ana := 0
		for _, sg := range segs {
			if sg.Speaker == "A" {
				return false
			}
			if sg.Speaker == "Ana" {
				ana++
			}
		}
		return ana > 0
	})
}

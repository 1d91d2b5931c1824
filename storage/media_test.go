package storage

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPutMedia(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := must[string](t)(l.PutMedia(ctx, strings.NewReader("same bytes"), ".PNG"))
	b := must[string](t)(l.PutMedia(ctx, strings.NewReader("same bytes"), ".png"))
	if a != b || !strings.HasSuffix(a, ".png") || len(a) != 64+4 {
		t.Fatalf("the same bytes must be stored once under their hash: %q %q", a, b)
	}
	data, err := os.ReadFile(l.MediaPath(a))
	if err != nil || string(data) != "same bytes" {
		t.Fatalf("stored file: %q %v", data, err)
	}
	for _, ext := range []string{"../x", ".p/g", ".toolongextension", "png"} {
		if _, err := l.PutMedia(ctx, strings.NewReader("x"), ext); err == nil {
			t.Errorf("extension %q must be refused", ext)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(l.Dir(), "media", ".incoming-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left behind: %v", leftovers)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.PutMedia(canceled, strings.NewReader("never"), ".bin"); err == nil {
		t.Fatal("a canceled write must fail")
	}
	for _, bad := range []string{"", "x", "../../etc/passwd", strings.Repeat("g", 64), strings.Repeat("a", 64) + "/x"} {
		if p := l.MediaPath(bad); p != "" {
			t.Errorf("MediaPath(%q) = %q, want empty", bad, p)
		}
	}
}

func age(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	check(t, os.Chtimes(path, old, old))
}

func TestReconcile(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	gone := addImage(t, l, "will lose its file", []byte("gone"), time.Now())
	back := addImage(t, l, "will get its file back", []byte("back"), time.Now())
	check(t, os.Remove(gone.MediaPath))
	saved, _ := os.ReadFile(back.MediaPath)
	check(t, os.Remove(back.MediaPath))
	rep := must[ReconcileReport](t)(l.Reconcile(ctx))
	if rep.Missing != 2 || rep.Orphans != 0 {
		t.Fatalf("first pass: %+v", rep)
	}
	if it, _ := l.Item(ctx, gone.ID); !it.Missing {
		t.Fatal("the row whose file is gone must be marked")
	}
	check(t, os.WriteFile(back.MediaPath, saved, 0o644))

	orphan := must[string](t)(l.PutMedia(ctx, strings.NewReader("nobody points here"), ".bin"))
	age(t, l.MediaPath(orphan))
	young := must[string](t)(l.PutMedia(ctx, strings.NewReader("being written by another process"), ".bin"))
	ref := must[string](t)(l.PutMedia(ctx, strings.NewReader("a reference image"), ".png"))
	age(t, l.MediaPath(ref))
	must[int64](t)(l.AddItem(ctx, &Item{Kind: KindImage, Prompt: "edit", References: []string{ref}}))
	att := must[string](t)(l.PutMedia(ctx, strings.NewReader("an attachment"), ".jpg"))
	age(t, l.MediaPath(att))
	chat := must[int64](t)(l.NewChat(ctx, "c", "openai", ""))
	must[int64](t)(l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "look", Attachments: []string{l.MediaPath(att)}}))
	stale := filepath.Join(l.Dir(), "media", ".incoming-crashed")
	check(t, os.WriteFile(stale, []byte("half"), 0o644))
	age(t, stale)

	rep = must[ReconcileReport](t)(l.Reconcile(ctx))
	if rep.Missing != 0 || rep.Restored != 1 || rep.Orphans != 1 {
		t.Fatalf("second pass: %+v", rep)
	}
	if it, _ := l.Item(ctx, back.ID); it.Missing {
		t.Fatal("a file that came back must unmark its row")
	}
	for name, want := range map[string]bool{orphan: false, young: true, ref: true, att: true} {
		if fileExists(l.MediaPath(name)) != want {
			t.Errorf("%s: exists=%v, want %v", name, !want, want)
		}
	}
	if fileExists(stale) {
		t.Error("an old temporary file from a crash must be removed")
	}
	// The thumbnail of a missing file is a placeholder, never an error.
	if _, err := l.Thumbnail(ctx, gone.ID, 64); err != nil {
		t.Fatalf("thumbnail of a missing file: %v", err)
	}
}

// TestOpenReconciles: a row whose file vanished while the app was closed is marked by the pass
// Open starts, and the library keeps working.
func TestOpenReconciles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l := must[*Library](t)(Open(ctx, dir))
	it := addImage(t, l, "x", []byte("x"), time.Now())
	check(t, l.Close())
	check(t, os.Remove(it.MediaPath))
	l = must[*Library](t)(Open(ctx, dir))
	defer l.Close()
	rep := must[ReconcileReport](t)(l.WaitReconcile(ctx))
	if rep.Missing != 1 {
		t.Fatalf("report %+v", rep)
	}
	got := must[*Item](t)(l.Item(ctx, it.ID))
	if !got.Missing {
		t.Fatal("not marked missing")
	}
	b, _ := json.Marshal(got)
	if !strings.Contains(string(b), `"Missing":true`) {
		t.Fatalf("missing must show in JSON: %s", b)
	}
}

// A file shared by two rows survives the deletion of one, and a dedup hit on an old file makes
// it young again, so a reconcile elsewhere cannot collect it before the new row lands.
func TestDedupTouchesTheFile(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	h := must[string](t)(l.PutMedia(ctx, strings.NewReader("x"), ".bin"))
	age(t, l.MediaPath(h))
	must[string](t)(l.PutMedia(ctx, strings.NewReader("x"), ".bin"))
	st, err := os.Stat(l.MediaPath(h))
	if err != nil || time.Since(st.ModTime()) > time.Minute {
		t.Fatalf("a dedup hit must touch the file: %v %v", st.ModTime(), err)
	}
	if rep, _ := l.Reconcile(ctx); rep.Orphans != 0 {
		t.Fatal("a young file was collected")
	}
}

// A media file no row points at is removed once it is old, unless a job still in progress may
// have written it (a transcription stores its audio before waiting long for the service): a
// non-audio file refused by the service leaves nothing behind for good.
func TestReconcileSparesTheInputOfAJobInProgress(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	started := time.Now().Add(-2 * time.Hour)
	j := &Job{Kind: KindTranscript, Request: json.RawMessage(`{}`), Status: StatusRunning, CreatedAt: started,
		StartedAt: started, Owner: "someone", Heartbeat: time.Now()}
	must[int64](t)(l.EnqueueJob(ctx, j))
	input := must[string](t)(l.PutMedia(ctx, strings.NewReader("the audio being transcribed"), ".wav"))
	age(t, l.MediaPath(input)) // written an hour ago, after the job started
	if rep := must[ReconcileReport](t)(l.Reconcile(ctx)); rep.Orphans != 0 || !fileExists(l.MediaPath(input)) {
		t.Fatalf("the input of a running job was removed: %+v", rep)
	}
	// The job failed (the service refused the file): nothing points at it, it goes.
	j.Status, j.FinishedAt = StatusFailed, time.Now()
	check(t, l.UpdateJob(ctx, j))
	if rep := must[ReconcileReport](t)(l.Reconcile(ctx)); rep.Orphans != 1 || fileExists(l.MediaPath(input)) {
		t.Fatalf("an orphan was kept: %+v", rep)
	}
}

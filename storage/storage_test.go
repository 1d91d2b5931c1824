package storage

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTemp(t testing.TB) *Library {
	t.Helper()
	l, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func addImage(t testing.TB, l *Library, prompt string, data []byte, at time.Time) *Item {
	t.Helper()
	ctx := context.Background()
	hash, err := l.PutMedia(ctx, bytes.NewReader(data), ".png")
	if err != nil {
		t.Fatal(err)
	}
	seed := int64(42)
	it := &Item{Kind: KindImage, Prompt: prompt, ModelRequested: "flux", ModelUsed: "flux", Seed: &seed, Width: 64, Height: 64,
		MediaHash: hash, ContentType: "image/png", Cost: 0.002, CostKnown: true, CreatedAt: at,
		Params: json.RawMessage(`{"width":64}`), Tags: []string{"test"}}
	if _, err := l.AddItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	return it
}

func TestItemRoundTripAndDedup(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := addImage(t, l, "a red fox", []byte("same bytes"), time.Now())
	b := addImage(t, l, "another fox", []byte("same bytes"), time.Now())
	if a.MediaHash != b.MediaHash {
		t.Fatal("the same bytes must be stored once")
	}
	got, err := l.Item(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Prompt != "a red fox" || *got.Seed != 42 || got.Tags[0] != "test" || string(got.Params) != `{"width":64}` || !got.CostKnown {
		t.Fatalf("round trip: %+v", got)
	}
	if _, err := l.Item(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing item: %v", err)
	}
	if _, err := l.AddItem(ctx, &Item{Kind: KindImage, Params: json.RawMessage(`{bad`)}); err == nil {
		t.Fatal("invalid params must be refused")
	}
}

func TestSearchIsSafeForAnyText(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	addImage(t, l, `a "quoted" lighthouse AND a -minus (paren) star*`, []byte("1"), time.Now())
	addImage(t, l, "a quiet forest", []byte("2"), time.Now())
	cases := []struct {
		q    string
		want int
	}{
		{"lighthouse", 1}, {"light", 1}, {"LIGHTHOUSE", 1}, {`"quoted"`, 1}, {`"`, 2}, {"*", 2}, {"AND", 1},
		{"-minus", 1}, {"(paren", 1}, {"NEAR", 0}, {"forest", 1}, {"a", 2}, {"ünïcödé", 0}, {"fo", 1}, {"OR forest", 0},
	}
	for _, c := range cases {
		p, err := l.Search(ctx, Query{Text: c.q})
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		if len(p.Items) != c.want {
			t.Errorf("%q: %d results, want %d", c.q, len(p.Items), c.want)
		}
	}
}

func TestKeysetPagingWalksEverything(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	same := time.Now().Truncate(time.Millisecond)
	for i := 0; i < 57; i++ {
		at := same
		if i%3 == 0 {
			at = same.Add(time.Duration(i) * time.Second) // ties on created_at for the others
		}
		addImage(t, l, fmt.Sprintf("item %d", i), []byte(fmt.Sprint(i)), at)
	}
	for _, sort := range []Sort{SortNewest, SortOldest, SortCost} {
		seen := map[int64]bool{}
		q := Query{Limit: 10, Sort: sort}
		pages := 0
		for {
			p, err := l.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				if seen[it.ID] {
					t.Fatalf("%s: item %d twice", sort, it.ID)
				}
				seen[it.ID] = true
			}
			pages++
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		if len(seen) != 57 || pages != 6 {
			t.Fatalf("%s: walked %d items in %d pages", sort, len(seen), pages)
		}
	}
	if n, _ := l.Count(ctx, Query{}); n != 57 {
		t.Fatalf("count %d", n)
	}
}

func TestFiltersTrashAndUndo(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := addImage(t, l, "one", []byte("a"), time.Now().Add(-48*time.Hour))
	b := addImage(t, l, "two", []byte("b"), time.Now())
	l.SetFavourite(ctx, b.ID, true)
	l.AddToCollection(ctx, a.ID, "trip")
	cases := []struct {
		q    Query
		want []int64
	}{
		{Query{Favourite: true}, []int64{b.ID}},
		{Query{Collection: "trip"}, []int64{a.ID}},
		{Query{From: time.Now().Add(-time.Hour)}, []int64{b.ID}},
		{Query{Kinds: []Kind{KindVideo}}, nil},
		{Query{Model: "flux", Tag: "test"}, []int64{b.ID, a.ID}},
	}
	for i, c := range cases {
		ids, err := l.IDs(ctx, c.q)
		if err != nil || fmt.Sprint(ids) != fmt.Sprint(c.want) {
			t.Errorf("case %d: %v %v, want %v", i, ids, err, c.want)
		}
	}
	if err := l.Trash(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if ids, _ := l.IDs(ctx, Query{}); len(ids) != 1 {
		t.Fatalf("trashed item still listed: %v", ids)
	}
	if ids, _ := l.IDs(ctx, Query{Trashed: true}); len(ids) != 1 || ids[0] != a.ID {
		t.Fatalf("trash: %v", ids)
	}
	l.Restore(ctx, a.ID)
	if ids, _ := l.IDs(ctx, Query{}); len(ids) != 2 {
		t.Fatal("undo failed")
	}
	l.Trash(ctx, a.ID)
	n, err := l.EmptyTrash(ctx)
	if err != nil || n != 1 {
		t.Fatalf("empty trash: %d %v", n, err)
	}
	if _, err := os.Stat(a.MediaPath); !os.IsNotExist(err) {
		t.Fatal("emptying the trash must remove the file")
	}
	if _, err := os.Stat(b.MediaPath); err != nil {
		t.Fatal("other files must stay")
	}
}

func TestReconcile(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := addImage(t, l, "will lose its file", []byte("gone"), time.Now())
	os.Remove(a.MediaPath)
	orphan, _ := l.PutMedia(ctx, strings.NewReader("nobody points here"), ".bin")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(l.MediaPath(orphan), old, old)
	young, _ := l.PutMedia(ctx, strings.NewReader("being written by another process"), ".bin")
	rep, err := l.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Missing != 1 || rep.Orphans != 1 {
		t.Fatalf("report %+v", rep)
	}
	if it, _ := l.Item(ctx, a.ID); !it.Missing {
		t.Fatal("the row whose file is gone must be marked")
	}
	if _, err := os.Stat(l.MediaPath(young)); err != nil {
		t.Fatal("a young unreferenced file must be kept")
	}
}

func TestChatsSiblingsAndExport(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	chat, _ := l.NewChat(ctx, "Bees", "openai", "be brief")
	u := &Message{ChatID: chat, Role: "user", Content: "tell me about bees"}
	l.AddMessage(ctx, u)
	r1 := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "Bees make honey.", Model: "openai"}
	l.AddMessage(ctx, r1)
	r2 := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "Bees pollinate flowers.", Model: "openai", Partial: true}
	l.AddMessage(ctx, r2)
	msgs, err := l.Messages(ctx, chat)
	if err != nil || len(msgs) != 2 || msgs[1].ID != r2.ID {
		t.Fatalf("active branch: %+v %v", msgs, err)
	}
	sibs, _ := l.Siblings(ctx, r2.ID)
	if len(sibs) != 2 {
		t.Fatalf("siblings: %d", len(sibs))
	}
	l.SelectSibling(ctx, r1.ID)
	if msgs, _ := l.Messages(ctx, chat); msgs[1].ID != r1.ID {
		t.Fatal("flipping to the earlier reply failed")
	}
	p, _ := l.Search(ctx, Query{Text: "pollinate"})
	if len(p.Items) != 1 || p.Items[0].ID != chat {
		t.Fatalf("chat messages must be searchable: %+v", p.Items)
	}
	var md, js bytes.Buffer
	if err := l.ExportChat(ctx, chat, "md", &md); err != nil || !strings.Contains(md.String(), "# Bees") || !strings.Contains(md.String(), "Bees make honey.") {
		t.Fatalf("markdown: %v %s", err, md.String())
	}
	if err := l.ExportChat(ctx, chat, "json", &js); err != nil || !json.Valid(js.Bytes()) {
		t.Fatalf("json: %v", err)
	}
}

func TestTranscriptFormats(t *testing.T) {
	segs := []Segment{{Start: 0, End: 2.5, Text: "Hello"}, {Start: 2.5, End: 3661.0049, Text: "World\n\nagain", Speaker: "B"}}
	cases := map[string]string{
		"srt": "1\n00:00:00,000 --> 00:00:02,500\nHello\n\n2\n00:00:02,500 --> 01:01:01,005\nB: World\nagain\n\n",
		"vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello\n\n00:00:02.500 --> 01:01:01.005\nB: World\nagain\n\n",
		"txt": "Hello\nWorld\n\nagain\n",
	}
	for f, want := range cases {
		var b bytes.Buffer
		if err := ExportTranscript(segs, f, &b); err != nil || b.String() != want {
			t.Errorf("%s:\n%q\nwant\n%q (%v)", f, b.String(), want, err)
		}
	}
	if err := ExportTranscript(segs, "doc", &bytes.Buffer{}); err == nil {
		t.Error("unknown format must be an error")
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	src := openTemp(t)
	ctx := context.Background()
	a := addImage(t, src, "exported image", []byte("pixels"), time.Now())
	tr := &Item{Kind: KindTranscript, Prompt: "clip.wav", Text: "hello world"}
	src.AddItem(ctx, tr)
	src.SetSegments(ctx, tr.ID, []Segment{{0, 1, "hello", ""}, {1, 2, "world", ""}})
	chat, _ := src.NewChat(ctx, "Chat", "openai", "")
	src.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "hi"})
	zipPath := filepath.Join(t.TempDir(), "lib.zip")
	f, _ := os.Create(zipPath)
	if err := src.Export(ctx, nil, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dst := openTemp(t)
	rep, err := dst.Import(ctx, zipPath)
	if err != nil || rep.Added != 3 || rep.Media != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	p, _ := dst.Search(ctx, Query{Text: "exported"})
	if len(p.Items) != 1 {
		t.Fatal("imported image not found")
	}
	data, err := os.ReadFile(p.Items[0].MediaPath)
	if err != nil || string(data) != "pixels" || p.Items[0].Seed == nil || *p.Items[0].Seed != *a.Seed {
		t.Fatalf("imported media/metadata: %q %v", data, err)
	}
	again, err := dst.Import(ctx, zipPath)
	if err != nil || again.Added != 0 || again.Skipped != 3 {
		t.Fatalf("a second import must skip everything: %+v %v", again, err)
	}
}

func writeZip(t *testing.T, entries map[string]string, lie bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hostile.zip")
	f, _ := os.Create(p)
	zw := zip.NewWriter(f)
	for name, body := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	f.Close()
	if lie {
		// Rewrite the central directory's declared size of the last entry to be smaller.
		b, _ := os.ReadFile(p)
		i := bytes.LastIndex(b, []byte("PK\x01\x02"))
		b[i+24] = 1
		b[i+25], b[i+26], b[i+27] = 0, 0, 0
		os.WriteFile(p, b, 0o644)
	}
	return p
}

func TestImportRefusesHostileArchives(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	manifest := `{"format":"pollinations-studio-library","version":1,"items":[]}`
	cases := map[string]string{
		"zip-slip":    writeZip(t, map[string]string{"manifest.json": manifest, "../../evil.sh": "x"}, false),
		"absolute":    writeZip(t, map[string]string{"manifest.json": manifest, "/etc/evil": "x"}, false),
		"stranger":    writeZip(t, map[string]string{"manifest.json": manifest, "media/evil.sh": "x"}, false),
		"bad hash":    writeZip(t, map[string]string{"manifest.json": manifest, "media/" + strings.Repeat("a", 64) + ".png": "not matching"}, false),
		"no manifest": writeZip(t, map[string]string{"readme.txt": "x"}, false),
		"size lies":   writeZip(t, map[string]string{"manifest.json": manifest}, true),
	}
	for name, path := range cases {
		if _, err := l.Import(ctx, path); !errors.Is(err, ErrBadArchive) {
			t.Errorf("%s: got %v, want ErrBadArchive", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(l.Dir()), "evil.sh")); err == nil {
		t.Fatal("zip-slip wrote outside the library")
	}
}

func TestMigrationsFromEveryVersionAndFailure(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A library made by the first schema only.
	l1, err := open(ctx, dir, migrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	l1.AddItem(ctx, &Item{Kind: KindText, Prompt: "from version one", Text: "old"})
	l1.Close()
	l, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	l.r.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion() {
		t.Fatalf("schema %d, want %d", v, SchemaVersion())
	}
	if p, _ := l.Search(ctx, Query{Text: "version"}); len(p.Items) != 1 {
		t.Fatal("data from version one must survive the upgrade")
	}
	l.Close()
	backups, _ := filepath.Glob(filepath.Join(dir, "library.db.v1-*.bak"))
	if len(backups) != 1 {
		t.Fatalf("a copy must be put aside before migrating: %v", backups)
	}

	// A broken migration: the library stays as it was, and the error says so.
	broken := append(append([]migration{}, migrations...), migration{version: 99, name: "0099_broken.sql", sql: "CREATE TABLE x (; nonsense"})
	_, err = open(ctx, dir, broken)
	if err == nil || !strings.Contains(err.Error(), "left as it was") {
		t.Fatalf("failed migration error: %v", err)
	}
	l, err = Open(ctx, dir)
	if err != nil {
		t.Fatalf("the library must still open after a failed upgrade: %v", err)
	}
	defer l.Close()
	if n, _ := l.Count(ctx, Query{}); n != 1 {
		t.Fatal("the failed migration changed the data")
	}
}

func TestConcurrentReadersWhileWriting(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if _, err := l.AddItem(ctx, &Item{Kind: KindText, Prompt: fmt.Sprintf("note %d", i)}); err != nil {
				errs <- err
				return
			}
		}
	}()
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if _, err := l.Search(ctx, Query{Text: "note", Limit: 20}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestJobsRecover(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l, _ := Open(ctx, dir)
	a := &Job{Kind: KindImage, Request: json.RawMessage(`{"image":{"prompt":"a"}}`), Prompt: "a"}
	b := &Job{Kind: KindImage, Request: json.RawMessage(`{"image":{"prompt":"b"}}`), Prompt: "b"}
	l.EnqueueJob(ctx, a)
	l.EnqueueJob(ctx, b)
	a.Status = StatusRunning
	l.UpdateJob(ctx, a)
	l.Close()
	l, _ = Open(ctx, dir)
	defer l.Close()
	got, err := l.RecoverJobs(ctx)
	if err != nil || len(got) != 2 || got[0].Prompt != "a" {
		t.Fatalf("recovered %+v %v", got, err)
	}
	if _, err := l.EnqueueJob(ctx, &Job{Kind: KindImage, Request: json.RawMessage(`not json`)}); err == nil {
		t.Fatal("a job without a JSON request must be refused")
	}
}

func TestThumbnails(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	it := addImage(t, l, "a picture", pngBytes(t, 300, 200), time.Now())
	p, err := l.Thumbnail(ctx, it.ID, 64)
	if err != nil {
		t.Fatal(err)
	}
	w, h := pngSize(t, p)
	if w != 64 || h != 42 {
		t.Fatalf("thumbnail %dx%d, want 64x42", w, h)
	}
	sp := &Item{Kind: KindSpeech, Prompt: "hello"}
	l.AddItem(ctx, sp)
	if p2, err := l.Thumbnail(ctx, sp.ID, 64); err != nil || p2 == p {
		t.Fatalf("placeholder: %v", err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); l.Thumbnail(ctx, it.ID, 128) }()
	}
	wg.Wait()
}

var _ = sql.ErrNoRows

func TestDeleteMessage(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	chat, _ := l.NewChat(ctx, "c", "openai", "")
	u := &Message{ChatID: chat, Role: "user", Content: "hi"}
	l.AddMessage(ctx, u)
	r := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "searchable reply"}
	l.AddMessage(ctx, r)
	if err := l.DeleteMessage(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := l.Messages(ctx, chat); len(msgs) != 1 {
		t.Fatalf("%d messages left", len(msgs))
	}
	if p, _ := l.Search(ctx, Query{Text: "searchable"}); len(p.Items) != 0 {
		t.Fatal("a deleted message must leave the search index")
	}
}

func TestSiblingPositions(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	chat, _ := l.NewChat(ctx, "c", "openai", "")
	u := &Message{ChatID: chat, Role: "user", Content: "q"}
	l.AddMessage(ctx, u)
	a := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "a1"}
	b := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "a2"}
	l.AddMessage(ctx, a)
	l.AddMessage(ctx, b)
	pos, err := l.SiblingPositions(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	if pos[u.ID].Count != 1 || pos[a.ID] != (SiblingPosition{1, 2, 0, b.ID}) || pos[b.ID] != (SiblingPosition{2, 2, a.ID, 0}) {
		t.Fatalf("positions: %+v", pos)
	}
}

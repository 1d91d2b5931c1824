package storage

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type entry struct{ name, body string }

func writeZip(t *testing.T, entries []entry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hostile.zip")
	f, err := os.Create(p)
	check(t, err)
	zw := zip.NewWriter(f)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		check(t, err)
		w.Write([]byte(e.body))
	}
	check(t, zw.Close())
	check(t, f.Close())
	return p
}

// lie rewrites the declared uncompressed size of the last entry in both headers.
func lie(t *testing.T, p string, size uint32) string {
	t.Helper()
	b, err := os.ReadFile(p)
	check(t, err)
	put := func(i int) {
		b[i], b[i+1], b[i+2], b[i+3] = byte(size), byte(size>>8), byte(size>>16), byte(size>>24)
	}
	c := bytes.LastIndex(b, []byte("PK\x01\x02"))
	put(c + 24) // central directory: uncompressed size
	off := int(b[c+42]) | int(b[c+43])<<8 | int(b[c+44])<<16 | int(b[c+45])<<24
	put(off + 22) // local header: uncompressed size
	check(t, os.WriteFile(p, b, 0o644))
	return p
}

func hashName(body, ext string) string {
	s := sha256.Sum256([]byte(body))
	return hex.EncodeToString(s[:]) + ext
}

func TestImportRefusesHostileArchives(t *testing.T) {
	l := openTemp(t)
	l.limits = importLimits{entries: 10, total: 1 << 20, manifest: 1 << 16}
	ctx := context.Background()
	manifest := `{"format":"pollinations-studio-library","version":1,"items":[]}`
	good := pngSig + "real media"
	// A manifest whose one image item points at the media file name.
	with := func(name string) string {
		return `{"format":"pollinations-studio-library","version":1,"items":[{"Kind":"image","MediaHash":"` + name + `"}]}`
	}
	many := []entry{{"manifest.json", manifest}}
	for i := 0; i < 11; i++ {
		many = append(many, entry{fmt.Sprintf("media/%s", hashName(fmt.Sprint(i), ".bin")), fmt.Sprint(i)})
	}
	cases := map[string]string{
		"zip-slip":          writeZip(t, []entry{{"manifest.json", manifest}, {"../../x", "x"}}),
		"zip-slip in media": writeZip(t, []entry{{"manifest.json", manifest}, {"media/../../x", "x"}}),
		"absolute":          writeZip(t, []entry{{"manifest.json", manifest}, {"/etc/evil", "x"}}),
		"drive letter":      writeZip(t, []entry{{"manifest.json", manifest}, {"C:/evil", "x"}}),
		"backslash":         writeZip(t, []entry{{"manifest.json", manifest}, {`..\..\evil`, "x"}}),
		"stranger":          writeZip(t, []entry{{"manifest.json", manifest}, {"media/evil.sh", "x"}}),
		"bad hash":          writeZip(t, []entry{{"manifest.json", with(hashName("other", ".png"))}, {"media/" + hashName("other", ".png"), pngSig + "not matching"}}),
		"no manifest":       writeZip(t, []entry{{"readme.txt", "x"}}),
		"not a manifest":    writeZip(t, []entry{{"manifest.json", `{"format":"something else"}`}}),
		"newer version":     writeZip(t, []entry{{"manifest.json", `{"format":"pollinations-studio-library","version":99}`}}),
		"bad item":          writeZip(t, []entry{{"manifest.json", `{"format":"pollinations-studio-library","version":1,"items":[{"Kind":"virus"}]}`}}),
		"bad item hash":     writeZip(t, []entry{{"manifest.json", `{"format":"pollinations-studio-library","version":1,"items":[{"Kind":"image","MediaHash":"../x"}]}`}}),
		"manifest too big":  writeZip(t, []entry{{"manifest.json", manifest + strings.Repeat(" ", 1<<16)}}),
		"too many entries":  writeZip(t, many),
		"too large":         writeZip(t, []entry{{"manifest.json", manifest}, {"media/" + hashName(strings.Repeat("x", 1<<20), ""), strings.Repeat("x", 1<<20)}}),
		"manifest lies":     lie(t, writeZip(t, []entry{{"manifest.json", manifest}}), 5),
		"media claims less": lie(t, writeZip(t, []entry{{"manifest.json", with(hashName(good, ".png"))}, {"media/" + hashName(good, ".png"), good}}), 12),
		"media claims more": lie(t, writeZip(t, []entry{{"manifest.json", with(hashName(good, ".png"))}, {"media/" + hashName(good, ".png"), good}}), 1000),
		"not a zip": func() string {
			p := filepath.Join(t.TempDir(), "x.zip")
			os.WriteFile(p, []byte("hello"), 0o644)
			return p
		}(),
	}
	for name, path := range cases {
		rep, err := l.Import(ctx, path)
		if !errors.Is(err, ErrBadArchive) {
			t.Errorf("%s: got %v, want ErrBadArchive", name, err)
		}
		if rep.Added != 0 {
			t.Errorf("%s: added %d", name, rep.Added)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(l.Dir()), "x")); err == nil {
		t.Fatal("zip-slip wrote outside the library")
	}
	if n, _ := l.Count(ctx, Query{}); n != 0 {
		t.Fatal("a refused archive added items")
	}
	// Nothing but the (verified) media of a refused archive is left, and no partial file.
	listed := must[map[string]string](t)(l.listMedia(ctx))
	for name := range listed {
		if name != hashName(good, ".png") && !strings.HasPrefix(name, hashName("0", "")) {
			t.Errorf("unexpected media file %s", name)
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(l.Dir(), "media", ".incoming-*")); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}
}

func TestCheckEntryName(t *testing.T) {
	cases := map[string]bool{
		"manifest.json": true, "media/": true, "media/abc.png": true,
		"": false, "../x": false, "a/../../x": false, "/abs": false, "C:/x": false, `a\b`: false, "a/./b": false,
		"a//b": false, "..": false, "media/..": false,
	}
	for name, ok := range cases {
		if err := checkEntryName(name); (err == nil) != ok {
			t.Errorf("checkEntryName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestImportKeepsWhatIsThere(t *testing.T) {
	src := openTemp(t)
	ctx := context.Background()
	a := addImage(t, src, "shared", []byte("same"), time.Now())
	zipPath := exportTo(t, src, []int64{a.ID})
	dst := openTemp(t)
	mine := addImage(t, dst, "my own prompt", []byte("same"), time.Now())
	rep := must[ImportReport](t)(dst.Import(ctx, zipPath))
	if rep.Added != 0 || rep.Skipped != 1 {
		t.Fatalf("an item whose media is already there must be skipped: %+v", rep)
	}
	if got := must[*Item](t)(dst.Item(ctx, mine.ID)); got.Prompt != "my own prompt" {
		t.Fatal("an import must never overwrite")
	}
}

func FuzzCheckEntryName(f *testing.F) {
	for _, s := range []string{"manifest.json", "media/x", "../x", "/x", `a\b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkEntryName(name) != nil {
			return
		}
		// Whatever is accepted stays inside a folder when joined to it.
		root := filepath.FromSlash("/lib")
		p := filepath.Join(root, filepath.FromSlash(name))
		if p != root && !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Fatalf("%q escapes to %q", name, p)
		}
	})
}

// TestImportIsAllOrNothing: an archive whose last item is bad adds none of the good ones.
func TestImportIsAllOrNothing(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	manifest := `{"format":"pollinations-studio-library","version":1,"items":[
		{"ID":1,"Kind":"text","Prompt":"good one","CreatedAt":"2026-01-01T00:00:00Z"},
		{"ID":2,"Kind":"text","Prompt":"good two","ParentID":1,"Relation":"variation","CreatedAt":"2026-01-01T00:00:01Z"},
		{"ID":3,"Kind":"transcript","Prompt":"bad","CreatedAt":"2026-01-01T00:00:02Z","segments":[{"Start":5,"End":1,"Text":"x"}]}]}`
	_, err := l.Import(ctx, writeZip(t, []entry{{"manifest.json", manifest}}))
	if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "nothing was added") {
		t.Fatalf("got %v", err)
	}
	if n, _ := l.Count(ctx, Query{}); n != 0 {
		t.Fatalf("%d items were added by a failed import", n)
	}
	// Without the bad item, both land and the lineage is mapped to the new ids.
	good := strings.Replace(manifest, `,
		{"ID":3,"Kind":"transcript","Prompt":"bad","CreatedAt":"2026-01-01T00:00:02Z","segments":[{"Start":5,"End":1,"Text":"x"}]}`, "", 1)
	rep := must[ImportReport](t)(l.Import(ctx, writeZip(t, []entry{{"manifest.json", good}})))
	if rep.Added != 2 {
		t.Fatalf("report %+v", rep)
	}
	ids := must[[]int64](t)(l.IDs(ctx, Query{Sort: SortOldest}))
	two := must[*Item](t)(l.Item(ctx, ids[1]))
	if two.ParentID == nil || *two.ParentID != ids[0] || two.Relation != "variation" {
		t.Fatalf("lineage: %+v", two)
	}
}

package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUploadsRememberedByHash(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	const h = "ab12cd"
	if _, _, ok := l.UploadedURL(ctx, h); ok {
		t.Fatal("an unknown hash is found")
	}
	before := time.Now().Add(-time.Second)
	check(t, l.RememberUpload(ctx, h, "https://media.pollinations.ai/one"))
	url, at, ok := l.UploadedURL(ctx, h+".mp3") // a media name finds its hash
	if !ok || url != "https://media.pollinations.ai/one" || at.Before(before) {
		t.Fatalf("%q %v %v", url, at, ok)
	}
	check(t, l.RememberUpload(ctx, "AB12CD", "https://media.pollinations.ai/two"))
	if url, _, _ := l.UploadedURL(ctx, h); url != "https://media.pollinations.ai/two" {
		t.Fatalf("a newer upload must replace the address: %q", url)
	}
	if err := l.RememberUpload(ctx, "", "https://x"); err == nil {
		t.Fatal("an empty hash is accepted")
	}
	var n int
	check(t, l.r.QueryRow(`SELECT COUNT(*) FROM uploads`).Scan(&n))
	if n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

// TestImportKeepsMusicSoundAnd3D: an export holding the newer kinds imports whole.
func TestImportKeepsMusicSoundAnd3D(t *testing.T) {
	src := openTemp(t)
	ctx := context.Background()
	var ids []int64
	content := map[Kind][2]string{KindMusic: {"ID3\x04music", ".mp3"}, KindSound: {"ID3\x04sound", ".mp3"}, Kind3D: {"glTF\x02\x00\x00\x00mesh", ".glb"}}
	for i, k := range []Kind{KindMusic, KindSound, Kind3D} {
		c := content[k]
		hash, err := src.PutMedia(ctx, strings.NewReader(fmt.Sprintf("%s %d", c[0], i)), c[1])
		check(t, err)
		it := &Item{Kind: k, Status: StatusDone, Prompt: "a " + string(k), MediaHash: hash, CreatedAt: time.Now()}
		_, err = src.AddItem(ctx, it)
		check(t, err)
		ids = append(ids, it.ID)
	}
	zipPath := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(zipPath)
	check(t, err)
	check(t, src.Export(ctx, ids, f))
	check(t, f.Close())
	dst := openTemp(t)
	rep, err := dst.Import(ctx, zipPath)
	if err != nil || rep.Added != 3 || rep.Skipped != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
}

package storage

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

const benchItems = 100_000

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

var benchWords = []string{"lighthouse", "fox", "forest", "neon", "city", "ramen", "mountain", "robot", "garden", "ocean",
	"portrait", "castle", "desert", "rain", "sunset", "galaxy", "dragon", "bicycle", "library", "winter"}

// benchLibrary builds a 100 000-item library once per process (one bulk transaction; this is
// fixture code, not the app's insert path, which BenchmarkInsert measures).
func benchLibrary(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "pollinations-bench-*")
		if benchErr != nil {
			return
		}
		ctx := context.Background()
		l, err := Open(ctx, benchDir)
		if err != nil {
			benchErr = err
			return
		}
		defer l.Close()
		tx, err := l.w.BeginTx(ctx, nil)
		if err != nil {
			benchErr = err
			return
		}
		ins, _ := tx.Prepare(`INSERT INTO items (kind, prompt, model_used, created_at, favourite, cost, cost_known, params) VALUES (?,?,?,?,?,?,1,'{}')`)
		fts, _ := tx.Prepare(`INSERT INTO items_fts (rowid, prompt, text) VALUES (?, ?, '')`)
		kinds := []Kind{KindImage, KindImage, KindImage, KindText, KindSpeech, KindVideo, KindTranscript}
		start := time.Now().Add(-benchItems * time.Minute)
		for i := 0; i < benchItems; i++ {
			prompt := fmt.Sprintf("a %s and a %s, %s style #%d", benchWords[i%20], benchWords[(i/20)%20], benchWords[(i/400)%20], i)
			res, err := ins.Exec(kinds[i%len(kinds)], prompt, "flux", start.Add(time.Duration(i)*time.Minute).UnixMilli(), i%10 == 0, 0.002)
			if err != nil {
				benchErr = err
				return
			}
			id, _ := res.LastInsertId()
			if _, err := fts.Exec(id, prompt); err != nil {
				benchErr = err
				return
			}
		}
		benchErr = tx.Commit()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

func BenchmarkOpen100k(b *testing.B) {
	dir := benchLibrary(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := Open(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}

func BenchmarkInsert(b *testing.B) {
	l, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.AddItem(ctx, &Item{Kind: KindImage, Prompt: fmt.Sprintf("insert %d", i), ModelUsed: "flux"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

func benchQuery(b *testing.B, q Query) {
	l, err := Open(context.Background(), benchLibrary(b))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	p, err := l.Search(ctx, q)
	if err != nil || len(p.Items) == 0 {
		b.Fatalf("query returned nothing: %v", err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPageNewest200(b *testing.B) { benchQuery(b, Query{Limit: 200}) }

func BenchmarkPageDeep200(b *testing.B) {
	// A page far down the gallery, reached by its cursor: keyset paging costs the same anywhere.
	benchQuery(b, Query{Limit: 200, After: makeCursor(float64(time.Now().Add(-benchItems/2*time.Minute).UnixMilli()), 1<<40)})
}

func BenchmarkFullTextSearch(b *testing.B) {
	benchQuery(b, Query{Text: "lighthouse castle", Limit: 200})
}

func BenchmarkFilteredSearch(b *testing.B) {
	benchQuery(b, Query{Kinds: []Kind{KindImage}, Favourite: true, From: time.Now().Add(-40 * 24 * time.Hour), Limit: 200})
}

func BenchmarkThumbnail1024(b *testing.B) {
	l, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	data := pngBytes(b, 1024, 1024)
	hash, _ := l.PutMedia(ctx, bytesReader(data), ".png")
	it := &Item{Kind: KindImage, MediaHash: hash, ContentType: "image/png"}
	l.AddItem(ctx, it)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.thumbs.forget(hash) // measure making it, not finding it cached
		if _, err := l.Thumbnail(ctx, it.ID, 256); err != nil {
			b.Fatal(err)
		}
	}
}

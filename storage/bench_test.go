package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

const benchItems = 100_000

// benchFixture is the 100 000-item library shared by the benchmarks of one process.
var benchFixture struct {
	once sync.Once
	dir  string
	end  time.Time // created_at of the newest item
	err  error
}

var benchWords = []string{"lighthouse", "fox", "forest", "neon", "city", "ramen", "mountain", "robot", "garden", "ocean",
	"portrait", "castle", "desert", "rain", "sunset", "galaxy", "dragon", "bicycle", "library", "winter"}

// benchLibrary builds a 100 000-item library once per process, in one bulk transaction (this
// is fixture code, not the app's insert path, which BenchmarkLibraryInsert measures). It lives
// in the system's temporary folder.
func benchLibrary(b *testing.B) string {
	f := &benchFixture
	f.once.Do(func() {
		f.dir, f.err = os.MkdirTemp("", "pollinations-bench-*")
		if f.err != nil {
			return
		}
		ctx := context.Background()
		l, err := open(ctx, f.dir, migrations)
		if err != nil {
			f.err = err
			return
		}
		defer l.Close()
		tx, err := l.w.BeginTx(ctx, nil)
		if err != nil {
			f.err = err
			return
		}
		defer tx.Rollback()
		ins, err := tx.Prepare(`INSERT INTO items (kind, prompt, model_used, model_requested, created_at, finished_at, favourite, cost, cost_known, params, width, height, seed)
			VALUES (?,?,?,?,?,?,?,?,1,'{"width":1024,"height":1024}',1024,1024,?)`)
		if err != nil {
			f.err = err
			return
		}
		fts, err := tx.Prepare(`INSERT INTO items_fts (rowid, prompt, text) VALUES (?, ?, '')`)
		if err != nil {
			f.err = err
			return
		}
		tag, err := tx.Prepare(`INSERT INTO tags (item_id, tag) VALUES (?, ?)`)
		if err != nil {
			f.err = err
			return
		}
		// 2 000 real media files shared by the image items, so reconcile has work to do.
		hashes := make([]string, 2000)
		for i := range hashes {
			data := []byte(fmt.Sprintf("bench media %d", i))
			sum := sha256.Sum256(data)
			hashes[i] = hex.EncodeToString(sum[:]) + ".png"
			p := l.MediaPath(hashes[i])
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				f.err = err
				return
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				f.err = err
				return
			}
		}
		setMedia, err := tx.Prepare(`UPDATE items SET media_hash = ?, content_type = 'image/png' WHERE id = ?`)
		if err != nil {
			f.err = err
			return
		}
		kinds := []Kind{KindImage, KindImage, KindImage, KindText, KindSpeech, KindVideo, KindTranscript}
		models := []string{"flux", "zimage", "openai", "gptimage"}
		f.end = time.Now().Truncate(time.Minute)
		start := f.end.Add(-benchItems * time.Minute)
		for i := 0; i < benchItems; i++ {
			prompt := fmt.Sprintf("a %s and a %s, %s style, take %d", benchWords[i%20], benchWords[(i/20)%20], benchWords[(i/400)%20], i)
			at := start.Add(time.Duration(i) * time.Minute).UnixMilli()
			res, err := ins.Exec(kinds[i%len(kinds)], prompt, models[i%4], models[i%4], at, at+5000, i%10 == 0, float64(i%7)*0.001, i)
			if err != nil {
				f.err = err
				return
			}
			id, _ := res.LastInsertId()
			if _, err := fts.Exec(id, prompt); err != nil {
				f.err = err
				return
			}
			if kinds[i%len(kinds)] == KindImage {
				if _, err := setMedia.Exec(hashes[i%len(hashes)], id); err != nil {
					f.err = err
					return
				}
			}
			if i%50 == 0 {
				if _, err := tag.Exec(id, benchWords[i%20]); err != nil {
					f.err = err
					return
				}
			}
		}
		f.err = tx.Commit()
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
	return f.dir
}

// reportMedian times each call and reports the median, which the goals are stated in.
func reportMedian(b *testing.B, run func() error) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := run(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkLibraryOpen times Open alone (the reconcile it starts runs in the background and is
// measured by BenchmarkLibraryReconcile); each library is closed, outside the timing, before
// the next opens.
func BenchmarkLibraryOpen(b *testing.B) {
	dir := benchLibrary(b)
	ctx := context.Background()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		l, err := Open(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
		b.StopTimer()
		l.Close()
		b.StartTimer()
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkLibraryReconcile is the pass Open starts in the background, at 100 000 rows
// (43 000 of them pointing at 2 000 files).
func BenchmarkLibraryReconcile(b *testing.B) {
	l, err := open(context.Background(), benchLibrary(b), migrations)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	reportMedian(b, func() error {
		rep, err := l.Reconcile(context.Background())
		if err == nil && rep != (ReconcileReport{}) {
			err = fmt.Errorf("the fixture is consistent, yet reconcile reports %+v", rep)
		}
		return err
	})
}

func BenchmarkLibraryInsert(b *testing.B) {
	l, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := &Item{Kind: KindImage, Prompt: fmt.Sprintf("insert %d of a %s", i, benchWords[i%20]), ModelUsed: "flux",
			Params: []byte(`{"width":1024}`), Tags: []string{"bench"}}
		if _, err := l.AddItem(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

func benchQuery(b *testing.B, q Query) {
	l, err := open(context.Background(), benchLibrary(b), migrations)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	p, err := l.Search(ctx, q)
	if err != nil || len(p.Items) == 0 {
		b.Fatalf("the query returned nothing: %v", err)
	}
	reportMedian(b, func() error { _, err := l.Search(ctx, q); return err })
}

func BenchmarkLibraryPageNewest200(b *testing.B) { benchQuery(b, Query{Limit: 200}) }

// A page far down the gallery, reached by its cursor: keyset paging costs the same anywhere.
func BenchmarkLibraryPageDeep200(b *testing.B) {
	benchLibrary(b)
	benchQuery(b, Query{Limit: 200, After: makeCursor(float64(benchFixture.end.Add(-benchItems/2*time.Minute).UnixMilli()), 1<<40)})
}

func BenchmarkLibraryPageCost200(b *testing.B) { benchQuery(b, Query{Limit: 200, Sort: SortCost}) }

func BenchmarkLibrarySearchFullText(b *testing.B) {
	benchQuery(b, Query{Text: "lighthouse castle", Limit: 200})
}

// A word that matches a handful of items: the planner must not walk the whole gallery.
func BenchmarkLibrarySearchRare(b *testing.B) {
	benchQuery(b, Query{Text: "take 4242", Limit: 200})
}

func BenchmarkLibrarySearchPrefix(b *testing.B) {
	benchQuery(b, Query{Text: "galax", Limit: 200})
}

func BenchmarkLibrarySearchFiltered(b *testing.B) {
	benchLibrary(b)
	benchQuery(b, Query{Kinds: []Kind{KindImage}, Favourite: true, From: benchFixture.end.Add(-40 * 24 * time.Hour), Limit: 200})
}

func BenchmarkLibrarySearchTextFiltered(b *testing.B) {
	benchLibrary(b)
	benchQuery(b, Query{Text: "dragon", Kinds: []Kind{KindImage}, Model: "flux", From: benchFixture.end.Add(-40 * 24 * time.Hour), Limit: 200})
}

func BenchmarkLibraryCount(b *testing.B) {
	l, err := open(context.Background(), benchLibrary(b), migrations)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	reportMedian(b, func() error { _, err := l.Count(context.Background(), Query{Kinds: []Kind{KindImage}}); return err })
}

func BenchmarkLibraryThumbnail1024(b *testing.B) {
	l, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	hash, err := l.PutMedia(ctx, bytes.NewReader(pngBytes(b, 1024, 1024)), ".png")
	if err != nil {
		b.Fatal(err)
	}
	it := &Item{Kind: KindImage, MediaHash: hash, ContentType: "image/png"}
	if _, err := l.AddItem(ctx, it); err != nil {
		b.Fatal(err)
	}
	reportMedian(b, func() error {
		l.thumbs.forget(hash) // measure making it, not finding it cached
		_, err := l.Thumbnail(ctx, it.ID, 256)
		return err
	})
}

package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	t.Setenv("POLLINATIONS_STUDIO_DATA", "/some/where")
	if d, err := DefaultDir(); err != nil || d != "/some/where" {
		t.Fatalf("the environment variable must win: %q %v", d, err)
	}
	t.Setenv("POLLINATIONS_STUDIO_DATA", "")
	if runtime.GOOS == "linux" {
		t.Setenv("XDG_DATA_HOME", "/xdg")
		if d, err := DefaultDir(); err != nil || d != filepath.Join("/xdg", "pollinations-studio") {
			t.Fatalf("XDG_DATA_HOME: %q %v", d, err)
		}
	}
	d, err := DefaultDir()
	if err != nil || filepath.Base(d) != "pollinations-studio" {
		t.Fatalf("default: %q %v", d, err)
	}
}

func TestDSN(t *testing.T) {
	w := dsn("/tmp/a b/library.db", false)
	for _, want := range []string{"file:/tmp/a%20b/library.db?", "_journal_mode=WAL", "_busy_timeout=5000", "_foreign_keys=on",
		"_synchronous=NORMAL", "_txlock=immediate", "mode=rwc"} {
		if !strings.Contains(w, want) {
			t.Errorf("writer DSN %q lacks %q", w, want)
		}
	}
	if r := dsn("/tmp/x.db", true); !strings.Contains(r, "mode=ro") || strings.Contains(r, "_txlock") {
		t.Errorf("reader DSN %q", r)
	}
}

func TestOpenMakesTheFolderAndSettings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "lib")
	l, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, p := range []string{"library.db", "media", "thumbs"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	var mode string
	var fk, busy int
	check(t, l.w.QueryRow("PRAGMA journal_mode").Scan(&mode))
	check(t, l.w.QueryRow("PRAGMA foreign_keys").Scan(&fk))
	check(t, l.r.QueryRow("PRAGMA busy_timeout").Scan(&busy))
	if mode != "wal" || fk != 1 || busy != 5000 {
		t.Fatalf("journal %s, foreign keys %d, busy timeout %d", mode, fk, busy)
	}
	if _, err := l.r.Exec(`INSERT INTO items (kind, created_at) VALUES ('text', 1)`); err == nil {
		t.Fatal("the reader pool must be read-only")
	}
	if l.w.Stats().MaxOpenConnections != 1 {
		t.Fatal("one writer connection")
	}
	if _, err := Open(context.Background(), ""); err == nil {
		t.Fatal("an empty folder name must be refused")
	}
}

// TestConcurrentReadersWhileWriting: one writer and several readers at once; WAL and the busy
// timeout mean no reader or writer ever sees SQLITE_BUSY.
func TestConcurrentReadersWhileWriting(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := 0; i < 300; i++ {
			it := &Item{Kind: KindText, Prompt: fmt.Sprintf("note %d", i), Tags: []string{"t"}}
			if _, err := l.AddItem(ctx, it); err != nil {
				errs <- fmt.Errorf("writer: %w", err)
				return
			}
			if i%10 == 0 {
				if err := l.SetFavourite(ctx, it.ID, true); err != nil {
					errs <- fmt.Errorf("writer: %w", err)
					return
				}
			}
		}
	}()
	reads := make([]int, 4)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				p, err := l.Search(ctx, Query{Text: "note", Limit: 20})
				if err == nil {
					_, err = l.Count(ctx, Query{Favourite: true})
				}
				if err == nil && len(p.Items) > 0 {
					_, err = l.Item(ctx, p.Items[0].ID)
				}
				if err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
				reads[r]++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := l.Count(ctx, Query{}); n != 300 {
		t.Fatalf("%d items written, want 300", n)
	}
	for r, n := range reads {
		if n == 0 {
			t.Errorf("reader %d never ran during the writes", r)
		}
	}
}

package storage

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTrashUndoAndEmpty(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := addImage(t, l, "one", []byte("a"), time.Now().Add(-time.Minute))
	b := addImage(t, l, "two", []byte("b"), time.Now())
	shared := addImage(t, l, "same bytes as two", []byte("b"), time.Now())
	chat := must[int64](t)(l.NewChat(ctx, "chat", "openai", ""))
	must[int64](t)(l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "unforgettable words"}))
	tr := &Item{Kind: KindTranscript, Text: "spoken"}
	must[int64](t)(l.AddItem(ctx, tr))
	check(t, l.SetSegments(ctx, tr.ID, []Segment{{0, 1, "spoken", ""}}))

	check(t, l.Trash(ctx, a.ID, b.ID, chat, tr.ID))
	if ids, _ := l.IDs(ctx, Query{}); len(ids) != 1 || ids[0] != shared.ID {
		t.Fatalf("trashed items still listed: %v", ids)
	}
	if p, _ := l.Search(ctx, Query{Text: "unforgettable"}); len(p.Items) != 0 {
		t.Fatal("a trashed chat must not be found")
	}
	if n, _ := l.Count(ctx, Query{Trashed: true}); n != 4 {
		t.Fatalf("trash holds %d", n)
	}
	if it := must[*Item](t)(l.Item(ctx, a.ID)); it.TrashedAt == nil {
		t.Fatal("TrashedAt must be set")
	}
	// Undo.
	check(t, l.Restore(ctx, a.ID, chat))
	if n, _ := l.Count(ctx, Query{}); n != 3 {
		t.Fatalf("undo: %d listed", n)
	}
	if p, _ := l.Search(ctx, Query{Text: "unforgettable"}); len(p.Items) != 1 {
		t.Fatal("a restored chat must be found again")
	}
	// Empty: rows, messages, segments and unshared files go; a file another row uses stays.
	n := must[int](t)(l.EmptyTrash(ctx))
	if n != 2 {
		t.Fatalf("emptied %d, want 2", n)
	}
	if _, err := l.Item(ctx, b.ID); err == nil {
		t.Fatal("an emptied item must be gone")
	}
	if !fileExists(shared.MediaPath) {
		t.Fatal("a file another item uses must stay")
	}
	if !fileExists(a.MediaPath) {
		t.Fatal("a restored item's file must stay")
	}
	var segs int
	check(t, l.r.QueryRow(`SELECT COUNT(*) FROM segments`).Scan(&segs))
	if segs != 0 {
		t.Fatal("segments of an emptied transcript must go")
	}
	check(t, l.Trash(ctx, a.ID))
	must[int](t)(l.EmptyTrash(ctx))
	if _, err := os.Stat(a.MediaPath); !os.IsNotExist(err) {
		t.Fatal("emptying the trash must remove a file no one else uses")
	}
	if n, _ := l.EmptyTrash(ctx); n != 0 {
		t.Fatal("an empty trash empties nothing")
	}
	check(t, l.IntegrityCheck(ctx))
}

// A selection larger than SQLite's 32 766 bound parameters is trashed and restored whole.
func TestTrashAndRestoreABigSelection(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	const n = 33000
	ids := make([]int64, 0, n)
	check(t, l.tx(ctx, func(tx *sql.Tx) error {
		for i := 0; i < n; i++ {
			res, err := tx.ExecContext(ctx, `INSERT INTO items (kind, status, prompt, created_at) VALUES ('text', 'done', ?, ?)`, fmt.Sprint("note ", i), ms(time.Now()))
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			ids = append(ids, id)
		}
		return nil
	}))
	check(t, l.Trash(ctx, ids...))
	if c, _ := l.Count(ctx, Query{Trashed: true}); c != n {
		t.Fatalf("trash holds %d of %d", c, n)
	}
	check(t, l.Restore(ctx, ids...))
	if c, _ := l.Count(ctx, Query{}); c != n {
		t.Fatalf("restored %d of %d", c, n)
	}
}

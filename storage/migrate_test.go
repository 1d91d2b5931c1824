package storage

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// makeAt creates a library database at schema version k (running only the first k migrations)
// with an item and a chat message written by plain SQL of that version.
func makeAt(t *testing.T, dir string, k int) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "library.db")
	db, err := sql.Open("sqlite3", dsn(path, false))
	check(t, err)
	defer db.Close()
	check(t, migrate(ctx, db, path, migrations[:k]))
	for _, q := range []string{
		`INSERT INTO items (id, kind, prompt, text, created_at) VALUES (1, 'text', 'from an old version', 'old', 1000)`,
		`INSERT INTO items_fts (rowid, prompt, text) VALUES (1, 'from an old version', 'old')`,
		`INSERT INTO items (id, kind, prompt, created_at) VALUES (2, 'chat', 'old chat', 2000)`,
		`INSERT INTO messages (id, chat_id, role, content, created_at) VALUES (1, 2, 'user', 'marmalade sandwiches', 2000)`,
		`INSERT INTO jobs (kind, status, request, created_at) VALUES ('image', 'running', '{}', 3000)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("version %d: %s: %v", k, q, err)
		}
	}
	if k >= 2 { // messages_fts exists from 0002 on; before, 0002 itself indexes old messages
		_, err := db.Exec(`INSERT INTO messages_fts (rowid, content) VALUES (1, 'marmalade sandwiches')`)
		check(t, err)
	}
}

func TestMigrationsFromEveryVersion(t *testing.T) {
	if len(migrations) < 2 {
		t.Fatal("there must be at least two migrations")
	}
	for k := 1; k < len(migrations); k++ {
		t.Run(fmt.Sprintf("from v%d", migrations[k-1].version), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			makeAt(t, dir, k)
			l, err := Open(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			var v int
			check(t, l.r.QueryRow("PRAGMA user_version").Scan(&v))
			if v != SchemaVersion() {
				t.Fatalf("schema %d, want %d", v, SchemaVersion())
			}
			if p, err := l.Search(ctx, Query{Text: "old version"}); err != nil || len(p.Items) != 1 {
				t.Fatalf("an item from version %d must survive: %v", k, err)
			}
			if p, err := l.Search(ctx, Query{Text: "marmalade"}); err != nil || len(p.Items) != 1 || p.Items[0].ID != 2 {
				t.Fatalf("a chat message from version %d must be searchable: %v", k, err)
			}
			if jobs, err := l.OrphanJobs(ctx, time.Minute); err != nil || len(jobs) != 1 {
				t.Fatalf("jobs: %v %v", jobs, err)
			}
			// And the new schema works: everything the app writes.
			must[int64](t)(l.AddItem(ctx, &Item{Kind: KindImage, Prompt: "new", Tags: []string{"x"}, Cost: 1}))
			if ids, _ := l.IDs(ctx, Query{Sort: SortCost}); len(ids) != 3 {
				t.Fatalf("after the upgrade: %v", ids)
			}
			backups, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("library.db.v%d-*.bak", migrations[k-1].version)))
			if len(backups) != 1 {
				t.Fatalf("a copy must be put aside before migrating: %v", backups)
			}
			if st, err := os.Stat(backups[0]); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
				t.Fatalf("the copy must be private: %v %v", st.Mode(), err)
			}
			check(t, l.IntegrityCheck(ctx))
		})
	}
}

// dump is a library's schema and rows, to compare before and after.
func dump(t *testing.T, dir string) string {
	t.Helper()
	db, err := sql.Open("sqlite3", dsn(filepath.Join(dir, "library.db"), true))
	check(t, err)
	defer db.Close()
	var b strings.Builder
	var v int
	check(t, db.QueryRow("PRAGMA user_version").Scan(&v))
	fmt.Fprintf(&b, "version %d\n", v)
	for _, q := range []string{`SELECT type || ' ' || name || ' ' || IFNULL(sql, '') FROM sqlite_master ORDER BY name`,
		`SELECT id || kind || prompt FROM items ORDER BY id`, `SELECT id || content FROM messages ORDER BY id`} {
		rows, err := db.Query(q)
		check(t, err)
		for rows.Next() {
			var s string
			check(t, rows.Scan(&s))
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestFailedMigrationLeavesTheLibraryAlone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	makeAt(t, dir, 1)
	before := dump(t, dir)
	// Injected through the unexported hook: the good migrations, then a broken one. All of
	// them run in one transaction, so even the good ones must not stick.
	broken := append(append([]migration{}, migrations...), migration{version: 99, name: "0099_broken.sql", sql: "CREATE TABLE x (id INTEGER); CREATE TABLE (; nonsense"})
	_, err := open(ctx, dir, broken)
	if err == nil {
		t.Fatal("a broken migration must fail")
	}
	for _, want := range []string{"left as it was", "0099_broken.sql", ".bak"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error must say %q: %v", want, err)
		}
	}
	if after := dump(t, dir); after != before {
		t.Fatalf("the failed migration changed the library:\n%s\nvs\n%s", before, after)
	}
	// The copy put aside opens, and the library still upgrades with the real migrations.
	l, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("the library must still open after a failed upgrade: %v", err)
	}
	defer l.Close()
	if n, _ := l.Count(ctx, Query{}); n != 2 {
		t.Fatalf("%d items", n)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l := must[*Library](t)(Open(ctx, dir))
	_, err := l.w.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1))
	check(t, err)
	check(t, l.Close())
	if _, err := Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("a library from a newer app must be refused: %v", err)
	}
}

func TestMigrationsAreNumbered(t *testing.T) {
	var got []int
	for _, m := range migrations {
		got = append(got, m.version)
	}
	want := make([]int, len(migrations))
	for i := range want {
		want[i] = i + 1
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("migrations %v must be numbered 1..n without gaps", got)
	}
}

// Package storage is the personal library: every generation with its prompt, parameters,
// model, seed, cost and date in SQLite, its media beside the database named by content hash,
// thumbnails, full-text search, trash, export and import, chats, transcripts and the job queue.
//
// Nothing is lost: media files are written whole (temporary file, fsync, rename, fsync of the
// folder) before a row points at them; every change is one transaction on the one writer
// connection (WAL, BEGIN IMMEDIATE), while reads go through a separate read-only pool; a
// migration copies the database aside first and runs in one transaction. Open stays fast at any
// size: the comparison of rows and files (Reconcile) runs in the background.
//
// Search is SQLite FTS4 (built into go-sqlite3, no build tag): what a person types is always
// quoted term by term, never FTS syntax, and pages are keyset pages over indexes.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver
)

// ErrNotFound means no such item, job or message.
var ErrNotFound = errors.New("not found")

// Library is an open library folder.
type Library struct {
	dir string
	w   *sql.DB // the one writer
	r   *sql.DB // readers (WAL lets them run during writes)

	thumbs *thumbnailer
	limits importLimits
	stmts  stmts // prepared statements on the writer for the hot write paths

	bg     sync.WaitGroup
	cancel context.CancelFunc

	// afterImportBatch, in tests, is called after each committed batch of an import.
	afterImportBatch func(added int)

	recDone chan struct{} // closed when the reconcile started by Open has finished
	recRep  ReconcileReport
	recErr  error
}

// DefaultDir is where the library lives unless told otherwise: $POLLINATIONS_STUDIO_DATA, else
// the platform's folder for application data.
func DefaultDir() (string, error) {
	if d := os.Getenv("POLLINATIONS_STUDIO_DATA"); d != "" {
		return d, nil
	}
	var base string
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		base = os.Getenv("XDG_DATA_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			base = filepath.Join(home, ".local", "share")
		}
	default: // Windows: %AppData%; macOS: ~/Library/Application Support
		d, err := os.UserConfigDir()
		if err != nil {
			return "", err
		}
		base = d
	}
	return filepath.Join(base, "pollinations-studio"), nil
}

func dsn(path string, readOnly bool) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_busy_timeout", "5000")
	v.Set("_foreign_keys", "on")
	v.Set("_synchronous", "NORMAL")
	if readOnly {
		v.Set("mode", "ro")
	} else {
		v.Set("_txlock", "immediate")
		v.Set("mode", "rwc")
	}
	p := filepath.ToSlash(path)
	if vol := filepath.VolumeName(path); vol != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p // file:///C:/... on Windows
	}
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + v.Encode()
}

// Open opens (creating if needed) the library in dir, migrating it to the current schema (after
// copying the database aside). It then reconciles rows and media files in the background, so
// that opening stays fast however large the library is; WaitReconcile waits for that pass.
func Open(ctx context.Context, dir string) (*Library, error) {
	l, err := open(ctx, dir, migrations)
	if err != nil {
		return nil, err
	}
	l.startReconcile()
	return l, nil
}

// open opens the library with the given migrations and starts nothing in the background.
func open(ctx context.Context, dir string, migs []migration) (*Library, error) {
	if dir == "" {
		return nil, errors.New("storage: no library folder given")
	}
	path := filepath.Join(dir, "library.db")
	if err := makePrivate(dir, path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("storage: opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := pingBusy(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("storage: opening %s: %w", path, err)
	}
	if err := migrate(ctx, w, path, migs); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("storage: opening %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	// Keep reader connections: each new one re-reads the schema.
	r.SetMaxIdleConns(max(4, runtime.NumCPU()))
	l := &Library{dir: dir, w: w, r: r, limits: defaultImportLimits}
	if err := l.stmts.prepare(ctx, w); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("storage: preparing statements: %w", err)
	}
	l.thumbs = newThumbnailer(l, max(2, runtime.NumCPU()))
	return l, nil
}

// pingBusy opens the first connection. Turning a brand-new database to WAL takes a lock that
// SQLite does not wait for (its busy handler is skipped there), so when several processes
// open a new library at once, the losers are told "database is locked" at once: they retry
// for a while (with a little jitter), as the busy timeout would have.
func pingBusy(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyWait)
	for {
		err := db.PingContext(ctx)
		// Matched by its text: the driver's error type exists only in cgo builds.
		if err == nil || !strings.Contains(err.Error(), "database is locked") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(5+rand.IntN(20)) * time.Millisecond):
		}
	}
}

// busyWait is how long opening waits for another process's lock, as _busy_timeout does.
const busyWait = 5 * time.Second

// makePrivate creates the library's folders and database file readable by the user alone
// (prompts, chats and media are private), and takes back what an older version left readable
// by others: the folders 0700, the database and its -wal and -shm files 0600. SQLite gives the
// -wal and -shm files the mode of the database, so creating that one 0600 first is enough for
// new libraries. On Windows the modes mean little; the user's profile folder is private there.
func makePrivate(dir, dbPath string) error {
	for _, d := range []string{dir, filepath.Join(dir, "media"), filepath.Join(dir, "thumbs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("storage: creating %s: %w", d, err)
		}
		if err := restrict(d, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(dbPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("storage: opening %s: %w", dbPath, err)
	}
	f.Close()
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		if err := restrict(p, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// restrict takes group and other permissions off p (if it exists).
func restrict(p string, mode os.FileMode) error {
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	if st.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("storage: making %s private: %w", p, err)
	}
	return nil
}

// startReconcile runs Reconcile once in the background; Close cancels and waits for it.
func (l *Library) startReconcile() {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.recDone = make(chan struct{})
	l.bg.Add(1)
	go func() {
		defer l.bg.Done()
		defer close(l.recDone)
		l.recRep, l.recErr = l.Reconcile(ctx)
	}()
}

// WaitReconcile waits for the reconcile pass started by Open and returns what it found.
func (l *Library) WaitReconcile(ctx context.Context) (ReconcileReport, error) {
	if l.recDone == nil {
		return ReconcileReport{}, nil
	}
	select {
	case <-l.recDone:
		return l.recRep, l.recErr
	case <-ctx.Done():
		return ReconcileReport{}, ctx.Err()
	}
}

// Dir is the library folder.
func (l *Library) Dir() string { return l.dir }

// Close waits for background work and closes the database.
func (l *Library) Close() error {
	if l.cancel != nil {
		l.cancel()
	}
	l.bg.Wait()
	l.stmts.close()
	err := l.r.Close()
	if werr := l.w.Close(); err == nil {
		err = werr
	}
	return err
}

// tx runs f in one write transaction (BEGIN IMMEDIATE, through the one writer connection).
func (l *Library) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a write: %w", err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// stmts are the statements every generation runs, prepared once on the writer.
type stmts struct {
	insertItem, indexItem, unindexItem *sql.Stmt
}

func (s *stmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&s.insertItem, `INSERT INTO items (kind, status, error, prompt, negative_prompt, params,
			model_requested, model_used, seed, width, height, duration_sec, content_type, media_hash, media_size,
			text, cost, cost_known, created_at, finished_at, favourite, parent_id, relation, missing, hosted_url)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`},
		{&s.indexItem, `INSERT INTO items_fts (rowid, prompt, text) VALUES (?, ?, ?)`},
		{&s.unindexItem, `DELETE FROM items_fts WHERE rowid = ?`},
	} {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			s.close()
			return err
		}
		*p.dst = st
	}
	return nil
}

func (s *stmts) close() {
	for _, st := range []*sql.Stmt{s.insertItem, s.indexItem, s.unindexItem} {
		if st != nil {
			st.Close()
		}
	}
}

// IntegrityCheck runs PRAGMA integrity_check.
func (l *Library) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := l.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("storage: integrity check: %s", res)
	}
	return nil
}

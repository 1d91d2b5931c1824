// Package storage is the personal library: every generation with its prompt, parameters,
// model, seed, cost and date in SQLite, its media beside the database named by content hash,
// thumbnails, full-text search, trash, export and import, chats, transcripts and the job queue.
//
// Nothing is lost: media files are written whole (temporary file, fsync, rename) before a row
// points at them; every change is one transaction; a migration copies the database aside first.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"

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
	bg     sync.WaitGroup
	cancel context.CancelFunc
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
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// Open opens (creating if needed) the library in dir, migrating it to the current schema.
func Open(ctx context.Context, dir string) (*Library, error) {
	return open(ctx, dir, migrations)
}

func open(ctx context.Context, dir string, migs []migration) (*Library, error) {
	if dir == "" {
		return nil, errors.New("storage: no library folder given")
	}
	for _, d := range []string{dir, filepath.Join(dir, "media"), filepath.Join(dir, "thumbs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("storage: creating %s: %w", d, err)
		}
	}
	path := filepath.Join(dir, "library.db")
	w, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("storage: opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := w.PingContext(ctx); err != nil {
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
	l := &Library{dir: dir, w: w, r: r}
	l.thumbs = newThumbnailer(l, 2)
	return l, nil
}

// Dir is the library folder.
func (l *Library) Dir() string { return l.dir }

// Close waits for background work and closes the database.
func (l *Library) Close() error {
	if l.cancel != nil {
		l.cancel()
	}
	l.bg.Wait()
	err := l.r.Close()
	if werr := l.w.Close(); err == nil {
		err = werr
	}
	return err
}

// tx runs f in one write transaction.
func (l *Library) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := l.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
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

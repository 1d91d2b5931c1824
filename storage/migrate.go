package storage

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var migrations = loadMigrations()

func loadMigrations() []migration {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		panic(err) // embedded at build time: cannot fail at run time
	}
	var out []migration
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			panic("storage: migration without a number: " + e.Name())
		}
		b, _ := migrationFiles.ReadFile("migrations/" + e.Name())
		out = append(out, migration{version: n, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// SchemaVersion is the schema this build writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// migrate brings the database to the newest schema: each step in its own transaction that also
// sets user_version, after a copy of the database has been put aside.
func migrate(ctx context.Context, db *sql.DB, path string, migs []migration) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("storage: reading the schema version: %w", err)
	}
	latest := migs[len(migs)-1].version
	if v > latest {
		return fmt.Errorf("storage: the library was written by a newer Pollinations Studio (schema %d, this one knows %d); update the app", v, latest)
	}
	if v == latest {
		return nil
	}
	backup := ""
	if v > 0 {
		b, err := backupDB(ctx, db, path, v)
		if err != nil {
			return fmt.Errorf("storage: copying the library aside before upgrading it: %w", err)
		}
		backup = b
	}
	for _, m := range migs {
		if m.version <= v {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, m.sql)
		if err == nil {
			_, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version))
		}
		if err == nil {
			err = tx.Commit()
		} else {
			tx.Rollback()
		}
		if err != nil {
			where := "your library was left as it was"
			if backup != "" {
				where += "; a copy from before the upgrade is at " + backup
			}
			return fmt.Errorf("storage: upgrading the library to schema %d (%s) failed, %s: %w", m.version, m.name, where, err)
		}
	}
	return nil
}

// backupDB checkpoints the WAL and copies the database file.
func backupDB(ctx context.Context, db *sql.DB, path string, version int) (string, error) {
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return "", err
	}
	dst := fmt.Sprintf("%s.v%d-%s.bak", path, version, time.Now().Format("20060102-150405"))
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return "", err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return "", err
	}
	return dst, out.Close()
}

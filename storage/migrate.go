package storage

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
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

// migrate brings the database to the newest schema. The pending steps run in one transaction
// that also sets user_version, after a copy of the database has been put aside: a failure
// leaves the library exactly as it was, and the error says so and where the copy is.
//
// The version that decides what to run is read again inside that write transaction (BEGIN
// IMMEDIATE on the writer), so that several processes opening a new library at once migrate it
// once: the others wait for the lock, then find it done.
func migrate(ctx context.Context, db *sql.DB, path string, migs []migration) error {
	v, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	latest := migs[len(migs)-1].version
	if err := tooNew(v, latest); err != nil {
		return err
	}
	if v == latest {
		return nil
	}
	backup := ""
	if v > 0 {
		// VACUUM INTO cannot run inside a transaction: the copy is made first, of the version
		// seen then (if another process upgrades meanwhile, the copy is still from before).
		b, err := backupDB(ctx, db, path, v)
		if err != nil {
			return fmt.Errorf("storage: copying the library aside before upgrading it (nothing was changed): %w", err)
		}
		backup = b
	}
	fail := func(m migration, err error) error {
		where := "your library was left as it was"
		if backup != "" {
			where += "; a copy from before the upgrade is at " + backup
		}
		return fmt.Errorf("storage: upgrading the library from schema %d to %d failed at %s, %s: %w", v, latest, m.name, where, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fail(migs[0], err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fail(migs[0], err)
	}
	if err := tooNew(v, latest); err != nil {
		return err
	}
	for _, m := range migs {
		if m.version <= v {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fail(m, err)
		}
		// PRAGMA takes no parameters; the version is our own number, not input.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			return fail(m, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fail(migs[len(migs)-1], err)
	}
	return nil
}

func schemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("storage: reading the schema version: %w", err)
	}
	return v, nil
}

func tooNew(v, latest int) error {
	if v > latest {
		return fmt.Errorf("storage: the library was written by a newer Pollinations Studio (schema %d, this one knows %d); update the app", v, latest)
	}
	return nil
}

// backupDB writes a consistent copy of the database beside it (VACUUM INTO reads one snapshot,
// WAL included) and returns its path.
func backupDB(ctx context.Context, db *sql.DB, path string, version int) (string, error) {
	dst := fmt.Sprintf("%s.v%d-%s.bak", path, version, time.Now().Format("20060102-150405.000"))
	if _, err := os.Stat(dst); err == nil {
		return "", fmt.Errorf("%s already exists", dst)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return "", err
	}
	// The copy holds the same prompts and chats as the library: as private as it.
	if err := os.Chmod(dst, 0o600); err != nil {
		return "", err
	}
	return dst, nil
}

package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// MaxMediaBytes bounds one media file (a long video is well under it).
const MaxMediaBytes = 4 << 30

var extRE = regexp.MustCompile(`^\.[a-z0-9]{1,8}$`)

// mediaName is how a file is named in media/: the SHA-256 of its bytes and its extension, so the
// same bytes are stored once.
func mediaName(sum []byte, ext string) string { return hex.EncodeToString(sum) + ext }

var hashRE = regexp.MustCompile(`^[0-9a-f]{64}(\.[a-z0-9]{1,8})?$`)

// MediaPath is where a media file lives ("" for an invalid hash).
func (l *Library) MediaPath(hash string) string {
	if !hashRE.MatchString(hash) {
		return ""
	}
	return filepath.Join(l.dir, "media", hash[:2], hash)
}

// PutMedia stores bytes and returns their content name. The file is written to a temporary
// file, synced, and renamed into place, and the folder synced, before the name is returned: a
// row can only ever point at a whole file.
func (l *Library) PutMedia(ctx context.Context, r io.Reader, ext string) (string, error) {
	ext = strings.ToLower(ext)
	if ext != "" && !extRE.MatchString(ext) {
		return "", fmt.Errorf("storage: bad file extension %q", ext)
	}
	tmpDir := filepath.Join(l.dir, "media")
	f, err := os.CreateTemp(tmpDir, ".incoming-*")
	if err != nil {
		return "", fmt.Errorf("storage: %w", err)
	}
	tmp := f.Name()
	keep := false
	defer func() {
		if !keep {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), &ctxReader{ctx, io.LimitReader(r, MaxMediaBytes+1)})
	if err != nil {
		return "", fmt.Errorf("storage: writing media: %w", err)
	}
	if n > MaxMediaBytes {
		return "", fmt.Errorf("storage: the file is larger than %d GB", MaxMediaBytes>>30)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("storage: writing media (is the disk full?): %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("storage: writing media: %w", err)
	}
	name := mediaName(h.Sum(nil), ext)
	dst := l.MediaPath(name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("storage: %w", err)
	}
	if st, err := os.Stat(dst); err == nil && st.Size() == n {
		return name, nil // already stored: the same bytes once
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("storage: saving media: %w", err)
	}
	keep = true
	syncDir(filepath.Dir(dst))
	return name, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// orphanAge protects files another process may be about to point a row at.
const orphanAge = 10 * time.Minute

// ReconcileReport says what Reconcile found.
type ReconcileReport struct {
	Missing, Restored, Orphans int
}

// Reconcile compares rows and files: a row whose file is gone is marked missing (and unmarked if
// it came back); a file no row points at, older than a few minutes, is removed.
func (l *Library) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	onDisk := map[string]time.Time{}
	root := filepath.Join(l.dir, "media")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable subfolder: skip it, do not fail the open
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".incoming-") {
			if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > orphanAge {
				os.Remove(p) // a write cut short by a crash
			}
			return nil
		}
		if info, err := d.Info(); err == nil {
			onDisk[name] = info.ModTime()
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	referenced := map[string]bool{}
	rows, err := l.r.QueryContext(ctx, `SELECT id, media_hash, missing FROM items WHERE media_hash <> ''`)
	if err != nil {
		return rep, err
	}
	var missing, restored []int64
	for rows.Next() {
		var id int64
		var hash string
		var miss bool
		if err := rows.Scan(&id, &hash, &miss); err != nil {
			rows.Close()
			return rep, err
		}
		referenced[hash] = true
		_, ok := onDisk[hash]
		switch {
		case !ok && !miss:
			missing = append(missing, id)
		case ok && miss:
			restored = append(restored, id)
		}
	}
	rows.Close()
	refRows, err := l.r.QueryContext(ctx, `SELECT ref FROM item_refs`)
	if err == nil {
		for refRows.Next() {
			var ref string
			if refRows.Scan(&ref) == nil {
				referenced[ref] = true
			}
		}
		refRows.Close()
	}
	err = l.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range missing {
			if _, err := tx.ExecContext(ctx, `UPDATE items SET missing = 1 WHERE id = ?`, id); err != nil {
				return err
			}
		}
		for _, id := range restored {
			if _, err := tx.ExecContext(ctx, `UPDATE items SET missing = 0 WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Missing, rep.Restored = len(missing), len(restored)
	for name, mod := range onDisk {
		if !referenced[name] && time.Since(mod) > orphanAge {
			if os.Remove(l.MediaPath(name)) == nil {
				rep.Orphans++
			}
		}
	}
	return rep, nil
}

// removeUnreferenced deletes media files that no row points at any more (after a delete).
func (l *Library) removeUnreferenced(ctx context.Context, hashes []string) {
	for _, h := range hashes {
		var n int
		err := l.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM items WHERE media_hash = ?) + (SELECT COUNT(*) FROM item_refs WHERE ref = ?)`, h, h).Scan(&n)
		if err == nil && n == 0 {
			if p := l.MediaPath(h); p != "" {
				if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
					continue
				}
				l.thumbs.forget(h)
			}
		}
	}
}

func fileExists(p string) bool {
	if p == "" {
		return false
	}
	_, err := os.Stat(p)
	return err == nil
}

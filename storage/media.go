package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
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
	return l.putMedia(ctx, r, ext, "", MaxMediaBytes)
}

// putMedia is PutMedia that refuses content whose hash is not want (when given) or that is
// longer than limit, before anything is renamed into place.
func (l *Library) putMedia(ctx context.Context, r io.Reader, ext, want string, limit int64) (string, error) {
	ext = strings.ToLower(ext)
	if ext != "" && !extRE.MatchString(ext) {
		return "", fmt.Errorf("storage: bad file extension %q", ext)
	}
	tmpDir := filepath.Join(l.dir, "media")
	f, err := os.CreateTemp(tmpDir, ".incoming-*")
	if err != nil {
		return "", fmt.Errorf("storage: storing media: %w", err)
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
	n, err := io.Copy(io.MultiWriter(f, h), &ctxReader{ctx, io.LimitReader(r, limit+1)})
	if err != nil {
		return "", fmt.Errorf("storage: writing media: %w", err)
	}
	if n > limit {
		return "", fmt.Errorf("storage: the file is larger than %d bytes", limit)
	}
	sum := h.Sum(nil)
	if want != "" && hex.EncodeToString(sum) != want {
		return "", errHashMismatch
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("storage: writing media (is the disk full?): %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("storage: writing media: %w", err)
	}
	name := mediaName(sum, ext)
	dst := l.MediaPath(name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", fmt.Errorf("storage: storing media: %w", err)
	}
	if st, err := os.Stat(dst); err == nil && st.Size() == n {
		// Already stored: the same bytes once. Touch it so that a reconcile running now in
		// another process does not take it for an old orphan before our row points at it.
		now := time.Now()
		_ = os.Chtimes(dst, now, now)
		return name, nil
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("storage: saving media: %w", err)
	}
	keep = true
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return "", fmt.Errorf("storage: saving media: %w", err)
	}
	return name, nil
}

var errHashMismatch = errors.New("the content does not match its name")

// syncDir makes a rename in dir durable. Windows cannot sync a folder (NTFS journals the
// rename itself), so there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, os.ErrPermission) {
		return err
	}
	return nil
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
	Missing  int // rows newly marked missing (their file is gone)
	Restored int // rows whose file came back
	Orphans  int // files no row pointed at, removed
}

// Reconcile compares rows and files: a row whose file is gone is marked missing (and unmarked if
// it came back); a file no row points at, older than a few minutes, is removed. It costs one
// indexed query and one listing of the media folder. Open runs it in the background.
func (l *Library) Reconcile(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	// The rows first, then the files: a row committed in between has its file already written,
	// so nothing it points at can be missed by the listing.
	referenced, err := l.referencedMedia(ctx)
	if err != nil {
		return rep, fmt.Errorf("storage: reconciling: %w", err)
	}
	marked, err := l.strings(ctx, `SELECT DISTINCT media_hash FROM items WHERE missing = 1 AND media_hash <> ''`)
	if err != nil {
		return rep, fmt.Errorf("storage: reconciling: %w", err)
	}
	onDisk, err := l.listMedia(ctx)
	if err != nil {
		return rep, fmt.Errorf("storage: reconciling: %w", err)
	}
	isMarked := map[string]bool{}
	for _, h := range marked {
		isMarked[h] = true
	}
	var gone, back []string
	for h, fromItem := range referenced {
		if _, ok := onDisk[h]; !ok && *fromItem && !isMarked[h] {
			gone = append(gone, h)
		}
	}
	for _, h := range marked {
		if _, ok := onDisk[h]; ok {
			back = append(back, h)
		}
	}
	if len(gone)+len(back) > 0 {
		err = l.tx(ctx, func(tx *sql.Tx) error {
			for _, h := range gone {
				// Checked again inside the write: the file may have been put back meanwhile.
				if fileExists(l.MediaPath(h)) {
					continue
				}
				res, err := tx.ExecContext(ctx, `UPDATE items SET missing = 1 WHERE media_hash = ? AND media_hash <> '' AND missing = 0`, h)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				rep.Missing += int(n)
			}
			for _, h := range back {
				res, err := tx.ExecContext(ctx, `UPDATE items SET missing = 0 WHERE media_hash = ? AND missing = 1`, h)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				rep.Restored += int(n)
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("storage: reconciling: %w", err)
		}
	}
	// A job still running (here or in another process) may have stored its input long ago (a
	// transcription copies its audio first, then waits for the service for many minutes): a
	// file written since the oldest such job started is kept, however old.
	since, err := l.liveJobsSince(ctx)
	if err != nil {
		return rep, fmt.Errorf("storage: reconciling: %w", err)
	}
	for name, path := range onDisk {
		if referenced[name] != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		info, err := os.Stat(path)
		if err != nil || time.Since(info.ModTime()) < orphanAge || (!since.IsZero() && !info.ModTime().Before(since)) {
			continue // young, or maybe the input of a job in progress
		}
		// Asked again, by index: a row may have come since the first query.
		if used, err := l.mediaUsed(ctx, name); err != nil || used {
			continue
		}
		if os.Remove(path) == nil {
			rep.Orphans++
			l.thumbs.forget(name)
		}
	}
	return rep, nil
}

// jobLease is how long a job outlives its owner's last heartbeat, for the reconcile's sake: a
// job beating more recently than this is in progress somewhere. The job service's own lease is
// shorter, so this errs on the side of keeping files.
const jobLease = 10 * time.Minute

// liveJobsSince is when the oldest job still in progress (its owner beating) was created, with
// a minute's margin; zero when there is none.
func (l *Library) liveJobsSince(ctx context.Context) (time.Time, error) {
	var oldest sql.NullInt64
	err := l.r.QueryRowContext(ctx, `SELECT MIN(created_at) FROM jobs WHERE `+live+` AND heartbeat >= ?`,
		ms(time.Now().Add(-jobLease))).Scan(&oldest)
	if err != nil || !oldest.Valid {
		return time.Time{}, err
	}
	return fromMS(oldest.Int64).Add(-time.Minute), nil
}

// referencedMedia is every media name a row points at: item media (true), and reference images
// and chat attachments kept in the library (false).
func (l *Library) referencedMedia(ctx context.Context) (map[string]*bool, error) {
	yes, no := true, false
	out := map[string]*bool{}
	hashes, err := l.strings(ctx, `SELECT DISTINCT media_hash FROM items WHERE media_hash <> ''`)
	if err != nil {
		return nil, err
	}
	for _, h := range hashes {
		out[h] = &yes
	}
	refs, err := l.strings(ctx, `SELECT DISTINCT ref FROM item_refs`)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if out[r] == nil && hashRE.MatchString(r) {
			out[r] = &no
		}
	}
	atts, err := l.strings(ctx, `SELECT attachments FROM messages WHERE attachments <> '[]'`)
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		for _, name := range l.libraryAttachments(a) {
			if out[name] == nil {
				out[name] = &no
			}
		}
	}
	return out, nil
}

// libraryAttachments picks, from a message's attachments (JSON list of paths), the ones that are
// media of this library.
func (l *Library) libraryAttachments(js string) []string {
	var paths []string
	if json.Unmarshal([]byte(js), &paths) != nil {
		return nil
	}
	var out []string
	for _, p := range paths {
		name := filepath.Base(p)
		if mp := l.MediaPath(name); mp != "" && filepath.Clean(p) == mp {
			out = append(out, name)
		}
	}
	return out
}

// listMedia lists media/ (name → path), and removes temporary files a crash left behind.
func (l *Library) listMedia(ctx context.Context) (map[string]string, error) {
	root := filepath.Join(l.dir, "media")
	top, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, d := range top {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := filepath.Join(root, d.Name())
		if d.IsDir() {
			_ = restrict(p, 0o700)
		}
		if !d.IsDir() {
			if strings.HasPrefix(d.Name(), ".incoming-") {
				if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > orphanAge {
					os.Remove(p) // a write cut short by a crash
				}
			}
			continue
		}
		files, err := os.ReadDir(p)
		if err != nil {
			continue // an unreadable folder is skipped, not fatal
		}
		for _, f := range files {
			if !f.IsDir() && hashRE.MatchString(f.Name()) {
				out[f.Name()] = filepath.Join(p, f.Name())
				// Media an older version left readable by other users becomes private.
				if info, err := f.Info(); err == nil && info.Mode().Perm()&0o077 != 0 {
					_ = os.Chmod(out[f.Name()], 0o600)
				}
			}
		}
	}
	return out, nil
}

// mediaUsed asks whether any row still points at a media file.
func (l *Library) mediaUsed(ctx context.Context, name string) (bool, error) {
	var n int
	err := l.r.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM items WHERE media_hash = ? AND media_hash <> '')
		OR EXISTS(SELECT 1 FROM item_refs WHERE ref = ?)
		OR EXISTS(SELECT 1 FROM messages WHERE attachments <> '[]' AND instr(attachments, ?) > 0)`, name, name, name).Scan(&n)
	return n != 0, err
}

// removeUnreferenced deletes media files that no row points at any more (after a delete).
func (l *Library) removeUnreferenced(ctx context.Context, hashes []string) {
	for _, h := range hashes {
		p := l.MediaPath(h)
		if p == "" {
			continue
		}
		if used, err := l.mediaUsed(ctx, h); err != nil || used {
			continue
		}
		if err := os.Remove(p); err == nil || errors.Is(err, os.ErrNotExist) {
			l.thumbs.forget(h)
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

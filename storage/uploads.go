package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// UploadedURL is the media-host address a file with this content hash (hex SHA-256) was
// uploaded to, and when. ok is false when it was never uploaded (or the library cannot tell:
// uploading again is then the safe answer).
func (l *Library) UploadedURL(ctx context.Context, hash string) (url string, at time.Time, ok bool) {
	var t int64
	err := l.r.QueryRowContext(ctx, `SELECT url, uploaded_at FROM uploads WHERE hash = ?`, normHash(hash)).Scan(&url, &t)
	if err != nil || url == "" {
		return "", time.Time{}, false
	}
	return url, time.UnixMilli(t), true
}

// RememberUpload records that a file with this content hash is at url, uploaded now. A newer
// upload of the same file replaces the older address.
func (l *Library) RememberUpload(ctx context.Context, hash, url string) error {
	h := normHash(hash)
	if h == "" || strings.TrimSpace(url) == "" {
		return fmt.Errorf("storage: remembering an upload: empty hash or address")
	}
	_, err := l.w.ExecContext(ctx, `INSERT INTO uploads (hash, url, uploaded_at) VALUES (?, ?, ?)
		ON CONFLICT(hash) DO UPDATE SET url = excluded.url, uploaded_at = excluded.uploaded_at`, h, url, ms(time.Now()))
	if err != nil {
		return fmt.Errorf("storage: remembering an upload: %w", err)
	}
	return nil
}

// normHash takes a media name ("<hash>.mp3") or a bare hash.
func normHash(h string) string {
	h, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(h)), ".")
	return h
}

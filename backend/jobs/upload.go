package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

// EnsureHosted returns a media-host address for a local file, uploading it only when this
// library has no fresh address for the same content: one upload per content hash, again after
// HostedReuseFor (the host forgets files about 30 days after their last read).
func EnsureHosted(ctx context.Context, client *api.Client, lib *storage.Library, path string) (string, error) {
	return ensureHosted(ctx, client, lib, path, time.Now())
}

// EnsureHostedProgress is EnsureHosted telling progress the bytes sent so far (never called
// when the address is already known).
func EnsureHostedProgress(ctx context.Context, client *api.Client, lib *storage.Library, path string, progress func(sent int64)) (string, error) {
	return ensureHostedProgress(ctx, client, lib, path, time.Now(), progress)
}

func ensureHosted(ctx context.Context, client *api.Client, lib *storage.Library, path string, now time.Time) (string, error) {
	return ensureHostedProgress(ctx, client, lib, path, now, nil)
}

// ensureHostedProgress is EnsureHosted telling progress (bytes sent) while a file goes up.
func ensureHostedProgress(ctx context.Context, client *api.Client, lib *storage.Library, path string, now time.Time, progress func(sent int64)) (string, error) {
	hash, err := fileHash(path)
	if err != nil {
		return "", err
	}
	if url, at, ok := lib.UploadedURL(ctx, hash); ok && now.Sub(at) < HostedReuseFor {
		return url, nil
	}
	res, err := client.UploadFile(ctx, path, progress)
	if err != nil {
		return "", err
	}
	// The file is up: its address is good even if the library could not keep it (the next
	// call uploads again).
	_ = lib.RememberUpload(context.WithoutCancel(ctx), hash, res.URL)
	return res.URL, nil
}

// fileHash is the hex SHA-256 of a file's content, as the library names its media.
func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("jobs: reading %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("jobs: reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

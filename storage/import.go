package storage

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Limits that keep a hostile archive from filling the disk or memory.
const (
	maxImportEntries = 200_000
	maxImportTotal   = 32 << 30
	maxManifestBytes = 256 << 20
)

// ImportReport says what an import did.
type ImportReport struct {
	Added, Skipped int
	Media          int
}

// ErrBadArchive means the zip is not a library export or tries something it must not.
var ErrBadArchive = errors.New("not a valid Pollinations Studio export")

// Import merges an export zip into the library. Items already present (same media, or same
// kind, time and prompt) are skipped; nothing is overwritten. Entries that would escape the
// library (../, absolute paths), too many entries, and sizes that lie are refused.
func (l *Library) Import(ctx context.Context, zipPath string) (ImportReport, error) {
	var rep ImportReport
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return rep, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	defer zr.Close()
	if len(zr.File) > maxImportEntries {
		return rep, fmt.Errorf("%w: %d entries is too many", ErrBadArchive, len(zr.File))
	}
	var total uint64
	var manifestFile *zip.File
	mediaFiles := map[string]*zip.File{}
	for _, f := range zr.File {
		name := f.Name
		clean := path.Clean(strings.ReplaceAll(name, `\`, "/"))
		if strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || strings.HasPrefix(clean, "../") || clean == ".." || strings.Contains(name, ":") || clean != name {
			return rep, fmt.Errorf("%w: entry %q points outside the library", ErrBadArchive, name)
		}
		total += f.UncompressedSize64
		if total > maxImportTotal {
			return rep, fmt.Errorf("%w: it unpacks to more than %d GB", ErrBadArchive, maxImportTotal>>30)
		}
		switch {
		case name == "manifest.json":
			manifestFile = f
		case strings.HasPrefix(name, "media/") && l.MediaPath(strings.TrimPrefix(name, "media/")) != "":
			mediaFiles[strings.TrimPrefix(name, "media/")] = f
		case strings.HasSuffix(name, "/"):
		default:
			return rep, fmt.Errorf("%w: unexpected entry %q", ErrBadArchive, name)
		}
	}
	if manifestFile == nil {
		return rep, fmt.Errorf("%w: no manifest.json", ErrBadArchive)
	}
	raw, err := readEntry(manifestFile, maxManifestBytes)
	if err != nil {
		return rep, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != "pollinations-studio-library" {
		return rep, fmt.Errorf("%w: the manifest cannot be read", ErrBadArchive)
	}
	if m.Version > manifestVersion {
		return rep, fmt.Errorf("%w: made by a newer version (format %d)", ErrBadArchive, m.Version)
	}
	// Media first, each checked against its name (the hash), so no row points at a bad file.
	stored := map[string]bool{}
	for name, f := range mediaFiles {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		data, err := readEntry(f, MaxMediaBytes)
		if err != nil {
			return rep, err
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != strings.SplitN(name, ".", 2)[0] {
			return rep, fmt.Errorf("%w: %s does not match its content", ErrBadArchive, name)
		}
		ext := ""
		if i := strings.IndexByte(name, '.'); i >= 0 {
			ext = name[i:]
		}
		got, err := l.PutMedia(ctx, bytes.NewReader(data), ext)
		if err != nil {
			return rep, err
		}
		stored[got] = true
		rep.Media++
	}
	idMap := map[int64]int64{}
	for _, e := range m.Items {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		exists, err := l.alreadyHave(ctx, e.Item)
		if err != nil {
			return rep, err
		}
		if exists {
			rep.Skipped++
			continue
		}
		it := e.Item
		oldID := it.ID
		it.ID, it.TrashedAt, it.Missing = 0, nil, false
		if it.MediaHash != "" && !stored[it.MediaHash] && !fileExists(l.MediaPath(it.MediaHash)) {
			it.Missing = true
		}
		if it.ParentID != nil {
			if nid, ok := idMap[*it.ParentID]; ok {
				it.ParentID = &nid
			} else {
				it.ParentID = nil
			}
		}
		if it.Kind == "" || (it.MediaHash != "" && l.MediaPath(it.MediaHash) == "") {
			return rep, fmt.Errorf("%w: an item is malformed", ErrBadArchive)
		}
		if _, err := l.AddItem(ctx, &it); err != nil {
			return rep, err
		}
		idMap[oldID] = it.ID
		if len(e.Segments) > 0 {
			if err := l.SetSegments(ctx, it.ID, e.Segments); err != nil {
				return rep, err
			}
		}
		msgMap := map[int64]int64{}
		for _, msg := range e.Messages {
			old := msg.ID
			msg.ID, msg.ChatID = 0, it.ID
			if msg.ParentID != nil {
				if nid, ok := msgMap[*msg.ParentID]; ok {
					msg.ParentID = &nid
				} else {
					msg.ParentID = nil
				}
			}
			if _, err := l.AddMessage(ctx, &msg); err != nil {
				return rep, err
			}
			msgMap[old] = msg.ID
		}
		rep.Added++
	}
	return rep, nil
}

// readEntry reads a zip entry, refusing one whose content is larger than it declared.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%w: %s is too large", ErrBadArchive, f.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadArchive, f.Name, err)
	}
	if uint64(len(data)) != f.UncompressedSize64 {
		return nil, fmt.Errorf("%w: %s is not the size it claims", ErrBadArchive, f.Name)
	}
	return data, nil
}

func (l *Library) alreadyHave(ctx context.Context, it Item) (bool, error) {
	var n int
	var err error
	if it.MediaHash != "" {
		err = l.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE media_hash = ? AND kind = ?`, it.MediaHash, it.Kind).Scan(&n)
	} else {
		err = l.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE kind = ? AND created_at = ? AND prompt = ?`, it.Kind, ms(it.CreatedAt), it.Prompt).Scan(&n)
	}
	return n > 0, err
}

package storage

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// importLimits keep a hostile archive from filling the disk or memory. They are a field of the
// Library so that tests can lower them.
type importLimits struct {
	entries  int    // entries in the archive
	total    uint64 // declared uncompressed bytes, all entries together
	manifest int64  // bytes of manifest.json
	file     uint64 // declared uncompressed bytes of one media file
	// ratio bounds how much an entry larger than ratioFrom may unpack per packed byte: a
	// library's media are already compressed, a bomb of zeros is not.
	ratio     uint64
	ratioFrom uint64
	// free tells the bytes the disk under the library can still take (false: unknown).
	free func(dir string) (uint64, bool)
}

var defaultImportLimits = importLimits{entries: 200_000, total: 64 << 30, manifest: 256 << 20,
	file: MaxMediaBytes, ratio: 200, ratioFrom: 1 << 20, free: freeSpace}

// importBatch is how many items one write transaction of an import adds: the lock is let go
// between batches, so a generation finishing meanwhile is saved, not told "database is locked".
const importBatch = 300

// ImportReport says what an import did.
type ImportReport struct {
	Added, Skipped int // items
	Media          int // media files stored (already present ones included)
}

// ErrBadArchive means the zip is not a library export or tries something it must not.
var ErrBadArchive = errors.New("not a valid Pollinations Studio export")

func knownKind(k Kind) bool { return slices.Contains(Kinds(), k) }

// Import merges an export zip into the library. Items already present (same media, or same
// kind, time and prompt) are skipped; nothing is overwritten. Entries that would escape the
// library (../, absolute paths), too many entries, and sizes that lie are refused before
// anything is written; each media file is checked against its name (its hash) before it is kept.
func (l *Library) Import(ctx context.Context, zipPath string) (ImportReport, error) {
	var rep ImportReport
	zr, err := zip.OpenReader(zipPath)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return rep, fmt.Errorf("storage: importing %s: %w: %v", filepath.Base(zipPath), ErrBadArchive, err)
	}
	defer zr.Close()
	lim := l.limits
	if len(zr.File) > lim.entries {
		return rep, fmt.Errorf("storage: importing: %w: %d entries is too many (at most %d)", ErrBadArchive, len(zr.File), lim.entries)
	}
	var total uint64
	var manifestFile *zip.File
	mediaFiles := map[string]*zip.File{}
	for _, f := range zr.File {
		name := f.Name
		if err := checkEntryName(name); err != nil {
			return rep, fmt.Errorf("storage: importing: %w: %v", ErrBadArchive, err)
		}
		if err := lim.checkEntry(f); err != nil {
			return rep, fmt.Errorf("storage: importing: %w: %v", ErrBadArchive, err)
		}
		total += f.UncompressedSize64
		if total > lim.total || f.UncompressedSize64 > lim.total {
			return rep, fmt.Errorf("storage: importing: %w: it unpacks to more than %d bytes", ErrBadArchive, lim.total)
		}
		switch {
		case name == "manifest.json":
			manifestFile = f
		case name == "media/":
		case strings.HasPrefix(name, "media/") && l.MediaPath(strings.TrimPrefix(name, "media/")) != "" && f.Mode().IsRegular():
			mediaFiles[strings.TrimPrefix(name, "media/")] = f
		default:
			return rep, fmt.Errorf("storage: importing: %w: unexpected entry %q", ErrBadArchive, name)
		}
	}
	if manifestFile == nil {
		return rep, fmt.Errorf("storage: importing: %w: no manifest.json", ErrBadArchive)
	}
	if lim.free != nil {
		// Everything is written beside the library; leave the disk room to work after.
		if free, ok := lim.free(l.dir); ok && total > free-min(free, 64<<20) {
			return rep, fmt.Errorf("storage: importing: %w: it unpacks to %d MB and the disk has %d MB free", ErrNoSpace, total>>20, free>>20)
		}
	}
	raw, err := readEntry(manifestFile, lim.manifest)
	if err != nil {
		return rep, fmt.Errorf("storage: importing: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != "pollinations-studio-library" {
		return rep, fmt.Errorf("storage: importing: %w: the manifest cannot be read", ErrBadArchive)
	}
	if m.Version > manifestVersion {
		return rep, fmt.Errorf("storage: importing: %w: made by a newer version (format %d)", ErrBadArchive, m.Version)
	}
	// What each media file is for: an item of which kind, or a reference image. A file no item
	// points at is not kept; one whose content is not what its item may hold refuses the archive.
	use := map[string]Kind{}
	for i := range m.Items {
		e := &m.Items[i]
		if !knownKind(e.Kind) || (e.MediaHash != "" && l.MediaPath(e.MediaHash) == "") || !json.Valid(orEmptyObject(e.Params)) {
			return rep, fmt.Errorf("storage: importing: %w: item %d of the manifest is malformed", ErrBadArchive, i+1)
		}
		if e.MediaHash != "" && !allowedExt[strings.ToLower(path.Ext(e.MediaHash))] {
			return rep, fmt.Errorf("storage: importing: %w: item %d has media of a kind the library does not keep (%s)", ErrBadArchive, i+1, path.Ext(e.MediaHash))
		}
		shareable(e)
		if e.MediaHash != "" {
			use[e.MediaHash] = e.Kind
		}
		for _, r := range e.References {
			if _, ok := use[r]; !ok && hashRE.MatchString(r) {
				use[r] = KindImage
			}
		}
		for _, msg := range e.Messages {
			for _, a := range msg.Attachments {
				if _, ok := use[a]; !ok {
					use[a] = KindChat
				}
			}
		}
	}
	// Every media file's first bytes are checked before any is written.
	for name, f := range mediaFiles {
		kind, ok := use[name]
		if !ok {
			delete(mediaFiles, name)
			continue
		}
		if err := checkEntryMedia(f, name, kind); err != nil {
			return rep, fmt.Errorf("storage: importing: %w", err)
		}
	}
	// Media first, each checked against its name (the hash) while it streams to a temporary
	// file, so no row ever points at a bad or partial file.
	stored := map[string]bool{}
	for name, f := range mediaFiles {
		if err := l.importMedia(ctx, name, f); err != nil {
			return rep, fmt.Errorf("storage: importing: %w", err)
		}
		stored[name] = true
		rep.Media++
	}
	// The rows in batches of a few hundred per transaction, so that the writer lock is free
	// between them; an import that fails half-way takes back the items it added (the media it
	// stored are collected by a later reconcile).
	idMap := map[int64]int64{}
	var added []int64
	for start := 0; start < len(m.Items); start += importBatch {
		batch := m.Items[start:min(len(m.Items), start+importBatch)]
		var ids []int64
		var skipped int
		newIDs := map[int64]int64{}
		err := l.tx(ctx, func(tx *sql.Tx) error {
			for _, e := range batch {
				if err := ctx.Err(); err != nil {
					return err
				}
				exists, err := alreadyHave(ctx, tx, e.Item)
				if err != nil {
					return err
				}
				if exists {
					skipped++
					continue
				}
				it := e.Item
				oldID := it.ID
				it.ID, it.TrashedAt, it.Missing = 0, nil, false
				if it.MediaHash != "" && !stored[it.MediaHash] && !fileExists(l.MediaPath(it.MediaHash)) {
					it.Missing = true // exported without its media
				}
				it.ParentID = remap(idMap, it.ParentID)
				if it.ParentID == nil {
					it.ParentID = remap(newIDs, e.ParentID)
				}
				params, err := l.checkNewItem(&it)
				if err != nil {
					return fmt.Errorf("%w: item %q: %v", ErrBadArchive, it.Prompt, err)
				}
				if err := l.insertItem(ctx, tx, &it, params); err != nil {
					return err
				}
				newIDs[oldID] = it.ID
				ids = append(ids, it.ID)
				if len(e.Segments) > 0 {
					if err := l.writeSegments(ctx, tx, it.ID, e.Segments); err != nil {
						return fmt.Errorf("%w: %v", ErrBadArchive, err)
					}
				}
				msgMap := map[int64]int64{}
				for _, msg := range e.Messages {
					old := msg.ID
					msg.ID, msg.ChatID, msg.ParentID = 0, it.ID, remap(msgMap, msg.ParentID)
					msg.Attachments = l.importAttachments(msg.Attachments)
					if err := insertMessage(ctx, tx, &msg, false); err != nil {
						return fmt.Errorf("%w: %v", ErrBadArchive, err)
					}
					msgMap[old] = msg.ID
				}
				for _, old := range e.Selected {
					if id, ok := msgMap[old]; ok {
						if err := selectSibling(ctx, tx, id); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err == nil && l.afterImportBatch != nil {
			l.afterImportBatch(len(added) + len(ids))
		}
		if err != nil {
			if perr := l.purgeItems(context.WithoutCancel(ctx), added); perr != nil {
				return ImportReport{Media: rep.Media}, fmt.Errorf("storage: importing failed (%w), and taking back the %d items it added failed too: %v", err, len(added), perr)
			}
			return ImportReport{Media: rep.Media}, fmt.Errorf("storage: importing (nothing was added): %w", err)
		}
		for k, v := range newIDs {
			idMap[k] = v
		}
		added = append(added, ids...)
		rep.Added += len(ids)
		rep.Skipped += skipped
	}
	return rep, nil
}

// ErrNoSpace means the disk cannot take what an import would write.
var ErrNoSpace = errors.New("not enough free disk space")

// checkEntry refuses, from its headers alone, an entry larger than one media file may be, or
// one that unpacks too much per packed byte (a zip bomb).
func (lim importLimits) checkEntry(f *zip.File) error {
	if lim.file > 0 && f.UncompressedSize64 > lim.file {
		return fmt.Errorf("%s unpacks to %d MB, more than a media file may be (%d MB)", f.Name, f.UncompressedSize64>>20, lim.file>>20)
	}
	if lim.ratio > 0 && f.UncompressedSize64 > lim.ratioFrom && f.UncompressedSize64/max(1, f.CompressedSize64) > lim.ratio {
		return fmt.Errorf("%s unpacks %d times its packed size: refused as a zip bomb", f.Name, f.UncompressedSize64/max(1, f.CompressedSize64))
	}
	return nil
}

// checkEntryMedia reads the first bytes of a media entry and refuses content that is not media
// of the kind it is for, or that does not match its extension.
func checkEntryMedia(f *zip.File, name string, kind Kind) error {
	if !allowedExt[strings.ToLower(path.Ext(name))] {
		return fmt.Errorf("%w: %s is not a kind of media the library keeps", ErrBadArchive, name)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadArchive, name, err)
	}
	defer rc.Close()
	head, _, err := headOf(rc)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadArchive, name, err)
	}
	if err := checkMedia(head, path.Ext(name), kind); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadArchive, name, err)
	}
	return nil
}

// shareable keeps of an archive's item only what a generation of its kind can contain: no
// paths of another disk in its parameters, references as media names or http(s) links,
// attachments as media names.
func shareable(e *exportedItem) {
	e.Params = shareableParams(e.Params)
	e.References = shareableRefs(e.References)
	for i := range e.Messages {
		var keep []string
		for _, a := range e.Messages[i].Attachments {
			if hashRE.MatchString(a) && allowedExt[strings.ToLower(path.Ext(a))] {
				keep = append(keep, a)
			}
		}
		e.Messages[i].Attachments = keep
	}
}

// purgeItems deletes items an import added, with everything that hangs off them.
func (l *Library) purgeItems(ctx context.Context, ids []int64) error {
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(len(ids), start+500)]
		in, args := idArgs(part)
		err := l.tx(ctx, func(tx *sql.Tx) error {
			for _, q := range []string{
				`DELETE FROM items_fts WHERE rowid IN (` + in + `)`,
				`DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM messages WHERE chat_id IN (` + in + `))`,
				`DELETE FROM items WHERE id IN (` + in + `)`,
			} {
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// remap maps an id of the archive to its new id (nil when it was not imported).
func remap(ids map[int64]int64, old *int64) *int64 {
	if old == nil {
		return nil
	}
	if id, ok := ids[*old]; ok {
		return &id
	}
	return nil
}

// checkEntryName refuses names that could escape a folder on any OS: absolute paths, drive
// letters, backslashes, .. and names that are not in their clean form.
func checkEntryName(name string) error {
	switch {
	case name == "":
		return errors.New("an entry has no name")
	case strings.HasPrefix(name, "/"), strings.Contains(name, ":"):
		return fmt.Errorf("entry %q is an absolute path", name)
	case strings.Contains(name, `\`):
		return fmt.Errorf("entry %q has a backslash", name)
	}
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	if clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(clean, "/../") {
		return fmt.Errorf("entry %q points outside the library", name)
	}
	if clean != strings.TrimSuffix(name, "/") {
		return fmt.Errorf("entry %q is not a plain path", name)
	}
	return nil
}

// importMedia streams one media entry into the library, refusing content longer than declared
// or not matching its name.
func (l *Library) importMedia(ctx context.Context, name string, f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadArchive, name, err)
	}
	defer rc.Close()
	hash, ext, _ := strings.Cut(name, ".")
	if ext != "" {
		ext = "." + ext
	}
	cr := &countingReader{r: io.LimitReader(rc, int64(f.UncompressedSize64)+1)}
	_, err = l.putMedia(ctx, cr, ext, hash, int64(f.UncompressedSize64))
	switch {
	case errors.Is(err, errHashMismatch):
		return fmt.Errorf("%w: %s does not match its content", ErrBadArchive, name)
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrBadArchive, name, err)
	case uint64(cr.n) != f.UncompressedSize64:
		return fmt.Errorf("%w: %s is not the size it claims", ErrBadArchive, name)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func orEmptyObject(p json.RawMessage) json.RawMessage {
	if len(p) == 0 {
		return json.RawMessage("{}")
	}
	return p
}

// readEntry reads a small zip entry whole, refusing one larger than limit or than it declared.
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

// alreadyHave says whether the library has the item: the same media of the same kind, or for an
// item without media the same kind, creation time and prompt.
func alreadyHave(ctx context.Context, tx *sql.Tx, it Item) (bool, error) {
	var n int
	var err error
	if it.MediaHash != "" {
		err = tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM items WHERE media_hash = ? AND media_hash <> '' AND +kind = ?)`, it.MediaHash, it.Kind).Scan(&n)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM items WHERE kind = ? AND created_at = ? AND prompt = ?)`, it.Kind, ms(it.CreatedAt), it.Prompt).Scan(&n)
	}
	return n > 0, err
}

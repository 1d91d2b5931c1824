package storage

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"time"
)

// manifestVersion is the export format's version.
const manifestVersion = 1

// manifest is what an export zip holds besides the media.
type manifest struct {
	Format   string         `json:"format"`
	Version  int            `json:"version"`
	Exported time.Time      `json:"exported"`
	Items    []exportedItem `json:"items"`
}

type exportedItem struct {
	Item
	Segments []Segment `json:"segments,omitempty"`
	Messages []Message `json:"messages,omitempty"`
	Selected []int64   `json:"selected,omitempty"` // messages shown among their siblings
}

// Export writes a zip of the given items (all but the trash, when ids is nil): manifest.json
// and media/. File names inside are content hashes, safe on every OS.
func (l *Library) Export(ctx context.Context, ids []int64, w io.Writer) error {
	if err := l.export(ctx, ids, w); err != nil {
		return fmt.Errorf("storage: exporting: %w", err)
	}
	return nil
}

func (l *Library) export(ctx context.Context, ids []int64, w io.Writer) error {
	var items []Item
	if ids == nil {
		all, err := l.IDs(ctx, Query{Sort: SortOldest})
		if err != nil {
			return err
		}
		ids = all
	}
	// In the order they were made, so that a parent comes before its remixes and the import
	// can link them.
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for start := 0; start < len(ids); start += 500 {
		part, err := l.Items(ctx, ids[start:min(len(ids), start+500)])
		if err != nil {
			return err
		}
		items = append(items, part...)
	}
	m := manifest{Format: "pollinations-studio-library", Version: manifestVersion, Exported: time.Now().UTC()}
	media := map[string]bool{}
	for _, it := range items {
		e := exportedItem{Item: it}
		var err error
		if it.Kind == KindTranscript {
			if e.Segments, err = l.Segments(ctx, it.ID); err != nil {
				return err
			}
		}
		if it.Kind == KindChat {
			if e.Messages, err = l.allMessages(ctx, it.ID); err != nil {
				return err
			}
			if e.Selected, err = l.selectedMessages(ctx, it.ID); err != nil {
				return err
			}
		}
		if it.MediaHash != "" && !it.Missing {
			media[it.MediaHash] = true
		}
		// Nothing of the user's disk leaves with the archive: reference files travel as the
		// library's copies (References), not as the paths they were picked from.
		e.Params = shareableParams(e.Params)
		e.References = shareableRefs(e.References)
		for _, r := range e.References {
			if l.MediaPath(r) != "" {
				media[r] = true
			}
		}
		for i := range e.Messages {
			e.Messages[i].Attachments = l.exportAttachments(e.Messages[i].Attachments)
			for _, a := range e.Messages[i].Attachments {
				media[a] = true
			}
		}
		m.Items = append(m.Items, e)
	}
	zw := zip.NewWriter(w)
	mw, err := zw.Create("manifest.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", " ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	names := make([]string, 0, len(media))
	for h := range media {
		names = append(names, h)
	}
	sort.Strings(names) // the same selection gives the same archive
	for _, h := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(l.MediaPath(h))
		if err != nil {
			continue // gone since the item was read: the manifest still describes it
		}
		hw, err := zw.CreateHeader(&zip.FileHeader{Name: "media/" + h, Method: zip.Store, Modified: time.Now()})
		if err == nil {
			_, err = io.Copy(hw, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", h, err)
		}
	}
	return zw.Close()
}

// allMessages returns every message of a chat (all branches), oldest first.
func (l *Library) allMessages(ctx context.Context, chatID int64) ([]Message, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT `+msgCols+` FROM messages WHERE chat_id = ? ORDER BY id`, chatID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

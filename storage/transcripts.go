package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"
)

// Segment is a timed piece of a transcript.
type Segment struct {
	Start, End float64
	Text       string
	Speaker    string `json:",omitempty"`
}

// SetSegments replaces a transcript's segments (after a correction too). The segments' words
// are searchable with the item.
func (l *Library) SetSegments(ctx context.Context, itemID int64, segs []Segment) error {
	err := l.tx(ctx, func(tx *sql.Tx) error { return l.writeSegments(ctx, tx, itemID, segs) })
	if err != nil {
		return fmt.Errorf("storage: saving the segments of item %d: %w", itemID, err)
	}
	return nil
}

// writeSegments replaces an item's segments inside a write transaction.
func (l *Library) writeSegments(ctx context.Context, tx *sql.Tx, itemID int64, segs []Segment) error {
	for i, s := range segs {
		if math.IsNaN(s.Start) || math.IsNaN(s.End) || math.IsInf(s.Start, 0) || math.IsInf(s.End, 0) || s.Start < 0 || s.End < s.Start {
			return fmt.Errorf("segment %d has bad times (%v to %v)", i+1, s.Start, s.End)
		}
	}
	if err := itemExists(ctx, tx, itemID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE item_id = ?`, itemID); err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO segments (item_id, idx, start, "end", text, speaker) VALUES (?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for i, s := range segs {
		if _, err := ins.ExecContext(ctx, itemID, i, s.Start, s.End, s.Text, s.Speaker); err != nil {
			return err
		}
	}
	return l.reindex(ctx, tx, itemID)
}

// reindex rewrites an item's full-text row: its prompt, and its text plus its segments' text
// (so a corrected word is found).
func (l *Library) reindex(ctx context.Context, tx *sql.Tx, id int64) error {
	var prompt, text, segs string
	err := tx.QueryRowContext(ctx, `SELECT prompt, text, IFNULL((SELECT group_concat(text, ' ') FROM segments WHERE item_id = items.id), '')
		FROM items WHERE id = ?`, id).Scan(&prompt, &text, &segs)
	if err != nil {
		return err
	}
	if segs != "" && segs != text {
		text += "\n" + segs
	}
	if _, err := tx.StmtContext(ctx, l.stmts.unindexItem).ExecContext(ctx, id); err != nil {
		return err
	}
	_, err = tx.StmtContext(ctx, l.stmts.indexItem).ExecContext(ctx, id, prompt, text)
	return err
}

// Segments returns a transcript's segments in order.
func (l *Library) Segments(ctx context.Context, itemID int64) ([]Segment, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT start, "end", text, speaker FROM segments WHERE item_id = ? ORDER BY idx`, itemID)
	if err != nil {
		return nil, fmt.Errorf("storage: reading segments: %w", err)
	}
	defer rows.Close()
	var out []Segment
	for rows.Next() {
		var s Segment
		if err := rows.Scan(&s.Start, &s.End, &s.Text, &s.Speaker); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ExportTranscript writes segments as txt, srt, vtt or json.
func ExportTranscript(segs []Segment, format string, w io.Writer) error {
	var b strings.Builder
	switch format {
	case "txt", "text":
		for _, s := range segs {
			t := strings.TrimSpace(s.Text)
			if l := speakerLabel(s.Speaker); l != "" {
				t = l + ": " + t
			}
			b.WriteString(t + "\n")
		}
	case "srt":
		for i, s := range segs {
			t := cueText(s)
			if l := speakerLabel(s.Speaker); l != "" {
				t = l + ": " + t
			}
			fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", i+1, timestamp(s.Start, ","), timestamp(s.End, ","), t)
		}
	case "vtt":
		b.WriteString("WEBVTT\n\n")
		for _, s := range segs {
			t := cueText(s)
			if l := speakerLabel(s.Speaker); l != "" {
				// A voice span names the speaker the WebVTT way; ">" and "&" would end or break it.
				t = "<v " + strings.NewReplacer(">", "", "&", "and").Replace(l) + ">" + t
			}
			fmt.Fprintf(&b, "%s --> %s\n%s\n\n", timestamp(s.Start, "."), timestamp(s.End, "."), t)
		}
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if segs == nil {
			segs = []Segment{}
		}
		return enc.Encode(map[string]any{"segments": segs})
	default:
		return fmt.Errorf("storage: unknown transcript format %q (txt, srt, vtt or json)", format)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cueText keeps a cue valid: a blank line would end it early.
func cueText(s Segment) string {
	t := strings.TrimSpace(s.Text)
	for strings.Contains(t, "\n\n") {
		t = strings.ReplaceAll(t, "\n\n", "\n")
	}
	if t == "" {
		t = "…"
	}
	return t
}

// SpeakerLabel is how a segment's speaker is shown and exported: "Speaker A" for the
// service's bare ids, a name someone gave as it is ("" when the segment has no speaker).
func SpeakerLabel(sp string) string { return speakerLabel(sp) }

// speakerLabel names a diarized speaker for people: the service's bare ids ("A", "1") become
// "Speaker A"; a name someone gave is kept.
func speakerLabel(sp string) string {
	sp = strings.Join(strings.Fields(sp), " ")
	if sp == "" {
		return ""
	}
	if strings.HasPrefix(strings.ToLower(sp), "speaker_") {
		return "Speaker " + strings.ToUpper(sp[len("speaker_"):])
	}
	if bareSpeakerID(sp) {
		return "Speaker " + strings.ToUpper(sp)
	}
	return sp
}

// bareSpeakerID is what services number speakers with: one letter ("A") or a number ("1",
// "12"). A short name someone gave ("Al", "Jo") is not one.
func bareSpeakerID(sp string) bool {
	r := []rune(sp)
	if len(r) == 1 {
		return unicode.IsLetter(r[0]) || unicode.IsDigit(r[0])
	}
	for _, c := range r {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(r) <= 3
}

func timestamp(sec float64, sep string) string {
	if sec < 0 {
		sec = 0
	}
	ms := int64(sec*1000 + 0.5)
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

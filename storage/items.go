package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is what an item is.
type Kind string

// The kinds of item.
const (
	KindImage      Kind = "image"
	KindVideo      Kind = "video"
	KindSpeech     Kind = "speech"
	KindRecording  Kind = "recording"
	KindTranscript Kind = "transcript"
	KindChat       Kind = "chat"
	KindText       Kind = "text"
	KindMusic      Kind = "music"
	KindSound      Kind = "sound"
	Kind3D         Kind = "3d"
)

// Kinds is every kind, in the order a person browses them (filters list them so).
func Kinds() []Kind {
	return []Kind{KindImage, KindVideo, KindMusic, KindSound, Kind3D, KindSpeech, KindRecording,
		KindTranscript, KindChat, KindText}
}

// Status is where a generation is.
type Status string

// The states.
const (
	StatusQueued   Status = "queued"
	StatusRunning  Status = "running"
	StatusDone     Status = "done"
	StatusFailed   Status = "failed"
	StatusCanceled Status = "canceled"
)

// Item is one thing in the library.
type Item struct {
	ID             int64
	Kind           Kind
	Status         Status
	Error          string          `json:",omitempty"`
	Prompt         string          `json:",omitempty"`
	NegativePrompt string          `json:",omitempty"`
	Params         json.RawMessage `json:",omitempty"`
	ModelRequested string          `json:",omitempty"`
	ModelUsed      string          `json:",omitempty"`
	Seed           *int64          `json:",omitempty"`
	Width, Height  int             `json:",omitempty"`
	DurationSec    float64         `json:",omitempty"`
	ContentType    string          `json:",omitempty"`
	MediaHash      string          `json:",omitempty"`
	MediaPath      string          `json:"-"`
	MediaSize      int64           `json:",omitempty"`
	Text           string          `json:",omitempty"`
	Cost           float64
	CostKnown      bool
	CreatedAt      time.Time
	FinishedAt     time.Time
	Favourite      bool
	Tags           []string `json:",omitempty"`
	Collections    []string `json:",omitempty"`
	ParentID       *int64   `json:",omitempty"`
	Relation       string   `json:",omitempty"`
	References     []string `json:",omitempty"`
	// HostedURL is the service's stored copy of the media (https, media.pollinations.ai), which
	// expires about 30 days after it was made; "" when the answer named none.
	HostedURL string     `json:",omitempty"`
	Missing   bool       `json:",omitempty"`
	TrashedAt *time.Time `json:",omitempty"`
}

const itemCols = `id, kind, status, error, prompt, negative_prompt, params, model_requested, model_used, seed,
	width, height, duration_sec, content_type, media_hash, media_size, text, cost, cost_known, created_at,
	finished_at, favourite, parent_id, relation, missing, trashed_at, hosted_url`

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

type scanner interface{ Scan(...any) error }

func (l *Library) scanItem(s scanner) (*Item, error) {
	var it Item
	var params string
	var seed, parent, trashed sql.NullInt64
	var created, finished int64
	if err := s.Scan(&it.ID, &it.Kind, &it.Status, &it.Error, &it.Prompt, &it.NegativePrompt, &params,
		&it.ModelRequested, &it.ModelUsed, &seed, &it.Width, &it.Height, &it.DurationSec, &it.ContentType,
		&it.MediaHash, &it.MediaSize, &it.Text, &it.Cost, &it.CostKnown, &created, &finished, &it.Favourite,
		&parent, &it.Relation, &it.Missing, &trashed, &it.HostedURL); err != nil {
		return nil, err
	}
	if params != "" && params != "{}" {
		it.Params = json.RawMessage(params)
	}
	if seed.Valid {
		it.Seed = &seed.Int64
	}
	if parent.Valid {
		it.ParentID = &parent.Int64
	}
	if trashed.Valid {
		t := fromMS(trashed.Int64)
		it.TrashedAt = &t
	}
	it.CreatedAt, it.FinishedAt = fromMS(created), fromMS(finished)
	if it.MediaHash != "" {
		it.MediaPath = l.MediaPath(it.MediaHash)
	}
	return &it, nil
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func paramsText(p json.RawMessage) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	// Compact, so that the same parameters read back the same after an export and import.
	var b bytes.Buffer
	if !utf8.Valid(p) {
		p = bytes.ToValidUTF8(p, []byte("\uFFFD"))
	}
	if err := json.Compact(&b, p); err != nil {
		return "", fmt.Errorf("storage: the parameters are not valid JSON: %w", err)
	}
	return b.String(), nil
}

// AddItem saves a new item (and its tags, collections and references) and sets it.ID.
func (l *Library) AddItem(ctx context.Context, it *Item) (int64, error) {
	params, err := l.checkNewItem(it)
	if err != nil {
		return 0, err
	}
	if err := l.tx(ctx, func(tx *sql.Tx) error { return l.insertItem(ctx, tx, it, params) }); err != nil {
		return 0, fmt.Errorf("storage: saving the item: %w", err)
	}
	return it.ID, nil
}

// checkNewItem fills an item's defaults and refuses what cannot be saved.
func (l *Library) checkNewItem(it *Item) (params string, err error) {
	if it.Kind == "" {
		return "", errors.New("storage: an item needs a kind")
	}
	if it.Status == "" {
		it.Status = StatusDone
	}
	cleanItemText(it)
	if it.CreatedAt.IsZero() {
		it.CreatedAt = time.Now()
	}
	if params, err = paramsText(it.Params); err != nil {
		return "", err
	}
	if it.MediaHash != "" {
		p := l.MediaPath(it.MediaHash)
		if p == "" {
			return "", fmt.Errorf("storage: %q is not a media name", it.MediaHash)
		}
		// A row only ever points at a whole file: PutMedia first, then AddItem. An import of an
		// item whose media was not exported says so with Missing.
		if !it.Missing && !fileExists(p) {
			return "", fmt.Errorf("storage: media %s is not in the library (PutMedia it first)", it.MediaHash)
		}
		it.MediaPath = p
	}
	return params, nil
}

// cleanText makes text fit to keep: NUL bytes (which cut C strings short in other tools, and
// arrive in pasted prompts) are removed, and invalid UTF-8 (a model name read from a header) is
// replaced by U+FFFD, so that what is saved reads back, searches and exports the same.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// cleanItemText cleans every text field of an item about to be saved.
func cleanItemText(it *Item) {
	for _, p := range []*string{&it.Error, &it.Prompt, &it.NegativePrompt, &it.ModelRequested, &it.ModelUsed,
		&it.ContentType, &it.Text, &it.Relation} {
		*p = cleanText(*p)
	}
	for _, l := range [][]string{it.Tags, it.Collections, it.References} {
		for i := range l {
			l[i] = cleanText(l[i])
		}
	}
}

// insertItem writes a checked item inside a write transaction and sets it.ID.
func (l *Library) insertItem(ctx context.Context, tx *sql.Tx, it *Item, params string) error {
	res, err := tx.StmtContext(ctx, l.stmts.insertItem).ExecContext(ctx,
		it.Kind, it.Status, it.Error, it.Prompt, it.NegativePrompt, params, it.ModelRequested, it.ModelUsed,
		nullInt(it.Seed), it.Width, it.Height, it.DurationSec, it.ContentType, it.MediaHash, it.MediaSize,
		it.Text, it.Cost, it.CostKnown, ms(it.CreatedAt), ms(it.FinishedAt), it.Favourite, nullInt(it.ParentID),
		it.Relation, it.Missing, it.HostedURL)
	if err != nil {
		return err
	}
	if it.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if err := writeLists(ctx, tx, it, true); err != nil {
		return err
	}
	_, err = tx.StmtContext(ctx, l.stmts.indexItem).ExecContext(ctx, it.ID, it.Prompt, it.Text)
	return err
}

// writeLists writes an item's tags, collections and references (replacing them unless fresh).
func writeLists(ctx context.Context, tx *sql.Tx, it *Item, fresh bool) error {
	if !fresh {
		for _, q := range []string{`DELETE FROM tags WHERE item_id = ?`, `DELETE FROM collections WHERE item_id = ?`, `DELETE FROM item_refs WHERE item_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, it.ID); err != nil {
				return err
			}
		}
	}
	for _, t := range uniq(it.Tags) {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags (item_id, tag) VALUES (?, ?)`, it.ID, t); err != nil {
			return err
		}
	}
	for _, c := range uniq(it.Collections) {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO collections (item_id, name) VALUES (?, ?)`, it.ID, c); err != nil {
			return err
		}
	}
	for i, r := range it.References {
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_refs (item_id, pos, ref) VALUES (?, ?, ?)`, it.ID, i, r); err != nil {
			return err
		}
	}
	return nil
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// UpdateItem rewrites an item's fields (not its id, creation time or trash state). Its media is
// re-checked: pointing it at a file that is not there marks it missing.
func (l *Library) UpdateItem(ctx context.Context, it *Item) error {
	if it.Kind == "" {
		return errors.New("storage: an item needs a kind")
	}
	cleanItemText(it)
	params, err := paramsText(it.Params)
	if err != nil {
		return err
	}
	missing := false
	if it.MediaHash != "" {
		p := l.MediaPath(it.MediaHash)
		if p == "" {
			return fmt.Errorf("storage: %q is not a media name", it.MediaHash)
		}
		missing = !fileExists(p)
	}
	err = l.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET kind=?, status=?, error=?, prompt=?, negative_prompt=?, params=?,
			model_requested=?, model_used=?, seed=?, width=?, height=?, duration_sec=?, content_type=?, media_hash=?,
			media_size=?, text=?, cost=?, cost_known=?, finished_at=?, favourite=?, parent_id=?, relation=?, missing=?,
			hosted_url=? WHERE id=?`,
			it.Kind, it.Status, it.Error, it.Prompt, it.NegativePrompt, params, it.ModelRequested, it.ModelUsed,
			nullInt(it.Seed), it.Width, it.Height, it.DurationSec, it.ContentType, it.MediaHash, it.MediaSize, it.Text,
			it.Cost, it.CostKnown, ms(it.FinishedAt), it.Favourite, nullInt(it.ParentID), it.Relation, missing, it.HostedURL, it.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("item %d: %w", it.ID, ErrNotFound)
		}
		if err := writeLists(ctx, tx, it, false); err != nil {
			return err
		}
		return l.reindex(ctx, tx, it.ID)
	})
	if err != nil {
		return fmt.Errorf("storage: updating item %d: %w", it.ID, err)
	}
	it.Missing = missing
	if it.MediaHash != "" {
		it.MediaPath = l.MediaPath(it.MediaHash)
	}
	return nil
}

// Item returns one item with its tags, collections and references.
func (l *Library) Item(ctx context.Context, id int64) (*Item, error) {
	it, err := l.scanItem(l.r.QueryRowContext(ctx, `SELECT `+itemCols+` FROM items WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: reading item %d: %w", id, err)
	}
	items := []Item{*it}
	if err := l.fillLists(ctx, items); err != nil {
		return nil, err
	}
	return &items[0], nil
}

// fillLists loads tags, collections and references for a page of items in three queries.
func (l *Library) fillLists(ctx context.Context, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(items))
	args := make([]any, len(items))
	for i, it := range items {
		idx[it.ID] = i
		args[i] = it.ID
	}
	in := strings.Repeat("?,", len(items))
	in = in[:len(in)-1]
	for _, q := range []struct {
		sql string
		add func(i int, v string)
	}{
		{`SELECT item_id, tag FROM tags WHERE item_id IN (` + in + `) ORDER BY tag`, func(i int, v string) { items[i].Tags = append(items[i].Tags, v) }},
		{`SELECT item_id, name FROM collections WHERE item_id IN (` + in + `) ORDER BY name`, func(i int, v string) { items[i].Collections = append(items[i].Collections, v) }},
		{`SELECT item_id, ref FROM item_refs WHERE item_id IN (` + in + `) ORDER BY pos`, func(i int, v string) { items[i].References = append(items[i].References, v) }},
	} {
		rows, err := l.r.QueryContext(ctx, q.sql, args...)
		if err != nil {
			return fmt.Errorf("storage: reading tags and references: %w", err)
		}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			q.add(idx[id], v)
		}
		rows.Close()
	}
	return nil
}

func (l *Library) exec(ctx context.Context, q string, args ...any) error {
	return l.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// itemExists reports ErrNotFound for an unknown item, inside a write.
func itemExists(ctx context.Context, tx *sql.Tx, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM items WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("item %d: %w", id, ErrNotFound)
	}
	return err
}

// onItem runs one statement about an existing item.
func (l *Library) onItem(ctx context.Context, what string, id int64, q string, args ...any) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		if err := itemExists(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: %s: %w", what, err)
	}
	return nil
}

// SetFavourite marks or unmarks an item.
func (l *Library) SetFavourite(ctx context.Context, id int64, fav bool) error {
	return l.onItem(ctx, "marking a favourite", id, `UPDATE items SET favourite = ? WHERE id = ?`, fav, id)
}

// AddTag tags an item.
func (l *Library) AddTag(ctx context.Context, id int64, tag string) error {
	if tag = strings.TrimSpace(tag); tag == "" {
		return errors.New("storage: empty tag")
	}
	return l.onItem(ctx, "tagging", id, `INSERT OR IGNORE INTO tags (item_id, tag) VALUES (?, ?)`, id, tag)
}

// SetTags makes an item's tags exactly these (trimmed, without repeats), in one transaction;
// its other lists and fields are left as they are.
func (l *Library) SetTags(ctx context.Context, id int64, tags []string) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		if err := itemExists(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE item_id = ?`, id); err != nil {
			return err
		}
		for _, t := range uniq(tags) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tags (item_id, tag) VALUES (?, ?)`, id, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: setting the tags: %w", err)
	}
	return nil
}

// RemoveTag removes a tag from an item.
func (l *Library) RemoveTag(ctx context.Context, id int64, tag string) error {
	return l.onItem(ctx, "removing a tag", id, `DELETE FROM tags WHERE item_id = ? AND tag = ?`, id, strings.TrimSpace(tag))
}

// AddToCollection puts an item in a collection.
func (l *Library) AddToCollection(ctx context.Context, id int64, name string) error {
	if name = strings.TrimSpace(name); name == "" {
		return errors.New("storage: empty collection name")
	}
	return l.onItem(ctx, "adding to a collection", id, `INSERT OR IGNORE INTO collections (item_id, name) VALUES (?, ?)`, id, name)
}

// RemoveFromCollection takes an item out of a collection.
func (l *Library) RemoveFromCollection(ctx context.Context, id int64, name string) error {
	return l.onItem(ctx, "removing from a collection", id, `DELETE FROM collections WHERE item_id = ? AND name = ?`, id, strings.TrimSpace(name))
}

func (l *Library) strings(ctx context.Context, q string) ([]string, error) {
	rows, err := l.r.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Tags lists every tag in use.
func (l *Library) Tags(ctx context.Context) ([]string, error) {
	return l.strings(ctx, `SELECT DISTINCT tag FROM tags ORDER BY tag`)
}

// Collections lists every collection.
func (l *Library) Collections(ctx context.Context) ([]string, error) {
	return l.strings(ctx, `SELECT DISTINCT name FROM collections ORDER BY name`)
}

// Models lists the models used by items in the library.
func (l *Library) Models(ctx context.Context) ([]string, error) {
	return l.strings(ctx, `SELECT DISTINCT model_used FROM items WHERE model_used <> '' ORDER BY model_used`)
}

package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Sort orders a search.
type Sort string

// The sorts.
const (
	SortNewest    Sort = "newest"
	SortOldest    Sort = "oldest"
	SortCost      Sort = "cost"      // most expensive first
	SortRelevance Sort = "relevance" // best text match first (newest first without text)
)

// Query selects items. Zero fields do not filter.
type Query struct {
	Text  string
	Kinds []Kind
	Model string
	// Models matches any of these names (a model's id and aliases, so that items stored under
	// an old short name are found too); with Model, either matches.
	Models     []string
	Favourite  bool
	Tag        string
	Collection string
	From, To   time.Time
	MinCost    *float64
	MaxCost    *float64
	Trashed    bool // the trash instead of the library
	Sort       Sort
	After      string // cursor from Page.Next
	Limit      int    // default 200
}

// Page is one window of results.
type Page struct {
	Items []Item
	Next  string // "" at the end
}

// MatchExpr turns what a person typed into an FTS4 expression that is always valid: every word
// is quoted (so AND, NEAR, -, *, ( and " are just text), and the last word matches as a prefix
// for search-as-you-type. It returns "" when nothing searchable was typed.
func MatchExpr(text string) string {
	var terms []string
	for _, w := range strings.Fields(text) {
		// Keep only letters, digits and combining marks: the tokenizer splits on the rest
		// anyway, and what is left can hold no FTS syntax (no quote, star, bracket or minus).
		var b strings.Builder
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || (unicode.IsMark(r) && b.Len() > 0) {
				b.WriteRune(r)
			} else if b.Len() > 0 {
				terms = append(terms, b.String())
				b.Reset()
			}
		}
		if b.Len() > 0 {
			terms = append(terms, b.String())
		}
	}
	if len(terms) == 0 {
		return ""
	}
	for i, t := range terms {
		if i == len(terms)-1 {
			terms[i] = `"` + t + `*"`
		} else {
			terms[i] = `"` + t + `"`
		}
	}
	return strings.Join(terms, " ")
}

// walkThreshold is the number of text matches from which walking the ordering index beats
// fetching and sorting every match (measured at 100 000 items: about 1 000 to 2 000).
const walkThreshold = 1000

// plan reports whether q's text matches many items (see where).
func (l *Library) plan(ctx context.Context, q Query) (walk bool, err error) {
	m := MatchExpr(q.Text)
	if m == "" {
		return false, nil
	}
	var n int
	err = l.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT ?))
		+ (SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?))`, m, walkThreshold, m, walkThreshold).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("storage: searching: %w", err)
	}
	return n >= walkThreshold, nil
}

// sqlWhere plans and builds the filter.
func (l *Library) sqlWhere(ctx context.Context, q Query) (string, []any, error) {
	walk, err := l.plan(ctx, q)
	if err != nil {
		return "", nil, err
	}
	w, args := q.where(walk)
	return w, args, nil
}

// where builds the filter; every value is a parameter, never spliced into the SQL.
func (q Query) where(walk bool) (string, []any) {
	var conds []string
	var args []any
	if q.Trashed {
		conds = append(conds, "trashed_at IS NOT NULL")
	} else {
		conds = append(conds, "trashed_at IS NULL")
	}
	if len(q.Kinds) > 0 {
		ph := strings.Repeat("?,", len(q.Kinds))
		conds = append(conds, "kind IN ("+ph[:len(ph)-1]+")")
		for _, k := range q.Kinds {
			args = append(args, string(k))
		}
	}
	if names := modelNames(q); len(names) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?,", len(names)), ",")
		conds = append(conds, "(model_used IN ("+ph+") OR model_requested IN ("+ph+"))")
		for range 2 {
			for _, n := range names {
				args = append(args, n)
			}
		}
	}
	if q.Favourite {
		conds = append(conds, "favourite = 1")
	}
	if q.Tag != "" {
		conds = append(conds, "id IN (SELECT item_id FROM tags WHERE tag = ?)")
		args = append(args, q.Tag)
	}
	if q.Collection != "" {
		conds = append(conds, "id IN (SELECT item_id FROM collections WHERE name = ?)")
		args = append(args, q.Collection)
	}
	if !q.From.IsZero() {
		conds = append(conds, "created_at >= ?")
		args = append(args, ms(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, "created_at < ?")
		args = append(args, ms(q.To))
	}
	if q.MinCost != nil {
		conds = append(conds, "cost >= ?")
		args = append(args, *q.MinCost)
	}
	if q.MaxCost != nil {
		conds = append(conds, "cost <= ?")
		args = append(args, *q.MaxCost)
	}
	if m := MatchExpr(q.Text); m != "" {
		// One IN over both indexes. For a common word, "+id" makes SQLite walk the ordering
		// index and test each row against the set (stopping at the page's end); for a rare
		// one, it looks the few matches up by rowid and sorts them.
		in := "id IN"
		if walk {
			in = "+id IN"
		}
		conds = append(conds, in+` (SELECT rowid FROM items_fts WHERE items_fts MATCH ?
			UNION ALL SELECT m.chat_id FROM messages m WHERE m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?))`)
		args = append(args, m, m)
	}
	return strings.Join(conds, " AND "), args
}

func (q Query) order() (col, dir string) {
	// Relevance is ranked in Go (searchRelevance); here it falls back to newest first.
	switch q.Sort {
	case SortOldest:
		return "created_at", "ASC"
	case SortCost:
		return "cost", "DESC"
	}
	return "created_at", "DESC"
}

// Search returns one page of matching items. Pages are keyset pages (the cursor is the last
// row's sort key), so any window costs the same; relevance pages are ranked in memory once per
// call and cut by position.
func (l *Library) Search(ctx context.Context, q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 200
	}
	if q.Sort == SortRelevance && MatchExpr(q.Text) != "" {
		return l.searchRelevance(ctx, q, limit)
	}
	where, args, err := l.sqlWhere(ctx, q)
	if err != nil {
		return Page{}, err
	}
	col, dir := q.order()
	if q.After != "" {
		v, id, err := parseCursor(q.After)
		if err != nil {
			return Page{}, err
		}
		op := "<"
		if dir == "ASC" {
			op = ">"
		}
		// A row-value comparison lets SQLite seek straight into the index at the cursor.
		where += fmt.Sprintf(" AND (%s, id) %s (?, ?)", col, op)
		args = append(args, v, id)
	}
	sqlText := fmt.Sprintf(`SELECT %s FROM items WHERE %s ORDER BY %s %s, id %s LIMIT ?`, itemCols, where, col, dir, dir)
	args = append(args, limit+1)
	items, err := l.queryItems(ctx, sqlText, args...)
	if err != nil {
		return Page{}, fmt.Errorf("storage: searching: %w", err)
	}
	var p Page
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		v := float64(ms(last.CreatedAt))
		if col == "cost" {
			v = last.Cost
		}
		p.Next = makeCursor(v, last.ID)
	}
	if err := l.fillLists(ctx, items); err != nil {
		return Page{}, err
	}
	p.Items = items
	return p, nil
}

func (l *Library) queryItems(ctx context.Context, sqlText string, args ...any) ([]Item, error) {
	rows, err := l.r.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		it, err := l.scanItem(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, *it)
	}
	return items, rows.Err()
}

// searchRelevance ranks the matches and returns the window after the cursor's position.
func (l *Library) searchRelevance(ctx context.Context, q Query, limit int) (Page, error) {
	offset := 0
	if q.After != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(q.After, "r"))
		if err != nil || !strings.HasPrefix(q.After, "r") || n < 0 {
			return Page{}, fmt.Errorf("storage: bad page cursor %q", q.After)
		}
		offset = n
	}
	ids, err := l.rankedIDs(ctx, q)
	if err != nil {
		return Page{}, err
	}
	var p Page
	if offset >= len(ids) {
		return p, nil
	}
	end := min(len(ids), offset+limit)
	if end < len(ids) {
		p.Next = "r" + strconv.Itoa(end)
	}
	p.Items, err = l.Items(ctx, ids[offset:end])
	if err != nil {
		return Page{}, fmt.Errorf("storage: searching: %w", err)
	}
	return p, nil
}

// rankedIDs is every match, best first: a word in the prompt weighs more than one in the text
// or a chat message, rarer words weigh more, and ties go to the newest.
func (l *Library) rankedIDs(ctx context.Context, q Query) ([]int64, error) {
	m := MatchExpr(q.Text)
	score := map[int64]float64{}
	add := func(sqlText string, weights []float64) error {
		rows, err := l.r.QueryContext(ctx, sqlText, m)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var mi []byte
			if err := rows.Scan(&id, &mi); err != nil {
				return err
			}
			score[id] += matchScore(mi, weights)
		}
		return rows.Err()
	}
	if err := add(`SELECT rowid, matchinfo(items_fts, 'pcx') FROM items_fts WHERE items_fts MATCH ?`, []float64{2, 1}); err != nil {
		return nil, fmt.Errorf("storage: ranking: %w", err)
	}
	if err := add(`SELECT m.chat_id, matchinfo(messages_fts, 'pcx') FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
		WHERE messages_fts MATCH ?`, []float64{1}); err != nil {
		return nil, fmt.Errorf("storage: ranking: %w", err)
	}
	// The filters, by the ordinary query (newest first, which is the tie-break).
	fq := q
	fq.Sort = SortNewest
	ids, err := l.IDs(ctx, fq)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(ids, func(i, j int) bool { return score[ids[i]] > score[ids[j]] })
	return ids, nil
}

// matchScore reads FTS4 matchinfo 'pcx' (phrases, columns, then per phrase and column: hits
// in this row, hits in all rows, rows with a hit) into a tf-idf-like score.
func matchScore(mi []byte, weights []float64) float64 {
	if len(mi) < 8 {
		return 0
	}
	u := func(i int) float64 { return float64(binary.NativeEndian.Uint32(mi[i*4:])) }
	p, c := int(u(0)), int(u(1))
	if len(mi) < (2+3*p*c)*4 {
		return 0
	}
	var s float64
	for ph := 0; ph < p; ph++ {
		for col := 0; col < c && col < len(weights); col++ {
			base := 2 + 3*(ph*c+col)
			hits, rows := u(base), u(base+2)
			if hits > 0 {
				s += weights[col] * hits / (1 + rows)
			}
		}
	}
	return s
}

// makeCursor encodes the last row's sort key; only Search reads it back.
func makeCursor(v float64, id int64) string {
	return strconv.FormatFloat(v, 'g', -1, 64) + "_" + strconv.FormatInt(id, 10)
}

func parseCursor(s string) (float64, int64, error) {
	a, b, ok := strings.Cut(s, "_")
	if !ok {
		return 0, 0, fmt.Errorf("storage: bad page cursor %q", s)
	}
	v, err1 := strconv.ParseFloat(a, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, 0, fmt.Errorf("storage: bad page cursor %q", s)
	}
	return v, id, nil
}

// Count counts matching items.
func (l *Library) Count(ctx context.Context, q Query) (int, error) {
	where, args, err := l.sqlWhere(ctx, q)
	if err != nil {
		return 0, err
	}
	var n int
	if err := l.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: counting: %w", err)
	}
	return n, nil
}

// IDs lists every matching id in order: a virtual grid keeps these and loads items as cells show.
func (l *Library) IDs(ctx context.Context, q Query) ([]int64, error) {
	if q.Sort == SortRelevance && MatchExpr(q.Text) != "" {
		return l.rankedIDs(ctx, q)
	}
	where, args, err := l.sqlWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	col, dir := q.order()
	rows, err := l.r.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM items WHERE %s ORDER BY %s %s, id %s`, where, col, dir, dir), args...)
	if err != nil {
		return nil, fmt.Errorf("storage: listing: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Items loads several items by id, in the order given (missing ids are skipped).
func (l *Library) Items(ctx context.Context, ids []int64) ([]Item, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	ph := strings.Repeat("?,", len(ids))
	rows, err := l.r.QueryContext(ctx, `SELECT `+itemCols+` FROM items WHERE id IN (`+ph[:len(ph)-1]+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: reading items: %w", err)
	}
	byID := map[int64]Item{}
	for rows.Next() {
		it, err := l.scanItem(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[it.ID] = *it
	}
	rows.Close()
	out := make([]Item, 0, len(ids))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, l.fillLists(ctx, out)
}

// modelNames is every model name a query filters on.
func modelNames(q Query) []string {
	var out []string
	for _, n := range append([]string{q.Model}, q.Models...) {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

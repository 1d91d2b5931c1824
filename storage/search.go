package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Sort orders a search.
type Sort string

// The sorts.
const (
	SortNewest Sort = "newest"
	SortOldest Sort = "oldest"
	SortCost   Sort = "cost"
)

// Query selects items. Zero fields do not filter.
type Query struct {
	Text       string
	Kinds      []Kind
	Model      string
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
		// Keep only letters and digits: the tokenizer would split on the rest anyway.
		var b strings.Builder
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
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

// where builds the filter; every value is a parameter, never spliced into the SQL.
func (q Query) where() (string, []any) {
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
	if q.Model != "" {
		conds = append(conds, "model_used = ?")
		args = append(args, q.Model)
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
		conds = append(conds, `(id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)
			OR id IN (SELECT chat_id FROM messages WHERE id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)))`)
		args = append(args, m, m)
	}
	return strings.Join(conds, " AND "), args
}

func (q Query) order() (col, dir string) {
	switch q.Sort {
	case SortOldest:
		return "created_at", "ASC"
	case SortCost:
		return "cost", "DESC"
	}
	return "created_at", "DESC"
}

// Search returns one page of matching items.
func (l *Library) Search(ctx context.Context, q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 200
	}
	where, args := q.where()
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
	rows, err := l.r.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return Page{}, fmt.Errorf("storage: searching: %w", err)
	}
	defer rows.Close()
	var items []Item
	for rows.Next() {
		it, err := l.scanItem(rows)
		if err != nil {
			return Page{}, err
		}
		items = append(items, *it)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
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
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("storage: bad page cursor %q", s)
	}
	return v, id, nil
}

// Count counts matching items.
func (l *Library) Count(ctx context.Context, q Query) (int, error) {
	where, args := q.where()
	var n int
	err := l.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE `+where, args...).Scan(&n)
	return n, err
}

// IDs lists every matching id in order: a virtual grid keeps these and loads items as cells show.
func (l *Library) IDs(ctx context.Context, q Query) ([]int64, error) {
	where, args := q.where()
	col, dir := q.order()
	rows, err := l.r.QueryContext(ctx, fmt.Sprintf(`SELECT id FROM items WHERE %s ORDER BY %s %s, id %s`, where, col, dir, dir), args...)
	if err != nil {
		return nil, err
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
		return nil, err
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

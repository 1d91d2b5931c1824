package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Message is one message of a chat. Replies regenerated for the same user message are siblings
// (same ParentID); the selected one is on the chat's active branch.
type Message struct {
	ID          int64
	ChatID      int64
	ParentID    *int64 `json:",omitempty"`
	Role        string
	Content     string
	Reasoning   string `json:",omitempty"`
	Model       string `json:",omitempty"`
	Status      Status
	Partial     bool    `json:",omitempty"`
	Cost        float64 `json:",omitempty"`
	CreatedAt   time.Time
	Attachments []string `json:",omitempty"`
}

// NewChat starts a conversation: an item of kind chat whose prompt is its title.
func (l *Library) NewChat(ctx context.Context, title, model, system string) (int64, error) {
	params, _ := json.Marshal(map[string]string{"system": system})
	it := &Item{Kind: KindChat, Prompt: title, ModelRequested: model, ModelUsed: model, Params: params, Text: system}
	return l.AddItem(ctx, it)
}

const msgCols = `id, chat_id, parent_id, role, content, reasoning, model, status, partial, cost, created_at, attachments`

func scanMessage(s scanner) (Message, error) {
	var m Message
	var parent sql.NullInt64
	var created int64
	var att string
	err := s.Scan(&m.ID, &m.ChatID, &parent, &m.Role, &m.Content, &m.Reasoning, &m.Model, &m.Status, &m.Partial, &m.Cost, &created, &att)
	if parent.Valid {
		m.ParentID = &parent.Int64
	}
	m.CreatedAt = fromMS(created)
	if att != "" && att != "[]" {
		json.Unmarshal([]byte(att), &m.Attachments)
	}
	return m, err
}

// AddMessage appends a message; a message with the same parent as earlier ones becomes the
// selected sibling.
func (l *Library) AddMessage(ctx context.Context, m *Message) (int64, error) {
	err := l.tx(ctx, func(tx *sql.Tx) error { return insertMessage(ctx, tx, m, true) })
	if err != nil {
		return 0, fmt.Errorf("storage: saving the message: %w", err)
	}
	return m.ID, nil
}

// insertMessage writes a message inside a write transaction; touch marks the chat as active now.
func insertMessage(ctx context.Context, tx *sql.Tx, m *Message, touch bool) error {
	if m.ChatID == 0 || m.Role == "" {
		return errors.New("a message needs a chat and a role")
	}
	cleanMessage(m)
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	if m.Status == "" {
		m.Status = StatusDone
	}
	att, err := json.Marshal(m.Attachments)
	if err != nil {
		return err
	}
	var kind Kind
	if err := tx.QueryRowContext(ctx, `SELECT kind FROM items WHERE id = ?`, m.ChatID).Scan(&kind); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("chat %d: %w", m.ChatID, ErrNotFound)
		}
		return err
	}
	if m.ParentID != nil {
		var pchat int64
		if err := tx.QueryRowContext(ctx, `SELECT chat_id FROM messages WHERE id = ?`, *m.ParentID).Scan(&pchat); err != nil || pchat != m.ChatID {
			return fmt.Errorf("message %d is not in chat %d: %w", *m.ParentID, m.ChatID, ErrNotFound)
		}
	}
	// The new message is the one shown among its siblings.
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET selected = 0 WHERE chat_id = ? AND parent_id IS ?`, m.ChatID, nullInt(m.ParentID)); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO messages (chat_id, parent_id, role, content, reasoning, model, status, partial, cost, created_at, attachments, selected)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,1)`, m.ChatID, nullInt(m.ParentID), m.Role, m.Content, m.Reasoning, m.Model, m.Status, m.Partial, m.Cost, ms(m.CreatedAt), string(att))
	if err != nil {
		return err
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, content) VALUES (?, ?)`, m.ID, m.Content); err != nil {
		return err
	}
	if touch {
		_, err = tx.ExecContext(ctx, `UPDATE items SET finished_at = ? WHERE id = ?`, ms(time.Now()), m.ChatID)
	}
	return err
}

// UpdateMessage rewrites a message's content and state (a streamed reply as it grows, an edit).
func (l *Library) UpdateMessage(ctx context.Context, m *Message) error {
	cleanMessage(m)
	att, _ := json.Marshal(m.Attachments)
	return l.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET content=?, reasoning=?, model=?, status=?, partial=?, cost=?, attachments=? WHERE id=?`,
			m.Content, m.Reasoning, m.Model, m.Status, m.Partial, m.Cost, string(att), m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("message %d: %w", m.ID, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages_fts WHERE rowid = ?`, m.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO messages_fts (rowid, content) VALUES (?, ?)`, m.ID, m.Content)
		return err
	})
}

// SelectSibling makes a message the one shown among its siblings.
func (l *Library) SelectSibling(ctx context.Context, messageID int64) error {
	if err := l.tx(ctx, func(tx *sql.Tx) error { return selectSibling(ctx, tx, messageID) }); err != nil {
		return fmt.Errorf("storage: choosing a reply: %w", err)
	}
	return nil
}

func selectSibling(ctx context.Context, tx *sql.Tx, messageID int64) error {
	var chat int64
	var parent sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT chat_id, parent_id FROM messages WHERE id = ?`, messageID).Scan(&chat, &parent); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %d: %w", messageID, ErrNotFound)
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET selected = 0 WHERE chat_id = ? AND parent_id IS ?`, chat, parent); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE messages SET selected = 1 WHERE id = ?`, messageID)
	return err
}

// selectedMessages lists the ids of a chat's messages shown among their siblings.
func (l *Library) selectedMessages(ctx context.Context, chatID int64) ([]int64, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT id FROM messages WHERE chat_id = ? AND selected = 1 ORDER BY id`, chatID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Messages returns the chat's active branch, oldest first: from the selected root, each step
// follows the selected child.
func (l *Library) Messages(ctx context.Context, chatID int64) ([]Message, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT `+msgCols+`, selected FROM messages WHERE chat_id = ? ORDER BY id`, chatID)
	if err != nil {
		return nil, fmt.Errorf("storage: reading chat %d: %w", chatID, err)
	}
	defer rows.Close()
	type node struct {
		m        Message
		selected bool
	}
	children := map[int64][]node{} // parent id (0 for roots) → children in order
	for rows.Next() {
		var n node
		var parent sql.NullInt64
		var created int64
		var att string
		if err := rows.Scan(&n.m.ID, &n.m.ChatID, &parent, &n.m.Role, &n.m.Content, &n.m.Reasoning, &n.m.Model, &n.m.Status,
			&n.m.Partial, &n.m.Cost, &created, &att, &n.selected); err != nil {
			return nil, err
		}
		if parent.Valid {
			p := parent.Int64
			n.m.ParentID = &p
		}
		n.m.CreatedAt = fromMS(created)
		if att != "" && att != "[]" {
			json.Unmarshal([]byte(att), &n.m.Attachments)
		}
		key := int64(0)
		if parent.Valid {
			key = parent.Int64
		}
		children[key] = append(children[key], n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Message
	cur := int64(0)
	for len(out) <= len(children)*2+1 {
		kids := children[cur]
		if len(kids) == 0 {
			break
		}
		pick := kids[len(kids)-1]
		for _, k := range kids {
			if k.selected {
				pick = k
			}
		}
		out = append(out, pick.m)
		cur = pick.m.ID
	}
	return out, nil
}

// MessagesPage is a window of the active branch (for a virtual list).
func (l *Library) MessagesPage(ctx context.Context, chatID int64, offset, limit int) ([]Message, error) {
	all, err := l.Messages(ctx, chatID)
	if err != nil {
		return nil, err
	}
	if offset >= len(all) {
		return nil, nil
	}
	return all[offset:min(len(all), offset+limit)], nil
}

// Siblings lists a message and its siblings (replies to the same message), oldest first.
func (l *Library) Siblings(ctx context.Context, messageID int64) ([]Message, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT `+msgCols+` FROM messages WHERE chat_id = (SELECT chat_id FROM messages WHERE id = ?)
		AND parent_id IS (SELECT parent_id FROM messages WHERE id = ?) ORDER BY id`, messageID, messageID)
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

// ExportChat writes a conversation's active branch as Markdown ("md") or JSON ("json").
func (l *Library) ExportChat(ctx context.Context, chatID int64, format string, w io.Writer) error {
	chat, err := l.Item(ctx, chatID)
	if err != nil {
		return err
	}
	msgs, err := l.Messages(ctx, chatID)
	if err != nil {
		return err
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"title": chat.Prompt, "model": chat.ModelUsed, "created": chat.CreatedAt, "messages": msgs})
	case "md", "markdown":
		var b strings.Builder
		fmt.Fprintf(&b, "# %s\n\n", orDefault(chat.Prompt, "Chat"))
		for _, m := range msgs {
			who := map[string]string{"user": "You", "assistant": "Assistant", "system": "System"}[m.Role]
			if who == "" {
				who = m.Role
			}
			if m.Role == "assistant" && m.Model != "" {
				who += " (" + m.Model + ")"
			}
			fmt.Fprintf(&b, "**%s** — %s\n\n%s\n\n", who, m.CreatedAt.Format("2006-01-02 15:04"), m.Content)
			if m.Partial {
				b.WriteString("*(stopped before the end)*\n\n")
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	return fmt.Errorf("storage: unknown chat export format %q (md or json)", format)
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// DeleteMessage removes a message (a reply that failed before its first word) and its replies.
func (l *Library) DeleteMessage(ctx context.Context, id int64) error {
	return l.tx(ctx, func(tx *sql.Tx) error {
		// The replies go by ON DELETE CASCADE; their search rows are removed here, all levels down.
		if _, err := tx.ExecContext(ctx, `WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT m.id FROM messages m JOIN sub ON m.parent_id = sub.id)
			DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM sub)`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("message %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// SiblingPosition is where a message stands among the replies to the same message.
type SiblingPosition struct {
	Index, Count int   // 1-based position and how many siblings there are
	Prev, Next   int64 // neighbours (0 at the ends)
}

// SiblingPositions places every message of a chat among its siblings, in one query: for the
// "2 / 3" flipper of regenerated replies and edited messages.
func (l *Library) SiblingPositions(ctx context.Context, chatID int64) (map[int64]SiblingPosition, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT id, IFNULL(parent_id, 0) FROM messages WHERE chat_id = ? ORDER BY id`, chatID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	groups := map[int64][]int64{}
	for rows.Next() {
		var id, parent int64
		if err := rows.Scan(&id, &parent); err != nil {
			return nil, err
		}
		groups[parent] = append(groups[parent], id)
	}
	out := map[int64]SiblingPosition{}
	for _, ids := range groups {
		for i, id := range ids {
			p := SiblingPosition{Index: i + 1, Count: len(ids)}
			if i > 0 {
				p.Prev = ids[i-1]
			}
			if i+1 < len(ids) {
				p.Next = ids[i+1]
			}
			out[id] = p
		}
	}
	return out, rows.Err()
}

// cleanMessage cleans a message's text as cleanText does an item's.
func cleanMessage(m *Message) {
	m.Role, m.Content, m.Reasoning, m.Model = cleanText(m.Role), cleanText(m.Content), cleanText(m.Reasoning), cleanText(m.Model)
}

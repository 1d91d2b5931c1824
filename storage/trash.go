package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

func idArgs(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	ph := strings.Repeat("?,", len(ids))
	return ph[:len(ph)-1], args
}

// idBatch bounds the ids bound in one statement: SQLite takes at most 32 766 parameters.
const idBatch = 500

// execIDs runs q, whose "(%s)" is filled with placeholders, over ids in batches, all in one
// transaction: a selection of any size is changed whole or not at all.
func (l *Library) execIDs(ctx context.Context, q string, ids []int64, before ...any) error {
	return l.tx(ctx, func(tx *sql.Tx) error {
		for len(ids) > 0 {
			n := min(len(ids), idBatch)
			ph, args := idArgs(ids[:n])
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(q, ph), append(append([]any{}, before...), args...)...); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
}

// Trash moves items to the trash; Restore undoes it.
func (l *Library) Trash(ctx context.Context, ids ...int64) error {
	return l.execIDs(ctx, `UPDATE items SET trashed_at = ? WHERE trashed_at IS NULL AND id IN (%s)`, ids, ms(time.Now()))
}

// Restore takes items out of the trash.
func (l *Library) Restore(ctx context.Context, ids ...int64) error {
	return l.execIDs(ctx, `UPDATE items SET trashed_at = NULL WHERE id IN (%s)`, ids)
}

// EmptyTrash deletes the trashed items for good, and the media files no other item uses.
func (l *Library) EmptyTrash(ctx context.Context) (int, error) {
	var hashes []string
	var n int
	err := l.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT media_hash FROM items WHERE trashed_at IS NOT NULL AND media_hash <> ''
			UNION SELECT r.ref FROM item_refs r JOIN items i ON i.id = r.item_id WHERE i.trashed_at IS NOT NULL`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h string
			if rows.Scan(&h) == nil {
				hashes = append(hashes, h)
			}
		}
		rows.Close()
		for _, q := range []string{
			`DELETE FROM items_fts WHERE rowid IN (SELECT id FROM items WHERE trashed_at IS NOT NULL)`,
			`DELETE FROM messages_fts WHERE rowid IN (SELECT m.id FROM messages m JOIN items i ON i.id = m.chat_id WHERE i.trashed_at IS NOT NULL)`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM items WHERE trashed_at IS NOT NULL`)
		if err != nil {
			return err
		}
		c, _ := res.RowsAffected()
		n = int(c)
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Files go after the rows are gone: a crash in between leaves orphans, which the next
	// Reconcile collects, never a row without its file.
	l.removeUnreferenced(ctx, hashes)
	return n, nil
}

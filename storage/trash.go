package storage

import (
	"context"
	"database/sql"
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

// Trash moves items to the trash; Restore undoes it.
func (l *Library) Trash(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	ph, args := idArgs(ids)
	return l.exec(ctx, `UPDATE items SET trashed_at = ? WHERE trashed_at IS NULL AND id IN (`+ph+`)`, append([]any{ms(time.Now())}, args...)...)
}

// Restore takes items out of the trash.
func (l *Library) Restore(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	ph, args := idArgs(ids)
	return l.exec(ctx, `UPDATE items SET trashed_at = NULL WHERE id IN (`+ph+`)`, args...)
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

package storage

import (
	"context"
	"fmt"
)

// Children lists the items made from an item (its parent_id), oldest first, trash excluded:
// the stems separated from a song, the voice isolated from a recording.
func (l *Library) Children(ctx context.Context, parentID int64) ([]Item, error) {
	items, err := l.queryItems(ctx, `SELECT `+itemCols+` FROM items WHERE parent_id = ? AND trashed_at IS NULL ORDER BY id`, parentID)
	if err != nil {
		return nil, fmt.Errorf("storage: the items made from %d: %w", parentID, err)
	}
	if err := l.fillLists(ctx, items); err != nil {
		return nil, err
	}
	return items, nil
}

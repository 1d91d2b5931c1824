package storage

import (
	"context"
	"fmt"
	"strings"
)

// RecentCosts returns the real costs of the newest finished items made with a model, newest
// first, at most n. names are every name the model may be stored under (its id and aliases);
// an item counts when either its requested or its reported model is one of them. Items whose
// cost the service did not report, and trashed items, are left out.
func (l *Library) RecentCosts(ctx context.Context, names []string, n int) ([]float64, error) {
	var clean []any
	for _, s := range names {
		if s = strings.TrimSpace(s); s != "" {
			clean = append(clean, s)
		}
	}
	if len(clean) == 0 || n <= 0 {
		return nil, nil
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(clean)), ",")
	q := `SELECT cost FROM items WHERE cost_known = 1 AND trashed_at IS NULL AND status = 'done'
		AND (model_used IN (` + ph + `) OR model_requested IN (` + ph + `))
		ORDER BY created_at DESC, id DESC LIMIT ?`
	args := append(append(append([]any{}, clean...), clean...), n)
	rows, err := l.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: reading past costs: %w", err)
	}
	defer rows.Close()
	var out []float64
	for rows.Next() {
		var c float64
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("storage: reading past costs: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: reading past costs: %w", err)
	}
	return out, nil
}

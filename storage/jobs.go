package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Job is a generation in the queue; it keeps its request so that it can run after a restart or
// be retried after a failure.
type Job struct {
	ID                               int64
	Kind                             Kind
	Status                           Status
	Request                          json.RawMessage
	Prompt, Model, Error             string
	ItemID                           *int64
	Attempts                         int
	CreatedAt, StartedAt, FinishedAt time.Time
}

const jobCols = `id, kind, status, request, prompt, model, error, item_id, attempts, created_at, started_at, finished_at`

func scanJob(s scanner) (*Job, error) {
	var j Job
	var req string
	var item sql.NullInt64
	var c, st, f int64
	if err := s.Scan(&j.ID, &j.Kind, &j.Status, &req, &j.Prompt, &j.Model, &j.Error, &item, &j.Attempts, &c, &st, &f); err != nil {
		return nil, err
	}
	j.Request = json.RawMessage(req)
	if item.Valid {
		j.ItemID = &item.Int64
	}
	j.CreatedAt, j.StartedAt, j.FinishedAt = fromMS(c), fromMS(st), fromMS(f)
	return &j, nil
}

// EnqueueJob saves a new job.
func (l *Library) EnqueueJob(ctx context.Context, j *Job) (int64, error) {
	if j.Kind == "" {
		return 0, errors.New("storage: a job needs a kind")
	}
	if !json.Valid(j.Request) {
		return 0, errors.New("storage: a job's request must be JSON")
	}
	if j.Status == "" {
		j.Status = StatusQueued
	}
	if j.CreatedAt.IsZero() {
		j.CreatedAt = time.Now()
	}
	err := l.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, status, request, prompt, model, error, item_id, attempts, created_at, started_at, finished_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?)`, j.Kind, j.Status, string(j.Request), j.Prompt, j.Model, j.Error, nullInt(j.ItemID),
			j.Attempts, ms(j.CreatedAt), ms(j.StartedAt), ms(j.FinishedAt))
		if err != nil {
			return err
		}
		j.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: saving the job: %w", err)
	}
	return j.ID, nil
}

// UpdateJob saves a job's state (its request and prompt stay as enqueued, for a retry).
func (l *Library) UpdateJob(ctx context.Context, j *Job) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET status=?, error=?, item_id=?, attempts=?, started_at=?, finished_at=? WHERE id=?`,
			j.Status, j.Error, nullInt(j.ItemID), j.Attempts, ms(j.StartedAt), ms(j.FinishedAt), j.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("job %d: %w", j.ID, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: updating a job: %w", err)
	}
	return nil
}

// Job returns one job.
func (l *Library) Job(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(l.r.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: reading job %d: %w", id, err)
	}
	return j, nil
}

// Jobs lists jobs in the given states (all when none), oldest first.
func (l *Library) Jobs(ctx context.Context, statuses ...Status) ([]Job, error) {
	q := `SELECT ` + jobCols + ` FROM jobs`
	var args []any
	if len(statuses) > 0 {
		ph := strings.Repeat("?,", len(statuses))
		q += ` WHERE status IN (` + ph[:len(ph)-1] + `)`
		for _, s := range statuses {
			args = append(args, string(s))
		}
	}
	rows, err := l.r.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: listing jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *j)
	}
	return out, rows.Err()
}

// RecoverJobs, at start, turns the jobs a previous run left running back into queued ones and
// returns every queued job, oldest first.
func (l *Library) RecoverJobs(ctx context.Context) ([]Job, error) {
	if err := l.exec(ctx, `UPDATE jobs SET status = 'queued' WHERE status = 'running'`); err != nil {
		return nil, fmt.Errorf("storage: recovering jobs: %w", err)
	}
	return l.Jobs(ctx, StatusQueued)
}

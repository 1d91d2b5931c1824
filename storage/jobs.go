package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
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
	// Owner is the process that runs the job (see NewOwner); Heartbeat is when it last said it
	// was alive. A queued or running job whose heartbeat is older than the lease is an orphan.
	Owner     string
	Heartbeat time.Time
}

const jobCols = `id, kind, status, request, prompt, model, error, item_id, attempts, created_at, started_at, finished_at, owner, heartbeat`

func scanJob(s scanner) (*Job, error) {
	var j Job
	var req string
	var item sql.NullInt64
	var c, st, f, hb int64
	if err := s.Scan(&j.ID, &j.Kind, &j.Status, &req, &j.Prompt, &j.Model, &j.Error, &item, &j.Attempts, &c, &st, &f, &j.Owner, &hb); err != nil {
		return nil, err
	}
	j.Request = json.RawMessage(req)
	if item.Valid {
		j.ItemID = &item.Int64
	}
	j.CreatedAt, j.StartedAt, j.FinishedAt, j.Heartbeat = fromMS(c), fromMS(st), fromMS(f), fromMS(hb)
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
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, status, request, prompt, model, error, item_id, attempts, created_at, started_at, finished_at, owner, heartbeat)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`, j.Kind, j.Status, string(j.Request), cleanText(j.Prompt), cleanText(j.Model), j.Error, nullInt(j.ItemID),
			j.Attempts, ms(j.CreatedAt), ms(j.StartedAt), ms(j.FinishedAt), j.Owner, ms(j.Heartbeat))
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

// NewOwner names this process for the job queue: its host, its pid and a random id, so that a
// pid reused after a restart is never taken for the process that left a job behind.
func NewOwner() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/pid%d-%s", hostName(), os.Getpid(), hex.EncodeToString(b[:]))
}

func hostName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return strings.ReplaceAll(h, "/", "_")
}

// ownerGone says whether a job's owner is known to have ended: a process of this host whose pid
// no longer runs (a crashed window restarted at once need not wait for the lease). Anything
// else (another host, a pid still in use, even by another program) waits for the lease.
func ownerGone(owner string) bool {
	host, rest, ok := strings.Cut(owner, "/pid")
	if !ok || host != hostName() {
		return false
	}
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}

// live is the SQL condition "the job is still to be run".
const live = `status IN ('queued', 'running')`

// ClaimJob makes a queued or running job run by owner, in one transaction: it succeeds only if
// owner already holds the job or its lease has expired (the owner stopped beating for longer
// than lease). It sets the job running, counts the attempt and returns the job. A job held by
// a live process, or finished, is refused with ErrJobTaken.
func (l *Library) ClaimJob(ctx context.Context, id int64, owner string, lease time.Duration) (*Job, error) {
	if owner == "" {
		return nil, errors.New("storage: claiming a job needs an owner")
	}
	now := time.Now()
	err := l.tx(ctx, func(tx *sql.Tx) error {
		if err := mayTake(ctx, tx, id, owner, lease); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET owner = ?, heartbeat = ?, status = 'running', started_at = ?, attempts = attempts + 1
			WHERE id = ?`, owner, ms(now), ms(now), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: claiming a job: %w", err)
	}
	return l.Job(ctx, id)
}

// ErrJobTaken means another process holds the job (its lease is alive) or it has ended.
var ErrJobTaken = errors.New("the job is held by another process or has ended")

// mayTake says, inside the write transaction that then takes the job, whether owner may: the
// job is still to run, and it is owner's, or its owner's lease has run out, or its owner is
// known to have ended.
func mayTake(ctx context.Context, tx *sql.Tx, id int64, owner string, lease time.Duration) error {
	var status Status
	var holder string
	var beat int64
	err := tx.QueryRowContext(ctx, `SELECT status, owner, heartbeat FROM jobs WHERE id = ?`, id).Scan(&status, &holder, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if status != StatusQueued && status != StatusRunning {
		return fmt.Errorf("job %d: %w", id, ErrJobTaken)
	}
	if holder == owner || beat < ms(time.Now().Add(-lease)) || ownerGone(holder) {
		return nil
	}
	return fmt.Errorf("job %d: %w", id, ErrJobTaken)
}

// AdoptJob takes over an orphan (a queued or running job whose owner's lease expired), leaving
// it queued for owner to run. Only one process can adopt a given orphan.
func (l *Library) AdoptJob(ctx context.Context, id int64, owner string, lease time.Duration) (*Job, error) {
	if owner == "" {
		return nil, errors.New("storage: adopting a job needs an owner")
	}
	now := time.Now()
	err := l.tx(ctx, func(tx *sql.Tx) error {
		if err := mayTake(ctx, tx, id, owner, lease); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET owner = ?, heartbeat = ?, status = 'queued' WHERE id = ?`, owner, ms(now), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: taking over a job: %w", err)
	}
	return l.Job(ctx, id)
}

// DiscardJob cancels an orphan for good (its prompt and request stay, for a retry). A job held
// by a live process is refused with ErrJobTaken.
func (l *Library) DiscardJob(ctx context.Context, id int64, owner string, lease time.Duration) error {
	now := time.Now()
	err := l.tx(ctx, func(tx *sql.Tx) error {
		if err := mayTake(ctx, tx, id, owner, lease); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'canceled', finished_at = ?, owner = ? WHERE id = ?`, ms(now), owner, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: discarding a job: %w", err)
	}
	return nil
}

// OrphanJobs lists the jobs left queued or running by a process that is gone (its lease expired
// or it released them), oldest first. Jobs of live processes are not listed.
func (l *Library) OrphanJobs(ctx context.Context, lease time.Duration) ([]Job, error) {
	// The live jobs are few (a queue, not the history): each owner is looked at in Go.
	rows, err := l.r.QueryContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE `+live+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("storage: listing left-over jobs: %w", err)
	}
	defer rows.Close()
	cutoff := time.Now().Add(-lease)
	gone := map[string]bool{}
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		if _, ok := gone[j.Owner]; !ok {
			gone[j.Owner] = ownerGone(j.Owner)
		}
		if j.Heartbeat.Before(cutoff) || gone[j.Owner] {
			out = append(out, *j)
		}
	}
	return out, rows.Err()
}

// BeatJobs renews owner's lease on every job it still holds.
func (l *Library) BeatJobs(ctx context.Context, owner string) error {
	if err := l.exec(ctx, `UPDATE jobs SET heartbeat = ? WHERE owner = ? AND `+live, ms(time.Now()), owner); err != nil {
		return fmt.Errorf("storage: renewing job leases: %w", err)
	}
	return nil
}

// ReleaseJobs gives up owner's lease on the jobs it has not finished (the process is quitting),
// so that the next window offers them at once instead of after the lease runs out.
func (l *Library) ReleaseJobs(ctx context.Context, owner string) error {
	if err := l.exec(ctx, `UPDATE jobs SET heartbeat = 0 WHERE owner = ? AND `+live, owner); err != nil {
		return fmt.Errorf("storage: releasing jobs: %w", err)
	}
	return nil
}

// UpdateOwnedJob is UpdateJob for the owner of a job: it changes nothing (ErrJobTaken) if
// another process has taken the job over since.
func (l *Library) UpdateOwnedJob(ctx context.Context, j *Job, owner string) error {
	err := l.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET status=?, error=?, item_id=?, attempts=?, started_at=?, finished_at=?, heartbeat=?
			WHERE id=? AND owner=?`,
			j.Status, j.Error, nullInt(j.ItemID), j.Attempts, ms(j.StartedAt), ms(j.FinishedAt), ms(j.Heartbeat), j.ID, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("job %d: %w", j.ID, ErrJobTaken)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: updating a job: %w", err)
	}
	return nil
}

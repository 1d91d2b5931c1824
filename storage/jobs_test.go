package storage

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestJobsLifecycleAndRecovery(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	l := must[*Library](t)(Open(ctx, dir))
	a := &Job{Kind: KindImage, Request: json.RawMessage(`{"image":{"prompt":"a"}}`), Prompt: "a", Model: "flux"}
	b := &Job{Kind: KindImage, Request: json.RawMessage(`{"image":{"prompt":"b"}}`), Prompt: "b"}
	c := &Job{Kind: KindSpeech, Request: json.RawMessage(`{"speech":{"text":"c"}}`), Prompt: "c"}
	for _, j := range []*Job{a, b, c} {
		must[int64](t)(l.EnqueueJob(ctx, j))
	}
	if a.Status != StatusQueued || a.ID == 0 || a.CreatedAt.IsZero() {
		t.Fatalf("enqueued: %+v", a)
	}
	a.Status, a.StartedAt, a.Attempts = StatusRunning, time.Now(), 1
	check(t, l.UpdateJob(ctx, a))
	it := &Item{Kind: KindSpeech, Prompt: "c"}
	must[int64](t)(l.AddItem(ctx, it))
	c.Status, c.Error, c.ItemID, c.FinishedAt = StatusFailed, "402 Payment Required", &it.ID, time.Now()
	check(t, l.UpdateJob(ctx, c))
	check(t, l.Close())

	// A restart: the running job was interrupted and goes back to the queue; the failed one
	// keeps its prompt and request for a retry.
	l = must[*Library](t)(Open(ctx, dir))
	defer l.Close()
	got := must[[]Job](t)(l.RecoverJobs(ctx))
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || got[0].Status != StatusQueued || got[0].Attempts != 1 || got[0].Model != "flux" {
		t.Fatalf("recovered %+v", got)
	}
	failed := must[[]Job](t)(l.Jobs(ctx, StatusFailed))
	if len(failed) != 1 || failed[0].Prompt != "c" || string(failed[0].Request) != `{"speech":{"text":"c"}}` || failed[0].Error != "402 Payment Required" || *failed[0].ItemID != it.ID {
		t.Fatalf("failed job: %+v", failed)
	}
	if all := must[[]Job](t)(l.Jobs(ctx)); len(all) != 3 {
		t.Fatalf("all jobs: %d", len(all))
	}
	one := must[*Job](t)(l.Job(ctx, c.ID))
	if one.FinishedAt.IsZero() || one.Kind != KindSpeech {
		t.Fatalf("job: %+v", one)
	}
	if _, err := l.Job(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing job: %v", err)
	}
	if err := l.UpdateJob(ctx, &Job{ID: 999, Status: StatusDone}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a missing job: %v", err)
	}
	for _, bad := range []*Job{{Kind: KindImage, Request: json.RawMessage(`not json`)}, {Request: json.RawMessage(`{}`)}} {
		if _, err := l.EnqueueJob(ctx, bad); err == nil {
			t.Errorf("%+v must be refused", bad)
		}
	}
}

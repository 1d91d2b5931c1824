package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
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

	// A restart: the jobs nobody holds (no owner beats for them) are left over, the running
	// one included; adopting it queues it again. The failed one keeps its prompt and request
	// for a retry.
	l = must[*Library](t)(Open(ctx, dir))
	defer l.Close()
	got := must[[]Job](t)(l.OrphanJobs(ctx, time.Minute))
	if len(got) != 2 || got[0].ID != a.ID || got[1].ID != b.ID || got[0].Status != StatusRunning || got[0].Attempts != 1 || got[0].Model != "flux" {
		t.Fatalf("left over %+v", got)
	}
	adopted := must[*Job](t)(l.AdoptJob(ctx, a.ID, "me", time.Minute))
	if adopted.Status != StatusQueued || adopted.Owner != "me" {
		t.Fatalf("adopted %+v", adopted)
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

// A job is run by one process at a time: the claim is refused while another owner beats, and
// allowed once its lease has run out (the owner died) or it released the job.
func TestJobLeases(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	j := &Job{Kind: KindImage, Request: json.RawMessage(`{}`), Owner: "a", Heartbeat: time.Now()}
	must[int64](t)(l.EnqueueJob(ctx, j))
	if o := must[[]Job](t)(l.OrphanJobs(ctx, time.Minute)); len(o) != 0 {
		t.Fatalf("a held job is not an orphan: %+v", o)
	}
	for _, f := range []func() error{
		func() error { _, err := l.ClaimJob(ctx, j.ID, "b", time.Minute); return err },
		func() error { _, err := l.AdoptJob(ctx, j.ID, "b", time.Minute); return err },
		func() error { return l.DiscardJob(ctx, j.ID, "b", time.Minute) },
		func() error { return l.UpdateOwnedJob(ctx, &Job{ID: j.ID, Status: StatusDone}, "b") },
	} {
		if err := f(); !errors.Is(err, ErrJobTaken) {
			t.Fatalf("another process touched a held job: %v", err)
		}
	}
	got := must[*Job](t)(l.ClaimJob(ctx, j.ID, "a", time.Minute))
	if got.Status != StatusRunning || got.Attempts != 1 || got.Owner != "a" {
		t.Fatalf("claimed %+v", got)
	}
	check(t, l.BeatJobs(ctx, "a"))
	// The owner goes quiet for longer than the lease (here: a lease of zero).
	check(t, l.ReleaseJobs(ctx, "a"))
	if o := must[[]Job](t)(l.OrphanJobs(ctx, time.Minute)); len(o) != 1 || o[0].ID != j.ID {
		t.Fatalf("a released job is an orphan: %+v", o)
	}
	if _, err := l.ClaimJob(ctx, j.ID, "b", time.Minute); err != nil {
		t.Fatalf("an orphan may be taken over: %v", err)
	}
	if _, err := l.ClaimJob(ctx, j.ID, "c", time.Minute); !errors.Is(err, ErrJobTaken) {
		t.Fatalf("taken over twice: %v", err)
	}
	check(t, l.UpdateOwnedJob(ctx, &Job{ID: j.ID, Status: StatusDone}, "b"))
	if _, err := l.ClaimJob(ctx, j.ID, "b", 0); !errors.Is(err, ErrJobTaken) {
		t.Fatalf("a finished job claimed: %v", err)
	}
}

// A job whose owner was a process of this host that has ended is an orphan at once, without
// waiting for its lease: a window restarted right after a crash offers its jobs again. A job
// of a process that still runs is not, however fresh or old its pid.
func TestJobOfAnEndedProcessIsAnOrphanAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	l := openTemp(t)
	ctx := context.Background()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	check(t, cmd.Run())
	deadPid := cmd.Process.Pid
	dead := &Job{Kind: KindImage, Request: json.RawMessage(`{}`), Status: StatusRunning, Heartbeat: time.Now(),
		Owner: fmt.Sprintf("%s/pid%d-0123", hostName(), deadPid)}
	alive := &Job{Kind: KindImage, Request: json.RawMessage(`{}`), Status: StatusRunning, Heartbeat: time.Now(),
		Owner: fmt.Sprintf("%s/pid%d-4567", hostName(), os.Getppid())}
	elsewhere := &Job{Kind: KindImage, Request: json.RawMessage(`{}`), Status: StatusRunning, Heartbeat: time.Now(),
		Owner: fmt.Sprintf("another-host/pid%d-89ab", deadPid)}
	for _, j := range []*Job{dead, alive, elsewhere} {
		must[int64](t)(l.EnqueueJob(ctx, j))
	}
	o := must[[]Job](t)(l.OrphanJobs(ctx, time.Hour))
	if len(o) != 1 || o[0].ID != dead.ID {
		t.Fatalf("orphans %+v", o)
	}
	if _, err := l.AdoptJob(ctx, alive.ID, "me", time.Hour); !errors.Is(err, ErrJobTaken) {
		t.Fatalf("a live process's job adopted: %v", err)
	}
	if _, err := l.AdoptJob(ctx, elsewhere.ID, "me", time.Hour); !errors.Is(err, ErrJobTaken) {
		t.Fatalf("another host's job adopted before its lease ran out: %v", err)
	}
	if j, err := l.AdoptJob(ctx, dead.ID, "me", time.Hour); err != nil || j.Owner != "me" {
		t.Fatalf("the ended process's job: %+v %v", j, err)
	}
}

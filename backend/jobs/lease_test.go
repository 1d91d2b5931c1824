package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
	"pollinations-studio/storage"
)

// imageRequests counts the image generations the simulator has finished answering.
func imageRequests(s *sim.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.HasPrefix(r.Path, "/image/") && r.Path != "/image/models" {
			n++
		}
	}
	return n
}

// settle waits until the simulator has recorded want image requests (it records a request when
// its handler returns, just after the client has the answer), then makes sure no more come.
func settle(t *testing.T, s *sim.Server, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for imageRequests(s) < want && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if got := imageRequests(s); got != want {
		t.Fatalf("the simulator answered %d image requests, want %d", got, want)
	}
}

// leftBehind writes a job as a process that died while running it would have left it: running,
// owned by a process that stopped beating long ago.
func leftBehind(t *testing.T, lib *storage.Library, prompt string) int64 {
	t.Helper()
	body, _ := json.Marshal(Request{Image: &api.ImageRequest{Prompt: prompt, Model: "flux", Width: 64, Height: 64}})
	old := time.Now().Add(-time.Hour)
	id, err := lib.EnqueueJob(context.Background(), &storage.Job{Kind: storage.KindImage, Status: Running, Request: body,
		Prompt: prompt, CreatedAt: old, StartedAt: old, Owner: "pid1-dead", Heartbeat: old})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestStartDoesNotRunAnotherProcesssJobs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dead := leftBehind(t, f.lib, "left by a killed command")
	svc := f.service(t, "secret", true)
	id, err := svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: "mine", Model: "flux", Width: 64, Height: 64}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Wait(ctx, id); err != nil {
		t.Fatal(err)
	}
	svc.Close()
	settle(t, f.sim, 1) // mine only: the dead command's job was not re-run (nor billed)
	j, err := f.lib.Job(ctx, dead)
	if err != nil || j.Status != Running || j.Owner != "pid1-dead" || j.Attempts != 0 {
		t.Fatalf("the left-over job was touched: %+v %v", j, err)
	}
}

func TestOrphansAreOfferedAndResumedOrDiscarded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := leftBehind(t, f.lib, "resume me")
	b := leftBehind(t, f.lib, "discard me")
	svc := f.service(t, "secret", true)
	orphans, err := svc.Orphans(ctx)
	if err != nil || len(orphans) != 2 || orphans[0].ID != a || orphans[1].ID != b {
		t.Fatalf("orphans %+v %v", orphans, err)
	}
	if err := svc.Discard(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := svc.Resume(ctx, a); err != nil {
		t.Fatal(err)
	}
	it, err := svc.Wait(ctx, a)
	if err != nil || it.Prompt != "resume me" {
		t.Fatalf("resumed: %+v %v", it, err)
	}
	if j, _ := f.lib.Job(ctx, b); j.Status != Canceled || j.Prompt != "discard me" {
		t.Fatalf("discarded job: %+v", j)
	}
	if err := svc.Resume(ctx, b); !errors.Is(err, storage.ErrJobTaken) {
		t.Fatalf("a discarded job must not resume: %v", err)
	}
	if left, _ := svc.Orphans(ctx); len(left) != 0 {
		t.Fatalf("still offered: %+v", left)
	}
	svc.Close()
	settle(t, f.sim, 1)
}

// The window and a command on one library: two services, two connections. Neither runs, lists
// or takes over the other's jobs, queued or running, so no job is paid for twice.
func TestTwoServicesNeverRunOneJobTwice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lib2, err := storage.Open(ctx, f.lib.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer lib2.Close()
	// The "window" has no client yet: its jobs stay queued while the "command" runs.
	window := New(Config{Library: f.lib})
	if err := window.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer window.Close()
	var queued []int64
	for i := 0; i < 3; i++ {
		id, err := window.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: fmt.Sprintf("window %d", i), Model: "flux", Width: 64, Height: 64}})
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, id)
	}
	command := New(Config{Library: lib2, Client: f.client(t, "secret"), MaxConcurrent: 1})
	command.SetPaid(true)
	if err := command.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if o, err := command.Orphans(ctx); err != nil || len(o) != 0 {
		t.Fatalf("a live window's jobs are not orphans: %+v %v", o, err)
	}
	for _, id := range queued {
		if err := command.Resume(ctx, id); !errors.Is(err, storage.ErrJobTaken) {
			t.Fatalf("job %d of a live window taken over: %v", id, err)
		}
	}
	id, err := command.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: "command", Model: "flux", Width: 64, Height: 64}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := command.Wait(ctx, id); err != nil {
		t.Fatal(err)
	}
	command.Close()
	settle(t, f.sim, 1)
	// The window gets its key and runs its own three, once each.
	window.SetClient(f.client(t, "secret"))
	window.SetPaid(true)
	for _, id := range queued {
		if _, err := window.Wait(ctx, id); err != nil {
			t.Fatal(err)
		}
		j, _ := f.lib.Job(ctx, id)
		if j.Attempts != 1 || j.Status != Done {
			t.Fatalf("job %d: %+v", id, j)
		}
	}
	settle(t, f.sim, 4)
	// A claim by the other service on a job the window holds is refused in one transaction.
	if _, err := lib2.ClaimJob(ctx, queued[0], "pid2-other", time.Minute); !errors.Is(err, storage.ErrJobTaken) {
		t.Fatalf("claim of a finished job: %v", err)
	}
}

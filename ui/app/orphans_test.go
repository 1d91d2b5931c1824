package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit/kittest"
)

// leftBehind writes a job as a window that crashed while running it leaves it: running, owned
// by a process whose lease ran out an hour ago.
func leftBehind(t *testing.T, l *lib.Library, prompt string) int64 {
	t.Helper()
	body, _ := json.Marshal(jobs.Request{Image: &api.ImageRequest{Prompt: prompt, Model: "flux", Width: 64, Height: 64}})
	old := time.Now().Add(-time.Hour)
	id, err := l.EnqueueJob(context.Background(), &lib.Job{Kind: lib.KindImage, Status: jobs.Running, Request: body,
		Prompt: prompt, CreatedAt: old, StartedAt: old, Owner: "pid1-dead", Heartbeat: old})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func imageRequests(s *sim.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.HasPrefix(r.Path, "/image/") && r.Path != "/image/models" {
			n++
		}
	}
	return n
}

// A job an earlier run left behind is shown paused; nothing runs until Resume, which runs it
// once; Discard drops the other without running it.
func TestLeftOverJobsWaitForTheUser(t *testing.T) {
	dir := t.TempDir()
	var resumeID, discardID int64
	h := newHarnessAt(t, "secret", dir, func(l *lib.Library) {
		resumeID = leftBehind(t, l, "a lighthouse left running")
		discardID = leftBehind(t, l, "a kite left running")
	})
	h.eventually("the key", h.s.HasKey)
	var shown string
	var rows int
	h.ui(func() {
		if h.s.orphans.content.Visible() {
			shown = kittest.Text(h.s.orphans.content)
		}
		rows = len(h.s.orphans.rows)
	})
	if rows != 2 || !strings.Contains(shown, "paused") || !strings.Contains(shown, "a lighthouse left running") {
		t.Fatalf("the left-over jobs must be offered, paused: %d rows, %q", rows, shown)
	}
	// The scheduler has a key and nothing to run: the orphans wait for a click.
	h.eventually("the catalogue", func() bool { return len(h.s.Models("image")) > 0 })
	if n := imageRequests(h.sim); n != 0 {
		t.Fatalf("nothing may run before Resume: %d image requests", n)
	}
	h.ui(func() { test.Tap(h.s.orphans.rows[resumeID].resume) })
	h.eventually("the resumed job done", func() bool {
		j, err := h.s.lib.Job(context.Background(), resumeID)
		return err == nil && j.Status == jobs.Done
	})
	h.ui(func() { test.Tap(h.s.orphans.rows[discardID].discard) })
	h.eventually("both rows gone", func() bool { return len(h.s.orphans.rows) == 0 && !h.s.orphans.content.Visible() })
	j, err := h.s.lib.Job(context.Background(), discardID)
	if err != nil || j.Status != jobs.Canceled || j.Attempts != 0 {
		t.Fatalf("the discarded job: %+v %v", j, err)
	}
	if j, _ := h.s.lib.Job(context.Background(), resumeID); j.Status != jobs.Done || j.Attempts != 1 {
		t.Fatalf("the resumed job ran %d times (%s), want once", j.Attempts, j.Status)
	}
	if n := imageRequests(h.sim); n != 1 {
		t.Fatalf("the simulator answered %d image requests, want 1 (the resumed job only)", n)
	}
}

// A job another process took first (here: discarded behind the window's back, as a command
// would) is not run: a calm note, and its row goes.
func TestLeftOverJobTakenElsewhereIsDropped(t *testing.T) {
	dir := t.TempDir()
	var id int64
	h := newHarnessAt(t, "secret", dir, func(l *lib.Library) { id = leftBehind(t, l, "taken elsewhere") })
	other, err := lib.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.AdoptJob(context.Background(), id, "pid2-command", time.Hour); err != nil {
		t.Fatal(err)
	}
	h.ui(func() { test.Tap(h.s.orphans.rows[id].resume) })
	h.eventually("the row gone", func() bool { return len(h.s.orphans.rows) == 0 })
	var note string
	h.ui(func() { note = h.s.orphans.note.Text })
	if !strings.Contains(note, "another Pollinations Studio process") {
		t.Fatalf("the note: %q", note)
	}
	if errs := h.s.win.Canvas().Overlays().Top(); errs != nil {
		t.Fatalf("a job taken elsewhere is not an error: %q", kittest.Text(errs))
	}
	if n := imageRequests(h.sim); n != 0 {
		t.Fatalf("a job taken elsewhere must not run here: %d requests", n)
	}
}

// "Resume all" runs every left-over job once; "Discard all" (on another library) runs none.
func TestLeftOverJobsAllAtOnce(t *testing.T) {
	for _, resume := range []bool{true, false} {
		// One shell at a time: each subtest's cleanup closes its window before the next opens.
		t.Run(map[bool]string{true: "resume", false: "discard"}[resume], func(t *testing.T) { leftOverAll(t, resume) })
	}
}

func leftOverAll(t *testing.T, resume bool) {
	var ids []int64
	h := newHarnessAt(t, "secret", t.TempDir(), func(l *lib.Library) {
		ids = append(ids, leftBehind(t, l, "first"), leftBehind(t, l, "second"))
	})
	h.eventually("the key", h.s.HasKey)
	h.ui(func() {
		if resume {
			test.Tap(h.s.orphans.resumeAll)
		} else {
			test.Tap(h.s.orphans.discardAll)
		}
	})
	want, runs := jobs.Canceled, 0
	if resume {
		want, runs = jobs.Done, 1
	}
	for _, id := range ids {
		h.eventually("the job settled", func() bool {
			j, err := h.s.lib.Job(context.Background(), id)
			return err == nil && j.Status == want
		})
		if j, _ := h.s.lib.Job(context.Background(), id); j.Attempts != runs {
			t.Fatalf("resume=%v: job %d ran %d times, want %d", resume, id, j.Attempts, runs)
		}
	}
	h.eventually("the banner gone", func() bool { return !h.s.orphans.content.Visible() })
	if n := imageRequests(h.sim); n != 2*runs {
		t.Fatalf("resume=%v: %d image requests, want %d", resume, n, 2*runs)
	}
}

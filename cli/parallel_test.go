package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"pollinations-studio/storage"
)

// TestCLIChild is a command run as its own process by the tests below: it waits for the go
// (its stdin closing), then runs the arguments in CLI_CHILD_ARGS (JSON) with the environment.
func TestCLIChild(t *testing.T) {
	raw := os.Getenv("CLI_CHILD_ARGS")
	if raw == "" {
		t.Skip("run by TestParallelCommandsRunEachJobOnce")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, os.Stdin)
	os.Exit(Run(context.Background(), args, Env{Stdout: os.Stdout, Stderr: os.Stderr}))
}

func (h *harness) child(t *testing.T, args ...string) (*exec.Cmd, io.WriteCloser, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$", "-test.count=1")
	raw, _ := json.Marshal(args)
	cmd.Env = append(os.Environ(), "CLI_CHILD_ARGS="+string(raw))
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, in, &out
}

// Six image commands started together on one library, against one simulator: each runs its
// own job only, so there are six items and six generations (before: 21 items from 6 jobs, as
// every command also ran the others' queued jobs). A job a killed command left behind is not
// run by any of them.
func TestParallelCommandsRunEachJobOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	h := newHarness(t)
	ctx := context.Background()
	// What a command killed mid-generation leaves: a running job whose owner stopped beating.
	lib, err := storage.Open(ctx, h.env["POLLINATIONS_STUDIO_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	dead, err := lib.EnqueueJob(ctx, &storage.Job{Kind: storage.KindImage, Status: storage.StatusRunning,
		Request: json.RawMessage(`{"image":{"prompt":"killed","width":64,"height":64}}`), Prompt: "killed",
		CreatedAt: old, StartedAt: old, Owner: "pid1-killed", Heartbeat: old})
	if err != nil {
		t.Fatal(err)
	}
	lib.Close()

	const n = 6
	type proc struct {
		cmd *exec.Cmd
		in  io.WriteCloser
		out *strings.Builder
	}
	var ps []proc
	for i := 0; i < n; i++ {
		cmd, in, out := h.child(t, "image", fmt.Sprintf("fox number %d", i), "-o", h.path(fmt.Sprintf("fox%d.jpg", i)),
			"--width", "64", "--height", "64")
		ps = append(ps, proc{cmd, in, out})
	}
	for _, p := range ps {
		p.in.Close()
	}
	for i, p := range ps {
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("command %d: %v\n%s", i, err, p.out.String())
		}
	}
	lib, err = storage.Open(ctx, h.env["POLLINATIONS_STUDIO_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	ids, err := lib.IDs(ctx, storage.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n {
		t.Errorf("%d items from %d commands", len(ids), n)
	}
	// The simulator records a request when its handler returns, just after the answer.
	for deadline := time.Now().Add(5 * time.Second); h.generations() < n && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
	if got := h.generations(); got != n {
		t.Errorf("%d generations requested (and billed) for %d commands", got, n)
	}
	j, err := lib.Job(ctx, dead)
	if err != nil || j.Status != storage.StatusRunning || j.Owner != "pid1-killed" || j.Attempts != 0 {
		t.Errorf("the killed command's job was run again: %+v %v", j, err)
	}
	done, _ := lib.Jobs(ctx, storage.StatusDone)
	if len(done) != n {
		t.Errorf("%d jobs done, want %d", len(done), n)
	}
}

package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestParallelOpenChild is a child of TestParallelFirstOpen: it waits for the go (its stdin
// closing), opens the library and writes one item.
func TestParallelOpenChild(t *testing.T) {
	dir := os.Getenv("STORAGE_OPEN_CHILD")
	if dir == "" {
		t.Skip("run by TestParallelFirstOpen")
	}
	io.Copy(io.Discard, os.Stdin)
	ctx := context.Background()
	l, err := Open(ctx, dir)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	if _, err := l.AddItem(ctx, &Item{Kind: KindText, Prompt: fmt.Sprintf("from %d", os.Getpid())}); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(4)
	}
	l.Close()
	fmt.Println("OK")
}

// Six processes opening a brand-new library at the same moment all succeed: one creates the
// schema, the others wait for its write transaction and find it done.
func TestParallelFirstOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	const n = 6
	for round := 0; round < 3; round++ {
		dir := filepath.Join(t.TempDir(), "new library")
		type child struct {
			cmd   *exec.Cmd
			stdin io.WriteCloser
			out   *strings.Builder
		}
		var cs []child
		for i := 0; i < n; i++ {
			cmd := exec.Command(os.Args[0], "-test.run=^TestParallelOpenChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "STORAGE_OPEN_CHILD="+dir)
			in, err := cmd.StdinPipe()
			check(t, err)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			check(t, cmd.Start())
			cs = append(cs, child{cmd, in, &out})
		}
		for _, c := range cs {
			c.stdin.Close() // go
		}
		ok := 0
		for _, c := range cs {
			err := c.cmd.Wait()
			if err == nil && strings.Contains(c.out.String(), "OK") {
				ok++
			} else {
				t.Errorf("round %d: a process failed to open the new library: %v\n%s", round, err, c.out.String())
			}
		}
		l := must[*Library](t)(Open(context.Background(), dir))
		ids := must[[]int64](t)(l.IDs(context.Background(), Query{}))
		l.Close()
		if ok != n || len(ids) != n {
			t.Fatalf("round %d: %d of %d opened, %d items", round, ok, n, len(ids))
		}
	}
}

// The library holds prompts, chats and media of one person: its folders are 0700 and its
// database files and media 0600, on a new library and on one an older version left open.
func TestLibraryIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes do not apply")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "lib")
	l := must[*Library](t)(Open(ctx, dir))
	hash := must[string](t)(l.PutMedia(ctx, strings.NewReader("secret picture"), ".png"))
	must[int64](t)(l.AddItem(ctx, &Item{Kind: KindImage, Prompt: "private", MediaHash: hash}))
	media := l.MediaPath(hash)
	checkModes := func(when string) {
		t.Helper()
		for p, want := range map[string]os.FileMode{
			dir: 0o700, filepath.Join(dir, "media"): 0o700, filepath.Dir(media): 0o700, filepath.Join(dir, "thumbs"): 0o700,
			filepath.Join(dir, "library.db"): 0o600, filepath.Join(dir, "library.db-wal"): 0o600,
			filepath.Join(dir, "library.db-shm"): 0o600, media: 0o600,
		} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if st.Mode().Perm() != want {
				t.Errorf("%s: %s is %v, want %v", when, p, st.Mode().Perm(), want)
			}
		}
	}
	checkModes("new library")
	// What an older version left: everything readable by others.
	for _, p := range []string{dir, filepath.Join(dir, "media"), filepath.Dir(media), filepath.Join(dir, "thumbs")} {
		check(t, os.Chmod(p, 0o755))
	}
	for _, p := range []string{"library.db", "library.db-wal", "library.db-shm"} {
		check(t, os.Chmod(filepath.Join(dir, p), 0o644))
	}
	check(t, os.Chmod(media, 0o644))
	check(t, l.Close())
	l = must[*Library](t)(Open(ctx, dir))
	defer l.Close()
	must[ReconcileReport](t)(l.WaitReconcile(ctx))
	checkModes("reopened")
}

// A second window on one library is refused with a clear message; the lock is free again once
// the first lets go.
func TestWindowLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lib")
	first, err := LockWindow(dir)
	check(t, err)
	if _, err := LockWindow(dir); !errors.Is(err, ErrAlreadyOpen) {
		t.Fatalf("a second window: %v", err)
	} else if !strings.Contains(err.Error(), "already open on this library") {
		t.Fatalf("unclear message: %v", err)
	}
	// Commands do not take it: the library still opens.
	l := must[*Library](t)(Open(context.Background(), dir))
	l.Close()
	check(t, first.Unlock())
	again, err := LockWindow(dir)
	check(t, err)
	check(t, again.Unlock())
}

// TestWindowLockChild holds the window lock until its stdin closes.
func TestWindowLockChild(t *testing.T) {
	dir := os.Getenv("STORAGE_LOCK_CHILD")
	if dir == "" {
		t.Skip("run by TestWindowLockAcrossProcesses")
	}
	if _, err := LockWindow(dir); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	fmt.Println("LOCKED")
	io.Copy(io.Discard, os.Stdin)
}

// Another process's window holds the lock while it runs; when it ends (even killed), the lock
// goes with it.
func TestWindowLockAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWindowLockChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STORAGE_LOCK_CHILD="+dir)
	in, err := cmd.StdinPipe()
	check(t, err)
	out, err := cmd.StdoutPipe()
	check(t, err)
	check(t, cmd.Start())
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "LOCKED" {
		t.Fatalf("child: %q", sc.Text())
	}
	if _, err := LockWindow(dir); !errors.Is(err, ErrAlreadyOpen) {
		t.Fatalf("while another window runs: %v", err)
	}
	check(t, cmd.Process.Kill())
	in.Close()
	cmd.Wait()
	w, err := LockWindow(dir)
	if err != nil {
		t.Fatalf("after the other window died: %v", err)
	}
	w.Unlock()
}

// Text is cleaned at the edge: NUL bytes go, invalid UTF-8 becomes U+FFFD, so what is saved
// reads back, is found by search and exports as it was given.
func TestItemTextIsCleaned(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	it := &Item{Kind: KindText, Prompt: "a fox\x00 in snow", ModelUsed: "flux\xff\xfe", Text: "ok\x00",
		Tags: []string{"t\x00ag"}, Params: []byte("{\"model\":\"m\xff\"}")}
	must[int64](t)(l.AddItem(ctx, it))
	got := must[*Item](t)(l.Item(ctx, it.ID))
	if got.Prompt != "a fox in snow" || got.ModelUsed != "flux\uFFFD" || got.Text != "ok" || got.Tags[0] != "tag" {
		t.Fatalf("saved %q %q %q %q", got.Prompt, got.ModelUsed, got.Text, got.Tags)
	}
	if string(got.Params) != "{\"model\":\"m\uFFFD\"}" {
		t.Fatalf("params %q", got.Params)
	}
	if p := must[Page](t)(l.Search(ctx, Query{Text: "fox in snow"})); len(p.Items) != 1 {
		t.Fatalf("search after cleaning: %d", len(p.Items))
	}
	chat := must[int64](t)(l.NewChat(ctx, "c\x00hat", "openai", ""))
	mid := must[int64](t)(l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "hel\x00lo", Model: "x\xff"}))
	if ms := must[[]Message](t)(l.Messages(ctx, chat)); len(ms) != 1 || ms[0].Content != "hello" || ms[0].Model != "x\uFFFD" {
		t.Fatalf("message %+v", ms)
	}
	check(t, l.UpdateMessage(ctx, &Message{ID: mid, Content: "again\x00", Status: StatusDone}))
	if ms := must[[]Message](t)(l.Messages(ctx, chat)); ms[0].Content != "again" {
		t.Fatalf("updated message %q", ms[0].Content)
	}
	j := &Job{Kind: KindText, Request: []byte(`{}`), Prompt: "p\x00", Model: "m\xff"}
	must[int64](t)(l.EnqueueJob(ctx, j))
	if gj := must[*Job](t)(l.Job(ctx, j.ID)); gj.Prompt != "p" || gj.Model != "m\uFFFD" {
		t.Fatalf("job %q %q", gj.Prompt, gj.Model)
	}
}

package storage

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrashChild is the child of TestCrashSafety: it writes generations as fast as it can and
// prints the id of each one once it is committed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("STORAGE_CRASH_CHILD")
	if dir == "" {
		t.Skip("run by TestCrashSafety")
	}
	ctx := context.Background()
	l, err := Open(ctx, dir)
	if err != nil {
		fmt.Println("OPEN-ERROR", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		data := []byte(fmt.Sprintf("media %d %d", os.Getpid(), i))
		hash, err := l.PutMedia(ctx, strings.NewReader(string(data)), ".bin")
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(4)
		}
		it := &Item{Kind: KindImage, Prompt: fmt.Sprintf("crash test %d", i), MediaHash: hash, ContentType: "application/octet-stream"}
		if _, err := l.AddItem(ctx, it); err != nil {
			fmt.Println("ERROR", err)
			os.Exit(4)
		}
		if i%5 == 0 {
			chat := it.ID
			l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "hello"})
			l.SetSegments(ctx, it.ID, []Segment{{0, 1, "a", ""}, {1, 2, "b", ""}})
		}
		fmt.Fprintln(out, it.ID)
		out.Flush()
	}
}

// TestCrashSafety kills a writing child with SIGKILL at random moments, 50 times, and checks the
// library after each: it opens, passes integrity_check, no row points at a missing file, and
// every generation the child reported committed is there.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("long test")
	}
	dir := t.TempDir()
	ctx := context.Background()
	committed := map[int64]bool{}
	for round := 0; round < 50; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
		cmd.Env = append(os.Environ(), "STORAGE_CRASH_CHILD="+dir)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1<<16)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		time.Sleep(time.Duration(30+rand.IntN(150)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		for line := range lines {
			if strings.HasPrefix(line, "ERROR") || strings.HasPrefix(line, "OPEN-ERROR") {
				t.Fatalf("round %d: child failed: %s", round, line)
			}
			if id, err := strconv.ParseInt(line, 10, 64); err == nil {
				committed[id] = true
			}
		}
		l, err := Open(ctx, dir)
		if err != nil {
			t.Fatalf("round %d: the library does not open after a crash: %v", round, err)
		}
		if err := l.IntegrityCheck(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		ids, err := l.IDs(ctx, Query{})
		if err != nil {
			t.Fatal(err)
		}
		have := map[int64]bool{}
		for _, id := range ids {
			have[id] = true
		}
		for id := range committed {
			if !have[id] {
				t.Fatalf("round %d: committed item %d is lost", round, id)
			}
		}
		items, err := l.Items(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if _, err := os.Stat(it.MediaPath); err != nil {
				t.Fatalf("round %d: item %d points at a missing file", round, it.ID)
			}
		}
		l.Close()
	}
	if len(committed) < 100 {
		t.Fatalf("only %d generations were written across 50 rounds: the test did not exercise much", len(committed))
	}
	t.Logf("%d generations committed across 50 kills, none lost", len(committed))
}

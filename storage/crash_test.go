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
// prints each id once everything about it is committed ("I id", "C id" for a chat with one
// message, "S id" for a transcript with two segments). It also trashes and empties items it
// never reports, so deletes are cut short too.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("STORAGE_CRASH_CHILD")
	if dir == "" {
		t.Skip("run by TestCrashSafety")
	}
	ctx := context.Background()
	l, err := Open(ctx, dir)
	if err != nil {
		fmt.Println("ERROR open:", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	fail := func(err error) {
		say("ERROR %v", err)
		os.Exit(4)
	}
	say("READY")
	for i := 0; ; i++ {
		data := fmt.Sprintf("media %d %d %d", os.Getpid(), i, time.Now().UnixNano())
		hash, err := l.PutMedia(ctx, strings.NewReader(data), ".bin")
		if err != nil {
			fail(err)
		}
		it := &Item{Kind: KindImage, Prompt: fmt.Sprintf("crash test %d", i), MediaHash: hash, ContentType: "application/octet-stream",
			Tags: []string{"crash"}}
		if _, err := l.AddItem(ctx, it); err != nil {
			fail(err)
		}
		say("I %d", it.ID)
		switch i % 5 {
		case 1:
			chat, err := l.NewChat(ctx, "crash chat", "openai", "")
			if err == nil {
				_, err = l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "hello " + strconv.Itoa(i)})
			}
			if err != nil {
				fail(err)
			}
			say("C %d", chat)
		case 2:
			tr := &Item{Kind: KindTranscript, Text: "a b"}
			_, err := l.AddItem(ctx, tr)
			if err == nil {
				err = l.SetSegments(ctx, tr.ID, []Segment{{0, 1, "a", ""}, {1, 2, "b", ""}})
			}
			if err != nil {
				fail(err)
			}
			say("S %d", tr.ID)
		case 3:
			// A throwaway generation, trashed and emptied (rows first, then its file).
			h, err := l.PutMedia(ctx, strings.NewReader(data+" throwaway"), ".bin")
			if err != nil {
				fail(err)
			}
			tmp := &Item{Kind: KindImage, MediaHash: h}
			if _, err := l.AddItem(ctx, tmp); err != nil {
				fail(err)
			}
			if err := l.Trash(ctx, tmp.ID); err != nil {
				fail(err)
			}
			if _, err := l.EmptyTrash(ctx); err != nil {
				fail(err)
			}
		}
	}
}

// TestCrashSafety kills a writing child with SIGKILL at random moments, 50 times, and checks the
// library after each: it opens, passes integrity_check, no row points at a missing file, and
// every generation the child reported committed is there with its messages and segments.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process 50 times")
	}
	dir := t.TempDir()
	ctx := context.Background()
	items, chats, transcripts := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	start := time.Now()
	const rounds = 50
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STORAGE_CRASH_CHILD="+dir)
		stdout, err := cmd.StdoutPipe()
		check(t, err)
		check(t, cmd.Start())
		lines := make(chan string, 1<<16)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill it 20-150 ms into its writing (after it has opened the library).
		var got []string
		select {
		case l, ok := <-lines:
			if !ok || l != "READY" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("round %d: the child did not start: %q", round, l)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: the child did not start in time", round)
		}
		time.Sleep(time.Duration(20+rand.IntN(131)) * time.Millisecond)
		check(t, cmd.Process.Signal(syscall.SIGKILL))
		cmd.Wait()
		for line := range lines {
			got = append(got, line)
		}
		for _, line := range got {
			if strings.HasPrefix(line, "ERROR") {
				t.Fatalf("round %d: the child failed: %s", round, line)
			}
			var tag string
			var id int64
			if _, err := fmt.Sscanf(line, "%s %d", &tag, &id); err != nil {
				continue // test framework noise
			}
			map[string]map[int64]bool{"I": items, "C": chats, "S": transcripts}[tag][id] = true
		}

		l, err := Open(ctx, dir)
		if err != nil {
			t.Fatalf("round %d: the library does not open after a crash: %v", round, err)
		}
		if err := l.IntegrityCheck(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		rep, err := l.WaitReconcile(ctx)
		if err != nil || rep.Missing != 0 {
			t.Fatalf("round %d: reconcile found rows without files: %+v %v", round, rep, err)
		}
		have := map[int64]bool{}
		for _, id := range must[[]int64](t)(l.IDs(ctx, Query{})) {
			have[id] = true
		}
		for _, set := range []map[int64]bool{items, chats, transcripts} {
			for id := range set {
				if !have[id] {
					t.Fatalf("round %d: committed item %d is lost", round, id)
				}
			}
		}
		for _, it := range must[[]Item](t)(l.Items(ctx, must[[]int64](t)(l.IDs(ctx, Query{Kinds: []Kind{KindImage}})))) {
			if it.Missing || !fileExists(it.MediaPath) {
				t.Fatalf("round %d: item %d points at a missing file", round, it.ID)
			}
		}
		for id := range chats {
			if msgs, err := l.Messages(ctx, id); err != nil || len(msgs) != 1 {
				t.Fatalf("round %d: chat %d has %d messages (%v)", round, id, len(msgs), err)
			}
		}
		for id := range transcripts {
			if segs, err := l.Segments(ctx, id); err != nil || len(segs) != 2 {
				t.Fatalf("round %d: transcript %d has %d segments (%v)", round, id, len(segs), err)
			}
		}
		check(t, l.Close())
	}
	if len(items) < rounds {
		t.Fatalf("only %d generations were written across %d rounds: the test did not exercise much", len(items), rounds)
	}
	t.Logf("%d generations, %d chats, %d transcripts committed across %d kills in %v; none lost",
		len(items), len(chats), len(transcripts), rounds, time.Since(start).Round(time.Millisecond))
}

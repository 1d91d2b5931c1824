package cli

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/sim"
	"pollinations-studio/storage"
)

// imageRequests counts the generations the simulator answered (not the catalogue).
func (h *harness) generations() int {
	n := 0
	for _, r := range h.sim.Requests() {
		for _, p := range []string{"/image/", "/video/", "/audio/", "/v1/audio/"} {
			if strings.HasPrefix(r.Path, p) && !strings.HasSuffix(r.Path, "/models") {
				n++
				break
			}
		}
	}
	return n
}

// A bad -o is found before anything is asked of the API (nothing is paid for), and reported as
// the file error it is (exit 1), not as a network failure.
func TestBadOutputIsRefusedBeforePaying(t *testing.T) {
	h := newHarness(t)
	folder := h.path("a folder")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	talk := h.voiceWAV("talk.wav", 5)
	for _, tc := range []struct{ name, out string }{
		{"missing folder", h.path("no such folder/cat.jpg")},
		{"onto a folder", folder},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{
				{"image", "a cat", "-o", tc.out},
				{"speak", "hello", "-o", tc.out},
				{"video", "a cat", "-o", tc.out},
				{"music", "a waltz", "-o", tc.out, "--duration", "5"},
				{"sound", "a door", "-o", tc.out, "--duration", "2"},
				{"isolate", talk, "-o", tc.out},
				{"revoice", talk, "--voice", "onyx", "-o", tc.out},
			} {
				code, _, stderr := h.run(args...)
				if code != ExitFailure {
					t.Errorf("%s: exit %d, want %d (%s)", args[0], code, ExitFailure, stderr)
				}
				if !strings.Contains(stderr, tc.out) {
					t.Errorf("%s: the error does not name the file: %s", args[0], stderr)
				}
			}
			if n := h.generations(); n != 0 {
				t.Fatalf("%d requests were made (and paid for) before the output was checked", n)
			}
		})
	}
}

// A file that is not audio, under an audio name, is refused before it is copied into the
// library or sent: nothing is left in media/ with no item pointing at it.
func TestTranscribeRefusesANonAudioFileBeforeCopying(t *testing.T) {
	h := newHarness(t)
	notes := h.path("notes.mp3")
	if err := os.WriteFile(notes, []byte("these are my private notes, not audio\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := h.run("transcribe", notes)
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d: %s", code, ExitUsage, stderr)
	}
	var files []string
	filepath.WalkDir(filepath.Join(h.dir, "library", "media"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("left in the library: %v", files)
	}
	if n := len(h.sim.Requests()); n != 0 {
		t.Fatalf("%d requests made", n)
	}
}

// A generation interrupted by Ctrl-C ends canceled: it is not left as unfinished work for the
// window to offer again (nor for anyone to run and bill).
func TestInterruptedCommandCancelsItsJob(t *testing.T) {
	h := newHarness(t)
	h.sim.Inject(sim.Fault{PathPrefix: "/image/", Latency: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"image", "slow", "-o", h.path("x.jpg")}, Env{Stdout: io.Discard, Stderr: io.Discard,
			Getenv: func(k string) string { return h.env[k] }})
	}()
	lib, err := storage.Open(context.Background(), h.env["POLLINATIONS_STUDIO_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if js, _ := lib.Jobs(context.Background(), storage.StatusRunning); len(js) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job never ran")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != ExitCanceled {
		t.Fatalf("exit %d, want %d", code, ExitCanceled)
	}
	js, err := lib.Jobs(context.Background())
	if err != nil || len(js) != 1 || js[0].Status != storage.StatusCanceled {
		t.Fatalf("jobs after Ctrl-C: %+v %v", js, err)
	}
	if o, _ := lib.OrphanJobs(context.Background(), 0); len(o) != 0 {
		t.Fatalf("left for the window: %+v", o)
	}
}

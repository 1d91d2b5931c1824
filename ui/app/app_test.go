package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/keychain"
	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// harness runs the whole window on Fyne's test driver against the simulator. Widget changes
// from background goroutines and from the test both go through one goroutine.
type harness struct {
	t     *testing.T
	s     *Shell
	sim   *sim.Server
	keys  *keychain.Memory
	queue chan func()

	mu     sync.Mutex
	opened []string // web pages the window asked to open
}

func newHarness(t *testing.T, keyKind string) *harness {
	t.Helper()
	return newHarnessAt(t, keyKind, t.TempDir(), nil)
}

// newHarnessAt opens the window on the library in dir; prepare, when set, runs on that
// library (through its own connection) before the window opens it.
func newHarnessAt(t *testing.T, keyKind, dir string, prepare func(*lib.Library)) *harness {
	t.Helper()
	if prepare != nil {
		l, err := lib.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		prepare(l)
		l.Close()
	}
	srv, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// One goroutine plays the UI thread: like fyne.Do, RunOnUI queues work for it, so a
	// callback may queue more without deadlocking.
	h := &harness{t: t, sim: srv, keys: keychain.NewMemory(), queue: make(chan func(), 100000)}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case f := <-h.queue:
				f()
			case <-stop:
				return
			}
		}
	}()
	if keyKind != "" {
		h.keys.Set(context.Background(), srv.Key(keyKind))
	}
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s, err := New(a, w, Options{DataDir: dir, BaseURL: srv.URL(), EnterURL: srv.URL(), Keychain: h.keys,
		RunOnUI: func(f func()) { h.queue <- f }, SilentAudio: true,
		OpenURL: func(u *url.URL) error {
			h.mu.Lock()
			h.opened = append(h.opened, u.String())
			h.mu.Unlock()
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// Cleanups run last-first: the UI goroutine stops before the shell and the test app go.
	t.Cleanup(func() { close(stop); <-stopped })
	h.ui(func() { w.SetContent(s.Content()); w.Resize(fyne.NewSize(1200, 800)) })
	h.s = s
	return h
}

// ui runs f on the UI goroutine and waits for it.
func (h *harness) ui(f func()) {
	done := make(chan struct{})
	h.queue <- func() { defer close(done); f() }
	<-done
}

// eventually polls cond on the UI goroutine until it holds (kittest.HangGuard is the limit).
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline, limited := h.t.Deadline()
	if guard := time.Now().Add(kittest.HangGuard); !limited || guard.Before(deadline) {
		deadline, limited = guard, true
	}
	for {
		ok := false
		h.ui(func() { ok = cond() })
		if ok {
			return
		}
		if limited && time.Until(deadline) < 5*time.Second {
			h.t.Fatalf("never came: %s", what)
		}
		time.Sleep(5 * time.Millisecond) // between polls, not a wait for something
	}
}

func (h *harness) front() string { return h.s.current().name }

func (h *harness) jobsOfKind(kind string) int {
	n := 0
	for _, j := range h.s.jobs.Snapshot() {
		if string(j.Kind) == kind {
			n++
		}
	}
	return n
}

// Esc closes the newest panel first, then the one under it.
func TestEscClosesTheTopPanel(t *testing.T) {
	h := newHarness(t, "secret")
	c := h.s.win.Canvas()
	esc := func() { c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) }
	h.ui(func() { h.s.status.showJobs() })
	h.s.ShowError(errors.New("something to read"))
	h.eventually("two panels", func() bool { return len(c.Overlays().List()) == 2 })
	var texts string
	h.ui(func() { esc(); texts = kittest.Text(c.Overlays().Top()) })
	if n := len(c.Overlays().List()); n != 1 {
		t.Fatalf("Esc should close one panel, %d left", n)
	}
	if want := "Jobs"; !strings.Contains(texts, want) {
		t.Fatalf("Esc closed the wrong panel: the one left says %q", texts)
	}
	h.ui(func() { esc() })
	h.eventually("no panels", func() bool { return c.Overlays().Top() == nil })
	h.ui(func() {
		if h.s.closeTop() {
			t.Error("closeTop found a panel after all were closed")
		}
	})
}

// Dropped files go where they belong: sound to Transcribe, which transcribes it into the
// library; other files are refused with a message and sent nowhere.
func TestDroppedFilesAreRouted(t *testing.T) {
	h := newHarness(t, "secret")
	dir := t.TempDir()
	wav := filepath.Join(dir, "note.wav")
	os.WriteFile(wav, kittest.ToneWAV(3), 0o644)
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("not audio"), 0o644)
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(wav)}) })
	var front string
	h.ui(func() { front = h.front() })
	if front != kit.PageTranscribe {
		t.Fatalf("a dropped WAV should bring Transcribe to the front, not %q", front)
	}
	h.eventually("the transcript in the library", func() bool {
		page, err := h.s.lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindTranscript}})
		return err == nil && len(page.Items) == 1
	})
	h.ui(func() { h.s.HandleDrop([]fyne.URI{storage.NewFileURI(txt)}) })
	h.eventually("the refusal", func() bool { return h.s.win.Canvas().Overlays().Top() != nil })
	var n int
	h.ui(func() { n = h.jobsOfKind("transcript") })
	if n != 1 {
		t.Fatalf("a .txt must not be queued (%d transcription jobs)", n)
	}
}

func TestVideoDroppedOnTheChatPageIsTranscribed(t *testing.T) {
	h := newHarness(t, "secret")
	clip := filepath.Join(t.TempDir(), "talk.mp4")
	os.WriteFile(clip, kittest.ToneWAV(1), 0o644) // only the name matters before it is sent
	h.ui(func() { h.s.Show(kit.PageChat); h.s.HandleDrop([]fyne.URI{storage.NewFileURI(clip)}) })
	var queued int
	var front string
	h.ui(func() { queued, front = len(h.s.jobs.Snapshot()), h.front() })
	if queued != 1 || front != kit.PageTranscribe {
		t.Fatalf("a video dropped on the chat page must queue a transcription (%d jobs, %q in front)", queued, front)
	}
}

// A remix asked from the library is routed to the image studio, which runs it as a child of
// the item.
func TestRemixFromTheLibraryRunsOnTheImagePage(t *testing.T) {
	h := newHarness(t, "secret")
	h.eventually("the catalogue", func() bool { return len(h.s.Models("image")) > 0 && h.s.HasKey() })
	params, _ := json.Marshal(api.ImageRequest{Prompt: "a paper boat", Model: "flux", Width: 512, Height: 512})
	it := lib.Item{Kind: lib.KindImage, Prompt: "a paper boat", ModelRequested: "flux", Params: params}
	id, err := h.s.lib.AddItem(context.Background(), &it)
	if err != nil {
		t.Fatal(err)
	}
	h.ui(func() {
		h.s.Show(kit.PageLibrary)
		h.s.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActRemix, Item: &it})
	})
	var front string
	h.ui(func() { front = h.front() })
	if front != kit.PageImage {
		t.Fatalf("a remix should bring the image studio to the front, not %q", front)
	}
	h.eventually("the remix in the library", func() bool {
		page, err := h.s.lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindImage}})
		for _, r := range page.Items {
			if err == nil && r.ParentID != nil && *r.ParentID == id && r.Relation == "remix" && r.Width == 512 {
				return true
			}
		}
		return false
	})
}

// Every page gets the job events through the one list of listeners: a job submitted from
// outside any page still moves the status bar.
func TestJobEventsReachTheListeners(t *testing.T) {
	h := newHarness(t, "secret")
	h.eventually("the key", h.s.HasKey)
	var seen []jobs.State
	done := make(chan struct{})
	h.s.OnJob(func(ev jobs.Event) {
		seen = append(seen, ev.State)
		if ev.State == jobs.Done {
			close(done)
		}
	})
	r := api.ImageRequest{Prompt: "a listener", Model: "flux", Width: 512, Height: 512}
	if _, ok := h.s.Submit(jobs.Request{Image: &r}); !ok {
		t.Fatal("the job was refused")
	}
	<-done
	h.eventually("the status bar's count", func() bool { return h.s.status.queue.Text == "No jobs running" && len(seen) >= 2 })
}

// Demo mode never touches the user's library: without --data-dir it uses a temporary folder,
// removed when the window closes, and a demo key kept in memory.
func TestDemoUsesATemporaryLibrary(t *testing.T) {
	o, stop, err := startDemo(Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	user, _ := lib.DefaultDir()
	if o.DataDir == "" || o.DataDir == user || !strings.HasPrefix(o.DataDir, os.TempDir()) {
		t.Fatalf("demo library folder %q, want a temporary one (not %q)", o.DataDir, user)
	}
	if _, err := os.Stat(o.DataDir); err != nil {
		t.Fatalf("the temporary folder: %v", err)
	}
	key, err := o.Keychain.Get(context.Background())
	if err != nil || key == "" || o.BaseURL == "" {
		t.Fatalf("demo key %q (%v) at %q", key, err, o.BaseURL)
	}
	if _, ok := o.Keychain.(*keychain.Memory); !ok {
		t.Fatalf("the demo key must stay in memory, not in %T", o.Keychain)
	}
	stop()
	if _, err := os.Stat(o.DataDir); !os.IsNotExist(err) {
		t.Fatalf("the temporary folder is left behind: %v", err)
	}

	// An explicit folder is used, and kept.
	dir := t.TempDir()
	o, stop, err = startDemo(Options{Demo: true, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if _, err := os.Stat(dir); err != nil || o.DataDir != dir {
		t.Fatalf("an explicit --data-dir must be used and kept: %q %v", o.DataDir, err)
	}
}

// One window per library: a second shell on the same folder is refused before it opens the
// library, and the folder is free again once the first closes.
func TestSecondWindowOnALibraryIsRefused(t *testing.T) {
	dir := t.TempDir()
	h := newHarnessAt(t, "", dir, nil)
	// The refusal comes before anything is built: the first window's app and window will do.
	second, err := New(h.s.app, h.s.win, Options{DataDir: dir, BaseURL: h.sim.URL(), RunOnUI: func(f func()) {}, SilentAudio: true})
	if !errors.Is(err, lib.ErrAlreadyOpen) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("a second window on one library: %v, want %v", err, lib.ErrAlreadyOpen)
	}
	if !strings.Contains(err.Error(), "already open on this library") {
		t.Fatalf("the refusal must say why: %q", err)
	}
	h.s.Close()
	third, err := lib.LockWindow(dir)
	if err != nil {
		t.Fatalf("the lock must be released on close: %v", err)
	}
	third.Unlock()
}

// A demo signs in with the account asked for: a free one has Quest Pollen and no paid Pollen.
func TestDemoAccounts(t *testing.T) {
	o, stop, err := startDemo(Options{Demo: true, DemoAccount: "free"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	key, _ := o.Keychain.Get(context.Background())
	c, err := api.New(api.Options{BaseURL: o.BaseURL, EnterURL: o.EnterURL, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	bal, err := c.Balance(context.Background())
	if err != nil || !bal.HasBreakdown || bal.Paid != 0 || bal.Quest <= 0 {
		t.Fatalf("a free demo account: %+v %v", bal, err)
	}
	if _, _, err := startDemo(Options{Demo: true, DemoAccount: "rich"}); err == nil || !strings.Contains(err.Error(), "no demo account") {
		t.Fatalf("an unknown demo account: %v", err)
	}
}

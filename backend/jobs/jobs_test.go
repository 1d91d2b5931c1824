package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
	"pollinations-studio/storage"
)

type fixture struct {
	sim *sim.Server
	lib *storage.Library
	dir string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	dir := t.TempDir()
	lib, err := storage.Open(context.Background(), filepath.Join(dir, "lib"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	return &fixture{sim: s, lib: lib, dir: dir}
}

func (f *fixture) client(t *testing.T, kind string) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: f.sim.URL(), EnterURL: f.sim.URL(), Key: f.sim.Key(kind), MaxRetryWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) service(t *testing.T, kind string, paid bool) *Service {
	t.Helper()
	s := New(Config{Library: f.lib, Client: f.client(t, kind), MaxConcurrent: 4})
	s.SetPaid(paid)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// wavFile writes a short silent WAV for transcription requests.
func wavFile(t *testing.T, dir string) string {
	t.Helper()
	const rate, secs = 16000, 1
	n := rate * secs * 2
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	le32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	le32(b[16:], 16)
	b[20], b[22] = 1, 1
	le32(b[24:], rate)
	le32(b[28:], rate*2)
	b[32], b[34] = 2, 16
	copy(b[36:], "data")
	le32(b[40:], uint32(n))
	p := filepath.Join(dir, "clip.wav")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func le32(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }

func TestFiftyMixedJobsLandWithMetadata(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	wav := wavFile(t, f.dir)
	var reqs []Request
	for i := 0; i < 50; i++ {
		switch i % 5 {
		case 0, 1:
			reqs = append(reqs, Request{Image: &api.ImageRequest{Prompt: fmt.Sprintf("a fox number %d", i), Model: "flux", Width: 256, Height: 256}})
		case 2:
			reqs = append(reqs, Request{Speech: &api.SpeechRequest{Text: fmt.Sprintf("hello %d", i), Voice: "nova"}})
		case 3:
			reqs = append(reqs, Request{Transcribe: &api.TranscribeRequest{File: wav, Format: "verbose_json"}})
		case 4:
			reqs = append(reqs, Request{Text: &api.ChatRequest{Model: "openai", Messages: []api.Message{{Role: "user", Content: fmt.Sprintf("count to %d", i)}}}})
		}
	}
	ids := make([]int64, len(reqs))
	for i, r := range reqs {
		id, err := svc.Submit(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for i, id := range ids {
		it, err := svc.Wait(wctx, id)
		if err != nil {
			t.Fatalf("job %d (%d): %v", i, id, err)
		}
		got, err := f.lib.Item(ctx, it.ID)
		if err != nil {
			t.Fatalf("item of job %d not in the library: %v", id, err)
		}
		if got.ModelUsed == "" || len(got.Params) == 0 || got.CreatedAt.IsZero() {
			t.Errorf("job %d: item lacks metadata: %+v", id, got)
		}
		switch got.Kind {
		case storage.KindImage:
			if got.Width != 256 || got.Height != 256 || got.Seed == nil || got.MediaHash == "" {
				t.Errorf("image item incomplete: %+v", got)
			}
			if !got.CostKnown || got.Cost <= 0 {
				t.Errorf("image cost not recorded: %+v", got)
			}
		case storage.KindSpeech:
			if got.MediaHash == "" {
				t.Errorf("speech without media: %+v", got)
			}
		case storage.KindTranscript:
			segs, err := f.lib.Segments(ctx, got.ID)
			if err != nil || len(segs) == 0 {
				t.Errorf("transcript without segments: %v", err)
			}
		case storage.KindText:
			if got.Text == "" {
				t.Errorf("text item without text")
			}
		}
		if got.MediaHash != "" {
			if _, err := os.Stat(f.lib.MediaPath(got.MediaHash)); err != nil {
				t.Errorf("media file missing: %v", err)
			}
		}
	}
}

func TestFreeAccountRunsOneAtATime(t *testing.T) {
	f := newFixture(t)
	// Each image takes a while so that overlap would be seen.
	f.sim.Inject(sim.Fault{PathPrefix: "/image/", Latency: 30 * time.Millisecond, Times: 100})
	svc := f.service(t, "free", false)
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 6; i++ {
		id, err := svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: fmt.Sprintf("tree %d", i), Model: "flux", Width: 128, Height: 128}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if _, err := svc.Wait(ctx, id); err != nil {
			t.Fatalf("job %d: %v", id, err)
		}
	}
	if n := f.sim.MaxConcurrent(f.sim.Key("free")); n != 1 {
		t.Fatalf("a free account had %d generations in flight, want 1", n)
	}
}

func TestPaidAccountRunsInParallel(t *testing.T) {
	f := newFixture(t)
	f.sim.Inject(sim.Fault{PathPrefix: "/image/", Latency: 100 * time.Millisecond, Times: 100})
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 8; i++ {
		id, _ := svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: fmt.Sprintf("sea %d", i), Model: "flux", Width: 128, Height: 128}})
		ids = append(ids, id)
	}
	for _, id := range ids {
		if _, err := svc.Wait(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	n := f.sim.MaxConcurrent(f.sim.Key("secret"))
	if n < 2 || n > 4 {
		t.Fatalf("paid account peak concurrency %d, want 2..4 (the bound)", n)
	}
}

func TestCancelDetachesAndKeepsThePrompt(t *testing.T) {
	f := newFixture(t)
	f.sim.Inject(sim.Fault{PathPrefix: "/video/", Latency: 5 * time.Second})
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	events, stop := svc.Subscribe()
	defer stop()
	id, err := svc.Submit(ctx, Request{Video: &api.VideoRequest{Prompt: "a slow river", Model: "wan-fast", Duration: 6}})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, events, id, Running)
	start := time.Now()
	svc.Cancel(id)
	_, err = svc.Wait(ctx, id)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel: %v", err)
	}
	if time.Since(start) >= 5*time.Second { // the video's latency, which a cancel must not wait out
		t.Fatalf("cancel took %s", time.Since(start))
	}
	j, err := f.lib.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != Canceled || j.Prompt != "a slow river" {
		t.Fatalf("cancelled job in the library: %+v", j)
	}
}

func waitState(t *testing.T, events <-chan Event, id int64, st State) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.ID == id && ev.State == st {
				return
			}
		case <-timeout:
			t.Fatalf("job %d never reached %s", id, st)
		}
	}
}

func TestFailedJobRetriesWithTheIdenticalRequest(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	// A 400 is never retried by the client: the job fails and keeps its request.
	f.sim.Inject(sim.Fault{PathPrefix: "/image/", Status: 400})
	id, _ := svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: "retry me", Model: "flux", Width: 128, Height: 128}})
	if _, err := svc.Wait(ctx, id); !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("want a bad-request failure, got %v", err)
	}
	j, _ := f.lib.Job(ctx, id)
	if j.Status != Failed || j.Error == "" {
		t.Fatalf("failed job not recorded: %+v", j)
	}
	id2, err := svc.Retry(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Wait(ctx, id2); err != nil {
		t.Fatalf("retry failed: %v", err)
	}
	reqs := f.sim.Requests()
	var images []sim.Request
	for _, r := range reqs {
		if len(r.Path) > 7 && r.Path[:7] == "/image/" {
			images = append(images, r)
		}
	}
	if len(images) != 2 {
		t.Fatalf("want 2 image requests, got %d", len(images))
	}
	if images[0].Path != images[1].Path || images[0].RawQuery != images[1].RawQuery {
		t.Fatalf("retry is not identical:\n%s?%s\n%s?%s", images[0].Path, images[0].RawQuery, images[1].Path, images[1].RawQuery)
	}
}

func TestQueuedJobsResumeAfterRestart(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A service with no client queues but cannot run: as if the app quit before they started.
	first := New(Config{Library: f.lib})
	if err := first.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := 0; i < 3; i++ {
		id, err := first.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: fmt.Sprintf("moon %d", i), Model: "flux", Width: 128, Height: 128}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	first.Close()

	// The next window finds them left over (their owner released them on Close), and runs
	// them once it is told to resume them: Start alone runs nothing it did not submit.
	second := f.service(t, "secret", true)
	orphans, err := second.Orphans(ctx)
	if err != nil || len(orphans) != len(ids) {
		t.Fatalf("orphans: %v %v", orphans, err)
	}
	for _, id := range ids {
		if err := second.Resume(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		it, err := second.Wait(ctx, id)
		if err != nil {
			t.Fatalf("recovered job %d: %v", id, err)
		}
		if it == nil || it.Prompt == "" {
			t.Fatalf("recovered job %d produced no item", id)
		}
	}
}

func TestSpeechOffersALiveStream(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	events, stop := svc.Subscribe()
	defer stop()
	id, _ := svc.Submit(ctx, Request{Speech: &api.SpeechRequest{Text: "Streaming speech for the player.", Voice: "alloy", Format: "mp3"}})
	var audio io.Reader
	timeout := time.After(10 * time.Second)
	for audio == nil {
		select {
		case ev := <-events:
			if ev.ID == id && ev.Audio != nil {
				audio = ev.Audio
			}
		case <-timeout:
			t.Fatal("no live audio stream offered")
		}
	}
	live, err := io.ReadAll(audio)
	if err != nil {
		t.Fatal(err)
	}
	it, err := svc.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(f.lib.MediaPath(it.MediaHash))
	if err != nil {
		t.Fatal(err)
	}
	if len(live) == 0 || string(live) != string(saved) {
		t.Fatalf("live stream (%d bytes) differs from the saved clip (%d bytes)", len(live), len(saved))
	}
}

func TestChatReplyIsKeptAndStopKeepsPartialText(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	chatID, err := f.lib.NewChat(ctx, "bees", "openai", "")
	if err != nil {
		t.Fatal(err)
	}
	user := &storage.Message{ChatID: chatID, Role: "user", Content: "write 300 words about bees", Status: Done, CreatedAt: time.Now()}
	if _, err := f.lib.AddMessage(ctx, user); err != nil {
		t.Fatal(err)
	}
	req := api.ChatRequest{Model: "openai", Messages: []api.Message{{Role: "user", Content: user.Content}}}
	id, _ := svc.Submit(ctx, Request{Chat: &ChatTurn{ChatID: chatID, ParentMessageID: &user.ID, Request: req}})
	if _, err := svc.Wait(ctx, id); err != nil {
		t.Fatal(err)
	}
	// Regenerate, slowly, and stop it mid-stream.
	f.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", BytesPerSec: 400})
	events, stop := svc.Subscribe()
	defer stop()
	id2, _ := svc.Submit(ctx, Request{Chat: &ChatTurn{ChatID: chatID, ParentMessageID: &user.ID, Request: req}})
	timeout := time.After(10 * time.Second)
	for got := false; !got; {
		select {
		case ev := <-events:
			got = ev.ID == id2 && ev.TextDelta != ""
		case <-timeout:
			t.Fatal("no streamed text")
		}
	}
	svc.Cancel(id2)
	svc.Wait(ctx, id2)
	msgs, err := f.lib.Messages(ctx, chatID)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Role != "assistant" || !last.Partial || last.Content == "" {
		t.Fatalf("stopped reply should keep its partial text, marked: %+v", last)
	}
	sibs, err := f.lib.Siblings(ctx, last.ID)
	if err != nil || len(sibs) < 2 {
		t.Fatalf("regenerated reply should have a sibling: %v, %d", err, len(sibs))
	}
}

// Guards against a data race between Snapshot and running jobs.
func TestSnapshotWhileRunning(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	var wg sync.WaitGroup
	var ids []int64
	for i := 0; i < 5; i++ {
		id, _ := svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: fmt.Sprintf("cloud %d", i), Model: "flux", Width: 64, Height: 64}})
		ids = append(ids, id)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			svc.Snapshot()
			svc.Counts()
		}
	}()
	for _, id := range ids {
		svc.Wait(ctx, id)
	}
	wg.Wait()
	if len(svc.Snapshot()) != 5 {
		t.Fatalf("snapshot has %d jobs", len(svc.Snapshot()))
	}
}

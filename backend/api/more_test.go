package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
)

// waitRequests returns the simulator's log once it holds n requests (it records a request when
// its handler returns, which for a stream the client closed early can be a moment later).
func waitRequests(e *env, n int) []sim.Request {
	deadline := time.Now().Add(2 * time.Second)
	for {
		reqs := e.sim.Requests()
		if len(reqs) >= n || time.Now().After(deadline) {
			return reqs
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClosedPortIsANetworkErrorAtOnce(t *testing.T) {
	var log bytes.Buffer
	c, err := api.New(api.Options{BaseURL: "http://127.0.0.1:1", Key: "sk_" + strings.Repeat("a", 24),
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Image(context.Background(), api.ImageRequest{Prompt: "x"})
	if !api.IsKind(err, api.KindNetwork) {
		t.Fatalf("want KindNetwork, got %v", err)
	}
	// Reported at once: one attempt, never retried as if it were a timeout.
	if n := strings.Count(log.String(), "request failed"); n != 1 || strings.Contains(log.String(), "retrying") {
		t.Fatalf("a refused connection was tried %d times:\n%s", n, log.String())
	}
}

func TestMaskedOrMalformedKeyIsRefusedBeforeAnyRequest(t *testing.T) {
	e := newEnv(t)
	for _, k := range []string{"pk_xxxxxxx...", "sk_abcd…wxyz", "sk_xxxxxxxxxxxxxxxxxxxx", "hello world", "sk_short"} {
		if _, err := api.New(api.Options{BaseURL: e.sim.URL(), Key: k}); err == nil {
			t.Errorf("%q accepted", k)
		} else if len(k) > 12 && strings.Contains(err.Error(), k) {
			t.Errorf("error repeats the key: %v", err)
		}
		good := e.client(t, "secret")
		if _, err := good.WithKey(k); err == nil {
			t.Errorf("WithKey(%q) accepted", k)
		}
	}
	if n := len(e.sim.Requests()); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
}

// TestRetriesAreByteIdentical: after a 502, the retry of a multipart upload (files re-opened
// from disk) and of a GET carries the same path, query and body bytes.
func TestRetriesAreByteIdentical(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	dir := t.TempDir()
	wav := filepath.Join(dir, "a.wav")
	os.WriteFile(wav, tinyWAV(16000), 0o644)
	src, err := c.Image(ctx, api.ImageRequest{Prompt: "src", Model: "flux", Width: 64, Height: 64, Seed: seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref.jpg")
	os.WriteFile(ref, src.Data, 0o644)
	cases := []struct {
		name, prefix string
		call         func() error
	}{
		{"transcription multipart", "/v1/audio/transcriptions", func() error {
			_, err := c.Transcribe(ctx, api.TranscribeRequest{File: wav, Language: "en", Format: "verbose_json"})
			return err
		}},
		{"image edit multipart", "/v1/images/edits", func() error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "edit", Model: "kontext", Width: 64, Height: 64, RefFiles: []string{ref}})
			return err
		}},
		{"image GET", "/image/", func() error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "a/b?c", Model: "flux", Width: 64, Height: 64, Seed: seed(3), Transparent: true})
			return err
		}},
		{"speech POST", "/v1/audio/speech", func() error {
			ms, err := c.Speech(ctx, api.SpeechRequest{Text: "retry me", Voice: "nova", Format: "wav"})
			if err == nil {
				ms.Body.Close()
			}
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.sim.ResetRequests()
			e.sim.Inject(sim.Fault{PathPrefix: tc.prefix, Status: 502})
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			reqs := waitRequests(e, 2)
			if len(reqs) != 2 {
				t.Fatalf("want 2 requests, got %d", len(reqs))
			}
			a, b := reqs[0], reqs[1]
			if a.Method != b.Method || a.Path != b.Path || a.RawQuery != b.RawQuery || a.BodySHA256 != b.BodySHA256 ||
				a.Header.Get("Content-Type") != b.Header.Get("Content-Type") {
				t.Fatalf("retry differs:\n%s %s?%s %s %s\n%s %s?%s %s %s", a.Method, a.Path, a.RawQuery, a.BodySHA256, a.Header.Get("Content-Type"),
					b.Method, b.Path, b.RawQuery, b.BodySHA256, b.Header.Get("Content-Type"))
			}
		})
	}
}

// TestAttemptTimeoutIsRetried: an attempt that outlives its own limit is retried (the caller's
// context still has time); the caller's deadline is never retried.
func TestAttemptTimeoutIsRetried(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	api.SetTimeouts(c, api.Timeouts{Image: 150 * time.Millisecond})
	e.sim.Inject(sim.Fault{PathPrefix: "/image/", Latency: 2 * time.Second})
	img := api.ImageRequest{Prompt: "slow", Model: "flux", Width: 64, Height: 64, Seed: seed(1)}
	if _, err := c.Image(context.Background(), img); err != nil {
		t.Fatal(err)
	}
	reqs := e.sim.Requests()
	if len(reqs) != 2 || reqs[0].Path != reqs[1].Path || reqs[0].RawQuery != reqs[1].RawQuery {
		t.Fatalf("want one timed-out attempt and one identical retry, got %d", len(reqs))
	}

	e.sim.ResetRequests()
	e.sim.Inject(sim.Fault{PathPrefix: "/image/", Latency: 2 * time.Second, Times: 5})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Image(ctx, img)
	if !api.IsKind(err, api.KindTimeout) {
		t.Fatalf("the caller's deadline: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(e.sim.Requests()); n != 1 {
		t.Fatalf("the caller's own deadline must not be retried: %d requests", n)
	}
}

func TestCancelDuringARequestReturnsPromptly(t *testing.T) {
	e := newEnv(t)
	e.sim.Inject(sim.Fault{PathPrefix: "/text/", Latency: 3 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := e.client(t, "secret").Text(ctx, api.TextRequest{Prompt: "slow"})
	if !api.IsKind(err, api.KindCanceled) {
		t.Fatalf("want KindCanceled, got %v", err)
	}
	if d := time.Since(start); d >= 3*time.Second { // the latency it must not wait out
		t.Fatalf("cancel took %s", d)
	}
}

// TestVideoDefaultTimeout: without a deadline from the caller, Video bounds itself (ten
// minutes; shortened here); with the caller's own deadline, that one applies.
func TestVideoDefaultTimeout(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	api.SetTimeouts(c, api.Timeouts{VideoTotal: 200 * time.Millisecond})
	e.sim.Inject(sim.Fault{PathPrefix: "/video/", Latency: 3 * time.Second, Times: 10})
	start := time.Now()
	_, err := c.Video(context.Background(), api.VideoRequest{Prompt: "waves", Model: "wan-fast", Duration: 6})
	if !api.IsKind(err, api.KindTimeout) {
		t.Fatalf("want KindTimeout, got %v", err)
	}
	// It waited for its own limit, and not for the server's 3 s answer.
	if d := time.Since(start); d < 180*time.Millisecond || d >= 3*time.Second {
		t.Fatalf("timed out after %s, want about 200ms", d)
	}
	e.sim.ClearFaults()
	e.sim.Inject(sim.Fault{PathPrefix: "/video/", Latency: 400 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ms, err := c.Video(ctx, api.VideoRequest{Prompt: "waves", Model: "wan-fast", Duration: 6})
	if err != nil {
		t.Fatalf("the caller's longer deadline should apply: %v", err)
	}
	ms.Body.Close()
}

func TestPromptEscapingOnEveryGETRoute(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	prompts := []string{".", "..", "/", "?", "#", "%", "%%25", "a\nb", "🐝", "x?model=openai&seed=9#f", strings.Repeat("é/", 2500)}
	routes := []struct {
		prefix string
		call   func(p string) error
	}{
		{"/text/", func(p string) error {
			_, _, err := c.Text(ctx, api.TextRequest{Prompt: p, Model: "openai", Seed: seed(1)})
			return err
		}},
		{"/audio/", func(p string) error {
			ms, err := c.Speech(ctx, api.SpeechRequest{Text: p, Voice: "nova", UseGET: true})
			if err == nil {
				ms.Body.Close()
			}
			return err
		}},
		{"/video/", func(p string) error {
			ms, err := c.Video(ctx, api.VideoRequest{Prompt: p, Model: "wan-fast", Duration: 6})
			if err == nil {
				ms.Body.Close()
			}
			return err
		}},
	}
	for _, r := range routes {
		for _, p := range prompts {
			if r.prefix == "/audio/" && len(p) > 1000 {
				continue
			}
			e.sim.ResetRequests()
			if err := r.call(p); err != nil {
				t.Fatalf("%s %q: %v", r.prefix, p[:min(len(p), 30)], err)
			}
			reqs := waitRequests(e, 1)
			if len(reqs) != 1 || !strings.HasPrefix(reqs[0].Path, r.prefix) {
				t.Fatalf("%s %q: requests %+v", r.prefix, p, reqs)
			}
			got, err := url.PathUnescape(strings.TrimPrefix(reqs[0].Path, r.prefix))
			if err != nil || got != p {
				t.Fatalf("%s: server saw %q, want %q", r.prefix, got[:min(len(got), 40)], p[:min(len(p), 40)])
			}
			if strings.Contains(reqs[0].RawQuery, "seed=9") || strings.Contains(reqs[0].RawQuery, "key=") {
				t.Fatalf("the prompt leaked into the query: %s", reqs[0].RawQuery)
			}
		}
	}
}

func TestTranscribeRefusesBeforeSending(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	dir := t.TempDir()
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("hello"), 0o644)
	cases := []struct {
		file string
		kind api.Kind
		says string
	}{
		{filepath.Join(dir, "missing.wav"), api.KindBadRequest, "missing.wav"},
		{txt, api.KindBadRequest, "mp3, mp4, mpeg, mpga, m4a, wav or webm"},
		{dir, api.KindBadRequest, "folder"},
	}
	for _, tc := range cases {
		_, err := c.Transcribe(context.Background(), api.TranscribeRequest{File: tc.file})
		if !api.IsKind(err, tc.kind) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v", tc.file, err)
		}
	}
	if n := len(e.sim.Requests()); n != 0 {
		t.Fatalf("%d requests sent for refused files", n)
	}
}

func TestDeviceSignInExpiredAndUnknown(t *testing.T) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.0005, DeviceApproveAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, _ := api.New(api.Options{BaseURL: s.URL(), EnterURL: s.URL()})
	ctx := context.Background()
	dc, err := c.StartDeviceLogin(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	// Never approved: the code expires (1800 s scaled) while polling.
	if _, err := c.WaitDeviceToken(ctx, dc); err != api.ErrDeviceExpired {
		t.Fatalf("want ErrDeviceExpired, got %v", err)
	}
	bad := *dc
	bad.DeviceCode = "no-such-code"
	if _, err := c.WaitDeviceToken(ctx, &bad); !errors.Is(err, api.ErrDeviceInvalidGrant) {
		t.Fatalf("unknown code: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	dc2, _ := c.StartDeviceLogin(context.Background(), "")
	if _, err := c.WaitDeviceToken(ctx, dc2); !api.IsKind(err, api.KindTimeout) {
		t.Fatalf("ctx end while polling: %v", err)
	}
}

// TestStreamsHaveAHeaderTimeout: chat streams and speech cannot bound their whole body, but an
// answer whose headers do not come in time is a timed-out attempt, retried like any other.
func TestStreamsHaveAHeaderTimeout(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	api.SetTimeouts(c, api.Timeouts{Text: 150 * time.Millisecond})
	ctx := context.Background()
	e.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", Latency: 2 * time.Second})
	st, err := c.ChatStream(ctx, api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "write 10 words"}}})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	e.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/speech", Latency: 2 * time.Second})
	ms, err := c.Speech(ctx, api.SpeechRequest{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	ms.Body.Close()
	if n := len(waitRequests(e, 4)); n != 4 {
		t.Fatalf("want 2 timed-out attempts and 2 retries, got %d requests", n)
	}
	// A stream slower than the header timeout once it has started is not cut.
	e.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", BytesPerSec: 10000})
	st, err = c.ChatStream(ctx, api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "write 20 words"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	for {
		if _, err := st.Recv(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("slow stream: %v", err)
			}
			break
		}
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Fatalf("the throttled stream was not slower than the header timeout (%s): the test proves nothing", time.Since(start))
	}
}

// TestCutBodyIsRetriedWhenNothingWasHandedOver: an image or a chat reply read whole by the
// client is retried (identically) when its body is cut; a stream is not (TestChatStreamCutIsIncomplete).
func TestCutBodyIsRetriedWhenNothingWasHandedOver(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	e.sim.Inject(sim.Fault{PathPrefix: "/image/", CutAfter: 300})
	res, err := c.Image(ctx, api.ImageRequest{Prompt: "cut", Model: "flux", Width: 128, Height: 128, Seed: seed(5)})
	if err != nil || res.Width != 128 {
		t.Fatalf("%v", err)
	}
	e.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", CutAfter: 50})
	if _, err := c.Chat(ctx, api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "write 30 words"}}}); err != nil {
		t.Fatal(err)
	}
	reqs := waitRequests(e, 4)
	if len(reqs) != 4 || reqs[0].RawQuery != reqs[1].RawQuery || reqs[2].BodySHA256 != reqs[3].BodySHA256 {
		t.Fatalf("want two identical pairs, got %d requests", len(reqs))
	}
	// Cut every time: the error is KindIncomplete after the retries.
	e.sim.Inject(sim.Fault{PathPrefix: "/image/", CutAfter: 300, Times: 10})
	quick := e.clientWait(t, e.sim.Key("secret"), 20*time.Millisecond) // short backoff, same rules
	_, err = quick.Image(ctx, api.ImageRequest{Prompt: "cut again", Model: "flux", Width: 128, Height: 128, Seed: seed(6)})
	if !api.IsKind(err, api.KindIncomplete) {
		t.Fatalf("want KindIncomplete, got %v", err)
	}
}

func TestAudioPartInChat(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	wav := filepath.Join(dir, "q.wav")
	os.WriteFile(wav, tinyWAV(8000), 0o644)
	part, err := api.AudioPartFromFile(wav)
	if err != nil || part.AudioFormat != "wav" || len(part.AudioData) != 44+16000 {
		t.Fatalf("part: %+v %v", part.AudioFormat, err)
	}
	notAudio := filepath.Join(dir, "x.wav")
	os.WriteFile(notAudio, []byte("plain text, not audio"), 0o644)
	if _, err := api.AudioPartFromFile(notAudio); err == nil {
		t.Fatal("a text file named .wav was accepted as audio")
	}
	res, err := e.client(t, "secret").Chat(context.Background(), api.ChatRequest{Model: "openai-audio",
		Messages: []api.Message{{Role: "user", Content: "what did I say?", Parts: []api.Part{part}}}})
	if err != nil || res.Content == "" {
		t.Fatalf("audio chat: %v", err)
	}
}

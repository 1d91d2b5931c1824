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
	"sync"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
)

type env struct {
	sim *sim.Server
	log *bytes.Buffer
	mu  *sync.Mutex
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001, DeviceApproveAfter: 50 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &env{sim: s, log: &bytes.Buffer{}, mu: &sync.Mutex{}}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (e *env) client(t testing.TB, kind string) *api.Client {
	t.Helper()
	return e.clientWithKey(t, e.sim.Key(kind))
}

func (e *env) clientWithKey(t testing.TB, key string) *api.Client {
	t.Helper()
	return e.clientWait(t, key, 3*time.Second)
}

func (e *env) clientWait(t testing.TB, key string, maxWait time.Duration) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{BaseURL: e.sim.URL(), EnterURL: e.sim.URL(), Key: key, Logger: e.logger(), MaxRetryWait: maxWait})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// logger writes every level into e.log.
func (e *env) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{e.mu, e.log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func seed(v int64) *int64 { return &v }

func TestPromptEscapingRoundTrips(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	prompts := []string{
		"a cat?model=evil#frag", "path/../../etc/passwd", "100% sure", "line one\nline two\r\n",
		"emoji 🐝🌸 and ünïcödé", "plus+and&amp;=equals;semi,comma", "%2F already encoded %ZZ",
		"  leading and trailing spaces  ", strings.Repeat("long prompt ", 834)[:10000],
	}
	for _, p := range prompts {
		e.sim.ResetRequests()
		if _, err := c.Image(context.Background(), api.ImageRequest{Prompt: p, Model: "flux", Width: 64, Height: 64, Seed: seed(1)}); err != nil {
			t.Fatalf("prompt %q: %v", p[:min(len(p), 40)], err)
		}
		reqs := waitRequests(e, 1)
		if len(reqs) != 1 {
			t.Fatalf("want 1 request, got %d", len(reqs))
		}
		got, err := url.PathUnescape(strings.TrimPrefix(reqs[0].Path, "/image/"))
		if err != nil || got != p {
			t.Errorf("server decoded %q, want %q (err %v)", got[:min(len(got), 60)], p[:min(len(p), 60)], err)
		}
		q, _ := url.ParseQuery(reqs[0].RawQuery)
		if q.Get("model") != "flux" || q.Get("seed") != "1" || len(q) != 4 {
			t.Errorf("prompt %q changed the query: %v", p[:min(len(p), 40)], q)
		}
	}
}

func TestBooleansAreSentOnlyWhenTrue(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	u, err := c.ImageURL(api.ImageRequest{Prompt: "x", Transparent: false, NoCache: false})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(u, "transparent") || strings.Contains(u, "no-cache") || strings.Contains(u, "false") {
		t.Fatalf("false booleans must be omitted: %s", u)
	}
	u, _ = c.ImageURL(api.ImageRequest{Prompt: "x", Transparent: true})
	if !strings.Contains(u, "transparent=true") {
		t.Fatalf("true boolean missing: %s", u)
	}
}

func TestImageResultCarriesMeta(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	res, err := c.Image(context.Background(), api.ImageRequest{Prompt: "a red fox", Model: "flux", Width: 320, Height: 240, Seed: seed(9)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 320 || res.Height != 240 || res.Meta.ContentType != "image/jpeg" || res.Meta.ModelUsed != "black-forest-labs/flux-schnell" ||
		!strings.HasPrefix(res.Meta.HostedURL, "https://media.pollinations.ai/") {
		t.Fatalf("meta: %dx%d %+v", res.Width, res.Height, res.Meta)
	}
	if !res.Meta.CostKnown || res.Meta.Cost != 0.002 || res.Meta.Usage["completion-image-tokens"] != 1 {
		t.Fatalf("cost/usage: %+v", res.Meta)
	}
	// The same request again is a cache hit, not billed.
	again, err := c.Image(context.Background(), api.ImageRequest{Prompt: "a red fox", Model: "flux", Width: 320, Height: 240, Seed: seed(9)})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Meta.Cached || again.Meta.Cost != 0 || !bytes.Equal(again.Data, res.Data) {
		t.Fatalf("second identical request should be a free cache hit: %+v", again.Meta)
	}
	// A size over the model's limit is clamped: the real size is read from the image.
	big, err := c.Image(context.Background(), api.ImageRequest{Prompt: "huge", Model: "flux", Width: 4000, Height: 2000, Seed: seed(1)})
	if err != nil {
		t.Fatal(err)
	}
	if big.Width >= 4000 || big.Width*big.Height > 2359296 {
		t.Fatalf("clamped size not reported: %dx%d", big.Width, big.Height)
	}
}

func TestImageEditSendsLocalFiles(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	src, err := c.Image(context.Background(), api.ImageRequest{Prompt: "source", Model: "flux", Width: 128, Height: 128, Seed: seed(3)})
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(t.TempDir(), "ref.jpg")
	os.WriteFile(ref, src.Data, 0o644)
	res, err := c.Image(context.Background(), api.ImageRequest{Prompt: "make it blue", Model: "kontext", Width: 256, Height: 256, RefFiles: []string{ref}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 256 || len(res.Data) == 0 {
		t.Fatalf("edit result %dx%d", res.Width, res.Height)
	}
	// kontext takes one reference: two are refused by the server with a 400.
	_, err = c.Image(context.Background(), api.ImageRequest{Prompt: "two refs", Model: "kontext", RefFiles: []string{ref, ref}})
	if !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("too many references: %v", err)
	}
}

func TestErrorClasses(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	img := api.ImageRequest{Prompt: "a tree", Model: "flux", Width: 64, Height: 64, Seed: seed(5)}
	cases := []struct {
		name    string
		kind    string
		key     string
		call    func(c *api.Client) error
		want    api.Kind
		payment api.PaymentReason
		notice  bool
	}{
		{"unknown key", "", "sk_" + strings.Repeat("q", 30), func(c *api.Client) error { _, err := c.Image(ctx, img); return err }, api.KindUnauthorized, "", false},
		{"no key", "", "", func(c *api.Client) error { _, err := c.Image(ctx, img); return err }, api.KindUnauthorized, "", false},
		{"exhausted image", "exhausted", "", func(c *api.Client) error { _, err := c.Image(ctx, img); return err }, api.KindPaymentRequired, api.PaymentKeyBudgetExhausted, false},
		{"paid-only on tier", "free", "", func(c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "x", Model: "seedream", Width: 64, Height: 64})
			return err
		}, api.KindPaymentRequired, api.PaymentPaidOnly, false},
		{"scoped image", "scoped", "", func(c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "x", Model: "zimage", Width: 64, Height: 64})
			return err
		}, api.KindForbidden, "", false},
		{"exhausted text notice", "exhausted", "", func(c *api.Client) error { _, _, err := c.Text(ctx, api.TextRequest{Prompt: "hi"}); return err }, api.KindPaymentRequired, api.PaymentKeyBudgetExhausted, true},
		{"exhausted chat notice", "exhausted", "", func(c *api.Client) error {
			_, err := c.Chat(ctx, api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "hi"}}})
			return err
		}, api.KindPaymentRequired, api.PaymentKeyBudgetExhausted, true},
		{"exhausted stream notice", "exhausted", "", func(c *api.Client) error {
			_, err := c.ChatStream(ctx, api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "hi"}}})
			return err
		}, api.KindPaymentRequired, api.PaymentKeyBudgetExhausted, true},
		{"scoped chat notice", "scoped", "", func(c *api.Client) error {
			_, err := c.ChatStream(ctx, api.ChatRequest{Model: "claude", Messages: []api.Message{{Role: "user", Content: "hi"}}})
			return err
		}, api.KindForbidden, "", true},
		{"json asks for the real 402", "exhausted", "", func(c *api.Client) error {
			_, err := c.Chat(ctx, api.ChatRequest{JSON: true, Messages: []api.Message{{Role: "user", Content: "hi"}}})
			return err
		}, api.KindPaymentRequired, api.PaymentKeyBudgetExhausted, false},
		{"moderated", "secret", "", func(c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "forbidden-content please", Model: "flux"})
			return err
		}, api.KindModerated, "", false},
		{"unknown model", "secret", "", func(c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "x", Model: "turbo"})
			return err
		}, api.KindBadRequest, "", false},
		{"wrong route for model", "secret", "", func(c *api.Client) error {
			_, _, err := c.Text(ctx, api.TextRequest{Prompt: "x", Model: "flux"})
			return err
		}, api.KindBadRequest, "", false},
		{"seed out of range", "secret", "", func(c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "x", Seed: seed(1 << 40)})
			return err
		}, api.KindBadRequest, "", false},
		{"bad video duration", "secret", "", func(c *api.Client) error {
			_, err := c.Video(ctx, api.VideoRequest{Prompt: "x", Model: "veo", Duration: 5})
			return err
		}, api.KindBadRequest, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.key
			if tc.kind != "" {
				key = e.sim.Key(tc.kind)
			}
			c := e.clientWithKey(t, key)
			err := tc.call(c)
			ae, ok := api.AsError(err)
			if !ok {
				t.Fatalf("want *api.Error, got %v", err)
			}
			if ae.Kind != tc.want || ae.Payment != tc.payment || ae.Notice != tc.notice {
				t.Fatalf("got kind %v payment %q notice %v (%v); want %v %q %v", ae.Kind, ae.Payment, ae.Notice, ae, tc.want, tc.payment, tc.notice)
			}
			if ae.Error() == "" || strings.Contains(ae.Error(), "<") {
				t.Fatalf("message is not a clean sentence: %q", ae.Error())
			}
		})
	}
}

func TestFieldErrorsAreDecoded(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	_, err := c.Image(context.Background(), api.ImageRequest{Prompt: "x", Model: "nonexistent-model"})
	ae, _ := api.AsError(err)
	if ae == nil || len(ae.FieldErrors["model"]) == 0 || !strings.Contains(ae.FieldErrors["model"][0], "flux") {
		t.Fatalf("field errors: %+v", ae)
	}
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	img := api.ImageRequest{Prompt: "retry", Model: "flux", Width: 64, Height: 64, Seed: seed(2)}

	t.Run("429 then success", func(t *testing.T) {
		e := newEnv(t)
		e.sim.Inject(sim.Fault{PathPrefix: "/image/", Status: 429, RetryAfter: "1"})
		start := time.Now()
		if _, err := e.client(t, "secret").Image(ctx, img); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Fatalf("Retry-After not honoured: retried after %s", d)
		}
		if n := len(waitRequests(e, 2)); n != 2 {
			t.Fatalf("want 2 requests, got %d", n)
		}
	})
	t.Run("502 then success with the identical request", func(t *testing.T) {
		e := newEnv(t)
		e.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", Status: 502})
		if _, err := e.client(t, "secret").Chat(ctx, api.ChatRequest{Model: "openai", Seed: seed(4), Messages: []api.Message{{Role: "user", Content: "hello"}}}); err != nil {
			t.Fatal(err)
		}
		reqs := waitRequests(e, 2)
		if len(reqs) != 2 || reqs[0].BodySHA256 != reqs[1].BodySHA256 || reqs[0].Path != reqs[1].Path || reqs[0].RawQuery != reqs[1].RawQuery {
			t.Fatalf("retry not identical: %+v", reqs)
		}
	})
	t.Run("524 HTML then success", func(t *testing.T) {
		e := newEnv(t)
		e.sim.Inject(sim.Fault{PathPrefix: "/image/", Status: 524})
		if _, err := e.client(t, "secret").Image(ctx, img); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("persistent 524 gives a clean upstream error", func(t *testing.T) {
		e := newEnv(t)
		e.sim.Inject(sim.Fault{PathPrefix: "/image/", Status: 524, Times: 10})
		_, err := e.client(t, "secret").Image(ctx, img)
		ae, _ := api.AsError(err)
		if ae == nil || ae.Kind != api.KindUpstream || strings.Contains(ae.Message, "<") {
			t.Fatalf("got %v", err)
		}
		if n := len(waitRequests(e, 4)); n != 4 {
			t.Fatalf("want 1 try + 3 retries, got %d", n)
		}
	})
	t.Run("400 never retried", func(t *testing.T) {
		e := newEnv(t)
		e.sim.Inject(sim.Fault{PathPrefix: "/image/", Status: 400})
		if _, err := e.client(t, "secret").Image(ctx, img); !api.IsKind(err, api.KindBadRequest) {
			t.Fatalf("got %v", err)
		}
		if n := len(e.sim.Requests()); n != 1 {
			t.Fatalf("a 400 was retried: %d requests", n)
		}
	})
	t.Run("401 and 402 never retried", func(t *testing.T) {
		e := newEnv(t)
		e.client(t, "exhausted").Image(ctx, img)
		if n := len(e.sim.Requests()); n != 1 {
			t.Fatalf("a 402 was retried: %d requests", n)
		}
	})
	t.Run("free account concurrency 429 is waited out", func(t *testing.T) {
		e := newEnv(t)
		e.sim.Inject(sim.Fault{PathPrefix: "/image/", Latency: 300 * time.Millisecond})
		c := e.client(t, "free")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = c.Image(ctx, api.ImageRequest{Prompt: "c" + string(rune('a'+i)), Model: "flux", Width: 64, Height: 64})
			}(i)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("the second generation should wait for Retry-After and succeed: %v", err)
			}
		}
	})
	t.Run("cancel during a Retry-After wait returns at once", func(t *testing.T) {
		e := newEnv(t)
		e.sim.Inject(sim.Fault{PathPrefix: "/image/", Status: 429, RetryAfter: "3"})
		ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := e.client(t, "secret").Image(ctx, img)
		if !api.IsKind(err, api.KindTimeout) && !api.IsKind(err, api.KindCanceled) {
			t.Fatalf("got %v", err)
		}
		if time.Since(start) > time.Second {
			t.Fatalf("cancel took %s", time.Since(start))
		}
	})
	t.Run("publishable rate limit body", func(t *testing.T) {
		e := newEnv(t)
		body := `{"error":"Rate limit exceeded","message":"Rate limit exceeded. Retry after 12.5s. Use secret keys (sk_*) for unlimited requests.","retryAfterSeconds":12.5}`
		e.sim.Inject(sim.Fault{PathPrefix: "/image/", Status: 429, Body: body, RetryAfter: "13"})
		_, err := e.client(t, "publishable").Image(ctx, img)
		ae, _ := api.AsError(err)
		if ae == nil || ae.Kind != api.KindRateLimited || ae.RetryAfter != 12500*time.Millisecond {
			t.Fatalf("a wait longer than MaxRetryWait is returned with its duration: %+v", ae)
		}
	})
}

func TestChatStream(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	st, err := c.ChatStream(ctx, api.ChatRequest{Model: "deepseek", Messages: []api.Message{{Role: "user", Content: "write 120 words about bees"}}})
	if err != nil {
		t.Fatal(err)
	}
	var content, reasoning strings.Builder
	var usage *api.Usage
	for {
		d, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		content.WriteString(d.Content)
		reasoning.WriteString(d.Reasoning)
		if d.Usage != nil {
			usage = d.Usage
		}
	}
	if reasoning.Len() == 0 || content.Len() == 0 || usage == nil || usage.TotalTokens == 0 {
		t.Fatalf("stream lacks parts: reasoning %d, content %d, usage %v", reasoning.Len(), content.Len(), usage)
	}
	if got := len(strings.Fields(strings.SplitN(content.String(), "\n\n", 3)[2])); got != 120 {
		t.Fatalf("reply has %d words, want 120", got)
	}
	if r := st.Result(); r.Content != content.String() || r.Meta.ModelUsed != "deepseek/deepseek-v3.2" || !r.Meta.CostKnown {
		t.Fatalf("result: %+v", r.Meta)
	}
}

func TestChatStreamCutIsIncomplete(t *testing.T) {
	e := newEnv(t)
	e.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", CutAfter: 700})
	st, err := e.client(t, "secret").ChatStream(context.Background(), api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "write 200 words"}}})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for {
		d, err := st.Recv()
		if err != nil {
			if !api.IsKind(err, api.KindIncomplete) {
				t.Fatalf("want KindIncomplete, got %v", err)
			}
			break
		}
		got += d.Content
	}
	if got == "" || st.Result().Content != got {
		t.Fatal("the partial text should be kept")
	}
	if n := len(e.sim.Requests()); n != 1 {
		t.Fatalf("a stream must not be retried once bytes arrived: %d requests", n)
	}
}

func TestChatStreamCancelMidStream(t *testing.T) {
	e := newEnv(t)
	e.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", BytesPerSec: 2000})
	ctx, cancel := context.WithCancel(context.Background())
	st, err := e.client(t, "secret").ChatStream(ctx, api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "write 500 words"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	start := time.Now()
	for {
		_, err := st.Recv()
		if err != nil {
			if !api.IsKind(err, api.KindCanceled) {
				t.Fatalf("want KindCanceled, got %v", err)
			}
			break
		}
	}
	if time.Since(start) > time.Second {
		t.Fatalf("cancel took %s", time.Since(start))
	}
}

func TestChatWithVision(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	src, _ := c.Image(context.Background(), api.ImageRequest{Prompt: "see me", Model: "flux", Width: 64, Height: 64, Seed: seed(8)})
	p := filepath.Join(t.TempDir(), "see.jpg")
	os.WriteFile(p, src.Data, 0o644)
	part, err := api.ImagePartFromFile(p)
	if err != nil || !strings.HasPrefix(part.ImageURL, "data:image/jpeg;base64,") {
		t.Fatalf("part: %v", err)
	}
	res, err := c.Chat(context.Background(), api.ChatRequest{Model: "openai", Messages: []api.Message{{Role: "user", Content: "what is this?", Parts: []api.Part{part}}}})
	if err != nil || !strings.Contains(res.Content, "image") {
		t.Fatalf("vision chat: %v %+v", err, res)
	}
	_, err = c.Chat(context.Background(), api.ChatRequest{Model: "deepseek", Messages: []api.Message{{Role: "user", Content: "x", Parts: []api.Part{part}}}})
	if !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("a text-only model must refuse an image: %v", err)
	}
}

func TestSpeechStreamsAndDetectsCuts(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	for _, f := range []struct{ format, ct string }{{"mp3", "audio/mpeg"}, {"wav", "audio/wav"}, {"pcm", "audio/pcm"}} {
		ms, err := c.Speech(ctx, api.SpeechRequest{Text: "Hello there, this is a test of speech.", Voice: "nova", Format: f.format})
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(ms.Body)
		ms.Body.Close()
		if err != nil || len(data) < 1000 || ms.Meta.ContentType != f.ct {
			t.Fatalf("%s: %v, %d bytes, %s", f.format, err, len(data), ms.Meta.ContentType)
		}
	}
	e.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/speech", CutAfter: 5000})
	ms, err := c.Speech(ctx, api.SpeechRequest{Text: strings.Repeat("A long sentence to speak. ", 20)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(ms.Body)
	if !api.IsKind(err, api.KindIncomplete) {
		t.Fatalf("a cut download must be KindIncomplete, got %v", err)
	}
	if _, err := c.Speech(ctx, api.SpeechRequest{Text: "x", Voice: "no-such-voice"}); !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("unknown voice: %v", err)
	}
	if _, err := c.Speech(ctx, api.SpeechRequest{Text: strings.Repeat("x", api.MaxSpeechChars+1)}); !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("over-long text: %v", err)
	}
}

func TestTranscriptionFormats(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	ms, err := c.Speech(ctx, api.SpeechRequest{Text: "Transcribe this clip, please, it is several seconds long. " + strings.Repeat("More words. ", 10), Format: "wav"})
	if err != nil {
		t.Fatal(err)
	}
	wav, _ := io.ReadAll(ms.Body)
	p := filepath.Join(t.TempDir(), "clip.wav")
	os.WriteFile(p, wav, 0o644)
	for _, f := range []string{"json", "text", "srt", "vtt", "verbose_json"} {
		tr, err := c.Transcribe(ctx, api.TranscribeRequest{File: p, Format: f, Language: "en"})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if tr.Text == "" {
			t.Fatalf("%s: no text", f)
		}
		if (f == "srt" || f == "vtt" || f == "verbose_json") && (len(tr.Segments) < 2 || tr.Segments[1].Start <= 0) {
			t.Fatalf("%s: segments %+v", f, tr.Segments)
		}
	}
	bad := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(bad, []byte("hello"), 0o644)
	if _, err := c.Transcribe(ctx, api.TranscribeRequest{File: bad}); !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("a .txt must be refused before sending: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.wav")
	f, _ := os.Create(big)
	f.Truncate(api.MaxTranscriptionBytes + 1)
	f.Close()
	n := len(e.sim.Requests())
	if _, err := c.Transcribe(ctx, api.TranscribeRequest{File: big}); !api.IsKind(err, api.KindTooLarge) {
		t.Fatalf("an oversized file must be refused: %v", err)
	}
	if len(e.sim.Requests()) != n {
		t.Fatal("refused files must not be sent")
	}
}

func TestVideo(t *testing.T) {
	e := newEnv(t)
	ms, err := e.client(t, "secret").Video(context.Background(), api.VideoRequest{Prompt: "waves", Model: "veo", Duration: 4, Audio: true, AspectRatio: "16:9"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(ms.Body)
	if err != nil || ms.Meta.ContentType != "video/mp4" || string(data[4:8]) != "ftyp" {
		t.Fatalf("video: %v %s", err, ms.Meta.ContentType)
	}
	if ms.Meta.Usage["completion-video-seconds"] != 4 || !ms.Meta.CostKnown {
		t.Fatalf("video usage: %+v", ms.Meta)
	}
}

func TestModelsAndAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anon, _ := api.New(api.Options{BaseURL: e.sim.URL()})
	all, err := anon.Models(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	seedream, ok := api.FindModel(all, "seedream")
	if !ok || !seedream.PaidOnly || seedream.MaxReferenceImages != 10 || seedream.Pricing["completionImageTokens"] != 0.03 {
		t.Fatalf("seedream: %+v", seedream)
	}
	if m, ok := api.FindModel(all, "whisper-1"); !ok || m.Kind != "transcription" {
		t.Fatalf("alias lookup: %+v", m)
	}
	// The tier account has no paid pollen: paid-only models are hidden from it; an anonymous
	// list keeps them, marked.
	tierModels, _ := e.client(t, "free").Models(ctx, "image")
	if _, ok := api.FindModel(tierModels, "seedream"); ok {
		t.Fatal("paid-only model listed for a tier-only account")
	}
	if _, ok := api.FindModel(tierModels, "flux"); !ok {
		t.Fatal("a free model missing for a tier-only account")
	}
	video, _ := anon.Models(ctx, "video")
	veo, ok := api.FindModel(video, "veo")
	if !ok || len(veo.Durations()) != 3 || !veo.HasCapability("end_frame") {
		t.Fatalf("veo: %+v", veo)
	}
	audio, _ := anon.Models(ctx, "audio")
	if el, ok := api.FindModel(audio, "elevenlabs"); !ok || len(el.Voices) == 0 || !el.PaidOnly {
		t.Fatalf("elevenlabs voices: %+v", el)
	}
	// Only text-to-speech voices are "audio": music is listed but no voice, openai-audio is text.
	for _, m := range audio {
		if m.Kind != "audio" {
			t.Errorf("%s (%s) in the speech list", m.Name, m.Kind)
		}
	}
	if m, ok := api.FindModel(all, "openai-audio"); !ok || m.Kind != "text" || m.Page() != "text" {
		t.Errorf("openai-audio: %+v", m)
	}
	if m, ok := api.FindModel(all, "music-v2"); !ok || m.Kind != api.KindMusic || m.Page() != "" {
		t.Errorf("music: %+v", m)
	}
	for _, n := range []string{"microsoft/trellis-2", "openai/text-embedding-3-small"} {
		if m, ok := api.FindModel(all, n); !ok || m.Page() != "" {
			t.Errorf("%s: %+v", n, m)
		}
	}
	// The free default voice: openai/tts-1 for a free account, never a paid-only model.
	tierAudio, _ := e.client(t, "free").Models(ctx, "audio")
	for _, list := range [][]api.Model{audio, tierAudio} {
		if m, ok := api.StartSpeechModel(list, false); !ok || m.Name != "openai/tts-1" {
			t.Errorf("start voice: %+v", m)
		}
	}
	if m, ok := api.FindModel(all, "community/pixelsmith/pixel-art"); !ok || !m.Community {
		t.Errorf("community: %+v", m)
	}
	if m, ok := api.FindModel(all, "seedream"); !ok || !m.Degraded() || m.Health.Requests != 412 {
		t.Errorf("health: %+v", m)
	}
	if m, ok := api.FindModel(all, "gptimage"); !ok || !m.TokenPriced() {
		t.Errorf("gpt image not token-priced: %+v", m)
	} else if _, ok := m.EstimateCost(1); ok {
		t.Error("a token price shown as a price per image")
	}

	info, err := e.client(t, "scoped").KeyInfo(ctx)
	if err != nil || info.Type != "secret" || len(info.AllowedModels) != 2 || info.PollenBudget == nil || info.ExpiresAt == nil {
		t.Fatalf("scoped key info: %+v %v", info, err)
	}
	bal, err := e.client(t, "secret").Balance(ctx)
	if err != nil || !bal.HasBreakdown || bal.Paid != 25 {
		t.Fatalf("balance: %+v %v", bal, err)
	}
	if _, err := e.client(t, "secret").Image(ctx, api.ImageRequest{Prompt: "spend", Model: "flux", Width: 64, Height: 64}); err != nil {
		t.Fatal(err)
	}
	after, _ := e.client(t, "secret").Balance(ctx)
	if after.Total >= bal.Total {
		t.Fatalf("a generation should spend pollen: %v → %v", bal.Total, after.Total)
	}
	usage, err := e.client(t, "secret").Usage(ctx)
	if err != nil || len(usage) == 0 || usage[0].Model != "black-forest-labs/flux-schnell" {
		t.Fatalf("usage: %+v %v", usage, err)
	}
	prof, err := e.client(t, "secret").Profile(ctx)
	// The profile has no tier, createdAt or nextResetAt any more: that is normal.
	if err != nil || prof.GithubUsername == "" || !prof.CommunityEndpointsAllowed || prof.Tier != "" || prof.NextResetAt != nil {
		t.Fatalf("profile: %+v %v", prof, err)
	}
}

func TestDeviceSignIn(t *testing.T) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001, DeviceApproveAfter: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, _ := api.New(api.Options{BaseURL: s.URL(), EnterURL: s.URL()})
	ctx := context.Background()
	dc, err := c.StartDeviceLogin(ctx, "")
	if err != nil || dc.UserCode == "" || !strings.HasSuffix(dc.VerificationURI, "/device") {
		t.Fatalf("device code: %+v %v", dc, err)
	}
	key, err := c.WaitDeviceToken(ctx, dc)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := c.WithKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := signed.KeyInfo(ctx); err != nil || info.Type != "secret" {
		t.Fatalf("the new key should work: %+v %v", info, err)
	}
	if _, err := c.WaitDeviceToken(ctx, dc); err == nil {
		t.Fatal("a used device code must not give a second key")
	}
}

func TestSpeechByGET(t *testing.T) {
	e := newEnv(t)
	ms, err := e.client(t, "secret").Speech(context.Background(), api.SpeechRequest{Text: "Read this by GET, please?", Voice: "echo", Format: "wav", UseGET: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(ms.Body)
	if err != nil || ms.Meta.ContentType != "audio/wav" || len(data) < 1000 {
		t.Fatalf("GET /audio: %v %s %d", err, ms.Meta.ContentType, len(data))
	}
	reqs := waitRequests(e, 1)
	last := reqs[len(reqs)-1]
	if !strings.HasPrefix(last.Path, "/audio/") || !strings.Contains(last.RawQuery, "voice=echo") || strings.Contains(last.RawQuery, "key=") {
		t.Fatalf("request: %s?%s", last.Path, last.RawQuery)
	}
}

package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "sk_abcdefghijklmnopqrstuv"

// authRecorder is a server that records the Authorization header of every request it gets.
type authRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (a *authRecorder) handler(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Header.Get("Authorization"))
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"balance": 1}`)
}

func (a *authRecorder) got() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusFound)
	}
}

func TestRedirectKeepsTheKeyOnItsOrigin(t *testing.T) {
	other := &authRecorder{}
	otherSrv := httptest.NewServer(http.HandlerFunc(other.handler))
	defer otherSrv.Close()
	same := &authRecorder{}
	var sameSrv *httptest.Server
	sameSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("hop") == "" {
			http.Redirect(w, r, sameSrv.URL+r.URL.Path+"?hop=1", http.StatusFound)
			return
		}
		same.handler(w, r)
	}))
	defer sameSrv.Close()
	// Both test servers are on 127.0.0.1: "other" differs from the base by its port only,
	// which net/http alone treats as the same host.
	toOther := httptest.NewServer(redirectTo(otherSrv.URL))
	defer toOther.Close()

	for _, c := range []struct {
		name     string
		base     string
		rec      *authRecorder
		wantAuth bool
	}{
		{"same origin keeps the key", sameSrv.URL, same, true},
		{"another port of the same host gets no key", toOther.URL, other, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, err := New(Options{BaseURL: c.base, EnterURL: c.base, Key: testKey, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			cl.Balance(context.Background()) // the answer's shape does not matter here
			seen := c.rec.got()
			if len(seen) == 0 {
				t.Fatal("the redirect was not followed")
			}
			last := seen[len(seen)-1]
			if c.wantAuth && last != "Bearer "+testKey {
				t.Fatalf("same origin: Authorization %q", last)
			}
			if !c.wantAuth && last != "" {
				t.Fatalf("the key went to another origin: %q", last)
			}
		})
	}
}

func TestRedirectFromHTTPSToHTTPIsRefused(t *testing.T) {
	plain := &authRecorder{}
	plainSrv := httptest.NewServer(http.HandlerFunc(plain.handler))
	defer plainSrv.Close()
	tlsSrv := httptest.NewTLSServer(redirectTo(plainSrv.URL))
	defer tlsSrv.Close()
	cl, err := New(Options{BaseURL: tlsSrv.URL, EnterURL: tlsSrv.URL, Key: testKey, HTTPClient: tlsSrv.Client(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.Balance(context.Background())
	if !errors.Is(err, ErrInsecureRedirect) {
		t.Fatalf("https → http redirect: %v, want ErrInsecureRedirect", err)
	}
	if n := len(plain.got()); n != 0 {
		t.Fatalf("the plain-http server got %d requests", n)
	}
	// The caller's own client is left as it was.
	if tlsSrv.Client().CheckRedirect != nil {
		t.Fatal("New changed the caller's http.Client")
	}
}

// silentAfterHeaders answers with headers and the given first bytes, then sends nothing until
// the client goes away.
func silentAfterHeaders(contentType, first string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, first)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}

func TestIdleTimeoutEndsAStreamThatGoesSilent(t *testing.T) {
	mp3 := "ID3" + strings.Repeat("\x00", 600)
	mp4 := "\x00\x00\x00\x18ftypmp42" + strings.Repeat("\x00", 600)
	sse := "data: {\"choices\":[{\"delta\":{\"content\":\"Hello there, this is a reply\"}}]}\n\n"
	cases := []struct {
		name, ctype, first string
		opts               Options
		want               string
		run                func(context.Context, *Client) error
	}{
		{"text", "text/event-stream", sse, Options{TextIdle: 40 * time.Millisecond}, "no data for 40ms", func(ctx context.Context, c *Client) error {
			st, err := c.ChatStream(ctx, ChatRequest{Model: "openai", Messages: []Message{{Role: "user", Content: "hi"}}})
			if err != nil {
				return err
			}
			defer st.Close()
			for {
				if _, err := st.Recv(); err != nil {
					return err
				}
			}
		}},
		{"speech", "audio/mpeg", mp3, Options{SpeechIdle: 40 * time.Millisecond}, "no data for 40ms", func(ctx context.Context, c *Client) error {
			ms, err := c.Speech(ctx, SpeechRequest{Text: "hello"})
			if err != nil {
				return err
			}
			defer ms.Body.Close()
			_, err = io.Copy(io.Discard, ms.Body)
			return err
		}},
		{"video", "video/mp4", mp4, Options{VideoIdle: 40 * time.Millisecond}, "no data for 40ms", func(ctx context.Context, c *Client) error {
			ms, err := c.Video(ctx, VideoRequest{Prompt: "a cat"})
			if err != nil {
				return err
			}
			defer ms.Body.Close()
			_, err = io.Copy(io.Discard, ms.Body)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(silentAfterHeaders(c.ctype, c.first))
			defer srv.Close()
			o := c.opts
			o.BaseURL, o.Key, o.MaxRetries = srv.URL, testKey, -1
			cl, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			// A guard, not a measure: without an idle limit the call would hang here.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = c.run(ctx, cl)
			e, ok := AsError(err)
			if !ok || e.Kind != KindTimeout || !strings.Contains(e.Error(), c.want) {
				t.Fatalf("got %v, want a timeout saying %q", err, c.want)
			}
		})
	}
}

// A stream that keeps sending, but for longer than the whole limit, is told apart from one
// that went silent.
func TestTotalLimitIsToldApartFromIdle(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		io.WriteString(w, "\x00\x00\x00\x18ftypmp42"+strings.Repeat("\x00", 600))
		for {
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
				io.WriteString(w, "x")
			}
		}
	}))
	defer srv.Close()
	cl, err := New(Options{BaseURL: srv.URL, Key: testKey, MaxRetries: -1, VideoIdle: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cl.tm.video = 150 * time.Millisecond
	ms, err := cl.Video(context.Background(), VideoRequest{Prompt: "a cat"})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Body.Close()
	_, err = io.Copy(io.Discard, ms.Body)
	if e, ok := AsError(err); !ok || e.Kind != KindTimeout || !strings.Contains(e.Error(), "took longer than 150ms") {
		t.Fatalf("got %v, want a timeout saying it took longer than 150ms", err)
	}
}

func TestIdleDefaultsAndRoutes(t *testing.T) {
	cl, err := New(Options{BaseURL: "https://gen.example/base"})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]time.Duration{
		"/base/v1/chat/completions": DefaultTextIdle,
		"/base/v1/audio/speech":     DefaultSpeechIdle,
		"/base/audio/hello":         DefaultSpeechIdle,
		"/base/video/a%20cat":       DefaultVideoIdle,
	} {
		if got := cl.idleFor("https://gen.example" + path); got != want {
			t.Errorf("%s: idle %s, want %s", path, got, want)
		}
	}
	if got := shortDuration(60 * time.Second); got != "60s" {
		t.Errorf("60 s reads %q", got)
	}
	if got := shortDuration(10 * time.Minute); got != "10m" {
		t.Errorf("10 min reads %q", got)
	}
}

// endlessData is an SSE stream whose one event never ends: data lines and no blank line. (It
// stops at four times the bound, so that a reader without one fails instead of hanging.)
type endlessData struct{ read int }

func (e *endlessData) Read(p []byte) (int, error) {
	if e.read > 4*maxSSEEvent {
		return 0, io.EOF
	}
	const line = "data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	n := 0
	for n+len(line) <= len(p) {
		n += copy(p[n:], line)
	}
	if n == 0 {
		n = copy(p, line[:len(p)])
	}
	e.read += n
	return n, nil
}

func TestSSEEventIsBounded(t *testing.T) {
	src := &endlessData{}
	_, err := newSSEReader(src).Next()
	if !errors.Is(err, ErrSSEEventTooLarge) {
		t.Fatalf("endless event: %v, want ErrSSEEventTooLarge", err)
	}
	if e, ok := AsError(err); !ok || e.Kind != KindTooLarge {
		t.Fatalf("not a typed KindTooLarge error: %#v", err)
	}
	// What was read is the event's bound, plus the "data: " prefixes and the reader's buffer.
	if limit := maxSSEEvent*11/10 + 128<<10; src.read > limit {
		t.Fatalf("read %d bytes before giving up, bound %d", src.read, limit)
	}
	// An event just under the bound still passes.
	line := "data: " + strings.Repeat("y", 1<<20-1) + "\n"
	var b strings.Builder
	for range maxSSEEvent>>20 - 1 {
		b.WriteString(line)
	}
	b.WriteString("\n")
	d, err := newSSEReader(strings.NewReader(b.String())).Next()
	if err != nil || len(d) != (maxSSEEvent>>20-1)*(1<<20)-1 {
		t.Fatalf("event under the bound: %d bytes, %v", len(d), err)
	}
}

func TestMetaHeadersAreCleaned(t *testing.T) {
	cl, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("x-model-used", "open\x00ai\xff\x1b[2J\u202e")
	h.Set("x-fallback-target", "mistral\r\nx")
	h.Set("x-request-id", strings.Repeat("r", 1000))
	m := cl.metaFrom(&http.Response{Header: h}, "requested", nil)
	if m.ModelUsed != "openai\uFFFD" {
		t.Errorf("model %q", m.ModelUsed)
	}
	if m.Fallback != "mistral  x" && m.Fallback != "mistralx" && m.Fallback != "mistral x" {
		t.Errorf("fallback %q", m.Fallback)
	}
	if n := len([]rune(m.RequestID)); n > 200 {
		t.Errorf("request id kept %d characters", n)
	}
}

// Only time spent waiting for the server counts as idle: a caller that pauses between reads
// (a player that is paused) does not end a stream that has its bytes ready.
func TestIdleCountsOnlyTheWaitForTheServer(t *testing.T) {
	body := "ID3" + strings.Repeat("\x00", 4000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	cl, err := New(Options{BaseURL: srv.URL, Key: testKey, MaxRetries: -1, SpeechIdle: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := cl.Speech(context.Background(), SpeechRequest{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Body.Close()
	time.Sleep(100 * time.Millisecond) // the pause itself is what is tested, not a wait for an event
	got, err := io.ReadAll(ms.Body)
	if err != nil || len(got) != len(body) {
		t.Fatalf("after a pause: %d of %d bytes, %v", len(got), len(body), err)
	}
}

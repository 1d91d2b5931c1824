package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"pollinations-studio/backend/textutil"
)

// gatedWriter is a stdout that cannot take anything until gate is closed: the reply piles up
// behind it, as behind a slow terminal or a pipe to a slow program.
type gatedWriter struct {
	gate <-chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
	n    int
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n++
	return w.buf.Write(p)
}

// floodServer answers chat completions with a stream of many tiny pieces and passes every other
// request to the simulator. sent is closed once the whole stream is written.
func floodServer(t *testing.T, simURL string, n int) (srv *httptest.Server, want string, sent chan struct{}) {
	t.Helper()
	pieces := make([]string, n)
	for i := range pieces {
		pieces[i] = fmt.Sprintf("w%d ", i)
		if i%997 == 0 {
			pieces[i] = "\n"
		}
	}
	return replyServer(t, simURL, pieces)
}

// replyServer streams the given pieces as the chat reply.
func replyServer(t *testing.T, simURL string, pieces []string) (srv *httptest.Server, want string, sent chan struct{}) {
	t.Helper()
	target, _ := url.Parse(simURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var b strings.Builder
	var body bytes.Buffer
	for _, piece := range pieces {
		b.WriteString(piece)
		chunk, _ := json.Marshal(map[string]any{"id": "c", "object": "chat.completion.chunk", "model": "openai",
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": piece}, "finish_reason": nil}}})
		body.WriteString("data: " + string(chunk) + "\n\n")
	}
	body.WriteString("data: [DONE]\n\n")
	sent = make(chan struct{})
	var once sync.Once
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("x-model-used", "openai")
		w.Write(body.Bytes())
		w.(http.Flusher).Flush()
		once.Do(func() { close(sent) })
	}))
	t.Cleanup(srv.Close)
	return srv, b.String(), sent
}

// A fast reply of 120 000 pieces, printed to a stdout that takes nothing until the whole reply
// has been sent, comes out whole: the bytes printed are the library item's text, exactly.
func TestTextPrintsTheWholeFastReplyToASlowStdout(t *testing.T) {
	h := newHarness(t)
	srv, want, sent := floodServer(t, h.sim.URL(), 120_000)
	h.env["POLLINATIONS_BASE_URL"] = srv.URL
	out := &gatedWriter{gate: sent}
	var errb bytes.Buffer
	code := Run(context.Background(), []string{"text", "write a very long answer", "--model", "openai"}, Env{
		Stdin: strings.NewReader(""), Stdout: out, Stderr: &errb,
		Getenv: func(k string) string { return h.env[k] }, Keychain: h.keys,
	})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got := out.buf.String()
	if got != want {
		t.Fatalf("printed %d bytes, the reply is %d bytes", len(got), len(want))
	}
	// And it is what the library kept.
	_, list, stderr := h.run("library", "list", "--json", "--kind", "text")
	var items []struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(list), &items); err != nil || len(items) == 0 {
		t.Fatalf("library list: %v: %s %s", err, list, stderr)
	}
	if items[0].Text != got {
		t.Fatalf("the library kept %d bytes, %d were printed", len(items[0].Text), len(got))
	}
	t.Logf("%d pieces printed in %d writes", 120_000, out.n)
}

// failingWriter fails after some bytes, like a pipe whose reader went away.
type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, io.ErrClosedPipe
	}
	w.left -= len(p)
	return len(p), nil
}

func TestTextFailsWhenStdoutDoes(t *testing.T) {
	h := newHarness(t)
	var errb bytes.Buffer
	code := Run(context.Background(), []string{"text", "write 300 words about bees", "--model", "openai"}, Env{
		Stdin: strings.NewReader(""), Stdout: &failingWriter{left: 20}, Stderr: &errb,
		Getenv: func(k string) string { return h.env[k] }, Keychain: h.keys,
	})
	if code == ExitOK {
		t.Fatalf("exit 0 with a reply that could not be printed: %s", errb.String())
	}
}

// A server's error message reaches the terminal without its escape sequences, and cut.
func TestErrorMessagesAreTerminalSafe(t *testing.T) {
	h := newHarness(t)
	evil := "\x1b]0;owned\x07\x1b[2J\u202eboom " + strings.Repeat("x", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, evil)
	}))
	defer srv.Close()
	h.env["POLLINATIONS_BASE_URL"] = srv.URL
	code, _, stderr := h.run("text", "hello")
	if code == ExitOK {
		t.Fatal("an error answer was a success")
	}
	if strings.ContainsAny(stderr, "\x1b\x07\u202e") {
		t.Fatalf("control characters reached the terminal: %q", stderr)
	}
	if n := len([]rune(strings.TrimSpace(stderr))); n > maxMessage+40 {
		t.Fatalf("message of %d characters printed", n)
	}
}

func TestTermTextHoldsASplitEscape(t *testing.T) {
	cases := []struct {
		name   string
		pieces []string
		want   string
	}{
		{"plain", []string{"hello ", "world\n"}, "hello world\n"},
		{"CSI split", []string{"red: \x1b", "[3", "1mR\x1b[0", "m done"}, "red: R done"},
		{"OSC split", []string{"a\x1b]0;ti", "tle\x07b"}, "ab"},
		{"OSC with ST split", []string{"a\x1b]8;;http://x\x1b", "\\link"}, "alink"},
		{"8-bit CSI split", []string{"x\u009b", "2Jy"}, "xy"},
		{"never ended", []string{"z\x1b[12"}, "z"},
		{"layout kept", []string{"a\tb\n", "c"}, "a\tb\nc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f termText
			var got strings.Builder
			for _, p := range c.pieces {
				got.WriteString(f.filter(p))
			}
			got.WriteString(f.flush())
			if got.String() != c.want {
				t.Fatalf("got %q, want %q", got.String(), c.want)
			}
		})
	}
}

func FuzzTermText(f *testing.F) {
	for _, s := range []string{"a\x1b[31mb", "\x1b]0;x\x07y", "\u009b2J", "plain\n", "\x1b"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, cut int) {
		var tt termText
		var got strings.Builder
		if cut <= 0 || cut > len(s) {
			cut = len(s)
		}
		for i := 0; i < len(s); i += cut {
			got.WriteString(tt.filter(s[i:min(i+cut, len(s))]))
		}
		got.WriteString(tt.flush())
		out := got.String()
		if textutil.StripControls(out, true) != out {
			t.Fatalf("%q printed unsafe %q", s, out)
		}
		if strings.ContainsAny(out, "\x1b\r\x07\u009b\u202e") {
			t.Fatalf("%q printed %q", s, out)
		}
	})
}

func TestLibraryOutputIsTerminalSafe(t *testing.T) {
	h := newHarness(t)
	if code, _, stderr := h.run("text", "\x1b]0;owned\x07say \x1b[2Jhello\u202e", "--model", "openai"); code != ExitOK {
		t.Fatalf("text: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{{"library", "list"}, {"library", "search", "say"}, {"library", "show", "1"}} {
		code, stdout, stderr := h.run(args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if !strings.Contains(stdout, "hello") {
			t.Fatalf("%v: the item is not shown: %q", args, stdout)
		}
		if strings.ContainsAny(stdout, "\x1b\x07\u202e") {
			t.Fatalf("%v: control characters reached the terminal: %q", args, stdout)
		}
	}
}

// Written to a pipe, the reply is the library's text byte for byte, escape sequences and all
// (it is filtered only for a terminal).
func TestTextToAPipeIsByteForByte(t *testing.T) {
	h := newHarness(t)
	srv, want, _ := replyServer(t, h.sim.URL(), []string{"Plain ", "\x1b[31mred\x1b[0m", " and\r\n", "tab\there ", "é\u202e", " end"})
	h.env["POLLINATIONS_BASE_URL"] = srv.URL
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(pr)
		got <- b
	}()
	var errb bytes.Buffer
	code := Run(context.Background(), []string{"text", "colours", "--model", "openai"}, Env{
		Stdin: strings.NewReader(""), Stdout: pw, Stderr: &errb,
		Getenv: func(k string) string { return h.env[k] }, Keychain: h.keys,
	})
	pw.Close()
	out := <-got
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if string(out) != want {
		t.Fatalf("piped output %q, want %q", out, want)
	}
}

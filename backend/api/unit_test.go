package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRedactGluedAndLogHandler(t *testing.T) {
	key := "sk_Q1w2E3r4T5y6U7i8O9p0"
	for _, s := range []string{"key%3D" + key, "token_" + key, "x" + key + "y", `"` + key + `"`} {
		if got := Redact(s); strings.Contains(got, key) {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// A key shorter than the pattern's minimum is still masked exactly: the handler knows it.
	c, err := New(Options{Key: key, Logger: base})
	if err != nil {
		t.Fatal(err)
	}
	l := c.log.With("header", http.Header{"Authorization": {"Bearer " + key}}).WithGroup("g")
	l.Debug("sending "+key, "err", errors.New("failed for "+key), "url", &url.URL{Scheme: "https", Host: "h", RawQuery: "key=" + key},
		slog.Group("inner", "k", key), "n", 3)
	out := buf.String()
	if strings.Contains(out, key) {
		t.Fatalf("key in log output: %s", out)
	}
	for _, want := range []string{MaskKey(key), `"n":3`, "sending"} {
		if !strings.Contains(out, want) {
			t.Fatalf("log lost %q: %s", want, out)
		}
	}
}

func TestMatchNoticePrefix(t *testing.T) {
	cases := []struct {
		in   string
		want noticeMatch
	}{
		{"", noticeMaybe},
		{"The", noticeMaybe},
		{"  The account behind", noticeMaybe},
		{"The account behind this API key doesn't have enough credits. Please", noticeYes},
		{"The API key used for this request isn't allowed to use x", noticeYes},
		{"The answer is 42", noticeNo},
		{"Hello", noticeNo},
	}
	for _, c := range cases {
		if got := matchNoticePrefix(c.in); got != c.want {
			t.Errorf("%q: %v, want %v", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ text, model string }{
		{"The API key used for this request isn't allowed to use gemini-2.5-flash. You can change", "gemini-2.5-flash"},
		{"The API key used for this request isn't allowed to use claude.", "claude"},
		{"The API key used for this request isn't allowed to use openai/gpt-5", "openai/gpt-5"},
	} {
		e := DetectNotice(c.text, http.Header{"Cache-Control": {"private, no-store"}}, true)
		if e == nil || e.Model != c.model {
			t.Errorf("%q: model %+v, want %q", c.text, e, c.model)
		}
	}
}

// sseServer answers every request with the given SSE events and headers.
func sseServer(t *testing.T, header http.Header, events ...string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/event-stream")
		}
		for _, ev := range events {
			fmt.Fprint(w, ev)
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{BaseURL: srv.URL, Key: "sk_abcdefghijklmnopqrstuv"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func chunk(content string, usage *int) string {
	m := map[string]any{"choices": []any{map[string]any{"delta": map[string]any{"content": content}}}}
	if usage != nil {
		m["usage"] = map[string]any{"prompt_tokens": *usage, "completion_tokens": *usage, "total_tokens": 2 * *usage}
		m["choices"] = []any{}
	}
	b, _ := json.Marshal(m)
	return "data: " + string(b) + "\n\n"
}

// TestStreamNoticeWhateverTheChunking: the notice is found before any of its text reaches the
// caller, whether it arrives in one chunk or word by word, with no-store or only zero usage; a
// real reply that merely starts like one ("The answer…") goes through untouched.
func TestStreamNoticeWhateverTheChunking(t *testing.T) {
	notice := "The account behind this API key doesn't have enough credits. Please [top up](https://enter.pollinations.ai) to continue."
	newWords := "Out of juice! Your balance can't cover this one. Please [add funds](https://enter.pollinations.ai/top-up?ref=x) and retry."
	zero, some := 0, 7
	words := func(s string) []string {
		var out []string
		for _, w := range strings.SplitAfter(s, " ") {
			out = append(out, chunk(w, nil))
		}
		return out
	}
	noStore := http.Header{"Cache-Control": {"private, no-store"}}
	cases := []struct {
		name   string
		header http.Header
		events []string
		notice bool
	}{
		{"one chunk, no-store", noStore, []string{chunk(notice, nil), chunk("", &zero), "data: [DONE]\n\n"}, true},
		{"word by word, no-store", noStore, append(words(notice), chunk("", &zero), "data: [DONE]\n\n"), true},
		{"word by word, zero usage only", nil, append(words(notice), chunk("", &zero), "data: [DONE]\n\n"), true},
		{"quoted by a billed reply", nil, append(words(notice), chunk("", &some), "data: [DONE]\n\n"), false},
		{"starts like one", noStore, append(words("The answer is forty-two."), "data: [DONE]\n\n"), false},
		{"new words, word by word, no-store", noStore, append(words(newWords), chunk("", &zero), "data: [DONE]\n\n"), true},
		{"new words, cut before usage, no-store", noStore, words(newWords), true},
		{"new words quoted by a billed reply", noStore, append(words(newWords), chunk("", &some), "data: [DONE]\n\n"), false},
		{"new words without no-store", nil, append(words(newWords), chunk("", &zero), "data: [DONE]\n\n"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := sseServer(t, tc.header, tc.events...)
			st, err := c.ChatStream(context.Background(), ChatRequest{Messages: []Message{{Role: "user", Content: "x"}}})
			if tc.notice {
				e, ok := AsError(err)
				if !ok || !e.Notice || e.Kind != KindPaymentRequired || e.Payment != PaymentInsufficientBalance {
					t.Fatalf("want a notice error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for {
				d, err := st.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got.WriteString(d.Content)
			}
			if got.String() == "" || got.String() != st.Result().Content {
				t.Fatalf("content %q / result %q", got.String(), st.Result().Content)
			}
		})
	}
}

func TestStreamAnsweredWithJSON(t *testing.T) {
	body := `{"choices":[{"finish_reason":"stop","message":{"content":"whole reply"}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`
	c := sseServer(t, http.Header{"Content-Type": {"application/json"}}, body)
	st, err := c.ChatStream(context.Background(), ChatRequest{Messages: []Message{{Role: "user", Content: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.Recv()
	if err != nil || d.Content != "whole reply" || d.Usage == nil || d.Usage.TotalTokens != 3 {
		t.Fatalf("%+v %v", d, err)
	}
	if _, err := st.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
	c = sseServer(t, http.Header{"Content-Type": {"application/json"}}, `{"error":{"code":"BAD_GATEWAY","message":"provider down"}}`)
	if _, err := c.ChatStream(context.Background(), ChatRequest{Messages: []Message{{Role: "user", Content: "x"}}}); err == nil || !strings.Contains(err.Error(), "provider down") {
		t.Fatalf("an error sent as JSON with 200: %v", err)
	}
}

// TestCostFromPricing: without x-pollen-cost, the cost is usage × the catalogue's price.
func TestCostFromPricing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/models" {
			fmt.Fprint(w, `[{"name":"flux","output_modalities":["image"],"pricing":{"currency":"pollen","completionImageTokens":"0.002"}},
				{"name":"openai","output_modalities":["text"],"pricing":{"promptTextTokens":0.000001,"completionTextTokens":"0.000004"}}]`)
			return
		}
		w.Header().Set("x-model-used", "openai")
		w.Header().Set("x-usage-prompt-text-tokens", "1000")
		w.Header().Set("x-usage-completion-text-tokens", "500")
		fmt.Fprint(w, "hello")
	}))
	defer srv.Close()
	c, _ := New(Options{BaseURL: srv.URL, Key: "sk_abcdefghijklmnopqrstuv"})
	_, meta, err := c.Text(context.Background(), TextRequest{Prompt: "hi"})
	if err != nil || meta.CostKnown {
		t.Fatalf("no pricing known yet: %+v %v", meta, err)
	}
	if _, err := c.Models(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	_, meta, err = c.Text(context.Background(), TextRequest{Prompt: "hi"})
	want := 1000*0.000001 + 500*0.000004
	if err != nil || !meta.CostKnown || meta.Cost < want*0.999 || meta.Cost > want*1.001 || meta.Usage["completion-text-tokens"] != 500 {
		t.Fatalf("cost %v known %v, want %v (%v)", meta.Cost, meta.CostKnown, want, err)
	}
	// WithKey keeps what was learnt.
	c2, _ := c.WithKey("sk_zyxwvutsrqponmlkjihgfe")
	if _, meta, _ = c2.Text(context.Background(), TextRequest{Prompt: "hi"}); !meta.CostKnown {
		t.Fatal("pricing lost by WithKey")
	}
}

// TestDeviceFlowStates runs the poll loop against a scripted sign-in server: pending, slow_down
// (the interval grows by the slow-down step), pending, then a key. Intervals are fractional.
func TestDeviceFlowStates(t *testing.T) {
	script := []string{`{"error":"authorization_pending"}`, `{"error":"slow_down"}`, `{"error":"authorization_pending"}`, ""}
	var mu sync.Mutex
	var polls []time.Time
	newKey := "sk_" + strings.Repeat("k", 30)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/device/code" {
			fmt.Fprint(w, `{"device_code":"dc1","user_code":"ABCD-1234","verification_uri":"x/device","expires_in":600,"interval":0.02}`)
			return
		}
		mu.Lock()
		polls = append(polls, time.Now())
		i := len(polls) - 1
		mu.Unlock()
		if i < len(script) && script[i] != "" {
			w.WriteHeader(400)
			fmt.Fprint(w, script[i])
			return
		}
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer"}`, newKey)
	}))
	defer srv.Close()
	c, _ := New(Options{BaseURL: srv.URL, EnterURL: srv.URL})
	c.tm.slowDown = 100 * time.Millisecond
	dc, err := c.StartDeviceLogin(context.Background(), "")
	if err != nil || dc.Interval != 20*time.Millisecond {
		t.Fatalf("fractional interval: %+v %v", dc, err)
	}
	start := time.Now()
	key, err := c.WaitDeviceToken(context.Background(), dc)
	if err != nil || key != newKey {
		t.Fatalf("key %q, %v", key, err)
	}
	if len(polls) != 4 {
		t.Fatalf("%d polls, want 4", len(polls))
	}
	if d := polls[0].Sub(start); d < 15*time.Millisecond {
		t.Fatalf("first poll after %s, before the interval", d)
	}
	if d := polls[2].Sub(polls[1]); d < 110*time.Millisecond {
		t.Fatalf("after slow_down the interval should be 20ms+100ms, was %s", d)
	}

	for _, tc := range []struct {
		body string
		want error
	}{
		{`{"error":"expired_token"}`, ErrDeviceExpired},
		{`{"error":"access_denied"}`, nil},
		{`{"error":"invalid_grant"}`, nil},
		{`{"access_token":"sk_xxx…","token_type":"bearer"}`, nil},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(tc.body, "access_token") {
				fmt.Fprint(w, tc.body)
				return
			}
			w.WriteHeader(400)
			fmt.Fprint(w, tc.body)
		}))
		c, _ := New(Options{EnterURL: srv.URL})
		_, err := c.WaitDeviceToken(context.Background(), &DeviceCode{DeviceCode: "x", Interval: time.Millisecond})
		srv.Close()
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: got %v", tc.body, err)
		}
		if err != nil && strings.Contains(err.Error(), "{") {
			t.Errorf("%s: error shows raw JSON: %v", tc.body, err)
		}
	}
}

func FuzzEscapePrompt(f *testing.F) {
	for _, s := range []string{"a/b?c#d", "%2F..%", "..", ".", "\n\r\x00", "🐝 ünï", "a+b&c=d;e,f:g@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		e := escapePrompt(p)
		if strings.ContainsAny(e, "/?#&=;,+:@ .\\'\"!$()*[]\n\r\t") {
			t.Fatalf("%q escaped to %q: a reserved character is left", p, e)
		}
		back, err := url.PathUnescape(e)
		if err != nil || back != p {
			t.Fatalf("%q → %q → %q (%v)", p, e, back, err)
		}
		u := endpoint(&url.URL{Scheme: "https", Host: "h", Path: "/base"}, "/image/"+e, nil)
		pu, err := url.Parse(u)
		if err != nil || pu.EscapedPath() != "/base/image/"+e {
			t.Fatalf("URL %q re-encoded or unparsable (%v)", u, err)
		}
	})
}

func TestMediaAnsweredWithAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"error":{"code":"BAD_GATEWAY","message":"voice service down"}}`)
	}))
	defer srv.Close()
	c, _ := New(Options{BaseURL: srv.URL, Key: "sk_abcdefghijklmnopqrstuv"})
	_, err := c.Speech(context.Background(), SpeechRequest{Text: "hi"})
	if !IsKind(err, KindUpstream) || !strings.Contains(err.Error(), "voice service down") {
		t.Fatalf("got %v", err)
	}
	_, err = c.Video(context.Background(), VideoRequest{Prompt: "hi"})
	if !IsKind(err, KindUpstream) || !strings.Contains(err.Error(), "voice service down") {
		t.Fatalf("got %v", err)
	}
}

// TestMediaShortOfContentLength: a body that ends before its announced Content-Length is
// KindIncomplete from Read, never a quiet io.EOF.
func TestMediaShortOfContentLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Header().Set("Content-Length", "5000")
		w.Write(append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), make([]byte, 1990)...))
	}))
	defer srv.Close()
	c, _ := New(Options{BaseURL: srv.URL, Key: "sk_abcdefghijklmnopqrstuv"})
	ms, err := c.Speech(context.Background(), SpeechRequest{Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Body.Close()
	if ms.Meta.ContentType != "audio/mpeg" {
		t.Fatalf("type %q", ms.Meta.ContentType)
	}
	n, err := io.Copy(io.Discard, ms.Body)
	if !IsKind(err, KindIncomplete) || n != 2000 {
		t.Fatalf("read %d bytes, err %v; want 2000 and KindIncomplete", n, err)
	}
}

func TestNormalizeUserCode(t *testing.T) {
	for in, want := range map[string]string{"abcd-1234": "ABCD-1234", " 8zmyesju ": "8ZMYESJU", "ABCD 1234": "ABCD1234"} {
		if got := NormalizeUserCode(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

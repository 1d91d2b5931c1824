package sim

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultStatuses(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	cases := []struct {
		f           Fault
		contentType string
		says        string
		retryAfter  string
	}{
		{Fault{Status: 500}, "application/json", "Oh snap, something went wrong on our end. We're on it!", ""},
		{Fault{Status: 502}, "application/json", "upstreamStatus", ""},
		{Fault{Status: 503}, "application/json", "Unable to verify balance. Please try again shortly.", ""},
		{Fault{Status: 524}, "text/html; charset=UTF-8", "Error 524: A timeout occurred", ""},
		{Fault{Status: 504}, "text/html; charset=UTF-8", "Error 504: Gateway time-out", ""},
		{Fault{Status: 429}, "application/json", "Too many requests from this IP. Please slow down.", ""},
		{Fault{Status: 429, RetryAfter: "7"}, "application/json", "Too many requests", "7"},
		{Fault{Status: 400}, "application/json", "fieldErrors", ""},
		{Fault{Status: 418, Body: "teapot", ContentType: "text/plain"}, "text/plain", "teapot", ""},
	}
	for _, tc := range cases {
		s.Inject(tc.f)
		r := do(t, s, "GET", "/image/cat?width=64&height=64", key, nil)
		if r.status != tc.f.Status || r.header.Get("Content-Type") != tc.contentType || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("%d: got %d %q %.200s", tc.f.Status, r.status, r.header.Get("Content-Type"), r.body)
		}
		if r.header.Get("Retry-After") != tc.retryAfter {
			t.Errorf("%d: Retry-After %q", tc.f.Status, r.header.Get("Retry-After"))
		}
		if tc.contentType == "application/json" && tc.f.Body == "" {
			r.errorMessage(t) // the standard envelope
		}
		if tc.f.Status == 502 {
			det := r.json(t)["error"].(map[string]any)["details"].(map[string]any)
			if det["upstreamStatus"] == nil {
				t.Errorf("502 without details.upstreamStatus")
			}
		}
		// Used once (Times 0 = 1): the next request succeeds.
		if r := do(t, s, "GET", "/image/cat?width=64&height=64", key, nil); r.status != 200 {
			t.Errorf("after %d: %d", tc.f.Status, r.status)
		}
	}
}

func TestFaultMatching(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	// "" applies to generation routes only; model lists and account routes are spared.
	s.Inject(Fault{Status: 503, Times: 2})
	if r := do(t, s, "GET", "/models", "", nil); r.status != 200 {
		t.Errorf("/models hit by a \"\" fault: %d", r.status)
	}
	if r := do(t, s, "GET", "/account/key", key, nil); r.status != 200 {
		t.Errorf("/account/key hit by a \"\" fault: %d", r.status)
	}
	if r := do(t, s, "POST", "/v1/chat/completions", key, `{"messages":[{"role":"user","content":"x"}]}`); r.status != 503 {
		t.Errorf("chat: %d", r.status)
	}
	if r := do(t, s, "GET", "/text/x", key, nil); r.status != 503 {
		t.Errorf("text: %d", r.status)
	}
	if r := do(t, s, "GET", "/text/x", key, nil); r.status != 200 {
		t.Errorf("Times 2 used up, yet %d", r.status)
	}
	// An explicit prefix works on any path, and only there; faults apply in injection order.
	s.Inject(Fault{PathPrefix: "/account/", Status: 500})
	s.Inject(Fault{PathPrefix: "/image/", Status: 502})
	s.Inject(Fault{PathPrefix: "/image/", Status: 524})
	if r := do(t, s, "GET", "/text/y", key, nil); r.status != 200 {
		t.Errorf("/text hit by an /image/ fault: %d", r.status)
	}
	if r := do(t, s, "GET", "/account/balance", key, nil); r.status != 500 {
		t.Errorf("/account fault: %d", r.status)
	}
	for _, want := range []int{502, 524, 200} {
		if r := do(t, s, "GET", "/image/z?width=64&height=64", key, nil); r.status != want {
			t.Errorf("want %d, got %d", want, r.status)
		}
	}
	s.Inject(Fault{Status: 500, Times: 10})
	s.ClearFaults()
	if r := do(t, s, "GET", "/text/z", key, nil); r.status != 200 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

func TestFaultLatency(t *testing.T) {
	s := startSim(t, Options{})
	s.Inject(Fault{PathPrefix: "/text/", Latency: 150 * time.Millisecond})
	start := time.Now()
	r := do(t, s, "GET", "/text/slow", s.Key("secret"), nil)
	if d := time.Since(start); r.status != 200 || d < 150*time.Millisecond {
		t.Fatalf("%d after %s", r.status, d)
	}
}

// TestCutAfterAbortsTheConnection: the client gets exactly CutAfter bytes and then an error,
// never a clean end of body.
func TestCutAfterAbortsTheConnection(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, path := range []string{"/image/cut?width=256&height=256", "/audio/cut%20me"} {
		s.Inject(Fault{PathPrefix: path[:7], CutAfter: 1000})
		r := do(t, s, "GET", path, key, nil)
		if r.status != 200 {
			t.Fatalf("%s: status %d", path, r.status)
		}
		if r.err == nil || len(r.body) != 1000 {
			t.Fatalf("%s: read %d bytes, err %v; want 1000 and an error", path, len(r.body), r.err)
		}
		// The generation itself finished: the identical retry gets it whole, from the cache.
		r = do(t, s, "GET", path, key, nil)
		if r.err != nil || r.header.Get("x-cache") != "HIT" || len(r.body) <= 1000 {
			t.Fatalf("%s retry: %v %s %d bytes", path, r.err, r.header.Get("x-cache"), len(r.body))
		}
	}
	// A stream is cut the same way, so it ends without [DONE].
	s.Inject(Fault{PathPrefix: "/v1/chat/completions", CutAfter: 300})
	r := do(t, s, "POST", "/v1/chat/completions", key, `{"stream":true,"messages":[{"role":"user","content":"write 200 words"}]}`)
	if r.err == nil || len(r.body) != 300 || bytes.Contains(r.body, []byte("[DONE]")) {
		t.Fatalf("stream: %d bytes, err %v", len(r.body), r.err)
	}
}

func TestBytesPerSecThrottles(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	// Warm the cache so the generation time does not count.
	first := do(t, s, "GET", "/audio/throttle%20this%20text?response_format=pcm", key, nil)
	n := len(first.body)
	if n < 20000 {
		t.Fatalf("only %d bytes", n)
	}
	rate := n * 4 // about a quarter of a second for the whole body
	s.Inject(Fault{PathPrefix: "/audio/", BytesPerSec: rate})
	start := time.Now()
	r := do(t, s, "GET", "/audio/throttle%20this%20text?response_format=pcm", key, nil)
	d := time.Since(start)
	if r.err != nil || !bytes.Equal(r.body, first.body) {
		t.Fatalf("throttled body differs (%v)", r.err)
	}
	if d < 200*time.Millisecond || d > 3*time.Second {
		t.Fatalf("%d bytes at %d B/s took %s", n, rate, d)
	}
}

func TestMalformed(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	s.Inject(Fault{PathPrefix: "/image/", Malformed: true})
	r := do(t, s, "GET", "/image/broken?width=128&height=128", key, nil)
	if r.status != 200 || r.header.Get("Content-Type") != "image/jpeg" || len(r.body) == 0 {
		t.Fatalf("%d %s %d bytes", r.status, r.header.Get("Content-Type"), len(r.body))
	}
	if _, err := jpeg.Decode(bytes.NewReader(r.body)); err == nil {
		t.Fatalf("a malformed JPEG decoded")
	}
	s.Inject(Fault{PathPrefix: "/v1/chat/", Malformed: true})
	r = do(t, s, "POST", "/v1/chat/completions", key, `{"messages":[{"role":"user","content":"hi"}]}`)
	var v any
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" || json.Unmarshal(r.body, &v) == nil {
		t.Fatalf("malformed chat: %d %s %q", r.status, r.header.Get("Content-Type"), r.body)
	}
}

// TestFaultLatencyHonoursCancel: a client that gives up during an injected delay frees the
// handler at once.
func TestFaultLatencyHonoursCancel(t *testing.T) {
	s := startSim(t, Options{})
	s.Inject(Fault{PathPrefix: "/text/", Latency: 5 * time.Second})
	req, _ := http.NewRequest("GET", s.URL()+"/text/x", nil)
	req.Header.Set("Authorization", "Bearer "+s.Key("secret"))
	c := &http.Client{Timeout: 50 * time.Millisecond}
	if res, err := c.Do(req); err == nil {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		t.Fatal("no timeout")
	}
	waitFor(t, "the handler to return", func() bool { return len(s.Requests()) == 1 })
}

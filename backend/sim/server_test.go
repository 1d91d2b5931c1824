package sim

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPromptDecodedOnce: the prompt is one path segment, percent-decoded exactly once.
func TestPromptDecodedOnce(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"a%2Fb", "a/b"},
		{"why%3F", "why?"},
		{"C%23%20sharp", "C# sharp"},
		{"100%25", "100%"},
		{"%2525", "%25"}, // decoded once, not twice
		{"line1%0Aline2", "line1\nline2"},
		{"%F0%9F%90%9D%20bee", "🐝 bee"},
		{"a+b", "a+b"}, // a plus is not a space in a path
		{".", "."},
		{"..", ".."},
		{"a//b", "a//b"},
		{"x%3Fmodel%3Dopenai%26seed%3D9%23f", "x?model=openai&seed=9#f"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/text/"+tc.raw+"?model=openai", nil)
		w := httptest.NewRecorder()
		got, ok := pathPrompt(w, r, "/text/")
		if !ok || got != tc.want {
			t.Errorf("%q: got %q ok=%v (status %d), want %q", tc.raw, got, ok, w.Code, tc.want)
		}
	}
	for _, raw := range []string{"", "%20%20", "%0A"} {
		r := httptest.NewRequest("GET", "/text/"+raw, nil)
		w := httptest.NewRecorder()
		if _, ok := pathPrompt(w, r, "/text/"); ok || w.Code != 400 {
			t.Errorf("empty prompt %q: ok=%v status %d", raw, ok, w.Code)
		}
	}
}

// TestPromptsReachTheirRoute: prompts that http.ServeMux would clean or redirect ("." "a//b")
// are generated, and what the server decoded is what the reply echoes.
func TestPromptsReachTheirRoute(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, p := range []string{"%2E", "..", "a%2F%2Fb", "a%2F..%2Fb", "%F0%9F%90%9D", "why%3F%23%25"} {
		r := do(t, s, "GET", "/text/"+p, key, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
		want, _ := pathPromptString(p)
		if !strings.Contains(string(r.body), "*"+want+"*") {
			t.Errorf("%s: reply does not echo %q: %.120s", p, want, r.body)
		}
		for _, prefix := range []string{"/image/", "/audio/", "/video/"} {
			q := "?width=64&height=64"
			if prefix == "/video/" {
				q = "?model=wan-fast"
			}
			if r := do(t, s, "GET", prefix+p+q, key, nil); r.status != 200 {
				t.Errorf("%s%s: %d %.200s", prefix, p, r.status, r.body)
			}
		}
	}
	// An invalid escape never reaches the handler: Go's server answers 400 itself.
	if status := rawGET(t, s, "/image/100%zz", key); status != 400 {
		t.Errorf("invalid escape: %d", status)
	}
	if r := do(t, s, "GET", "/image/", key, nil); r.status != 400 {
		t.Errorf("empty prompt: %d", r.status)
	}
}

func pathPromptString(raw string) (string, bool) {
	r := httptest.NewRequest("GET", "/text/"+raw, nil)
	return pathPrompt(httptest.NewRecorder(), r, "/text/")
}

func TestAuth(t *testing.T) {
	s := startSim(t, Options{})
	cases := []struct {
		name, path, key string
		header          []string
		status          int
		says            string
	}{
		{"missing", "/image/cat", "", nil, 401, "A valid API key is required. Get one at https://enter.pollinations.ai/keys"},
		{"unknown", "/image/cat", "sk_" + strings.Repeat("Z", 32), nil, 401, "A valid API key is required. Get one at https://enter.pollinations.ai/keys"},
		{"not bearer", "/image/cat", "", []string{"Authorization", "Basic " + s.Key("secret")}, 401, "A valid API key is required. Get one at https://enter.pollinations.ai/keys"},
		{"query key on GET", "/image/cat?width=64&height=64&key=" + s.Key("secret"), "", nil, 200, ""},
		{"query key on POST", "/v1/chat/completions?key=" + s.Key("secret"), "", nil, 401, "A valid API key is required. Get one at https://enter.pollinations.ai/keys"},
		{"account needs a key", "/account/balance", "", nil, 401, "A valid API key is required. Get one at https://enter.pollinations.ai/keys"},
		{"models need none", "/models", "", nil, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method, body := "GET", any(nil)
			if strings.HasPrefix(tc.path, "/v1/") {
				method, body = "POST", `{"messages":[{"role":"user","content":"hi"}]}`
			}
			r := do(t, s, method, tc.path, tc.key, body, tc.header...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.200s", r.status, tc.status, r.body)
			}
			if tc.says != "" && !strings.HasPrefix(r.errorMessage(t), tc.says) {
				t.Fatalf("message %q", r.errorMessage(t))
			}
		})
	}
}

func TestUnknownRouteIsA404Envelope(t *testing.T) {
	s := startSim(t, Options{})
	for _, c := range [][2]string{{"GET", "/nope"}, {"POST", "/image/cat"}, {"GET", "/v1/chat/completions"}, {"DELETE", "/models"}} {
		r := do(t, s, c[0], c[1], s.Key("secret"), nil)
		if r.status != 404 {
			t.Fatalf("%s %s: %d", c[0], c[1], r.status)
		}
		r.errorMessage(t)
	}
}

func TestRequestsAreRecorded(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	body := `{"messages":[{"role":"user","content":"hello"}]}`
	do(t, s, "GET", "/image/a%2Fb?width=64&height=64&seed=1", key, nil)
	do(t, s, "POST", "/v1/chat/completions", key, body)
	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].Method != "GET" || reqs[0].Path != "/image/a%2Fb" || reqs[0].RawQuery != "width=64&height=64&seed=1" {
		t.Errorf("first: %+v", reqs[0])
	}
	if reqs[0].Header.Get("Authorization") != "Bearer "+key {
		t.Errorf("header not kept")
	}
	if reqs[1].BodySHA256 != sha256hex([]byte(body)) || reqs[1].Ended.Before(reqs[1].Started) {
		t.Errorf("second: %+v", reqs[1])
	}
	reqs[0].Header.Set("X-Changed", "1") // a copy: the server's record is not touched
	if s.Requests()[0].Header.Get("X-Changed") != "" {
		t.Errorf("Requests returned shared headers")
	}
	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("after reset: %d", n)
	}
}

func TestLogNeverPrintsAKey(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	s := startSim(t, Options{Logf: func(f string, a ...any) {
		mu.Lock()
		lines = append(lines, fmt.Sprintf(f, a...))
		mu.Unlock()
	}})
	key := s.Key("secret")
	do(t, s, "GET", "/text/my%20key%20is%20"+key+"?key="+key, "", nil)
	do(t, s, "GET", "/account/key", key, nil)
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 2 {
		t.Fatalf("%d log lines", len(lines))
	}
	for _, l := range lines {
		if strings.Contains(l, key) || strings.Contains(l, key[3:]) {
			t.Fatalf("log line holds the key: %s", l)
		}
	}
	if !strings.Contains(lines[0], "sk_…") {
		t.Errorf("key in the path not masked but dropped? %s", lines[0])
	}
}

func TestNewIsAHandler(t *testing.T) {
	s := New(Options{TimeScale: 0.001})
	var h http.Handler = s
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/image/cat?width=64&height=64", nil)
	r.Header.Set("Authorization", "Bearer "+s.Key("secret"))
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/jpeg" {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if s.URL() != "" {
		t.Errorf("URL without Start: %q", s.URL())
	}
}

// FuzzRoute: no path or query makes the simulator panic or answer outside the statuses it knows.
func FuzzRoute(f *testing.F) {
	for _, p := range []string{"/image/cat", "/text/a%2Fb?json=true", "/video/x?duration=7", "/audio/hi?voice=zz",
		"/image/x?width=-1", "/image/x?seed=99999999999", "/models?community=2", "/text/%F0%9F", "/image/x?image=ftp://a"} {
		f.Add(p)
	}
	s := New(Options{TimeScale: 0.00001})
	key := s.Key("secret")
	f.Fuzz(func(t *testing.T, p string) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		r, err := http.NewRequest("GET", "http://sim"+p, nil)
		if err != nil {
			return // not a URL a client could send
		}
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 402, 403, 404, 422, 429:
		default:
			t.Fatalf("%s: status %d", p, w.Code)
		}
	})
}

// rawGET sends a request line no Go client would (an invalid escape) and returns the status.
func rawGET(t *testing.T, s *Server, path, key string) int {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n", path, key)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestCloseInterruptsGenerations: Close does not wait out a long generation, and its waiting
// client gets a 503 envelope rather than an empty 200.
func TestCloseInterruptsGenerations(t *testing.T) {
	s, err := Start("127.0.0.1:0", Options{TimeScale: 1}) // an image takes 2–6 s
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", s.URL()+"/image/slow?width=64&height=64", nil)
		req.Header.Set("Authorization", "Bearer "+s.Key("secret"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- 0
			return
		}
		res.Body.Close()
		got <- res.StatusCode
	}()
	waitFor(t, "the generation to start", func() bool { return s.MaxConcurrent(s.Key("secret")) == 1 })
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if status := <-got; status != 503 {
		t.Fatalf("client got %d", status)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Close took %s", d)
	}
	if tier, paid := s.Balance(s.Key("secret")); tier != 0.6 || paid != 25 {
		t.Fatalf("an interrupted generation was billed: %g %g", tier, paid)
	}
}

func TestCacheIsBounded(t *testing.T) {
	s := New(Options{})
	big := &result{status: 200, chunks: [][]byte{make([]byte, maxCacheBytes/3)}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range 5 {
		s.remember(fmt.Sprint(i), big)
	}
	s.remember("3", big) // replacing an entry does not count it twice
	if s.cacheBytes > maxCacheBytes || len(s.cache) != 3 || s.cache["0"] != nil || s.cache["4"] == nil {
		t.Fatalf("%d bytes, %d entries", s.cacheBytes, len(s.cache))
	}
}

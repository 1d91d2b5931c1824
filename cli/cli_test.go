package cli

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pollinations-studio/backend/keychain"
	"pollinations-studio/backend/sim"
)

// harness runs the command line against an in-process simulator.
type harness struct {
	t    *testing.T
	sim  *sim.Server
	env  map[string]string
	keys *keychain.Memory
	dir  string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	dir := t.TempDir()
	return &harness{t: t, sim: s, keys: keychain.NewMemory(), dir: dir, env: map[string]string{
		"POLLINATIONS_BASE_URL":    s.URL(),
		"POLLINATIONS_ENTER_URL":   s.URL(),
		"POLLINATIONS_API_KEY":     s.Key("secret"),
		"POLLINATIONS_STUDIO_DATA": filepath.Join(dir, "library"),
	}}
}

func (h *harness) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv:   func(k string) string { return h.env[k] },
		Keychain: h.keys,
	})
	return code, out.String(), errb.String()
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

func TestImageWritesARealImage(t *testing.T) {
	h := newHarness(t)
	out := h.path("cat.jpg")
	code, _, stderr := h.run("image", "a cat on a mat", "-o", out, "--width", "320", "--height", "200", "--seed", "7")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		t.Fatalf("output is not an image: %v", err)
	}
	if cfg.Width != 320 || cfg.Height != 200 {
		t.Fatalf("image is %dx%d, want 320x200", cfg.Width, cfg.Height)
	}
}

func TestTextStreamsTheReply(t *testing.T) {
	h := newHarness(t)
	code, stdout, stderr := h.run("text", "say hello", "--model", "openai")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.TrimSpace(stdout) == "" {
		t.Fatal("no reply on stdout")
	}
	if strings.Contains(stdout, "data:") || strings.Contains(stdout, "[DONE]") {
		t.Fatalf("SSE framing leaked into the output: %q", stdout)
	}
}

func TestTextCutShortIsNotSuccess(t *testing.T) {
	h := newHarness(t)
	h.sim.Inject(sim.Fault{PathPrefix: "/v1/chat/completions", CutAfter: 200})
	code, _, stderr := h.run("text", "write 400 words about bees")
	if code != ExitIncomplete {
		t.Fatalf("exit %d, want %d (incomplete): %s", code, ExitIncomplete, stderr)
	}
}

func TestSpeakTranscribeAndVideoWriteFiles(t *testing.T) {
	h := newHarness(t)
	mp3 := h.path("hello.mp3")
	if code, _, stderr := h.run("speak", "Hello from the simulator", "-o", mp3); code != ExitOK {
		t.Fatalf("speak: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(mp3)
	if err != nil || len(b) < 100 {
		t.Fatalf("speech file: %v (%d bytes)", err, len(b))
	}
	if !(bytes.HasPrefix(b, []byte("ID3")) || (b[0] == 0xFF && b[1]&0xE0 == 0xE0)) {
		t.Fatalf("speech is not MP3: % x", b[:4])
	}
	code, stdout, stderr := h.run("transcribe", mp3, "--format", "srt")
	if code != ExitOK {
		t.Fatalf("transcribe: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "-->") {
		t.Fatalf("not SRT: %q", stdout)
	}
	// Who speaks: diarized_json with the number of speakers, kept in the library's segments.
	code, stdout, stderr = h.run("transcribe", mp3, "--model", "scribe", "--format", "diarized_json", "--speakers", "2")
	if code != ExitOK || !strings.Contains(stdout, `"speaker": "A"`) {
		t.Fatalf("diarized: exit %d: %s %s", code, stdout, stderr)
	}
	if code, _, _ := h.run("transcribe", mp3, "--format", "srt", "--speakers", "2"); code == ExitOK {
		t.Error("--speakers without diarized_json accepted")
	}
	vid := h.path("clip.mp4")
	if code, _, stderr := h.run("video", "waves", "-o", vid, "--model", "wan-fast", "--duration", "6"); code != ExitOK {
		t.Fatalf("video: exit %d: %s", code, stderr)
	}
	v, err := os.ReadFile(vid)
	if err != nil || len(v) < 12 || string(v[4:8]) != "ftyp" {
		t.Fatalf("video is not MP4: %v", err)
	}
}

func TestExitCodesAreDistinct(t *testing.T) {
	h := newHarness(t)
	if code, _, _ := h.run("image"); code != ExitUsage {
		t.Errorf("missing prompt: exit %d, want usage", code)
	}
	if code, _, _ := h.run("frobnicate"); code != ExitUsage {
		t.Errorf("unknown command: exit %d, want usage", code)
	}
	h.env["POLLINATIONS_API_KEY"] = "sk_" + strings.Repeat("z", 24)
	code, _, stderr := h.run("image", "x", "-o", h.path("x.jpg"))
	if code != ExitAPI {
		t.Errorf("unknown key: exit %d, want API error: %s", code, stderr)
	}
	if strings.Contains(stderr, h.env["POLLINATIONS_API_KEY"]) {
		t.Errorf("the key leaked into the error: %s", stderr)
	}
	h.env["POLLINATIONS_API_KEY"] = h.sim.Key("secret")
	h.env["POLLINATIONS_BASE_URL"] = "http://127.0.0.1:1"
	if code, _, stderr := h.run("image", "x", "-o", h.path("y.jpg")); code != ExitNetwork {
		t.Errorf("unreachable server: exit %d, want network: %s", code, stderr)
	}
}

func TestKeySetShowClear(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "POLLINATIONS_API_KEY")
	if code, _, _ := h.run("key", "set", "pk_xxxxxxx..."); code != ExitUsage {
		t.Fatalf("a masked key must be refused, got exit %d", code)
	}
	key := h.sim.Key("secret")
	if code, _, stderr := h.run("key", "set", key); code != ExitOK {
		t.Fatalf("key set: %d %s", code, stderr)
	}
	code, stdout, _ := h.run("key", "show")
	if code != ExitOK || strings.Contains(stdout, key) || !strings.HasPrefix(stdout, key[:3]) {
		t.Fatalf("key show must print a masked key, got %q", stdout)
	}
	if code, stdout, stderr := h.run("account", "--json"); code != ExitOK || !strings.Contains(stdout, "secret") {
		t.Fatalf("account with the stored key: %d %s %s", code, stdout, stderr)
	}
	if code, _, _ := h.run("key", "clear"); code != ExitOK {
		t.Fatal("key clear failed")
	}
	if code, _, _ := h.run("account"); code == ExitOK {
		t.Fatal("account without a key should fail")
	}
}

func TestModelsLists(t *testing.T) {
	h := newHarness(t)
	code, stdout, stderr := h.run("models", "--type", "image")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "flux") || strings.Contains(stdout, "whisper") {
		t.Fatalf("image models listing wrong: %s", stdout)
	}
	code, stdout, _ = h.run("models", "--json")
	if code != ExitOK || !strings.HasPrefix(strings.TrimSpace(stdout), "[") {
		t.Fatalf("models --json: %d %q", code, stdout)
	}
}

func TestGenerationsLandInTheLibrary(t *testing.T) {
	h := newHarness(t)
	if code, _, stderr := h.run("image", "a lighthouse at dawn", "-o", h.path("l.jpg"), "--seed", "3", "--model", "flux"); code != ExitOK {
		t.Fatalf("image: %d %s", code, stderr)
	}
	if code, _, stderr := h.run("text", "hello there"); code != ExitOK {
		t.Fatalf("text: %d %s", code, stderr)
	}
	code, stdout, stderr := h.run("library", "list", "--json")
	if code != ExitOK {
		t.Fatalf("library list: %d %s", code, stderr)
	}
	if !strings.Contains(stdout, `"lighthouse`) && !strings.Contains(stdout, "a lighthouse at dawn") {
		t.Fatalf("the image is not in the library: %s", stdout)
	}
	if !strings.Contains(stdout, `"seed": 3`) || !strings.Contains(stdout, `"model_used": "black-forest-labs/flux-schnell"`) ||
		!strings.Contains(stdout, `"hosted_url": "https://media.pollinations.ai/`) {
		t.Fatalf("metadata missing: %s", stdout)
	}
	// --model matches a model by any of its names: the short one it was asked by, its id.
	for _, m := range []string{"flux", "black-forest-labs/flux-schnell", "flux-schnell"} {
		code, stdout, _ := h.run("library", "list", "--json", "--model", m)
		if code != ExitOK || !strings.Contains(stdout, "lighthouse") || strings.Contains(stdout, "hello there") {
			t.Errorf("--model %s: %d %s", m, code, stdout)
		}
	}
	if code, stdout, _ := h.run("library", "show", "1", "--json"); code != ExitOK || !strings.Contains(stdout, `"hosted_url": "https://`) {
		t.Errorf("show --json: %d %s", code, stdout)
	}
	code, stdout, _ = h.run("library", "search", "lighthouse")
	if code != ExitOK || !strings.Contains(stdout, "lighthouse") || strings.Contains(stdout, "hello there") {
		t.Fatalf("search: %d %s", code, stdout)
	}
	zip := h.path("export.zip")
	if code, _, stderr := h.run("library", "export", "-o", zip); code != ExitOK {
		t.Fatalf("export: %d %s", code, stderr)
	}
	h.env["POLLINATIONS_STUDIO_DATA"] = h.path("other-library")
	code, stdout, stderr = h.run("library", "import", zip, "--json")
	if code != ExitOK || !strings.Contains(stdout, `"added": 2`) {
		t.Fatalf("import: %d %s %s", code, stdout, stderr)
	}
	if code, _, _ := h.run("library", "trash", "1"); code != ExitOK {
		t.Fatal("trash failed")
	}
	if _, stdout, _ := h.run("library", "list", "--json"); strings.Contains(stdout, "lighthouse") && strings.Count(stdout, `"id"`) != 1 {
		t.Fatalf("trashed item still listed: %s", stdout)
	}
}

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestSimCommandPrintsURLAndKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--fast"}, Env{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	}()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(out.String(), "\n") < 6 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 6 || !strings.HasPrefix(lines[0], "http://127.0.0.1:") {
		t.Fatalf("sim output: %q", out.String())
	}
	kinds := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 2 {
			t.Fatalf("not a KIND KEY line: %q", l)
		}
		kinds[f[0]] = f[1]
	}
	for _, k := range []string{"secret", "free", "publishable", "scoped", "exhausted", "quest", "budgeted"} {
		if kinds[k] == "" {
			t.Fatalf("no %s key in %v", k, kinds)
		}
	}
	// The printed URL and key work for a real request.
	h := newHarness(t)
	h.env["POLLINATIONS_BASE_URL"], h.env["POLLINATIONS_API_KEY"] = lines[0], kinds["secret"]
	if code, _, stderr := h.run("account"); code != ExitOK {
		t.Fatalf("account against the standalone simulator: %d %s", code, stderr)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("sim exited %d after interrupt", code)
	}
}

// TestRefusalPrintsTheRemedy: a refusal's remedy and its dashboard link go to stderr; the
// account command shows a budgeted key's budget left, in Pollen words.
func TestRefusalPrintsTheRemedy(t *testing.T) {
	h := newHarness(t)
	h.env["POLLINATIONS_API_KEY"] = h.sim.Key("exhausted")
	code, _, stderr := h.run("text", "say hello")
	if code == ExitOK || !strings.Contains(stderr, "To fix: Raise this key's budget: https://enter.pollinations.ai/edit-key?id=") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	h.env["POLLINATIONS_API_KEY"] = h.sim.Key("budgeted")
	code, stdout, stderr := h.run("account")
	if code != ExitOK || !strings.Contains(stdout, "key budget left 3.50") || !strings.Contains(stdout, "text, image") || strings.Contains(strings.ToLower(stdout), "tier") {
		t.Fatalf("account: %d %q %q", code, stdout, stderr)
	}
}

// TestImageEstimate: a token-priced model is "priced by tokens" until the library has a real
// cost of it; then the estimate is from that cost. A flat-rate one is priced per image.
func TestImageEstimate(t *testing.T) {
	h := newHarness(t)
	_, _, stderr := h.run("image", "a fox", "-o", h.path("a.png"), "--model", "gptimage", "--width", "64", "--height", "64")
	if !strings.Contains(stderr, "(priced by tokens)") {
		t.Fatalf("first: %s", stderr)
	}
	_, _, stderr = h.run("image", "a fox again", "-o", h.path("b.png"), "--model", "openai/gpt-image-1-mini", "--width", "64", "--height", "64")
	if !strings.Contains(stderr, "typical of your last 1") {
		t.Fatalf("second: %s", stderr)
	}
	_, _, stderr = h.run("image", "a hen", "-o", h.path("c.jpg"), "--model", "flux", "--width", "64", "--height", "64")
	if !strings.Contains(stderr, "0.002 per image") {
		t.Fatalf("flat: %s", stderr)
	}
}

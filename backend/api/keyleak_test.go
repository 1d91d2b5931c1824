package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
)

// endpointCalls is one call per endpoint of the client, each draining what it returns.
func endpointCalls(t *testing.T) []struct {
	name string
	call func(ctx context.Context, c *api.Client) error
} {
	dir := t.TempDir()
	refPath := filepath.Join(dir, "ref.png")
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewRGBA(image.Rect(0, 0, 16, 16)))
	os.WriteFile(refPath, pngBuf.Bytes(), 0o644)
	wavPath := filepath.Join(dir, "clip.wav")
	os.WriteFile(wavPath, tinyWAV(8000), 0o644)
	drain := func(r io.ReadCloser) error {
		defer r.Close()
		_, err := io.Copy(io.Discard, r)
		return err
	}
	msgs := []api.Message{{Role: "user", Content: "write 40 words"}}
	return []struct {
		name string
		call func(ctx context.Context, c *api.Client) error
	}{
		{"image", func(ctx context.Context, c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "a tree", Model: "flux", Width: 64, Height: 64})
			return err
		}},
		{"image paid-only", func(ctx context.Context, c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "x", Model: "seedream", Width: 64, Height: 64})
			return err
		}},
		{"image edit", func(ctx context.Context, c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "bluer", Model: "kontext", Width: 64, Height: 64, RefFiles: []string{refPath}})
			return err
		}},
		{"text", func(ctx context.Context, c *api.Client) error {
			_, _, err := c.Text(ctx, api.TextRequest{Prompt: "hello"})
			return err
		}},
		{"chat", func(ctx context.Context, c *api.Client) error {
			_, err := c.Chat(ctx, api.ChatRequest{Messages: msgs})
			return err
		}},
		{"chat json", func(ctx context.Context, c *api.Client) error {
			_, err := c.Chat(ctx, api.ChatRequest{Model: "claude", JSON: true, Messages: msgs})
			return err
		}},
		{"chat stream", func(ctx context.Context, c *api.Client) error {
			st, err := c.ChatStream(ctx, api.ChatRequest{Model: "claude", Messages: msgs})
			if err != nil {
				return err
			}
			defer st.Close()
			for {
				if _, err := st.Recv(); err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
			}
		}},
		{"speech GET", func(ctx context.Context, c *api.Client) error {
			ms, err := c.Speech(ctx, api.SpeechRequest{Text: "hi there", UseGET: true})
			if err != nil {
				return err
			}
			return drain(ms.Body)
		}},
		{"speech POST", func(ctx context.Context, c *api.Client) error {
			ms, err := c.Speech(ctx, api.SpeechRequest{Text: strings.Repeat("hi there ", 100)})
			if err != nil {
				return err
			}
			return drain(ms.Body)
		}},
		{"transcribe", func(ctx context.Context, c *api.Client) error {
			_, err := c.Transcribe(ctx, api.TranscribeRequest{File: wavPath})
			return err
		}},
		{"video", func(ctx context.Context, c *api.Client) error {
			ms, err := c.Video(ctx, api.VideoRequest{Prompt: "waves", Model: "wan-fast", Duration: 6})
			if err != nil {
				return err
			}
			return drain(ms.Body)
		}},
		{"models", func(ctx context.Context, c *api.Client) error { _, err := c.Models(ctx, "image"); return err }},
		{"key info", func(ctx context.Context, c *api.Client) error { _, err := c.KeyInfo(ctx); return err }},
		{"balance", func(ctx context.Context, c *api.Client) error { _, err := c.Balance(ctx); return err }},
		{"profile", func(ctx context.Context, c *api.Client) error { _, err := c.Profile(ctx); return err }},
		{"usage", func(ctx context.Context, c *api.Client) error { _, err := c.Usage(ctx); return err }},
	}
}

// tinyWAV is a 16-bit mono 8 kHz WAV of n samples of a ramp.
func tinyWAV(n int) []byte {
	var b bytes.Buffer
	le := func(v uint32, size int) {
		for i := 0; i < size; i++ {
			b.WriteByte(byte(v >> (8 * i)))
		}
	}
	b.WriteString("RIFF")
	le(uint32(36+2*n), 4)
	b.WriteString("WAVEfmt ")
	le(16, 4)
	le(1, 2)
	le(1, 2)
	le(8000, 4)
	le(16000, 4)
	le(2, 2)
	le(16, 2)
	b.WriteString("data")
	le(uint32(2*n), 4)
	for i := 0; i < n; i++ {
		le(uint32(uint16(int16(i*37))), 2)
	}
	return b.Bytes()
}

// TestKeyNeverLeaves proves that a key appears in no URL the server sees, no error text and no
// log line, across every endpoint and every error path: 401, 402, 403, 429, 500, 502, 503, 524
// (HTML), a malformed body, a body cut short, a closed port, a cancelled context (before and
// during a request), plus the device sign-in. It also checks that each of those paths really
// happened, so that the absence of the key means something.
func TestKeyNeverLeaves(t *testing.T) {
	e := newEnv(t)
	bg := context.Background()
	calls := endpointCalls(t)

	// A key obtained through the device flow is checked too.
	anon := e.clientWithKey(t, "")
	dc, err := anon.StartDeviceLogin(bg, "pk_"+strings.Repeat("C", 20))
	if err != nil {
		t.Fatal(err)
	}
	signedKey, err := anon.WaitDeviceToken(bg, dc)
	if err != nil {
		t.Fatal(err)
	}

	keys := map[string]string{
		"secret": e.sim.Key("secret"), "exhausted": e.sim.Key("exhausted"), "scoped": e.sim.Key("scoped"),
		"free": e.sim.Key("free"), "unknown": "sk_" + strings.Repeat("Z", 32), "device": signedKey,
	}
	var errs []error
	kinds := map[api.Kind]int{}
	run := func(c *api.Client, ctx context.Context, name string, call func(context.Context, *api.Client) error) {
		if err := call(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			if ae, ok := api.AsError(err); ok {
				kinds[ae.Kind]++
			}
		}
	}
	faults := []sim.Fault{
		{Status: 429, RetryAfter: "60"}, // longer than MaxRetryWait: returned at once
		{Status: 500}, {Status: 502}, {Status: 503}, {Status: 524},
		{Malformed: true}, {CutAfter: 200},
	}
	for kind, key := range keys {
		c := e.clientWait(t, key, 20*time.Millisecond)
		for _, ep := range calls {
			run(c, bg, kind+"/"+ep.name, ep.call)
			if kind != "secret" {
				continue
			}
			for _, f := range faults {
				f.Times = 10
				e.sim.Inject(f)
				run(c, bg, fmt.Sprintf("%s/%s/fault %+v", kind, ep.name, f), ep.call)
				e.sim.ClearFaults()
			}
			// Cancelled before and during the request.
			cctx, cancel := context.WithCancel(bg)
			cancel()
			run(c, cctx, kind+"/"+ep.name+"/cancelled", ep.call)
			e.sim.Inject(sim.Fault{Latency: time.Second, Times: 10})
			cctx, cancel = context.WithTimeout(bg, 30*time.Millisecond)
			run(c, cctx, kind+"/"+ep.name+"/deadline", ep.call)
			cancel()
			e.sim.ClearFaults()
		}
		closed, err := api.New(api.Options{BaseURL: "http://127.0.0.1:1", EnterURL: "http://127.0.0.1:1", Key: key, Logger: e.logger()})
		if err != nil {
			t.Fatal(err)
		}
		for _, ep := range calls[:3] {
			run(closed, bg, kind+"/closed port/"+ep.name, ep.call)
		}
		run(closed, bg, kind+"/closed port/device", func(ctx context.Context, c *api.Client) error {
			_, err := c.StartDeviceLogin(ctx, "")
			return err
		})
	}
	for _, k := range []api.Kind{api.KindUnauthorized, api.KindPaymentRequired, api.KindForbidden, api.KindRateLimited,
		api.KindUpstream, api.KindIncomplete, api.KindNetwork, api.KindCanceled, api.KindTimeout} {
		if kinds[k] == 0 {
			t.Errorf("no %v error was produced: the test does not cover that path (%v)", k, kinds)
		}
	}

	e.mu.Lock()
	logText := e.log.String()
	e.mu.Unlock()
	if len(logText) < 1000 {
		t.Fatalf("suspiciously little logging (%d bytes): the log check would be empty", len(logText))
	}
	reqs := e.sim.Requests()
	if len(reqs) < 200 {
		t.Fatalf("only %d requests reached the simulator", len(reqs))
	}
	for kind, key := range keys {
		for _, r := range reqs {
			if strings.Contains(r.Path, key) || strings.Contains(r.RawQuery, key) {
				t.Fatalf("%s key in a URL: %s?%s", kind, r.Path, r.RawQuery)
			}
		}
		for _, err := range errs {
			for x := err; x != nil; x = errors.Unwrap(x) {
				if strings.Contains(x.Error(), key) || strings.Contains(fmt.Sprintf("%+v", x), key) {
					t.Fatalf("%s key in an error: %v", kind, err)
				}
			}
		}
		if strings.Contains(logText, key) {
			t.Fatalf("%s key in a log line", kind)
		}
	}
	valid := map[string]bool{}
	for _, k := range keys {
		valid["Bearer "+k] = true
	}
	for _, r := range reqs {
		if a := r.Header.Get("Authorization"); a != "" && !valid[a] {
			t.Fatalf("Authorization header is not a Bearer key: %q", api.Redact(a))
		}
	}
}

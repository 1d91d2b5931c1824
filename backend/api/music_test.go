package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	mp3 "github.com/hajimehoshi/go-mp3"

	"pollinations-studio/backend/api"
)

func decodedSeconds(t *testing.T, data []byte) float64 {
	t.Helper()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an MP3: %v", err)
	}
	n, err := io.Copy(io.Discard, d)
	if err != nil {
		t.Fatalf("MP3 does not decode: %v", err)
	}
	return float64(n) / 4 / float64(d.SampleRate())
}

func TestMusicStreamsRealMP3WithHostedLink(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	for _, tc := range []struct {
		req   api.MusicRequest
		secs  float64
		field string
	}{
		{api.MusicRequest{Prompt: "lofi beat", Model: "music-v2", Duration: 4, Instrumental: true}, 4, "duration"},
		{api.MusicRequest{Prompt: "door slam", Model: "eleven-text-to-sound-v2", Duration: 1.5, Loop: true}, 1.5, "duration"},
		{api.MusicRequest{Prompt: "pad", Model: "stable-audio-3", Duration: 2, Steps: 5}, 2, "seconds"},
		{api.MusicRequest{Prompt: "a jingle", Model: "lyria-3-clip-preview"}, 30, ""},
	} {
		e.sim.ResetRequests()
		ms, err := c.Music(ctx, tc.req)
		if err != nil {
			t.Fatalf("%s: %v", tc.req.Model, err)
		}
		data, err := io.ReadAll(ms.Body)
		ms.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := decodedSeconds(t, data); got < tc.secs || got > tc.secs+0.03 {
			t.Errorf("%s: %.3f s, want %.1f", tc.req.Model, got, tc.secs)
		}
		if ms.Meta.ContentType != "audio/mpeg" || !strings.HasPrefix(ms.Meta.HostedURL, "https://media.pollinations.ai/") || !ms.Meta.CostKnown {
			t.Errorf("%s: meta %+v", tc.req.Model, ms.Meta)
		}
		if n := len(e.sim.Requests()); n != 1 {
			t.Fatalf("%s: %d requests", tc.req.Model, n)
		}
	}
}

// recorder keeps the bodies a client sends.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body.Close()
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestMusicSendsTheModelsLengthField(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	c, err := api.New(api.Options{BaseURL: e.sim.URL(), Key: e.sim.Key("secret"), HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model string
		want  string
	}{
		{"music-v2", "duration"}, {"eleven-text-to-sound-v2", "duration"}, {"stable-audio-3-medium", "seconds"},
	} {
		ms, err := c.Music(context.Background(), api.MusicRequest{Prompt: "x", Model: tc.model, Duration: 3, Instrumental: true})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, ms.Body)
		ms.Body.Close()
		var got map[string]any
		rec.mu.Lock()
		json.Unmarshal(rec.bodies[len(rec.bodies)-1], &got)
		rec.mu.Unlock()
		other := map[string]string{"duration": "seconds", "seconds": "duration"}[tc.want]
		if got[tc.want] != float64(3) || got[other] != nil || got["response_format"] != "mp3" || got["instrumental"] != true || got["input"] != "x" {
			t.Errorf("%s: sent %v", tc.model, got)
		}
	}
}

func TestMusicLimitsRefusedBeforeSending(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	infl := 1.5
	longDur := &api.Model{Name: "elevenlabs/music-v2", MinDuration: 3, MaxDuration: 600}
	for _, tc := range []struct {
		name string
		req  api.MusicRequest
		ok   bool
	}{
		{"music too short", api.MusicRequest{Prompt: "x", Model: "music-v2", Duration: 2}, false},
		{"music too long", api.MusicRequest{Prompt: "x", Model: "music-v2", Duration: 301}, false},
		{"a catalogue entry's limits win over the table", api.MusicRequest{Prompt: "x", Model: "music-v2", Duration: 400, Entry: longDur}, true},
		{"sound too short", api.MusicRequest{Prompt: "x", Model: "eleven-text-to-sound-v2", Duration: 0.4}, false},
		{"sound too long", api.MusicRequest{Prompt: "x", Model: "eleven-text-to-sound-v2", Duration: 31}, false},
		{"stable seconds", api.MusicRequest{Prompt: "x", Model: "stable-audio-3", Duration: 381}, false},
		{"stable steps", api.MusicRequest{Prompt: "x", Model: "stable-audio-3", Steps: 9}, false},
		{"medium takes no steps", api.MusicRequest{Prompt: "x", Model: "stable-audio-3-medium", Steps: 6}, false},
		{"lyria takes no duration", api.MusicRequest{Prompt: "x", Model: "lyria-3-clip-preview", Duration: 30}, false},
		{"prompt influence", api.MusicRequest{Prompt: "x", Model: "eleven-text-to-sound-v2", PromptInfluence: &infl}, false},
		{"format", api.MusicRequest{Prompt: "x", Model: "music-v2", Format: "wav"}, false},
		{"reference is a URL", api.MusicRequest{Prompt: "x", Model: "music-v2", ReferenceAudio: "/home/me/a.mp3"}, false},
		{"empty prompt", api.MusicRequest{Prompt: " ", Model: "music-v2"}, false},
	} {
		e.sim.ResetRequests()
		ms, err := c.Music(context.Background(), tc.req)
		if tc.ok {
			// Sent (here the simulator's own catalogue says 300 s and refuses it).
			if err == nil {
				ms.Body.Close()
			}
			if n := len(e.sim.Requests()); n != 1 {
				t.Errorf("%s: %d requests sent, want 1 (%v)", tc.name, n, err)
			}
			continue
		}
		if !api.IsKind(err, api.KindBadRequest) {
			t.Errorf("%s: %v, want a bad request", tc.name, err)
		}
		if n := len(e.sim.Requests()); n != 0 {
			t.Errorf("%s: %d requests sent", tc.name, n)
		}
	}
}

func TestMusicEstimateCost(t *testing.T) {
	flat := true
	for _, tc := range []struct {
		m    api.Model
		secs float64
		want float64
	}{
		{api.Model{Name: "elevenlabs/music-v2", Kind: api.KindMusic, Pricing: api.Pricing{"completionAudioSeconds": 0.0025}}, 60, 0.15},
		{api.Model{Name: "elevenlabs/eleven-text-to-sound-v2", Kind: api.KindMusic, Pricing: api.Pricing{"completionAudioSeconds": 0.002}}, 10, 0.02},
		{api.Model{Name: "google/lyria-3.5", Kind: api.KindMusic, FlatRate: &flat, Pricing: api.Pricing{"completionAudioTokens": 0.08}}, 120, 0.08},
		{api.Model{Name: "stability-ai/stable-audio-3", Kind: api.KindMusic, Pricing: api.Pricing{"completionAudioTokens": 0.26}}, 300, 0.26},
	} {
		got, ok := tc.m.EstimateCost(tc.secs)
		if !ok || got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("%s: %v %v, want %v", tc.m.Name, got, ok, tc.want)
		}
	}
}

package sim

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEditsSeed: multipart edits ignore the seed (two answers to the same seed differ), the
// JSON form keeps it (the same seed gives the same picture).
func TestEditsSeed(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	ref := [][3]string{{"image", "a.png", "fakepng"}}
	b64 := func(r resp) string {
		t.Helper()
		var v struct {
			Data []struct {
				B64 string `json:"b64_json"`
			} `json:"data"`
		}
		if r.status != 200 || json.Unmarshal(r.body, &v) != nil || len(v.Data) == 0 {
			t.Fatalf("%d %.200s", r.status, r.body)
		}
		return v.Data[0].B64
	}
	multi := func(extra string) string {
		body, ct := multipartBody(t, map[string]string{"prompt": "make it blue", "model": "kontext", "size": "64x64", "seed": "7", "x": extra}, ref)
		return b64(do(t, s, "POST", "/v1/images/edits", key, body, "Content-Type", ct))
	}
	if multi("1") == multi("2") {
		t.Error("multipart edits kept the seed")
	}
	js := func(extra string) string {
		return b64(do(t, s, "POST", "/v1/images/edits", key,
			`{"prompt":"make it blue","model":"kontext","size":"64x64","seed":7,"image":["https://a/src.png"],"user":"`+extra+`"}`, "Content-Type", "application/json"))
	}
	if js("1") != js("2") {
		t.Error("JSON edits ignored the seed")
	}
}

func TestEditsValidation(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	ref := [][3]string{{"image", "a.png", "fakepng"}}
	for _, tc := range []struct {
		fields map[string]string
		says   string
	}{
		{map[string]string{"prompt": "x", "model": "kontext", "response_format": "png"}, `response_format must be "url" or "b64_json"`},
		{map[string]string{"prompt": "x", "model": "kontext", "resolution": "2K"}, "black-forest-labs/flux.1-kontext does not accept a resolution parameter."},
		{map[string]string{"prompt": "x", "model": "seedream", "resolution": "8K"}, `Resolution "8K" is not supported by bytedance/seedream-4.0. Supported: 1K, 2K, 4K`},
	} {
		body, ct := multipartBody(t, tc.fields, ref)
		r := do(t, s, "POST", "/v1/images/edits", key, body, "Content-Type", ct)
		if r.status != 400 || r.errorMessage(t) != tc.says {
			t.Errorf("%v: %d %q", tc.fields, r.status, r.errorMessage(t))
		}
	}
	// response_format=url: the stored file's address, also in Link.
	body, ct := multipartBody(t, map[string]string{"prompt": "x", "model": "kontext", "size": "64x64", "response_format": "url"}, ref)
	r := do(t, s, "POST", "/v1/images/edits", key, body, "Content-Type", ct)
	var v struct {
		Data []struct {
			URL       string `json:"url"`
			MediaType string `json:"media_type"`
		} `json:"data"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &v) != nil || len(v.Data) != 1 || !strings.HasPrefix(v.Data[0].URL, mediaHost) ||
		r.header.Get("Link") != "<"+v.Data[0].URL+`>; rel="enclosure"` {
		t.Errorf("url: %d %s %q", r.status, r.body, r.header.Get("Link"))
	}
}

// TestPricedByUnit: a token-priced image costs by its output tokens (more for a bigger one), a
// FLUX.2 image by megapixel.
func TestPricedByUnit(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	cost := func(q string) string {
		r := do(t, s, "GET", "/image/fox?"+q, key, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %.200s", q, r.status, r.body)
		}
		return r.header.Get("x-usage-completion-image-tokens") + " " + r.header.Get("x-pollen-cost")
	}
	if got := cost("model=gptimage&width=1024&height=1024"); got != "1056 0.008448" {
		t.Errorf("gpt image 1024²: %s", got)
	}
	if got := cost("model=gptimage&width=1024&height=1024&quality=high"); got != "4160 0.03328" {
		t.Errorf("gpt image high: %s", got)
	}
	if got := cost("model=flux-2-pro&width=2000&height=1000"); got != "2 0.06" {
		t.Errorf("flux.2 2 MP: %s", got)
	}
}

func TestMediaLinks(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.002})
	key := s.Key("secret")
	for _, path := range []string{"/audio/hello", "/video/waves?duration=4", "/image/fox?width=64&height=64"} {
		r := do(t, s, "GET", path, key, nil)
		if l := r.header.Get("Link"); r.status != 200 || !strings.HasPrefix(l, "<https://media.pollinations.ai/") || !strings.HasSuffix(l, `>; rel="enclosure"`) {
			t.Errorf("%s: %d Link %q", path, r.status, l)
		}
	}
	// Errors carry none.
	if r := do(t, s, "GET", "/image/fox?model=nope", key, nil); r.header.Get("Link") != "" {
		t.Errorf("an error with a Link")
	}
}

func TestDiarizedSpeakers(t *testing.T) {
	s := startSim(t, Options{})
	wav := tinyWAV(12)
	r := transcribe(t, s, map[string]string{"response_format": "diarized_json", "model": "scribe", "speakers_expected": "3"}, "a.wav", wav)
	var v struct {
		Segments []struct {
			Type    string `json:"type"`
			ID      string `json:"id"`
			Speaker string `json:"speaker"`
		} `json:"segments"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &v) != nil || len(v.Segments) < 3 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	speakers := map[string]bool{}
	for _, seg := range v.Segments {
		if seg.Type != "transcript.text.segment" || seg.ID == "" {
			t.Errorf("segment %+v", seg)
		}
		speakers[seg.Speaker] = true
	}
	if len(speakers) != 3 {
		t.Errorf("speakers %v, want 3", speakers)
	}
	// speakers_expected goes only with diarized_json, and is at least 1.
	for _, f := range []map[string]string{{"model": "scribe", "speakers_expected": "2"}, {"model": "scribe", "response_format": "diarized_json", "speakers_expected": "0"}} {
		if r := transcribe(t, s, f, "a.wav", wav); r.status != 400 {
			t.Errorf("%v: %d", f, r.status)
		}
	}
}

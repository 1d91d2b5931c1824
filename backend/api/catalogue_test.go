package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	stdpng "image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func mustParse(t *testing.T, js string) []Model {
	t.Helper()
	ms, err := ParseModels([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestModelPage: the page comes from the category first, speech needs /v1/audio/speech where
// endpoints are listed, non-voice audio models and unknown categories reach no page.
func TestModelPage(t *testing.T) {
	for _, tc := range []struct {
		name, entry string
		kind, page  string
	}{
		{"image by category", `{"name":"x/img","category":"image","output_modalities":["image"]}`, "image", "image"},
		{"video by category", `{"name":"google/veo-3.1-fast","category":"video","output_modalities":["video"]}`, "video", "video"},
		{"tts", `{"name":"openai/tts-1","category":"audio","output_modalities":["audio"],"supported_endpoints":["/v1/audio/speech"]}`, "audio", "speech"},
		{"tts without endpoints", `{"name":"old-tts","category":"audio","output_modalities":["audio"]}`, "audio", "speech"},
		{"openai-audio is text", `{"name":"openai/gpt-audio-mini","aliases":["openai-audio"],"category":"text","input_modalities":["text","audio"],"output_modalities":["audio","text"],"supported_endpoints":["/v1/chat/completions"]}`, "text", "text"},
		{"openai-audio without category", `{"name":"openai/gpt-audio-mini","output_modalities":["audio","text"],"supported_endpoints":["/v1/chat/completions"]}`, "text", "text"},
		{"openai-audio filed under audio", `{"name":"openai/gpt-audio-mini","category":"audio","output_modalities":["audio","text"],"supported_endpoints":["/v1/chat/completions"]}`, "text", "text"},
		{"audio without the speech route", `{"name":"x/voice-thing","category":"audio","output_modalities":["audio"],"supported_endpoints":["/v1/audio/other"]}`, KindAudioTool, ""},
		{"voice changer", `{"name":"elevenlabs/eleven-multilingual-sts-v2","category":"audio","output_modalities":["audio"],"supported_endpoints":["/v1/audio/voice-changer"]}`, KindAudioTool, ""},
		{"voice isolator", `{"name":"elevenlabs/voice-isolator","category":"audio","output_modalities":["audio"]}`, KindAudioTool, ""},
		{"stems", `{"name":"elevenlabs/stem-separation","category":"audio","output_modalities":["audio"]}`, KindAudioTool, ""},
		{"music", `{"name":"elevenlabs/music-v2","category":"audio","output_modalities":["audio"],"supported_endpoints":["/v1/audio/speech"]}`, KindMusic, ""},
		{"lyria", `{"name":"google/lyria-3.5","category":"audio","output_modalities":["audio"],"supported_endpoints":["/v1/audio/speech"]}`, KindMusic, ""},
		{"sound", `{"name":"elevenlabs/eleven-text-to-sound-v2","category":"audio","output_modalities":["audio"],"supported_endpoints":["/v1/audio/speech"]}`, KindMusic, ""},
		{"realtime", `{"name":"openai/gpt-realtime-2.1","category":"audio","input_modalities":["audio"],"output_modalities":["audio","text"]}`, KindRealtime, ""},
		{"realtime category", `{"name":"openai/gpt-live-transcribe","category":"realtime"}`, KindRealtime, ""},
		{"transcription", `{"name":"openai/whisper-large-v3","category":"audio","input_modalities":["audio"],"output_modalities":["text"],"supported_endpoints":["/v1/audio/transcriptions"]}`, "transcription", "transcription"},
		{"3d", `{"name":"microsoft/trellis-2","category":"3d","output_modalities":["3d"]}`, "3d", ""},
		{"embedding", `{"name":"openai/text-embedding-3-small","category":"embedding","output_modalities":["embedding"]}`, "embedding", ""},
		{"a category from later", `{"name":"x/holo","category":"hologram","output_modalities":["hologram"]}`, "hologram", ""},
		{"no category: inferred", `{"name":"flux","output_modalities":["image"]}`, "image", "image"},
	} {
		ms := mustParse(t, "["+tc.entry+"]")
		if len(ms) != 1 || ms[0].Kind != tc.kind || ms[0].Page() != tc.page {
			t.Errorf("%s: %+v, want kind %q page %q", tc.name, ms, tc.kind, tc.page)
		}
	}
}

// TestUnknownCategoriesKept: an entry this build does not know neither breaks the list nor
// lands on a page.
func TestUnknownCategoriesKept(t *testing.T) {
	ms := mustParse(t, `[{"name":"a/img","category":"image","output_modalities":["image"]},
		{"name":"x/holo","category":"hologram","pricing":{"weird":{"deep":[1,2]}},"health":"ok","pricing_variants":[1,2]},
		{"name":"microsoft/trellis-2","category":"3d","flat_rate":true,"pricing":{"completion3dModels":"0.24"}}]`)
	if len(ms) != 3 || ms[1].Kind != "hologram" || ms[2].Kind != "3d" {
		t.Fatalf("%+v", ms)
	}
	var pages []string
	for _, m := range ms {
		if m.Page() != "" {
			pages = append(pages, m.Name)
		}
	}
	if len(pages) != 1 || pages[0] != "a/img" {
		t.Errorf("on a page: %v", pages)
	}
}

func TestCatalogueFields(t *testing.T) {
	ms := mustParse(t, `[
		{"name":"black-forest-labs/flux-schnell","aliases":["flux"],"brand":"Black Forest Labs","category":"image","output_modalities":["image"],
		 "pricing":{"completionImageTokens":"0.002"},"health":{"status":"healthy","success_rate":0.99,"requests":500}},
		{"name":"openai/gpt-image-1-mini","publisher":"OpenAI","category":"image","output_modalities":["image"],"flat_rate":false,
		 "pricing":{"promptTextTokens":"0.000002","completionImageTokens":"0.000008"},"health":{"status":"degraded","success_rate":71,"requests":40}},
		{"name":"google/gemini-2.5-flash-image","aliases":["nanobanana"],"category":"image","output_modalities":["image"],
		 "pricing":{"promptTextTokens":"0.0000003","completionImageTokens":"0.00003"}},
		{"name":"black-forest-labs/flux.2-pro","category":"image","output_modalities":["image"],"flat_rate":true,"pricing":{"completionImageTokens":"0.03"}},
		{"name":"qwen/qwen-image-2.1","category":"image","output_modalities":["image"],"pricing":{"completionImageTokens":{"price":"0.02","unit":"megapixel","quantity":1000000}}},
		{"name":"bytedance/seedream-4.0","category":"image","output_modalities":["image"],"resolutions":["1K","4K"],
		 "pricing":{"completionImageTokens":"0.03"},"pricing_variants":{"4K":{"completionImageTokens":"0.06"}}},
		{"name":"community/pixelsmith/pixel-art","aliases":["pixelsmith/pixel-art"],"category":"image","output_modalities":["image"]},
		{"name":"x/other","source":"community","category":"text","per_user_rpm":60,"paid_only":true}]`)
	by := map[string]Model{}
	for _, m := range ms {
		by[m.Name] = m
	}
	flux := by["black-forest-labs/flux-schnell"]
	if flux.Publisher != "Black Forest Labs" || flux.TokenPriced() || flux.Degraded() || flux.PriceUnit != "" {
		t.Errorf("flux: %+v", flux)
	}
	if c, ok := flux.EstimateCost(2); !ok || c != 0.004 {
		t.Errorf("flux per image: %v %v", c, ok)
	}
	gpt := by["openai/gpt-image-1-mini"]
	if !gpt.TokenPriced() || !gpt.Degraded() || gpt.Health.SuccessRate != 0.71 {
		t.Errorf("gpt image: %+v %+v", gpt, gpt.Health)
	}
	if _, ok := gpt.EstimateCost(1); ok {
		t.Error("a token price read as a price per image")
	}
	if !by["google/gemini-2.5-flash-image"].TokenPriced() {
		t.Error("nanobanana without flat_rate: a prompt token price makes it token-priced")
	}
	if by["black-forest-labs/flux.2-pro"].PriceUnit != "megapixel" || by["qwen/qwen-image-2.1"].PriceUnit != "megapixel" ||
		by["qwen/qwen-image-2.1"].Pricing["completionImageTokens"] != 0.02 {
		t.Errorf("megapixel: %+v %+v", by["black-forest-labs/flux.2-pro"], by["qwen/qwen-image-2.1"])
	}
	if v := by["bytedance/seedream-4.0"].PricingVariants["4K"]; v["completionImageTokens"] != 0.06 {
		t.Errorf("variants: %+v", by["bytedance/seedream-4.0"].PricingVariants)
	}
	if !by["community/pixelsmith/pixel-art"].Community || !by["x/other"].Community || by["x/other"].PerUserRPM != 60 || !by["x/other"].PaidOnly {
		t.Errorf("community: %+v %+v", by["community/pixelsmith/pixel-art"], by["x/other"])
	}
}

// TestStoredNamesMatch: names stored before ids became publisher/model find their model.
func TestStoredNamesMatch(t *testing.T) {
	ms := mustParse(t, `[{"name":"black-forest-labs/flux-schnell","aliases":["flux","flux-schnell"],"category":"image"},
		{"name":"openai/gpt-5.4-nano","aliases":["openai"],"category":"text"},
		{"name":"community/owner/model","aliases":["owner/model"],"category":"image"}]`)
	for _, tc := range []struct {
		stored, canonical string
	}{
		{"flux", "black-forest-labs/flux-schnell"}, {"Flux", "black-forest-labs/flux-schnell"}, {" flux-schnell ", "black-forest-labs/flux-schnell"},
		{"black-forest-labs/flux-schnell", "black-forest-labs/flux-schnell"}, {"openai", "openai/gpt-5.4-nano"},
		{"owner/model", "community/owner/model"}, {"gone-model", "gone-model"},
	} {
		if got := Canonical(ms, tc.stored); got != tc.canonical {
			t.Errorf("Canonical(%q) = %q, want %q", tc.stored, got, tc.canonical)
		}
	}
	if !SameModel(ms, "flux", "black-forest-labs/flux-schnell") || !SameModel(ms, "flux", "flux-schnell") ||
		SameModel(ms, "flux", "openai") || SameModel(ms, "gone", "other") || !SameModel(ms, "gone", "gone") || SameModel(ms, "", "") {
		t.Error("SameModel")
	}
	if names := ModelNames(ms, "flux"); len(names) != 3 || names[0] != "black-forest-labs/flux-schnell" {
		t.Errorf("ModelNames: %v", names)
	}
}

func TestStartSpeechModel(t *testing.T) {
	all := mustParse(t, `[
		{"name":"elevenlabs/eleven-v3","aliases":["elevenlabs"],"category":"audio","output_modalities":["audio"],"paid_only":true},
		{"name":"openai/gpt-audio-mini","category":"text","output_modalities":["audio","text"]},
		{"name":"openai/tts-1","aliases":["tts-1"],"category":"audio","output_modalities":["audio"],"voices":["alloy","echo","fable","onyx","nova","shimmer"]},
		{"name":"openai/tts-1-hd","category":"audio","output_modalities":["audio"]}]`)
	for _, tc := range []struct {
		name   string
		models []Model
		paid   bool
		want   string
	}{
		{"free: tts-1", all, false, "openai/tts-1"},
		{"paid: tts-1 too", all, true, "openai/tts-1"},
		{"free, tts-1 missing: never paid-only", []Model{all[0], all[1], all[3]}, false, "openai/tts-1-hd"},
		{"paid, tts-1 missing", []Model{all[0], all[3]}, true, "elevenlabs/eleven-v3"},
		{"free, only paid voices", []Model{all[0], all[1]}, false, ""},
	} {
		m, ok := StartSpeechModel(tc.models, tc.paid)
		if m.Name != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q %v", tc.name, m.Name, ok)
		}
	}
}

func TestHostedLink(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{`<https://media.pollinations.ai/abc123>; rel="enclosure"`, "https://media.pollinations.ai/abc123"},
		{`<https://media.pollinations.ai/abc>; rel=enclosure; type="image/jpeg"`, "https://media.pollinations.ai/abc"},
		{`<https://x/next>; rel="next", <https://media.pollinations.ai/b>; rel="enclosure"`, "https://media.pollinations.ai/b"},
		{`<http://media.pollinations.ai/abc>; rel="enclosure"`, ""},
		{`<javascript:alert(1)>; rel="enclosure"`, ""},
		{`<https://user:pw@media.pollinations.ai/x>; rel="enclosure"`, ""},
		{`<https://media.pollinations.ai/abc>; rel="preload"`, ""},
		{`https://media.pollinations.ai/abc; rel="enclosure"`, ""},
		{``, ""},
	} {
		h := http.Header{}
		if tc.link != "" {
			h.Set("Link", tc.link)
		}
		if got := HostedLink(h); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.link, got, tc.want)
		}
	}
}

func TestDiarizedParse(t *testing.T) {
	tr := &Transcript{Format: "diarized_json"}
	err := tr.parse([]byte(`{"text":"hi there","segments":[
		{"type":"transcript.text.segment","id":"seg_0","speaker":"A","text":" hi ","start":0,"end":1.5},
		{"type":"transcript.text.segment","id":"seg_1","speaker":"B","text":"there","start":1.5,"end":3}]}`))
	if err != nil || len(tr.Segments) != 2 {
		t.Fatalf("%v %+v", err, tr)
	}
	s := tr.Segments[1]
	if s.SegmentID != "seg_1" || s.ID != 1 || s.Speaker != "B" || s.Text != "there" || tr.Duration != 3 {
		t.Errorf("%+v (duration %g)", s, tr.Duration)
	}
	// Numeric ids (verbose_json) still read as numbers.
	tr = &Transcript{Format: "verbose_json"}
	if err := tr.parse([]byte(`{"text":"x","duration":2,"segments":[{"id":7,"text":"x","start":0,"end":2}]}`)); err != nil || tr.Segments[0].ID != 7 || tr.Segments[0].SegmentID != "" {
		t.Errorf("%v %+v", err, tr.Segments)
	}
}

func TestFitTo(t *testing.T) {
	veo := Model{Name: "google/veo-3.1-fast", Kind: "video", Resolutions: []string{"720p", "1080p"}, AllowedDurations: []float64{4, 6, 8},
		VideoCapabilities: []string{"audio_output"}}
	wan := Model{Name: "alibaba/wan-2.2-fast", Kind: "video", VideoCapabilities: []string{"start_frame"}}
	if r := (VideoRequest{Model: "veo", Resolution: "1080p", Duration: 5, Audio: true}).FitTo(veo); r.Model != veo.Name || r.Resolution != "1080p" || r.Duration != 4 || !r.Audio {
		t.Errorf("veo: %+v", r)
	}
	if r := (VideoRequest{Resolution: "720p", Audio: true, Duration: 6}).FitTo(wan); r.Resolution != "" || r.Audio || r.Duration != 6 {
		t.Errorf("wan: %+v", r)
	}
	if r := (ImageRequest{Resolution: "4K"}).FitTo(Model{Name: "flux"}); r.Resolution != "" {
		t.Errorf("image without tiers: %+v", r)
	}
}

// TestEditCostFromBodyUsage: an edit answer without cost or usage headers is priced from its
// body's token usage (a token-priced model), under an alias the catalogue lists.
func TestEditCostFromBodyUsage(t *testing.T) {
	var png bytes.Buffer
	if err := stdpng.Encode(&png, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/models" {
			fmt.Fprint(w, `[{"name":"openai/gpt-image-1-mini","aliases":["gptimage"],"category":"image","flat_rate":false,
				"pricing":{"promptTextTokens":"0.000002","completionImageTokens":"0.000008"}}]`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-model-used", "gptimage")
		fmt.Fprintf(w, `{"data":[{"b64_json":%q}],"usage":{"input_tokens":100,"output_tokens":1000}}`, base64.StdEncoding.EncodeToString(png.Bytes()))
	}))
	defer srv.Close()
	c, _ := New(Options{BaseURL: srv.URL, Key: "sk_abcdefghijklmnopqrstuv"})
	if _, err := c.Models(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(t.TempDir(), "ref.png")
	os.WriteFile(ref, png.Bytes(), 0o644)
	res, err := c.Image(context.Background(), ImageRequest{Prompt: "x", Model: "gptimage", RefFiles: []string{ref}})
	want := 100*0.000002 + 1000*0.000008
	if err != nil || !res.Meta.CostKnown || res.Meta.Cost < want*0.999 || res.Meta.Cost > want*1.001 || !res.Meta.SeedIgnored {
		t.Fatalf("%+v %v, want cost %v", res, err, want)
	}
}

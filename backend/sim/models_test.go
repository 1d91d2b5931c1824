package sim

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

func modelNames(t *testing.T, r resp) []string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %.200s", r.status, r.body)
	}
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("not a ModelInfo array: %v", err)
	}
	var names []string
	for _, m := range list {
		names = append(names, m["name"].(string))
	}
	sort.Strings(names)
	return names
}

func TestModelLists(t *testing.T) {
	s := startSim(t, Options{})
	cases := []struct {
		path, key string
		want      string
	}{
		{"/image/models", "", "alibaba/wan-2.2-fast black-forest-labs/flux-schnell black-forest-labs/flux.1-kontext black-forest-labs/flux.2-pro bytedance/seedance-1-pro-fast bytedance/seedream-4.0 community/pixelsmith/pixel-art google/gemini-2.5-flash-image google/veo-3.1-fast openai/gpt-image-1-mini tongyi-mai/z-image-turbo"},
		{"/video/models", "", "alibaba/wan-2.2-fast bytedance/seedance-1-pro-fast google/veo-3.1-fast"},
		{"/text/models", "", "anthropic/claude-sonnet-4.6 deepseek/deepseek-v3.2 google/gemini-2.5-flash openai/gpt-5-nano openai/gpt-5.4-nano openai/gpt-audio-mini qwen/qwen3-coder"},
		{"/audio/models", "", "elevenlabs/eleven-flash-v2.5 elevenlabs/eleven-text-to-sound-v2 elevenlabs/eleven-v3 elevenlabs/music-v2 elevenlabs/scribe-v2 google/lyria-3-clip-preview openai/tts-1 openai/tts-1-hd openai/whisper-large-v3 qwen/qwen3-tts-flash stability-ai/stable-audio-3 stability-ai/stable-audio-3-medium"},
		{"/3d/models", "", "hyper3d/rodin-2.5 microsoft/trellis-2 nvidia/asset-harvester"},
		{"/embeddings/models", "", "openai/text-embedding-3-small"},
		// With a key: the allow-list, and no paid-only models without paid pollen (every
		// ElevenLabs model is paid-only; the free voices are openai/tts-1 and tts-1-hd).
		{"/image/models", s.Key("free"), "alibaba/wan-2.2-fast black-forest-labs/flux-schnell black-forest-labs/flux.1-kontext community/pixelsmith/pixel-art openai/gpt-image-1-mini tongyi-mai/z-image-turbo"},
		{"/text/models", s.Key("free"), "deepseek/deepseek-v3.2 openai/gpt-5-nano openai/gpt-5.4-nano openai/gpt-audio-mini qwen/qwen3-coder"},
		{"/audio/models", s.Key("exhausted"), "openai/tts-1 openai/tts-1-hd openai/whisper-large-v3"},
		{"/models", s.Key("scoped"), "black-forest-labs/flux-schnell openai/gpt-5.4-nano"},
		{"/image/models", s.Key("secret"), "alibaba/wan-2.2-fast black-forest-labs/flux-schnell black-forest-labs/flux.1-kontext black-forest-labs/flux.2-pro bytedance/seedance-1-pro-fast bytedance/seedream-4.0 community/pixelsmith/pixel-art google/gemini-2.5-flash-image google/veo-3.1-fast openai/gpt-image-1-mini tongyi-mai/z-image-turbo"},
		{"/image/models?source=official", "", "alibaba/wan-2.2-fast black-forest-labs/flux-schnell black-forest-labs/flux.1-kontext black-forest-labs/flux.2-pro bytedance/seedance-1-pro-fast bytedance/seedream-4.0 google/gemini-2.5-flash-image google/veo-3.1-fast openai/gpt-image-1-mini tongyi-mai/z-image-turbo"},
		{"/models?source=community", "", "community/pixelsmith/pixel-art"},
		{"/models", "sk_unknownkeyunknownkeyunknown00", ""}, // an unknown key is treated as none
	}
	for _, tc := range cases {
		got := strings.Join(modelNames(t, do(t, s, "GET", tc.path, tc.key, nil)), " ")
		if tc.want == "" {
			if n := len(strings.Fields(got)); n < 20 {
				t.Errorf("%s with unknown key: %d models", tc.path, n)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s (%s): got %q, want %q", tc.path, tc.key[:min(3, len(tc.key))], got, tc.want)
		}
	}
	// Paid-only models appear once the account has paid pollen.
	s.SetBalance(s.Key("free"), 0.5, 1)
	if got := strings.Join(modelNames(t, do(t, s, "GET", "/video/models", s.Key("free"), nil)), " "); got != "alibaba/wan-2.2-fast bytedance/seedance-1-pro-fast google/veo-3.1-fast" {
		t.Errorf("after top-up: %s", got)
	}
}

func TestModelInfoShape(t *testing.T) {
	s := startSim(t, Options{})
	var list []map[string]any
	r := do(t, s, "GET", "/models", "", nil)
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	byName := map[string]map[string]any{}
	for _, m := range list {
		for _, k := range []string{"name", "category", "title", "description", "paid_only", "pricing", "input_modalities", "output_modalities", "supported_endpoints"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%v lacks %s", m["name"], k)
			}
		}
		for k, v := range m["pricing"].(map[string]any) {
			if _, ok := v.(string); !ok {
				t.Errorf("%v pricing %s is %T, want a string", m["name"], k, v)
			}
		}
		byName[m["name"].(string)] = m
	}
	veo := byName["google/veo-3.1-fast"]
	if veo["paid_only"] != true || len(veo["allowed_durations"].([]any)) != 3 || !strings.Contains(toJSON(veo["video_capabilities"]), "end_frame") {
		t.Errorf("veo: %s", toJSON(veo))
	}
	if byName["openai/gpt-image-1-mini"]["max_reference_images"] != float64(16) || byName["black-forest-labs/flux.1-kontext"]["max_reference_images"] != float64(1) {
		t.Errorf("reference image limits")
	}
	if !contains(toStrings(byName["openai/whisper-large-v3"]["aliases"]), "whisper-1") {
		t.Errorf("whisper aliases: %s", toJSON(byName["openai/whisper-large-v3"]))
	}
	if byName["deepseek/deepseek-v3.2"]["reasoning"] != true {
		t.Errorf("deepseek not reasoning")
	}
	// The current catalogue: publisher ids, ElevenLabs paid-only, the free default voice model
	// with the six OpenAI voices, openai-audio a text model, token-priced images flat_rate:false.
	tts1 := byName["openai/tts-1"]
	if tts1["paid_only"] != false || toJSON(tts1["voices"]) != `["alloy","echo","fable","onyx","nova","shimmer"]` || !contains(toStrings(tts1["aliases"]), "tts-1") {
		t.Errorf("openai/tts-1: %s", toJSON(tts1))
	}
	for name, m := range byName {
		if m["publisher"] == "ElevenLabs" && m["paid_only"] != true {
			t.Errorf("%s: an ElevenLabs model that is not paid-only", name)
		}
		if m["health"] == nil {
			t.Errorf("%s: no health", name)
		}
		if _, ok := m["brand"]; ok {
			t.Errorf("%s: brand is publisher now", name)
		}
	}
	if a := byName["openai/gpt-audio-mini"]; a["category"] != "text" || toJSON(a["output_modalities"]) != `["audio","text"]` ||
		toJSON(a["supported_endpoints"]) != `["/v1/chat/completions"]` {
		t.Errorf("openai-audio: %s", toJSON(a))
	}
	for _, n := range []string{"openai/gpt-image-1-mini", "google/gemini-2.5-flash-image"} {
		if byName[n]["flat_rate"] != false {
			t.Errorf("%s: flat_rate %v", n, byName[n]["flat_rate"])
		}
	}
	if byName["tongyi-mai/z-image-turbo"]["flat_rate"] != true || byName["qwen/qwen3-tts-flash"]["per_user_rpm"] != float64(60) {
		t.Errorf("flat_rate or per_user_rpm")
	}
	if h, _ := byName["bytedance/seedream-4.0"]["health"].(map[string]any); h["status"] != "degraded" {
		t.Errorf("no degraded model: %v", h)
	}
	if c := byName["community/pixelsmith/pixel-art"]; c["source"] != "community" || c["community"] != true {
		t.Errorf("community model: %s", toJSON(c))
	}
	if byName["microsoft/trellis-2"]["category"] != "3d" || byName["openai/text-embedding-3-small"]["category"] != "embedding" {
		t.Errorf("3d and embedding entries")
	}
	// /v1/models is the OpenAI list.
	var v1 struct {
		Object string           `json:"object"`
		Data   []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(do(t, s, "GET", "/v1/models", s.Key("scoped"), nil).body, &v1); err != nil || v1.Object != "list" || len(v1.Data) != 2 {
		t.Fatalf("/v1/models for the scoped key: %+v %v", v1, err)
	}
}

func TestCommunityFilter(t *testing.T) {
	s := startSim(t, Options{})
	for v, want := range map[string]int{"true": 200, "1": 200, "false": 200, "0": 200, "yes": 400} {
		if r := do(t, s, "GET", "/models?community="+v, "", nil); r.status != want {
			t.Errorf("community=%s: %d", v, r.status)
		}
	}
}

func TestModelResolution(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	cases := []struct{ path, says string }{
		{"/image/x?model=turbo", `Invalid option: expected one of "tongyi-mai/z-image-turbo"|"zimage"`},
		{"/text/x?model=flux", `Model "black-forest-labs/flux-schnell" is a image model and cannot be used on the text endpoint. Use the image endpoint instead.`},
		{"/text/x?model=elevenlabs", `Model "elevenlabs/eleven-v3" is a audio model and cannot be used on the text endpoint. Use the audio endpoint instead.`},
		{"/audio/x?model=whisper", `Model "openai/whisper-large-v3" is a audio model and cannot be used on the audio endpoint`},
		{"/video/x?model=flux", `Model "black-forest-labs/flux-schnell" is a image model and cannot be used on the video endpoint`},
		{"/image/x?model=openai", `cannot be used on the image endpoint. Use the text endpoint instead.`},
	}
	for _, tc := range cases {
		r := do(t, s, "GET", tc.path, key, nil)
		if r.status != 400 || !strings.Contains(r.errorMessage(t), tc.says) {
			t.Errorf("%s: %d %q", tc.path, r.status, r.errorMessage(t))
		}
	}
	// Aliases resolve to the model's canonical id.
	r := do(t, s, "GET", "/image/x?model=flux-schnell&width=64&height=64", key, nil)
	if r.status != 200 || r.header.Get("x-model-used") != "black-forest-labs/flux-schnell" {
		t.Errorf("alias: %d %s", r.status, r.header.Get("x-model-used"))
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

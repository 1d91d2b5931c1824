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
		{"/image/models", "", "flux gptimage kontext nanobanana nova-reel seedance-pro seedream veo zimage"},
		{"/video/models", "", "nova-reel seedance-pro veo"},
		{"/text/models", "", "claude deepseek gemini openai openai-audio openai-fast qwen-coder"},
		{"/audio/models", "", "elevenflash elevenlabs scribe whisper"},
		// With a key: the allow-list, and no paid-only models without paid pollen.
		{"/image/models", s.Key("tier"), "flux gptimage kontext nova-reel zimage"},
		{"/text/models", s.Key("tier"), "deepseek openai openai-audio openai-fast qwen-coder"},
		{"/audio/models", s.Key("exhausted"), "elevenflash elevenlabs whisper"},
		{"/models", s.Key("scoped"), "flux openai"},
		{"/image/models", s.Key("secret"), "flux gptimage kontext nanobanana nova-reel seedance-pro seedream veo zimage"},
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
	s.SetBalance(s.Key("tier"), 0.5, 1)
	if got := strings.Join(modelNames(t, do(t, s, "GET", "/video/models", s.Key("tier"), nil)), " "); got != "nova-reel seedance-pro veo" {
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
	veo := byName["veo"]
	if veo["paid_only"] != true || len(veo["allowed_durations"].([]any)) != 3 || !strings.Contains(toJSON(veo["video_capabilities"]), "end_frame") {
		t.Errorf("veo: %s", toJSON(veo))
	}
	if byName["gptimage"]["max_reference_images"] != float64(16) || byName["kontext"]["max_reference_images"] != float64(1) {
		t.Errorf("reference image limits")
	}
	if !strings.Contains(toJSON(byName["elevenlabs"]["voices"]), `"rachel"`) || !contains(toStrings(byName["whisper"]["aliases"]), "whisper-1") {
		t.Errorf("audio models: %s %s", toJSON(byName["elevenlabs"]), toJSON(byName["whisper"]))
	}
	if byName["deepseek"]["reasoning"] != true {
		t.Errorf("deepseek not reasoning")
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
		{"/image/x?model=turbo", `Invalid option: expected one of "zimage"`},
		{"/text/x?model=flux", `Model "flux" is a image model and cannot be used on the text endpoint. Use the image endpoint instead.`},
		{"/text/x?model=elevenlabs", `Model "elevenlabs" is a audio model and cannot be used on the text endpoint. Use the audio endpoint instead.`},
		{"/audio/x?model=whisper", `Model "whisper" is a audio model and cannot be used on the audio endpoint`},
		{"/video/x?model=flux", `Model "flux" is a image model and cannot be used on the video endpoint`},
		{"/image/x?model=openai", `cannot be used on the image endpoint. Use the text endpoint instead.`},
	}
	for _, tc := range cases {
		r := do(t, s, "GET", tc.path, key, nil)
		if r.status != 400 || !strings.Contains(r.errorMessage(t), tc.says) {
			t.Errorf("%s: %d %q", tc.path, r.status, r.errorMessage(t))
		}
	}
	// Aliases resolve to the model's own name.
	r := do(t, s, "GET", "/image/x?model=flux-schnell&width=64&height=64", key, nil)
	if r.status != 200 || r.header.Get("x-model-used") != "flux" {
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

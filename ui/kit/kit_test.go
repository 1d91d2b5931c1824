package kit

import (
	"strings"
	"testing"

	"pollinations-studio/backend/api"
)

func TestPriceLabels(t *testing.T) {
	for _, tc := range []struct {
		m    api.Model
		want string
	}{
		{api.Model{Kind: "image", Pricing: api.Pricing{"completionImageTokens": 0.002}}, "0.0020 pollen/image"},
		{api.Model{Kind: "video", Pricing: api.Pricing{"completionVideoSeconds": 0.08}}, "0.080 pollen/s"},
		{api.Model{Kind: "audio", Pricing: api.Pricing{"completionAudioTokens": 0.0001}}, "0.100 pollen/1k chars"},
		{api.Model{Kind: "transcription", Pricing: api.Pricing{"promptAudioSeconds": 0.0000005}}, "3e-05 pollen/min"},
		{api.Model{Kind: "text", Pricing: api.Pricing{"completionTextTokens": 0.000002}}, ""},
		{api.Model{Kind: "image"}, ""},
		{api.Model{Name: "elevenlabs/music-v2", Kind: api.KindMusic, Pricing: api.Pricing{"completionAudioSeconds": 0.0025}}, "0.0025 pollen/s"},
		{api.Model{Name: "google/lyria-3-clip-preview", Kind: api.KindMusic, Pricing: api.Pricing{"completionAudioTokens": 0.04}}, "0.040 pollen/clip"},
	} {
		if got := PriceLabel(tc.m); got != tc.want {
			t.Errorf("%s %v: got %q, want %q", tc.m.Kind, tc.m.Pricing, got, tc.want)
		}
	}
}

func TestSafeNameAndShorten(t *testing.T) {
	for in, want := range map[string]string{"A Cat, at Dawn!": "a-cat-at-dawn", "": "pollinations", "***": "pollinations",
		"CON": "con_", "aux": "aux_", strings.Repeat("bee ", 30): strings.TrimSuffix(strings.Repeat("bee-", 10), "-")} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Shorten("one  two\nthree", 8); got != "one two…" {
		t.Errorf("Shorten: %q", got)
	}
	for l, want := range map[string]string{
		"Flux Schnell — black-forest-labs/flux-schnell · 0.0020 pollen/image": "black-forest-labs/flux-schnell",
		"Veo — 3.1 — google/veo-3.1 · paid Pollen":                            "google/veo-3.1", // a dash in the title
		"community/x · community":                                             "community/x",    // no title
		"flux":                                                                "flux",
	} {
		if got := ModelOfLabel(l); got != want {
			t.Errorf("ModelOfLabel(%q) = %q, want %q", l, got, want)
		}
	}
}

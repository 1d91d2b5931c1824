package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

func TestEstimate(t *testing.T) {
	parse := func(js string) api.Model {
		t.Helper()
		ms, err := api.ParseModels([]byte("[" + js + "]"))
		if err != nil || len(ms) != 1 {
			t.Fatalf("%v %v", ms, err)
		}
		return ms[0]
	}
	gpt := parse(`{"name":"openai/gpt-image-1-mini","aliases":["gptimage"],"category":"image","flat_rate":false,"pricing":{"promptTextTokens":"0.000002","completionImageTokens":"0.000008"}}`)
	nano := parse(`{"name":"google/gemini-2.5-flash-image","aliases":["nanobanana"],"category":"image","pricing":{"promptTextTokens":"0.0000003","completionImageTokens":"0.00003"}}`)
	flux := parse(`{"name":"black-forest-labs/flux-schnell","category":"image","flat_rate":true,"pricing":{"completionImageTokens":"0.002"}}`)
	seedream := parse(`{"name":"bytedance/seedream-4.0","category":"image","resolutions":["1K","4K"],"pricing":{"completionImageTokens":"0.03"},"pricing_variants":{"4K":{"completionImageTokens":"0.06"}}}`)
	flux2 := parse(`{"name":"black-forest-labs/flux.2-pro","category":"image","flat_rate":true,"pricing":{"completionImageTokens":"0.03"}}`)
	veo := parse(`{"name":"google/veo-3.1-fast","category":"video","pricing":{"completionVideoSeconds":"0.08","completionAudioSeconds":"0.02"}}`)
	music := parse(`{"name":"elevenlabs/music-v2","category":"audio","output_modalities":["audio"],"pricing":{"completionAudioSeconds":"0.0025"}}`)
	lyria := parse(`{"name":"google/lyria-3-clip-preview","category":"audio","flat_rate":true,"output_modalities":["audio"],"pricing":{"completionAudioTokens":"0.04"}}`)
	stable := parse(`{"name":"stability-ai/stable-audio-3","category":"audio","output_modalities":["audio"],"pricing":{"completionAudioTokens":"0.26"}}`)
	sound := parse(`{"name":"elevenlabs/eleven-text-to-sound-v2","category":"audio","output_modalities":["audio"],"pricing":{"completionAudioSeconds":"0.002"}}`)
	tts := parse(`{"name":"openai/tts-1","category":"audio","output_modalities":["audio"],"pricing":{"completionAudioTokens":"0.000015"}}`)
	trellis := parse(`{"name":"microsoft/trellis-2","category":"3d","pricing":{"completion3dModels":"0.24"},"pricing_variants":{"high":"0.35"}}`)
	for _, tc := range []struct {
		name    string
		m       api.Model
		p       EstimateParams
		history []float64
		amount  float64
		unit    string
		known   bool
		label   string
	}{
		{"token-priced, no history", gpt, EstimateParams{}, nil, 0, "image", false, "priced by tokens"},
		{"token-priced without flat_rate, no history", nano, EstimateParams{}, nil, 0, "image", false, "priced by tokens"},
		{"token-priced, 3 past costs: their median", gpt, EstimateParams{}, []float64{0.02, 0.05, 0.01}, 0.02, "image", true, "typical of your last 3"},
		{"token-priced, even history", gpt, EstimateParams{Count: 2}, []float64{0.01, 0.03}, 0.04, "image", true, "0.02 per image"},
		{"token-priced: only the last 20 count", gpt, EstimateParams{}, append(repeat(0.01, 20), repeat(9, 30)...), 0.01, "image", true, "last 20"},
		{"flat", flux, EstimateParams{Count: 3}, []float64{5}, 0.006, "image", true, "0.002 per image"},
		{"flat, resolution variant", seedream, EstimateParams{Resolution: "4K"}, nil, 0.06, "image", true, "0.06 per image"},
		{"flat, base tier", seedream, EstimateParams{Resolution: "1K"}, nil, 0.03, "image", true, "0.03 per image"},
		{"megapixel", flux2, EstimateParams{Width: 2000, Height: 1000}, nil, 0.06, "megapixel", true, "0.03 per megapixel × 2.00 MP"},
		{"per second", veo, EstimateParams{Seconds: 6}, nil, 0.48, "second", true, "0.08 per second"},
		{"per second with sound", veo, EstimateParams{Seconds: 4, Audio: true}, nil, 0.4, "second", true, "0.1 per second"},
		{"music per second", music, EstimateParams{Seconds: 30}, nil, 0.075, "second", true, "per second"},
		{"music with 10 s of reference audio", music, EstimateParams{Seconds: 30, RefSeconds: 10}, nil, 0.1, "second", true, "per second"},
		{"flat-priced music ignores a reference", lyria, EstimateParams{Seconds: 30, RefSeconds: 10}, nil, 0.04, "clip", true, "per clip"},
		{"sound per second", sound, EstimateParams{Seconds: 10}, nil, 0.02, "second", true, "0.002 per second"},
		{"lyria flat per clip, whatever the length", lyria, EstimateParams{Seconds: 30}, nil, 0.04, "clip", true, "0.04 per clip"},
		{"stable audio flat per clip (by its id, no flat_rate sent)", stable, EstimateParams{Seconds: 200}, nil, 0.26, "clip", true, "per clip"},
		{"speech per 1k characters", tts, EstimateParams{Chars: 2000}, nil, 0.03, "1k characters", true, "0.015 per 1000 characters"},
		{"3d per model", trellis, EstimateParams{}, nil, 0.24, "model", true, "per model"},
		{"3d variant", trellis, EstimateParams{Resolution: "high"}, nil, 0.35, "model", true, "0.35 per model"},
	} {
		got := Estimate(tc.m, tc.p, tc.history)
		if got.Known != tc.known || got.Unit != tc.unit || !near(got.Amount, tc.amount) || !strings.Contains(got.Label, tc.label) {
			t.Errorf("%s: %+v, want %g %s known=%v label ~%q", tc.name, got, tc.amount, tc.unit, tc.known, tc.label)
		}
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// TestEstimateFromLibrary: the history of a token-priced model is read from the library by
// every name the model was stored under.
func TestEstimateFromLibrary(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	models, err := f.client(t, "secret").Models(ctx, "image")
	if err != nil {
		t.Fatal(err)
	}
	gpt, ok := api.FindModel(models, "gptimage")
	if !ok {
		t.Fatal("no gpt image in the simulator's catalogue")
	}
	hist, err := CostHistory(ctx, f.lib, models, "gptimage")
	if err != nil || len(hist) != 0 {
		t.Fatalf("%v %v", hist, err)
	}
	if e := Estimate(gpt, EstimateParams{}, hist); e.Known || e.Label != PricedByTokens {
		t.Fatalf("no history: %+v", e)
	}
	for i, c := range []struct {
		name string
		cost float64
	}{{"gptimage", 0.04}, {"openai/gpt-image-1-mini", 0.01}, {"gpt-image", 0.02}} {
		it := &storage.Item{Kind: storage.KindImage, ModelRequested: c.name, ModelUsed: c.name, Cost: c.cost, CostKnown: true,
			CreatedAt: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)}
		if _, err := f.lib.AddItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	hist, err = CostHistory(ctx, f.lib, models, "openai/gpt-image-1-mini")
	if err != nil {
		t.Fatal(err)
	}
	if e := Estimate(gpt, EstimateParams{}, hist); !e.Known || e.Amount != 0.02 {
		t.Fatalf("with 3 past costs: %+v (%v)", e, hist)
	}
}

// TestJobKeepsHostedLinkAndSeedFlag: the Link of the answer is kept with the item; an edit of
// a local file says its seed was not applied; the hosted link is what a later job reuses.
func TestJobKeepsHostedLinkAndSeedFlag(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	id, err := svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: "a fox", Model: "flux", Width: 64, Height: 64}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := svc.Wait(wctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.lib.Item(ctx, src.ID)
	if !strings.HasPrefix(got.HostedURL, "https://media.pollinations.ai/") || SeedIgnored(*got) || got.Seed == nil {
		t.Fatalf("source item: %+v", got)
	}
	if u, file := ReferenceFor(*got, got.CreatedAt.Add(time.Hour)); u != got.HostedURL || file != "" {
		t.Errorf("fresh: %q %q", u, file)
	}
	if u, file := ReferenceFor(*got, got.CreatedAt.Add(40*24*time.Hour)); u != "" || file != got.MediaPath {
		t.Errorf("expired: %q %q", u, file)
	}
	ref := filepath.Join(t.TempDir(), "ref.jpg")
	data, _ := os.ReadFile(got.MediaPath)
	os.WriteFile(ref, data, 0o644)
	id, err = svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: "make it blue", Model: "kontext", Width: 64, Height: 64, RefFiles: []string{ref}}})
	if err != nil {
		t.Fatal(err)
	}
	ed, err := svc.Wait(wctx, id)
	if err != nil {
		t.Fatal(err)
	}
	edited, _ := f.lib.Item(ctx, ed.ID)
	if !SeedIgnored(*edited) || edited.Seed != nil || edited.HostedURL == "" {
		t.Errorf("edit item: seed ignored %v, seed %v, hosted %q", SeedIgnored(*edited), edited.Seed, edited.HostedURL)
	}
	// Reusing the source by its hosted address keeps the seed.
	u, _ := ReferenceFor(*got, time.Now())
	id, err = svc.Submit(ctx, Request{Image: &api.ImageRequest{Prompt: "make it red", Model: "kontext", Width: 64, Height: 64, RefURLs: []string{u}}})
	if err != nil {
		t.Fatal(err)
	}
	re, err := svc.Wait(wctx, id)
	if err != nil {
		t.Fatal(err)
	}
	reused, _ := f.lib.Item(ctx, re.ID)
	if SeedIgnored(*reused) || reused.Seed == nil || len(reused.References) != 1 || reused.References[0] != u {
		t.Errorf("reused item: %+v", reused)
	}
}

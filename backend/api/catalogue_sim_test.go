package api_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pollinations-studio/backend/api"
)

// TestEditSeedIgnoredFlagged: local files go up as multipart, which takes no seed; the result
// says so. References that are all URLs keep the seed (no flag).
func TestEditSeedIgnoredFlagged(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	src, err := c.Image(ctx, api.ImageRequest{Prompt: "source", Model: "flux", Width: 64, Height: 64, Seed: seed(3)})
	if err != nil {
		t.Fatal(err)
	}
	if src.Meta.SeedIgnored {
		t.Error("a GET image flagged")
	}
	ref := filepath.Join(t.TempDir(), "ref.jpg")
	os.WriteFile(ref, src.Data, 0o644)
	edit := func() *api.ImageResult {
		t.Helper()
		res, err := c.Image(ctx, api.ImageRequest{Prompt: "make it blue", Model: "kontext", Width: 64, Height: 64, Seed: seed(5), RefFiles: []string{ref}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := edit(), edit()
	if !a.Meta.SeedIgnored || !strings.HasPrefix(a.Meta.HostedURL, "https://media.pollinations.ai/") {
		t.Errorf("multipart edit: %+v", a.Meta)
	}
	if string(a.Data) == string(b.Data) {
		t.Error("the simulator kept a multipart seed")
	}
	byURL, err := c.Image(ctx, api.ImageRequest{Prompt: "make it blue", Model: "kontext", Width: 64, Height: 64, Seed: seed(5), RefURLs: []string{src.Meta.HostedURL}})
	if err != nil || byURL.Meta.SeedIgnored {
		t.Errorf("URL references: %v %+v", err, byURL)
	}
	// response_format=url: the image is fetched from the hosted address... which the simulator
	// does not serve; a bad format is refused before anything is sent.
	if _, err := c.Image(ctx, api.ImageRequest{Prompt: "x", RefFiles: []string{ref}, ResponseFormat: "png"}); !api.IsKind(err, api.KindBadRequest) {
		t.Errorf("response_format png: %v", err)
	}
}

func TestDiarizedTranscript(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	ms, err := c.Speech(ctx, api.SpeechRequest{Text: "Two people talk here for a good while. " + strings.Repeat("More words. ", 12), Format: "wav"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ms.Meta.HostedURL, "https://media.pollinations.ai/") || ms.Meta.ModelUsed != "openai/tts-1" {
		t.Errorf("speech meta: %+v", ms.Meta)
	}
	wav, _ := io.ReadAll(ms.Body)
	ms.Body.Close()
	p := filepath.Join(t.TempDir(), "talk.wav")
	os.WriteFile(p, wav, 0o644)
	tr, err := c.Transcribe(ctx, api.TranscribeRequest{File: p, Model: "scribe", Format: "diarized_json", SpeakersExpected: 2})
	if err != nil {
		t.Fatal(err)
	}
	speakers := map[string]bool{}
	for _, s := range tr.Segments {
		if s.SegmentID == "" || s.Speaker == "" {
			t.Errorf("segment %+v", s)
		}
		speakers[s.Speaker] = true
	}
	if len(tr.Segments) < 2 || len(speakers) != 2 {
		t.Errorf("segments %+v", tr.Segments)
	}
	if _, err := c.Transcribe(ctx, api.TranscribeRequest{File: p, Format: "json", SpeakersExpected: 2}); !api.IsKind(err, api.KindBadRequest) {
		t.Errorf("speakers without diarized_json: %v", err)
	}
}

func TestModelsByNewKinds(t *testing.T) {
	e := newEnv(t)
	anon, _ := api.New(api.Options{BaseURL: e.sim.URL()})
	for kind, want := range map[string]string{"3d": "microsoft/trellis-2", "embedding": "openai/text-embedding-3-small", api.KindMusic: "elevenlabs/music-v2"} {
		ms, err := anon.Models(context.Background(), kind)
		if _, ok := api.FindModel(ms, want); err != nil || !ok {
			t.Errorf("%s: %+v %v", kind, ms, err)
		}
		for _, m := range ms {
			if m.Kind != kind {
				t.Errorf("%s: %s is a %s model", kind, m.Name, m.Kind)
			}
		}
	}
}

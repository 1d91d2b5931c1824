package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pollinations-studio/backend/api"
	"pollinations-studio/internal/wav"
	"pollinations-studio/storage"
)

// secondsWAV writes secs seconds of 8 kHz mono 16-bit silence.
func secondsWAV(t *testing.T, dir, name string, secs float64) string {
	t.Helper()
	n := int64(secs*8000) * 2
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, append(wav.PCM16(8000, 1).Bytes(n), make([]byte, n)...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runVoice(t *testing.T, svc *Service, req Request) (*storage.Item, error) {
	t.Helper()
	id, err := svc.Submit(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return svc.Wait(context.Background(), id)
}

func TestVoiceToolJobs(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	five := secondsWAV(t, f.dir, "talk.wav", 5)

	t.Run("isolate keeps the source and links to it", func(t *testing.T) {
		it, err := runVoice(t, svc, Request{Voice: &VoiceTool{Tool: ToolIsolate, File: five}})
		if err != nil {
			t.Fatal(err)
		}
		if it.Kind != KindVoiceResult || it.Relation != RelationIsolated || it.ParentID == nil || it.ModelUsed != api.VoiceIsolatorModel {
			t.Fatalf("item %+v", it)
		}
		if !it.CostKnown || math.Abs(it.Cost-0.01) > 1e-9 || it.DurationSec != 5 || it.HostedURL == "" {
			t.Errorf("cost %v %v, duration %v, link %q", it.Cost, it.CostKnown, it.DurationSec, it.HostedURL)
		}
		src, err := f.lib.Item(ctx, *it.ParentID)
		if err != nil || src.Kind != storage.KindRecording || src.Prompt != "talk.wav" {
			t.Fatalf("source %+v %v", src, err)
		}
		b, err := os.ReadFile(it.MediaPath)
		if err != nil || api.SniffContentType(b, "") != "audio/mpeg" {
			t.Errorf("media: %v", err)
		}
	})

	var song int64
	t.Run("stems: one item per stem, linked to the source", func(t *testing.T) {
		it, err := runVoice(t, svc, Request{Voice: &VoiceTool{Tool: ToolStems, File: five}})
		if err != nil {
			t.Fatal(err)
		}
		song = *it.ParentID
		stems, err := f.lib.Children(ctx, song)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		total := 0.0
		for _, s := range stems {
			var p voiceParams
			json.Unmarshal(s.Params, &p)
			names = append(names, p.Stem)
			total += s.Cost
			if s.Relation != RelationStem || p.Source != "talk.wav" || p.SourceItem != song || p.Variant != api.StemsSix || s.MediaSize == 0 || s.HostedURL != "" {
				t.Errorf("stem %+v %+v", s, p)
			}
		}
		if strings.Join(names, ",") != "vocals,drums,bass,other,piano,guitar" || stems[0].ID != it.ID {
			t.Errorf("stems %v", names)
		}
		if math.Abs(total-0.025) > 1e-9 {
			t.Errorf("stems cost %v in all, want 0.025 (0.30 per minute)", total)
		}
	})

	t.Run("two stems and revoice of a library item link to it", func(t *testing.T) {
		n := len(must(f.lib.Children(ctx, song)))
		it, err := runVoice(t, svc, Request{Voice: &VoiceTool{Tool: ToolStems, File: five, Two: true}, ParentID: &song})
		if err != nil || *it.ParentID != song {
			t.Fatalf("%+v %v", it, err)
		}
		rv, err := runVoice(t, svc, Request{Voice: &VoiceTool{Tool: ToolRevoice, File: five, Voice: "rachel", Format: "wav"}, ParentID: &song})
		if err != nil {
			t.Fatal(err)
		}
		if rv.Relation != RelationRevoiced || *rv.ParentID != song || rv.ContentType != "audio/wav" || filepath.Ext(rv.MediaPath) != ".wav" {
			t.Errorf("revoiced %+v", rv)
		}
		if got := len(must(f.lib.Children(ctx, song))); got != n+3 {
			t.Errorf("%d children, want %d", got, n+3)
		}
	})

	t.Run("refused before anything is sent", func(t *testing.T) {
		f.sim.ResetRequests()
		for _, v := range []VoiceTool{
			{Tool: ToolIsolate, File: secondsWAV(t, f.dir, "short.wav", 3)},
			{Tool: ToolRevoice, File: five},
			{Tool: "karaoke", File: five},
		} {
			if _, err := runVoice(t, svc, Request{Voice: &v}); err == nil {
				t.Errorf("%+v accepted", v)
			}
		}
		if n := len(f.sim.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})

	t.Run("isolate then transcribe is one job", func(t *testing.T) {
		f.sim.ResetRequests()
		it, err := runVoice(t, svc, Request{Transcribe: &api.TranscribeRequest{File: five, IsolateFirst: true, Format: "verbose_json"}})
		if err != nil {
			t.Fatal(err)
		}
		if countPath(f.sim.Requests(), "/v1/audio/voice-isolator") != 1 || countPath(f.sim.Requests(), "/v1/audio/transcriptions") != 1 {
			t.Errorf("requests %v", f.sim.Requests())
		}
		if it.Kind != storage.KindTranscript || it.Prompt != "talk.wav" || it.Cost <= 0.01 {
			t.Errorf("transcript %+v", it)
		}
		var p api.TranscribeRequest
		if json.Unmarshal(it.Params, &p) != nil || !p.IsolateFirst || p.File != five {
			t.Errorf("params %s", it.Params)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestEstimateVoiceTools(t *testing.T) {
	tool := func(name string) api.Model { return api.Model{Name: name, Kind: api.KindAudioTool} }
	for _, c := range []struct {
		m       api.Model
		p       EstimateParams
		want    float64
		known   bool
		contain string
	}{
		{tool(api.VoiceIsolatorModel), EstimateParams{Seconds: 90}, 0.18, true, "0.12 per minute"},
		{tool(api.DefaultVoiceChangerModel), EstimateParams{Seconds: 30}, 0.06, true, "0.12 per minute"},
		{tool(api.StemSeparationModel), EstimateParams{Seconds: 120}, 0.60, true, "0.3 per minute"},
		{tool(api.StemSeparationModel), EstimateParams{Seconds: 120, Resolution: api.StemsTwo}, 0.30, true, "0.15 per minute"},
		{tool(api.StemSeparationModel), EstimateParams{}, 0, false, "no price"},
		{api.Model{Name: "x/new-tool", Kind: api.KindAudioTool, Pricing: map[string]float64{"promptAudioSeconds": 0.001}}, EstimateParams{Seconds: 60}, 0.06, true, "0.06 per minute"},
	} {
		got := Estimate(c.m, c.p, nil)
		if got.Known != c.known || !near(got.Amount, c.want) || !strings.Contains(got.Label, c.contain) {
			t.Errorf("%s %+v: %+v, want %v", c.m.Name, c.p, got, c.want)
		}
	}
	if !errors.Is(func() error { _, err := (VoiceTool{Tool: ToolStems, File: "x.txt"}).Check(); return err }(), api.ErrNotAudio) {
		t.Error("a text file passed the check")
	}
}

// A WAV over the transcription limit is isolated whole (the isolator takes 50 MB), not cut
// into parts that might each be too short to isolate.
func TestIsolateFirstIsNotSentInParts(t *testing.T) {
	f := newFixture(t)
	svc := New(Config{Library: f.lib, Client: f.client(t, "secret"), MaxConcurrent: 1, MaxUploadBytes: 30 << 10})
	svc.SetPaid(true)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	five := secondsWAV(t, f.dir, "talk.wav", 5) // 80 KB: three parts of under 2 s
	it, err := runVoice(t, svc, Request{Transcribe: &api.TranscribeRequest{File: five, IsolateFirst: true, Format: "verbose_json"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := countPath(f.sim.Requests(), "/v1/audio/voice-isolator"); n != 1 || it.Text == "" {
		t.Errorf("%d isolator requests, text %q", n, it.Text)
	}
}

package jobs

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/storage"
)

func TestMusicAndSoundJobsAreSavedAndPlayableLive(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	events, stop := svc.Subscribe()
	defer stop()
	for _, tc := range []struct {
		req  api.MusicRequest
		kind storage.Kind
		secs float64
		cost float64
	}{
		{api.MusicRequest{Prompt: "a calm piano loop", Model: "music-v2", Duration: 3, Instrumental: true}, storage.KindMusic, 3, 0.0075},
		{api.MusicRequest{Prompt: "glass breaking", Model: "eleven-text-to-sound-v2", Duration: 1, Loop: true}, storage.KindSound, 1, 0.002},
		{api.MusicRequest{Prompt: "a jingle", Model: "lyria-3-clip-preview"}, storage.KindMusic, 30, 0.04},
	} {
		id, err := svc.Submit(ctx, Request{Music: &tc.req})
		if err != nil {
			t.Fatal(err)
		}
		var audio io.Reader
		timeout := time.After(10 * time.Second)
		for audio == nil {
			select {
			case ev := <-events:
				if ev.ID == id && ev.Audio != nil {
					audio = ev.Audio
				}
			case <-timeout:
				t.Fatalf("%s: no live audio stream offered", tc.req.Model)
			}
		}
		live, err := io.ReadAll(audio)
		if err != nil {
			t.Fatal(err)
		}
		it, err := svc.Wait(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", tc.req.Model, err)
		}
		saved, err := os.ReadFile(f.lib.MediaPath(it.MediaHash))
		if err != nil || string(live) != string(saved) {
			t.Fatalf("%s: live stream (%d bytes) differs from the saved clip (%d bytes): %v", tc.req.Model, len(live), len(saved), err)
		}
		if it.Kind != tc.kind || it.Prompt != tc.req.Prompt || it.ModelRequested != tc.req.Model || it.ContentType != "audio/mpeg" ||
			!strings.HasPrefix(it.HostedURL, "https://media.pollinations.ai/") || !it.CostKnown || !near(it.Cost, tc.cost) ||
			it.DurationSec < tc.secs || it.DurationSec > tc.secs+0.03 {
			t.Errorf("%s: item %+v", tc.req.Model, it)
		}
		// The job in the queue is of the same kind (a restart finds it).
		j, err := f.lib.Job(ctx, id)
		if err != nil || j.Kind != tc.kind {
			t.Errorf("%s: job %+v %v", tc.req.Model, j, err)
		}
	}
}

func TestMusicJobRefusedLimitIsAFailedJob(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	ctx := context.Background()
	id, err := svc.Submit(ctx, Request{Music: &api.MusicRequest{Prompt: "boom", Model: "eleven-text-to-sound-v2", Duration: 45}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Wait(ctx, id); !api.IsKind(err, api.KindBadRequest) {
		t.Fatalf("45 s of sound: %v", err)
	}
	if n := len(f.sim.Requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

package app

import (
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/sim"
)

// The output device changes (Settings) while speech arrives and plays: the shell's live audio
// (followJobs' goroutine), the speech page's tick and the change itself all reach the player.
// Run under -race.
func TestOutputChangesWhileSpeechPlays(t *testing.T) {
	h := newHarness(t, "secret")
	h.eventually("the voices", func() bool { return len(h.s.Models("audio")) > 0 && h.s.HasKey() })
	m := h.s.Models("audio")[0]
	for _, c := range h.s.Models("audio") {
		if len(c.Voices) > 0 {
			m = c
			break
		}
	}
	voice := ""
	if len(m.Voices) > 0 {
		voice = m.Voices[0]
	}
	h.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/speech", BytesPerSec: 20000})
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for range 300 { // bounded: each change makes a player
			select {
			case <-stop:
				return
			default:
				h.s.UseOutput("")
			}
		}
	}()
	for i := 0; i < 3; i++ {
		r := api.SpeechRequest{Text: "The speaker changes while this is read.", Model: m.Name, Voice: voice, Format: "mp3"}
		id, ok := h.s.Submit(jobs.Request{Speech: &r})
		if !ok {
			t.Fatal("the speech was refused")
		}
		if _, err := h.s.jobs.Wait(h.s.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	<-stopped
	if h.s.Player() == nil {
		t.Fatal("no player after the changes")
	}
}

// Music plays as it downloads, and an MP3 stream says nothing of its length: once the file is
// saved whole, the player learns its length, so that the seek bar shows long before the end.
func TestLiveMusicLearnsItsLength(t *testing.T) {
	h := newHarness(t, "secret")
	h.eventually("the music models", func() bool { return len(h.s.Models(api.KindMusic)) > 0 && h.s.HasKey() })
	r := api.MusicRequest{Prompt: "a slow cello line", Model: h.s.Models(api.KindMusic)[0].Name, Duration: 30}
	id, ok := h.s.Submit(jobs.Request{Music: &r})
	if !ok {
		t.Fatal("the music was refused")
	}
	if _, err := h.s.jobs.Wait(h.s.ctx, id); err != nil {
		t.Fatal(err)
	}
	p := h.s.Player()
	if p == nil {
		t.Fatal("no player")
	}
	h.eventually("the length of the music playing", func() bool {
		d, ok := p.Duration()
		return ok && d > 29*time.Second && d < 31*time.Second && p.Playing()
	})
	if pos := p.Position(); pos > 20*time.Second {
		t.Fatalf("learned only at %v of 30 s", pos)
	}
	p.Stop()
}

package app

import (
	"testing"

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

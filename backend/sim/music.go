package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"pollinations-studio/internal/mp3tone"
)

// musicModels are the music and sound-effect models of the audio registry, served through
// POST /v1/audio/speech with their own length fields. elevenlabs/music-v2 is in catalogue()
// already; these join it.
func musicModels() []*model {
	mk := func(name, title, publisher, desc string, price float64, unit string, minD, maxD, defD float64, aliases ...string) *model {
		m := &model{Name: name, Aliases: aliases, Category: "audio", Title: title, Publisher: publisher,
			Description: desc, PaidOnly: true, InputModalities: []string{"text"}, OutputModalities: []string{"audio"},
			SupportedEndpoints: []string{"/v1/audio/speech"}, MinDuration: minD, MaxDuration: maxD, DefaultDuration: defD,
			price: price, unit: unit, kind: "music"}
		if unit == "second" {
			m.Pricing = map[string]string{"currency": "pollen", "completionAudioSeconds": priceString(price)}
		} else {
			// Flat per clip [I]: one audio "token" per request at the clip's price.
			m.FlatRate = boolPtr(true)
			m.Pricing = map[string]string{"currency": "pollen", "completionAudioTokens": priceString(price)}
		}
		return m
	}
	return []*model{
		mk("elevenlabs/eleven-text-to-sound-v2", "ElevenLabs Sound Effects v2", "ElevenLabs", "Sound effects", 0.002, "second", 0.5, 30, 5, "eleven-text-to-sound-v2"),
		mk("google/lyria-3-clip-preview", "Lyria 3 Clip", "Google", "30-second music clips", 0.04, "clip", 0, 0, 30, "lyria-3-clip-preview", "lyria"),
		mk("stability-ai/stable-audio-3-medium", "Stable Audio 3 Medium", "Stability AI", "Music and sound", 0.0376, "clip", 1, 380, 30, "stable-audio-3-medium"),
		mk("stability-ai/stable-audio-3", "Stable Audio 3", "Stability AI", "Music and sound", 0.26, "clip", 1, 380, 30, "stable-audio-3"),
	}
}

// musicBody is the speech route's JSON as the music and sound models read it.
type musicBody struct {
	Input           string   `json:"input"`
	Model           string   `json:"model"`
	ResponseFormat  string   `json:"response_format"`
	Duration        *float64 `json:"duration"`
	Seconds         *float64 `json:"seconds"`
	Steps           *float64 `json:"steps"`
	Loop            *bool    `json:"loop"`
	PromptInfluence *float64 `json:"prompt_influence"`
	Instrumental    *bool    `json:"instrumental"`
	ReferenceAudio  string   `json:"reference_audio"`
	Seed            *int64   `json:"seed"`
}

// musicFamily sorts the music models by which length field they read.
func musicFamily(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "text-to-sound"):
		return "sound"
	case strings.Contains(n, "lyria"):
		return "lyria"
	case strings.Contains(n, "stable-audio"):
		return "stable"
	}
	return "eleven-music"
}

// between checks an optional number against [lo, hi], writing the zod-style 400.
func between(w http.ResponseWriter, field string, v *float64, lo, hi float64) bool {
	if v == nil {
		return true
	}
	if math.IsNaN(*v) || *v < lo || *v > hi {
		badRequest(w, field, fmt.Sprintf("Number must be between %g and %g", lo, hi))
		return false
	}
	return true
}

// handleMusic answers a speech-route request for a music or sound model: real MP3 of the asked
// length, billed per second of output or flat per clip.
func (s *Server) handleMusic(w http.ResponseWriter, r *http.Request, a *account, m *model) {
	var b musicBody
	if err := json.Unmarshal(requestBody(r), &b); err != nil {
		writeError(w, 400, "Invalid JSON body", nil)
		return
	}
	if n := len([]rune(b.Input)); n == 0 || n > 10000 {
		badRequest(w, "input", "String must contain between 1 and 10000 character(s)")
		return
	}
	switch b.ResponseFormat {
	case "", "mp3":
	case "opus", "aac", "flac", "wav", "pcm":
		badRequest(w, "response_format", fmt.Sprintf("%s returns mp3 only", m.Name))
		return
	default:
		badRequest(w, "response_format", "Invalid option: expected one of \"mp3\"|\"opus\"|\"aac\"|\"flac\"|\"wav\"|\"pcm\"")
		return
	}
	if !between(w, "prompt_influence", b.PromptInfluence, 0, 1) {
		return
	}
	if b.Seed != nil && (*b.Seed < -1 || *b.Seed > 4294967295) {
		badRequest(w, "seed", "Number must be between -1 and 4294967295")
		return
	}
	secs := m.DefaultDuration
	if secs <= 0 {
		secs = 30
	}
	fam := musicFamily(m.Name)
	switch fam {
	case "eleven-music", "sound":
		if !between(w, "duration", b.Duration, m.MinDuration, m.MaxDuration) {
			return
		}
		if b.Duration != nil {
			secs = *b.Duration
		}
	case "stable":
		if !between(w, "seconds", b.Seconds, m.MinDuration, m.MaxDuration) {
			return
		}
		if b.Seconds != nil {
			secs = *b.Seconds
		}
		if b.Steps != nil {
			if !strings.HasSuffix(m.Name, "stable-audio-3") {
				badRequest(w, "steps", m.Name+" does not accept steps")
				return
			}
			if !between(w, "steps", b.Steps, 4, 8) || *b.Steps != math.Trunc(*b.Steps) {
				if *b.Steps != math.Trunc(*b.Steps) {
					badRequest(w, "steps", "Expected integer, received float")
				}
				return
			}
		}
	case "lyria":
		// No duration: a 30 s clip, or a song whose length the prompt gives [I: the simulator
		// makes 30 s either way].
		secs = 30
	}
	if moderated(b.Input) {
		writeModerated(w)
		return
	}
	cost, usageKind, usage := m.price, "completion-audio-tokens", 1.0
	if m.unit == "second" {
		cost, usageKind, usage = m.price*secs, "completion-audio-seconds", secs
	}
	data := musicMP3(secs)
	// Generation takes a while, then the file streams faster than real time.
	s.run(w, r, a, job{route: "audio", m: m, estimate: cost, latency: 2 * time.Second,
		produce: func() (*result, error) {
			h := http.Header{}
			usageHeaders(h, m, usageKind, usage)
			h.Set("Content-Type", "audio/mpeg")
			return &result{status: 200, header: h, chunks: chunk(data, 16384), pace: 100 * time.Millisecond, cost: cost}, nil
		}})
}

// musicMP3 is a real MP3 stream lasting secs (rounded up to whole frames): a steady sine of
// mp3tone.ToneHz at about a third of full scale, so that music played back is heard (and its
// pitch known to tests) and any decoder measures its length exactly.
func musicMP3(secs float64) []byte {
	return mp3tone.Tone(mp3tone.Frames(secs), 204)
}

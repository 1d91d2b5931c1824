package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
)

// Default music and sound models.
const (
	DefaultMusicModel = "elevenlabs/music-v2"
	DefaultSoundModel = "elevenlabs/eleven-text-to-sound-v2"
)

// MusicRequest is music or a sound effect, made through the speech route with the fields the
// music and sound models read.
type MusicRequest struct {
	Prompt string `json:"prompt"`
	Model  string `json:"model,omitempty"`
	// Duration in seconds: sent as duration (ElevenLabs music and sound) or seconds (Stable
	// Audio); Lyria takes none (a 30 s clip, or a song whose length the prompt gives). 0: the
	// model's default.
	Duration        float64  `json:"duration,omitempty"`
	Instrumental    bool     `json:"instrumental,omitempty"`
	Loop            bool     `json:"loop,omitempty"`
	PromptInfluence *float64 `json:"prompt_influence,omitempty"`
	Steps           int      `json:"steps,omitempty"` // stable-audio-3 only, 4–8
	ReferenceAudio  string   `json:"reference_audio,omitempty"`
	Seed            *int64   `json:"seed,omitempty"`
	Format          string   `json:"format,omitempty"` // mp3 (the only one every model gives)
	// Entry is the model's catalogue entry, when known: its duration limits win over the
	// built-in table. Not kept with a queued job.
	Entry *Model `json:"-"`
}

// MusicSpec is how a music or sound model takes its length.
type MusicSpec struct {
	// Field is the JSON field the length goes in: "duration", "seconds", or "" (none taken).
	Field    string
	Min, Max float64
	// Steps reports a model that takes steps (4–8).
	Steps bool
	// Sound is a sound-effect model (the library keeps its results as kind "sound").
	Sound bool
	// PerSecond: priced per second of output; otherwise flat per clip.
	PerSecond bool
}

// MusicSpecFor is the length rules of a music or sound model: from the built-in table by its
// id, with the catalogue entry's min/max durations winning when it has them.
func MusicSpecFor(model string, entry *Model) MusicSpec {
	n := strings.ToLower(strings.TrimSpace(model))
	var s MusicSpec
	switch {
	case strings.Contains(n, "text-to-sound"):
		s = MusicSpec{Field: "duration", Min: 0.5, Max: 30, Sound: true, PerSecond: true}
	case strings.Contains(n, "lyria"):
		s = MusicSpec{}
	case strings.Contains(n, "stable-audio"):
		s = MusicSpec{Field: "seconds", Min: 1, Max: 380, Steps: !strings.Contains(n, "medium")}
	default: // ElevenLabs music and anything later: duration, per second
		s = MusicSpec{Field: "duration", Min: 3, Max: 300, PerSecond: true}
	}
	if entry != nil && s.Field != "" {
		if entry.MinDuration > 0 {
			s.Min = entry.MinDuration
		}
		if entry.MaxDuration > 0 {
			s.Max = entry.MaxDuration
		}
	}
	if entry != nil && entry.FlatRate != nil {
		s.PerSecond = !*entry.FlatRate
	}
	return s
}

// IsSoundModel reports a sound-effect model (eleven-text-to-sound-v2).
func IsSoundModel(model string) bool { return MusicSpecFor(model, nil).Sound }

// check refuses, before anything is sent, what the model will not take.
func (r MusicRequest) check() (MusicSpec, error) {
	if err := checkPrompt(r.Prompt); err != nil {
		return MusicSpec{}, err
	}
	if n := len([]rune(r.Prompt)); n > MaxSpeechChars {
		return MusicSpec{}, &Error{Kind: KindBadRequest, Message: fmt.Sprintf("the prompt is %d characters; one request takes at most %d", n, MaxSpeechChars)}
	}
	spec := MusicSpecFor(r.Model, r.Entry)
	bad := func(field, msg string) (MusicSpec, error) {
		return MusicSpec{}, &Error{Kind: KindBadRequest, Message: msg, FieldErrors: map[string][]string{field: {msg}}}
	}
	switch {
	case math.IsNaN(r.Duration) || r.Duration < 0:
		return bad("duration", "the duration must be a positive number of seconds")
	case r.Duration > 0 && spec.Field == "":
		return bad("duration", r.Model+" takes no duration: it makes a 30-second clip, or put the song's length in the prompt")
	case r.Duration > 0 && (r.Duration < spec.Min || r.Duration > spec.Max):
		return bad(spec.Field, fmt.Sprintf("%s makes %g to %g seconds; %g was asked", r.Model, spec.Min, spec.Max, r.Duration))
	case r.Steps != 0 && !spec.Steps:
		return bad("steps", r.Model+" takes no steps (only stable-audio-3 does)")
	case r.Steps != 0 && (r.Steps < 4 || r.Steps > 8):
		return bad("steps", fmt.Sprintf("steps must be between 4 and 8; %d was asked", r.Steps))
	case r.PromptInfluence != nil && (*r.PromptInfluence < 0 || *r.PromptInfluence > 1):
		return bad("prompt_influence", "the prompt influence must be between 0 and 1")
	case r.Format != "" && r.Format != "mp3":
		return bad("response_format", "music and sound come as mp3 only")
	}
	if r.ReferenceAudio != "" {
		u, err := url.Parse(r.ReferenceAudio)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("reference_audio", "the reference audio must be an http(s) URL (upload a local file first)")
		}
	}
	if err := checkSeed(r.Seed); err != nil {
		return MusicSpec{}, err
	}
	return spec, nil
}

// Music makes music or a sound effect and returns as soon as the audio starts arriving, so that
// it can be played while it downloads. Meta.HostedURL is the service's stored copy.
func (c *Client) Music(ctx context.Context, r MusicRequest) (*MediaStream, error) {
	if r.Model == "" {
		r.Model = DefaultMusicModel
	}
	spec, err := r.check()
	if err != nil {
		return nil, err
	}
	b := map[string]any{"input": r.Prompt, "model": r.Model, "response_format": "mp3"}
	if r.Duration > 0 {
		b[spec.Field] = r.Duration
	}
	if r.Instrumental {
		b["instrumental"] = true
	}
	if r.Loop {
		b["loop"] = true
	}
	if r.PromptInfluence != nil {
		b["prompt_influence"] = *r.PromptInfluence
	}
	if r.Steps != 0 {
		b["steps"] = r.Steps
	}
	if r.ReferenceAudio != "" {
		b["reference_audio"] = r.ReferenceAudio
	}
	if r.Seed != nil {
		b["seed"] = *r.Seed
	}
	body, err := json.Marshal(b)
	if err != nil {
		return nil, &Error{Kind: KindBadRequest, Message: "cannot encode the request: " + err.Error(), Err: err}
	}
	// A song takes longer to make than speech before its first byte: the video limit.
	resp, err := c.send(ctx, request{method: http.MethodPost, url: endpoint(c.base, "/v1/audio/speech", nil), body: bytesBody(body),
		contentType: "application/json", auth: true, headerTimeout: c.tm.video})
	if err != nil {
		return nil, err
	}
	return c.mediaStream(resp, r.Model, "audio/")
}

// MusicCost is the catalogue price of one clip: per second of output (secs; the model's
// default length when 0) or flat per clip.
func MusicCost(m Model, secs float64) (float64, bool) {
	spec := MusicSpecFor(m.Name, &m)
	if spec.PerSecond {
		p, ok := m.Pricing["completionAudioSeconds"]
		if !ok {
			return 0, false
		}
		if secs <= 0 {
			secs = m.DefaultDuration
		}
		if secs <= 0 {
			return 0, false
		}
		return p * secs, true
	}
	for _, k := range []string{"completionAudioTokens", "completionAudioSeconds", "price"} {
		if p, ok := m.Pricing[k]; ok {
			return p, true
		}
	}
	return 0, false
}

package sim

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	mp3 "github.com/hajimehoshi/go-mp3"
)

func TestMusicAndSoundAreRealMP3OfTheAskedLength(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, tc := range []struct {
		body  string
		secs  float64
		cost  float64
		usage string
	}{
		{`{"input":"lofi beat","model":"music-v2","duration":4,"instrumental":true}`, 4, 0.01, "x-usage-completion-audio-seconds"},
		{`{"input":"door slam","model":"eleven-text-to-sound-v2","duration":1.5,"loop":true,"prompt_influence":0.4}`, 1.5, 0.003, "x-usage-completion-audio-seconds"},
		{`{"input":"ambient pad","model":"stable-audio-3","seconds":2,"steps":6}`, 2, 0.26, "x-usage-completion-audio-tokens"},
		{`{"input":"ambient pad","model":"stable-audio-3-medium","seconds":3}`, 3, 0.0376, "x-usage-completion-audio-tokens"},
		{`{"input":"a 30 second jingle","model":"lyria-3-clip-preview"}`, 30, 0.04, "x-usage-completion-audio-tokens"},
	} {
		r := do(t, s, "POST", "/v1/audio/speech", key, tc.body)
		if r.status != 200 || r.header.Get("Content-Type") != "audio/mpeg" {
			t.Fatalf("%s: %d %.200s", tc.body, r.status, r.body)
		}
		got := mp3Seconds(t, r.body)
		// Music played back must be heard: not silent frames.
		if p := mp3Peak(t, r.body); p < 0.2 {
			t.Errorf("%s: peak %.3f of full scale: the music is (nearly) silent", tc.body, p)
		}
		// Whole frames of 1152 samples: at most one frame (26 ms) over.
		if got < tc.secs || got > tc.secs+0.027 {
			t.Errorf("%s: %.3f s, want %.1f", tc.body, got, tc.secs)
		}
		cost, _ := strconv.ParseFloat(r.header.Get("x-pollen-cost"), 64)
		if math.Abs(cost-tc.cost) > 1e-9 || r.header.Get(tc.usage) == "" {
			t.Errorf("%s: cost %v usage %q, want %v", tc.body, cost, r.header.Get(tc.usage), tc.cost)
		}
		if !strings.HasPrefix(r.header.Get("Link"), "<https://media.pollinations.ai/") {
			t.Errorf("%s: Link %q", tc.body, r.header.Get("Link"))
		}
	}
}

// mp3Peak is the largest sample of an MP3, as a share of full scale.
func mp3Peak(t *testing.T, data []byte) float64 {
	t.Helper()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an MP3: %v", err)
	}
	pcm, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("MP3 does not decode to the end: %v", err)
	}
	peak := 0.0
	for i := 0; i+1 < len(pcm); i += 2 {
		peak = max(peak, math.Abs(float64(int16(binary.LittleEndian.Uint16(pcm[i:])))/32768))
	}
	return peak
}

func TestMusicFieldLimits(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, tc := range []struct{ body, field, msg string }{
		{`{"input":"x","model":"music-v2","duration":2}`, "duration", "between 3 and 300"},
		{`{"input":"x","model":"music-v2","duration":301}`, "duration", "between 3 and 300"},
		{`{"input":"x","model":"eleven-text-to-sound-v2","duration":0.4}`, "duration", "between 0.5 and 30"},
		{`{"input":"x","model":"eleven-text-to-sound-v2","duration":31}`, "duration", "between 0.5 and 30"},
		{`{"input":"x","model":"eleven-text-to-sound-v2","prompt_influence":1.5}`, "prompt_influence", "between 0 and 1"},
		{`{"input":"x","model":"stable-audio-3","seconds":381}`, "seconds", "between 1 and 380"},
		{`{"input":"x","model":"stable-audio-3","steps":9}`, "steps", "between 4 and 8"},
		{`{"input":"x","model":"stable-audio-3-medium","steps":6}`, "steps", "does not accept steps"},
		{`{"input":"x","model":"music-v2","response_format":"wav"}`, "response_format", "mp3 only"},
		{`{"input":"","model":"music-v2"}`, "input", "between 1 and 10000"},
	} {
		r := do(t, s, "POST", "/v1/audio/speech", key, tc.body)
		if r.status != 400 {
			t.Errorf("%s: %d, want 400", tc.body, r.status)
			continue
		}
		if msg := r.errorMessage(t); !strings.Contains(msg, tc.msg) || !strings.Contains(string(r.body), `"`+tc.field+`"`) {
			t.Errorf("%s: %s", tc.body, r.body)
		}
	}
	// Speech models still speak through the same route.
	if r := do(t, s, "POST", "/v1/audio/speech", key, `{"input":"hello","voice":"nova"}`); r.status != 200 {
		t.Errorf("speech: %d", r.status)
	}
}

package sim

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
)

func voiceTool(t *testing.T, s *Server, path, key string, fields map[string]string, field, name string, data []byte) resp {
	t.Helper()
	body, ct := multipartBody(t, fields, [][3]string{{field, name, string(data)}})
	return do(t, s, "POST", path, key, body, "Content-Type", ct)
}

func TestVoiceIsolator(t *testing.T) {
	s := startSim(t, Options{VoiceToolMaxBytes: 200 << 10})
	const path = "/v1/audio/voice-isolator"
	five := tinyWAV(5)
	r := voiceTool(t, s, path, s.Key("secret"), nil, "file", "talk.wav", five)
	if r.status != 200 || r.header.Get("Content-Type") != "audio/mpeg" {
		t.Fatalf("%d %s %.200s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if d, ok := mp3Duration(r.body); !ok || d < 4 || d > 12 {
		t.Errorf("not about 5 s of MP3: %v %v", d, ok)
	}
	if !strings.Contains(r.header.Get("Link"), `rel="enclosure"`) || r.header.Get("x-usage-prompt-audio-seconds") != "5" {
		t.Errorf("headers %v", r.header)
	}
	if c := r.header.Get("x-pollen-cost"); c != "0.01" {
		t.Errorf("cost %s, want 0.01 (0.12 per minute)", c)
	}
	// The alias field name, a video container.
	if r := voiceTool(t, s, path, s.Key("secret"), nil, "audio", "clip.mp4", bytes.Repeat([]byte{1}, 100<<10)); r.status != 200 {
		t.Errorf("video: %d %.200s", r.status, r.body)
	}
	for _, c := range []struct {
		name, file string
		data       []byte
		key        string
		status     int
		msg        string
	}{
		{"too short", "short.wav", tinyWAV(3), s.Key("secret"), 400, "at least 4.6 seconds"},
		{"too large", "long.wav", tinyWAV(30), s.Key("secret"), 413, "maximum is 204800 bytes"},
		{"not audio", "notes.txt", []byte("hello"), s.Key("secret"), 400, "Unsupported file format"},
		{"no key", "talk.wav", five, "", 401, ""},
		{"quest pollen only", "talk.wav", five, s.Key("free"), 402, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := voiceTool(t, s, path, c.key, nil, "file", c.file, c.data)
			if r.status != c.status || !strings.Contains(string(r.body), c.msg) {
				t.Fatalf("%d %.300s", r.status, r.body)
			}
		})
	}
}

func TestVoiceChanger(t *testing.T) {
	s := startSim(t, Options{})
	const path = "/v1/audio/voice-changer"
	five := tinyWAV(5)
	for _, c := range []struct {
		fields map[string]string
		status int
		ct     string
	}{
		{map[string]string{"voice": "rachel"}, 200, "audio/mpeg"},
		{map[string]string{"voice": "rachel", "response_format": "wav"}, 200, "audio/wav"},
		{map[string]string{"voice": "rachel", "response_format": "pcm"}, 200, "audio/pcm"},
		{map[string]string{"voice": "rachel", "response_format": "opus"}, 200, "audio/ogg"},
		{map[string]string{"voice": "rachel", "model": "elevenlabs/eleven-english-sts-v2"}, 200, "audio/mpeg"},
		{map[string]string{"voice": "rachel", "response_format": "flac"}, 400, ""},
		{map[string]string{"voice": "rachel", "model": "openai/tts-1"}, 400, ""},
		{map[string]string{}, 400, ""},
	} {
		r := voiceTool(t, s, path, s.Key("secret"), c.fields, "file", "talk.wav", five)
		if r.status != c.status || c.ct != "" && r.header.Get("Content-Type") != c.ct {
			t.Errorf("%v: %d %s %.200s", c.fields, r.status, r.header.Get("Content-Type"), r.body)
		}
		if c.ct == "audio/wav" {
			if d := audioDuration(r.body); d < 4.9 || d > 5.1 {
				t.Errorf("wav of %.2f s for 5 s in", d)
			}
		}
	}
}

func TestStemSeparation(t *testing.T) {
	s := startSim(t, Options{})
	const path = "/alpha/audio/stem-separation"
	for _, c := range []struct {
		variant string
		names   []string
		cost    string
	}{
		{"", []string{"vocals", "drums", "bass", "other", "piano", "guitar"}, "0.03"},
		{"six_stems_v1", []string{"vocals", "drums", "bass", "other", "piano", "guitar"}, "0.03"},
		{"two_stems_v1", []string{"vocals", "accompaniment"}, "0.015"},
	} {
		fields := map[string]string{}
		if c.variant != "" {
			fields["stem_variation_id"] = c.variant
		}
		r := voiceTool(t, s, path, s.Key("secret"), fields, "file", "song.wav", tinyWAV(6))
		if r.status != 200 || r.header.Get("Content-Type") != "application/zip" || r.header.Get("Link") == "" {
			t.Fatalf("%d %v %.200s", r.status, r.header, r.body)
		}
		if got := r.header.Get("x-pollen-cost"); got != c.cost {
			t.Errorf("%s: cost %s, want %s", c.variant, got, c.cost)
		}
		zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, strings.TrimSuffix(f.Name, ".mp3"))
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if _, ok := mp3Duration(b); !ok {
				t.Errorf("%s is not MP3", f.Name)
			}
		}
		if strings.Join(names, ",") != strings.Join(c.names, ",") {
			t.Errorf("stems %v, want %v", names, c.names)
		}
	}
	if r := voiceTool(t, s, path, s.Key("secret"), map[string]string{"stem_variation_id": "three"}, "file", "song.wav", tinyWAV(6)); r.status != 400 {
		t.Errorf("bad variant: %d", r.status)
	}
}

package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// mp3Seconds decodes an MP3 completely and returns its length.
func mp3Seconds(t *testing.T, data []byte) float64 {
	t.Helper()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an MP3: %v", err)
	}
	pcm, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("MP3 does not decode to the end: %v", err)
	}
	return float64(len(pcm)) / 4 / float64(d.SampleRate())
}

func TestSpeechFormats(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	short := do(t, s, "GET", "/audio/Hello%20there?voice=nova", key, nil)
	if short.status != 200 || short.header.Get("Content-Type") != "audio/mpeg" || short.header.Get("x-model-used") != "openai/tts-1" {
		t.Fatalf("%d %s %.200s", short.status, short.header.Get("Content-Type"), short.body)
	}
	shortSecs := mp3Seconds(t, short.body)
	long := do(t, s, "POST", "/v1/audio/speech", key, `{"input":"`+strings.Repeat("A longer text to read aloud. ", 20)+`","voice":"onyx"}`)
	if long.status != 200 || long.header.Get("Content-Type") != "audio/mpeg" {
		t.Fatalf("%d %.200s", long.status, long.body)
	}
	if longSecs := mp3Seconds(t, long.body); longSecs < 5*shortSecs {
		t.Fatalf("600 characters last %.1fs, 11 characters %.1fs", longSecs, shortSecs)
	}
	if got := long.header.Get("x-usage-completion-audio-tokens"); got != "580" {
		t.Errorf("usage header %q", got)
	}

	// POST speech is not cache-backed: the same body again is generated (and billed) again.
	again := do(t, s, "POST", "/v1/audio/speech", key, `{"input":"`+strings.Repeat("A longer text to read aloud. ", 20)+`","voice":"onyx"}`)
	if again.header.Get("x-cache") != "MISS" || again.header.Get("x-pollen-cost") == "0" {
		t.Errorf("POST speech cached: %s %s", again.header.Get("x-cache"), again.header.Get("x-pollen-cost"))
	}
	if hit := do(t, s, "GET", "/audio/Hello%20there?voice=nova", key, nil); hit.header.Get("x-cache") != "HIT" {
		t.Errorf("GET speech not cached: %s", hit.header.Get("x-cache"))
	}
	wav := do(t, s, "POST", "/v1/audio/speech", key, `{"input":"wave file","response_format":"wav"}`)
	b := wav.body
	if wav.header.Get("Content-Type") != "audio/wav" || len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " {
		t.Fatalf("not a WAV: %s %q", wav.header.Get("Content-Type"), b[:min(16, len(b))])
	}
	le := binary.LittleEndian
	if le.Uint16(b[20:]) != 1 || le.Uint16(b[22:]) != 1 || le.Uint32(b[24:]) != 24000 || le.Uint16(b[34:]) != 16 ||
		int(le.Uint32(b[40:])) != len(b)-44 || int(le.Uint32(b[4:])) != len(b)-8 {
		t.Fatalf("WAV header: %x", b[:44])
	}
	if !hasSignal(b[44:]) {
		t.Fatal("the WAV is silent")
	}

	pcm := do(t, s, "GET", "/audio/raw%20samples?response_format=pcm", key, nil)
	if pcm.header.Get("Content-Type") != "audio/pcm" || len(pcm.body)%2 != 0 || len(pcm.body) < 24000 || !hasSignal(pcm.body) {
		t.Fatalf("pcm: %s %d bytes", pcm.header.Get("Content-Type"), len(pcm.body))
	}
}

// hasSignal reports whether s16le samples are not all near zero.
func hasSignal(pcm []byte) bool {
	peak := 0
	for i := 0; i+1 < len(pcm); i += 2 {
		v := int(int16(binary.LittleEndian.Uint16(pcm[i:])))
		peak = max(peak, v, -v)
	}
	return peak > 1000
}

func TestSpeechValidation(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, c := range []struct {
		method, path, body string
		field              string
	}{
		{"GET", "/audio/hi?voice=darth", "", "voice"},
		{"GET", "/audio/hi?response_format=ogg", "", "response_format"},
		{"GET", "/audio/hi?response_format=opus", "", "response_format"},
		{"GET", "/audio/hi?seed=4294967296", "", "seed"},
		{"POST", "/v1/audio/speech", `{"input":""}`, "input"},
		{"POST", "/v1/audio/speech", `{"input":"` + strings.Repeat("x", 10001) + `"}`, "input"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := do(t, s, c.method, c.path, key, body)
		r.errorMessage(t)
		det, _ := r.json(t)["error"].(map[string]any)["details"].(map[string]any)
		fe, _ := det["fieldErrors"].(map[string]any)
		if r.status != 400 || fe[c.field] == nil {
			t.Errorf("%s %.60s: %d %.200s", c.path, c.body, r.status, r.body)
		}
	}
	// 10000 characters is the limit, not over it; the seed may exceed INT32 on audio.
	if r := do(t, s, "POST", "/v1/audio/speech", key, `{"input":"`+strings.Repeat("x", 10000)+`"}`); r.status != 200 {
		t.Errorf("10000 chars: %d", r.status)
	}
	if r := do(t, s, "GET", "/audio/hi?seed=4294967295&voice=shimmer&model=elevenflash", key, nil); r.status != 200 {
		t.Errorf("uint32 seed: %d %.200s", r.status, r.body)
	}
	// There is no speed field: like any unknown field, it is ignored.
	if r := do(t, s, "POST", "/v1/audio/speech", key, `{"input":"hi","speed":9}`); r.status != 200 {
		t.Errorf("speed: %d %.200s", r.status, r.body)
	}
	// The free default voice model takes only the six OpenAI voices; ElevenLabs takes its own
	// voice ids, which the simulator does not pretend to know.
	if r := do(t, s, "GET", "/audio/hi?voice=rachel&model=tts-1", key, nil); r.status != 400 {
		t.Errorf("rachel on tts-1: %d", r.status)
	}
	if r := do(t, s, "GET", "/audio/hi?voice=21m00Tcm4TlvDq8ikWAM&model=elevenlabs", key, nil); r.status != 200 {
		t.Errorf("an ElevenLabs voice id: %d %.200s", r.status, r.body)
	}
}

// TestSpeechArrivesProgressively: the first bytes come well before the last, so a player can
// start early.
func TestSpeechArrivesProgressively(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.2}) // 50 ms between 4 KiB pieces
	req, _ := http.NewRequest("POST", s.URL()+"/v1/audio/speech", strings.NewReader(`{"input":"`+strings.Repeat("stream me ", 20)+`"}`))
	req.Header.Set("Authorization", "Bearer "+s.Key("secret"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 1024)
	if _, err := io.ReadFull(res.Body, buf); err != nil {
		t.Fatal(err)
	}
	first := time.Now()
	rest, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(first); d < 150*time.Millisecond {
		t.Fatalf("%d bytes came %s after the first KiB: not progressive", len(rest), d)
	}
	if res.ContentLength != -1 {
		t.Errorf("a progressive body announced its length %d", res.ContentLength)
	}
}

// tinyWAV makes a mono 16 kHz WAV of the given seconds.
func tinyWAV(seconds float64) []byte {
	n := int(seconds * 16000)
	pcm := make([]byte, n*2)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(pcm[i*2:], uint16(int16((i%64)*300)))
	}
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+len(pcm)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)} {
		binary.Write(&b, le, v)
	}
	b.WriteString("data")
	binary.Write(&b, le, uint32(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}

func transcribe(t *testing.T, s *Server, fields map[string]string, name string, data []byte) resp {
	t.Helper()
	body, ct := multipartBody(t, fields, [][3]string{{"file", name, string(data)}})
	return do(t, s, "POST", "/v1/audio/transcriptions", s.Key("secret"), body, "Content-Type", ct)
}

func TestTranscriptionFormats(t *testing.T) {
	s := startSim(t, Options{})
	wav := tinyWAV(7.5)
	if d := audioDuration(wav); d < 7.49 || d > 7.51 {
		t.Fatalf("WAV duration %g", d)
	}
	j := transcribe(t, s, map[string]string{"model": "whisper-1"}, "note.wav", wav)
	var plain struct{ Text string }
	if j.status != 200 || json.Unmarshal(j.body, &plain) != nil || plain.Text == "" || j.header.Get("x-model-used") != "openai/whisper-large-v3" {
		t.Fatalf("json: %d %s", j.status, j.body)
	}
	// Deterministic for the same audio.
	if again := transcribe(t, s, nil, "same.wav", wav); string(again.body) != string(j.body) {
		t.Errorf("same audio, different text: %s vs %s", again.body, j.body)
	}
	txt := transcribe(t, s, map[string]string{"response_format": "text"}, "note.wav", wav)
	if txt.header.Get("Content-Type") != "text/plain; charset=utf-8" || strings.TrimSpace(string(txt.body)) != plain.Text {
		t.Errorf("text: %q vs %q", txt.body, plain.Text)
	}
	srt := string(transcribe(t, s, map[string]string{"response_format": "srt"}, "note.wav", wav).body)
	if !strings.HasPrefix(srt, "1\n00:00:00,000 --> 00:00:0") || !strings.Contains(srt, "00:00:07,500\n") {
		t.Errorf("srt: %q", srt)
	}
	vtt := string(transcribe(t, s, map[string]string{"response_format": "vtt"}, "note.wav", wav).body)
	if !strings.HasPrefix(vtt, "WEBVTT\n\n00:00:00.000 --> ") || !strings.Contains(vtt, "00:00:07.500\n") {
		t.Errorf("vtt: %q", vtt)
	}
	vj := transcribe(t, s, map[string]string{"response_format": "verbose_json", "language": "de", "timestamp_granularities[]": "word"}, "note.wav", wav)
	var verbose struct {
		Task     string  `json:"task"`
		Language string  `json:"language"`
		Duration float64 `json:"duration"`
		Text     string  `json:"text"`
		Segments []struct {
			ID    int     `json:"id"`
			Start float64 `json:"start"`
			End   float64 `json:"end"`
			Text  string  `json:"text"`
		} `json:"segments"`
		Words []struct {
			Word string `json:"word"`
		} `json:"words"`
	}
	if err := json.Unmarshal(vj.body, &verbose); err != nil || verbose.Task != "transcribe" || verbose.Language != "de" ||
		verbose.Duration != 7.5 || len(verbose.Segments) < 2 || len(verbose.Words) < 5 || verbose.Text != plain.Text {
		t.Errorf("verbose_json: %v %s", err, vj.body)
	}
	// MP3 input: its length comes from decoding it.
	if d := audioDuration(speechMP3); d < 3 || d > 6 {
		t.Errorf("fixture MP3 measures %gs", d)
	}
	mp := transcribe(t, s, map[string]string{"response_format": "verbose_json"}, "speech.mp3", speechMP3)
	if mp.status != 200 || !strings.Contains(string(mp.body), `"duration":4`) {
		t.Errorf("mp3: %d %.200s", mp.status, mp.body)
	}
	// diarized_json is a scribe format.
	if r := transcribe(t, s, map[string]string{"response_format": "diarized_json"}, "a.wav", wav); r.status != 400 || !strings.Contains(r.errorMessage(t), "accepted: json, text, srt, verbose_json, vtt") {
		t.Errorf("whisper diarized: %d %s", r.status, r.body)
	}
	if r := transcribe(t, s, map[string]string{"response_format": "diarized_json", "model": "scribe"}, "a.wav", wav); r.status != 200 || !strings.Contains(string(r.body), "transcript.text.segment") {
		t.Errorf("scribe diarized: %d %s", r.status, r.body)
	}
}

func TestTranscriptionRefusals(t *testing.T) {
	s := startSim(t, Options{})
	wav := tinyWAV(1)
	if r := transcribe(t, s, nil, "notes.txt", []byte("hello")); r.status != 400 || !strings.Contains(r.errorMessage(t), "mp3, mp4, mpeg, mpga, m4a, wav, webm") {
		t.Errorf("extension: %d %s", r.status, r.body)
	}
	if r := transcribe(t, s, map[string]string{"model": "elevenlabs"}, "a.wav", wav); r.status != 400 {
		t.Errorf("TTS model: %d", r.status)
	}
	if r := transcribe(t, s, map[string]string{"language": "english"}, "a.wav", wav); r.status != 400 {
		t.Errorf("language: %d", r.status)
	}
	if r := transcribe(t, s, map[string]string{"temperature": "1.5"}, "a.wav", wav); r.status != 400 {
		t.Errorf("temperature: %d", r.status)
	}
	body, ct := multipartBody(t, map[string]string{"model": "whisper"}, nil)
	if r := do(t, s, "POST", "/v1/audio/transcriptions", s.Key("secret"), body, "Content-Type", ct); r.status != 400 {
		t.Errorf("no file: %d", r.status)
	}
	big := make([]byte, 25<<20+1)
	if r := transcribe(t, s, nil, "big.wav", big); r.status != 413 || r.errorMessage(t) == "" {
		t.Errorf("26 MB: %d", r.status)
	}
	if r := do(t, s, "POST", "/v1/audio/transcriptions", s.Key("secret"), `{"file":"x"}`); r.status != 400 {
		t.Errorf("JSON body: %d", r.status)
	}
}

func FuzzAudioDuration(f *testing.F) {
	f.Add(tinyWAV(0.5))
	f.Add(speechMP3[:600])
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt "))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if d := audioDuration(data); d < 0 || d != d {
			t.Fatalf("duration %g", d)
		}
	})
}

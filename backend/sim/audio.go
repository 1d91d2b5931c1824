package sim

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// handleAudioGET is GET /audio/{text}: speech from the path, cached by URL.
func (s *Server) handleAudioGET(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	text, ok := pathPrompt(w, r, "/audio/")
	if !ok {
		return
	}
	q := r.URL.Query()
	if _, ok := parseSeed(w, q.Get("seed"), 4294967295); !ok {
		return
	}
	s.speech(w, r, a, text, q.Get("model"), q.Get("voice"), q.Get("response_format"),
		"GET "+r.URL.EscapedPath()+"?"+canonicalQuery(q))
}

// handleSpeechPOST is POST /v1/audio/speech (OpenAI-style JSON).
func (s *Server) handleSpeechPOST(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	var body struct {
		// No speed: the route has none, and unknown fields are ignored.
		Input          string `json:"input"`
		Model          string `json:"model"`
		Voice          string `json:"voice"`
		ResponseFormat string `json:"response_format"`
	}
	if err := json.Unmarshal(requestBody(r), &body); err != nil {
		writeError(w, 400, "Invalid JSON body", nil)
		return
	}
	if n := len([]rune(body.Input)); n == 0 || n > 10000 {
		badRequest(w, "input", "String must contain between 1 and 10000 character(s)")
		return
	}
	// Music and sound models read their own fields (music.go).
	if m := s.findModel(body.Model); m != nil && m.kind == "music" {
		s.handleMusic(w, r, a, m)
		return
	}
	// Not cache-backed (idempotency.md lists only the GET routes, chat and image generations):
	// it runs with its request, and a retry bills again.
	s.speech(w, r, a, body.Input, body.Model, body.Voice, body.ResponseFormat, "")
}

// speech renders text to audio that is sent progressively, faster than real time, as a TTS
// provider streams it.
func (s *Server) speech(w http.ResponseWriter, r *http.Request, a *account, text, modelName, voice, format, cacheKey string) {
	m := s.resolveModel(w, modelName, "audio")
	if m == nil {
		return
	}
	if voice == "" {
		voice = "alloy"
	}
	// ElevenLabs takes its own voice ids, which no list here can hold; music has no voice.
	if m.kind == "audio" && !m.anyVoice && !contains(m.Voices, voice) {
		badRequest(w, "voice", fmt.Sprintf("Unknown voice %q for %s; voices: %s", voice, m.Name, strings.Join(m.Voices, ", ")))
		return
	}
	switch format {
	case "":
		format = "mp3"
	case "mp3", "wav", "pcm":
	case "opus", "aac", "flac":
		badRequest(w, "response_format", fmt.Sprintf("%s does not support %s; use mp3, wav or pcm", m.Name, format))
		return
	default:
		badRequest(w, "response_format", "Invalid option: expected one of \"mp3\"|\"opus\"|\"aac\"|\"flac\"|\"wav\"|\"pcm\"")
		return
	}
	if moderated(text) {
		writeModerated(w)
		return
	}
	chars := float64(len([]rune(text)))
	cost := m.price * chars / 1000
	s.run(w, r, a, job{route: "audio", m: m, estimate: cost, cacheKey: cacheKey, latency: 900 * time.Millisecond,
		produce: func() (*result, error) {
			data, ct, err := s.speechAudio(text, format)
			if err != nil {
				return nil, err
			}
			h := http.Header{}
			usageHeaders(h, m, "completion-audio-tokens", chars)
			h.Set("Content-Type", ct)
			// 4 KiB pieces at ~16 KiB/s: playback can start long before the download ends.
			return &result{status: 200, header: h, chunks: chunk(data, 4096), pace: 250 * time.Millisecond, cost: cost}, nil
		}})
}

var transcribable = []string{".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".wav", ".webm"}

const maxTranscriptionBytes = 25 << 20

// handleTranscription is POST /v1/audio/transcriptions: multipart, the file read whole.
func (s *Server) handleTranscription(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, 400, "Expected multipart/form-data with a file", nil)
		return
	}
	fields := map[string]string{}
	var data []byte
	var filename string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeError(w, 400, "Malformed multipart body", nil)
			return
		}
		if p.FormName() == "file" {
			filename = p.FileName()
			data, err = io.ReadAll(io.LimitReader(p, maxTranscriptionBytes+1))
			if err != nil {
				writeError(w, 400, "Could not read the file", nil)
				return
			}
			if len(data) > maxTranscriptionBytes {
				writeError(w, 413, "File too large: the maximum is 25 MB", nil)
				return
			}
			continue
		}
		v, _ := io.ReadAll(io.LimitReader(p, 1<<16))
		if old, ok := fields[p.FormName()]; ok { // repeated fields, e.g. timestamp_granularities[]
			fields[p.FormName()] = old + "," + string(v)
		} else {
			fields[p.FormName()] = string(v)
		}
	}
	if data == nil {
		badRequest(w, "file", "Required")
		return
	}
	if ext := strings.ToLower(filepath.Ext(filename)); !contains(transcribable, ext) {
		writeError(w, 400, "Unsupported file format "+ext+". Supported formats: mp3, mp4, mpeg, mpga, m4a, wav, webm", nil)
		return
	}
	m := s.resolveModel(w, fields["model"], "transcription")
	if m == nil {
		return
	}
	format := fields["response_format"]
	if format == "" {
		format = "json"
	}
	// Support is per model; an unsupported combination lists the accepted formats.
	accepted := []string{"json", "text", "srt", "verbose_json", "vtt"}
	if m.Name == "elevenlabs/scribe-v2" {
		accepted = append(accepted, "diarized_json")
	}
	if !contains(accepted, format) {
		badRequest(w, "response_format", "Unsupported response_format "+strconv.Quote(format)+" for "+m.Name+"; accepted: "+strings.Join(accepted, ", "))
		return
	}
	speakers := 2
	if v := fields["speakers_expected"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			badRequest(w, "speakers_expected", "Number must be greater than or equal to 1")
			return
		}
		if format != "diarized_json" {
			badRequest(w, "speakers_expected", "speakers_expected is only supported with response_format \"diarized_json\"")
			return
		}
		speakers = n
	}
	if v := fields["temperature"]; v != "" {
		if t, err := strconv.ParseFloat(v, 64); err != nil || t < 0 || t > 1 {
			badRequest(w, "temperature", "Number must be between 0 and 1")
			return
		}
	}
	words := strings.Contains(fields["timestamp_granularities[]"]+","+fields["timestamp_granularities"], "word")
	lang := fields["language"]
	switch {
	case lang == "":
		lang = "en"
	case len(lang) != 2 || strings.Trim(strings.ToLower(lang), "abcdefghijklmnopqrstuvwxyz") != "":
		badRequest(w, "language", "Expected an ISO-639-1 language code such as \"en\"")
		return
	}
	dur := audioDuration(data)
	segs := transcriptSegments(data, dur)
	cost := m.price * dur
	s.run(w, r, a, job{route: "transcription", m: m, estimate: cost, latency: time.Second + time.Duration(dur*50)*time.Millisecond,
		produce: func() (*result, error) {
			h := http.Header{}
			usageHeaders(h, m, "prompt-audio-seconds", dur)
			body, ct := renderTranscript(segs, format, lang, dur, words, speakers)
			h.Set("Content-Type", ct)
			return &result{status: 200, header: h, chunks: [][]byte{body}, cost: cost}, nil
		}})
}

type segment struct {
	ID         int     `json:"id"`
	Start, End float64 `json:"-"`
	Text       string  `json:"text"`
}

// transcriptSegments makes a deterministic transcript: one sentence per ~3 s of audio.
func transcriptSegments(data []byte, dur float64) []segment {
	sentences := []string{"Hello from Pollinations Studio.", "This is the simulator speaking.",
		"Every generation lands in your library.", "Speech becomes text, and text becomes speech.",
		"The quick brown fox jumps over the lazy dog."}
	seed := int(sha(data)[0])
	n := max(1, int(dur/3+0.5))
	var out []segment
	for i := 0; i < n && i < 2000; i++ {
		start := float64(i) * dur / float64(n)
		end := float64(i+1) * dur / float64(n)
		out = append(out, segment{ID: i, Start: round3(start), End: round3(end), Text: sentences[(seed+i)%len(sentences)]})
	}
	return out
}

// round3 rounds to milliseconds.
func round3(f float64) float64 { return float64(int(f*1000+0.5)) / 1000 }

// renderTranscript writes a transcript in one of the response formats.
func renderTranscript(segs []segment, format, lang string, dur float64, withWords bool, speakers int) ([]byte, string) {
	var texts []string
	for _, s := range segs {
		texts = append(texts, s.Text)
	}
	full := strings.Join(texts, " ")
	switch format {
	case "text":
		return []byte(full + "\n"), "text/plain; charset=utf-8"
	case "srt", "vtt":
		var b strings.Builder
		if format == "vtt" {
			b.WriteString("WEBVTT\n\n")
		}
		for i, s := range segs {
			if format == "srt" {
				b.WriteString(strconv.Itoa(i+1) + "\n")
			}
			b.WriteString(stamp(s.Start, format) + " --> " + stamp(s.End, format) + "\n" + s.Text + "\n\n")
		}
		return []byte(b.String()), "text/plain; charset=utf-8"
	case "verbose_json":
		var js []map[string]any
		for _, s := range segs {
			js = append(js, map[string]any{"id": s.ID, "seek": 0, "start": s.Start, "end": s.End, "text": " " + s.Text,
				"tokens": []int{}, "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 1.3, "no_speech_prob": 0.01})
		}
		out := map[string]any{"task": "transcribe", "language": lang, "duration": round3(dur), "text": full, "segments": js}
		if withWords {
			out["words"] = wordTimings(segs)
		}
		b, _ := json.Marshal(out)
		return b, "application/json"
	case "diarized_json":
		var js []map[string]any
		for i, s := range segs {
			js = append(js, map[string]any{"type": "transcript.text.segment", "id": fmt.Sprintf("seg_%d", s.ID),
				"speaker": string(rune('A' + i%max(1, min(speakers, 26)))), "text": s.Text, "start": s.Start, "end": s.End})
		}
		b, _ := json.Marshal(map[string]any{"text": full, "duration": round3(dur), "segments": js})
		return b, "application/json"
	}
	b, _ := json.Marshal(map[string]any{"text": full})
	return b, "application/json"
}

// wordTimings spreads each segment's words evenly over its time.
func wordTimings(segs []segment) []map[string]any {
	out := []map[string]any{}
	for _, s := range segs {
		ws := strings.Fields(s.Text)
		step := (s.End - s.Start) / float64(len(ws))
		for i, w := range ws {
			out = append(out, map[string]any{"word": strings.Trim(w, ".,"), "start": round3(s.Start + float64(i)*step),
				"end": round3(s.Start + float64(i+1)*step)})
		}
	}
	return out
}

// stamp formats seconds as an SRT (00:00:01,500) or VTT (00:00:01.500) timestamp.
func stamp(sec float64, format string) string {
	ms := int(sec*1000 + 0.5)
	sep := ","
	if format == "vtt" {
		sep = "."
	}
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

// speechMP3 is a real espeak-ng recording (MP3, 32 kbit/s, 24 kHz mono, no ID3 tag or Xing
// header, so copies of it concatenate into a longer valid stream).
//
//go:embed media/speech.mp3
var speechMP3 []byte

// speechPCM returns the fixture's samples as mono 16-bit at 24 kHz, decoded once per Server.
func (s *Server) speechPCM() ([]byte, error) {
	s.pcmOnce.Do(func() {
		d, err := mp3.NewDecoder(bytes.NewReader(speechMP3))
		if err != nil {
			s.pcmErr = fmt.Errorf("decoding the speech fixture: %w", err)
			return
		}
		stereo, err := io.ReadAll(d)
		if err != nil {
			s.pcmErr = fmt.Errorf("decoding the speech fixture: %w", err)
			return
		}
		// go-mp3 always gives stereo: keep the left channel.
		pcm := make([]byte, 0, len(stereo)/2)
		for i := 0; i+3 < len(stereo); i += 4 {
			pcm = append(pcm, stereo[i], stereo[i+1])
		}
		s.pcm = pcm
	})
	return s.pcm, s.pcmErr
}

// repeatsFor is how many copies of the fixture a text of n characters needs (about 15
// characters per second of speech; the fixture is ~4 s).
func repeatsFor(n int) int { return max(1, min(40, (n+59)/60)) }

// speechAudio makes real audio for a text in the given format.
func (s *Server) speechAudio(text, format string) (data []byte, contentType string, err error) {
	reps := repeatsFor(len([]rune(text)))
	switch format {
	case "", "mp3":
		// MP3 frames concatenate: the fixture has no ID3 tag or Xing header.
		return bytes.Repeat(speechMP3, reps), "audio/mpeg", nil
	case "wav", "pcm":
		pcm, err := s.speechPCM()
		if err != nil {
			return nil, "", err
		}
		pcm = bytes.Repeat(pcm, reps)
		if format == "pcm" {
			return pcm, "audio/pcm", nil
		}
		return wavFile(pcm, 24000, 1), "audio/wav", nil
	}
	return nil, "", fmt.Errorf("unsupported format %q", format)
}

// wavFile wraps 16-bit PCM in a RIFF/WAVE header.
func wavFile(pcm []byte, rate, channels int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+len(pcm)))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, le, uint32(16))
	binary.Write(&b, le, uint16(1))
	binary.Write(&b, le, uint16(channels))
	binary.Write(&b, le, uint32(rate))
	binary.Write(&b, le, uint32(rate*channels*2))
	binary.Write(&b, le, uint16(channels*2))
	binary.Write(&b, le, uint16(16))
	b.WriteString("data")
	binary.Write(&b, le, uint32(len(pcm)))
	b.Write(pcm)
	return b.Bytes()
}

// chunk splits data into pieces of n bytes.
func chunk(data []byte, n int) [][]byte {
	var out [][]byte
	for len(data) > n {
		out = append(out, data[:n])
		data = data[n:]
	}
	return append(out, data)
}

// audioDuration estimates the length of an uploaded audio file: exact for WAV, from the bit
// rate of the first frame for MP3, and from the size otherwise.
func audioDuration(data []byte) float64 {
	if len(data) >= 44 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WAVE" {
		rate := binary.LittleEndian.Uint32(data[24:28])
		byteRate := binary.LittleEndian.Uint32(data[28:32])
		if rate > 0 && byteRate > 0 {
			return float64(len(data)-44) / float64(byteRate)
		}
	}
	if d, ok := mp3Duration(data); ok {
		return d
	}
	return float64(len(data)) / 16000 // ~128 kbit/s
}

// mp3Duration measures an MP3 by decoding it. go-mp3 panics on some corrupt frames (found by
// FuzzAudioDuration); an upload must never take the handler down, so that counts as "not MP3".
func mp3Duration(data []byte) (secs float64, ok bool) {
	defer func() {
		if recover() != nil {
			secs, ok = 0, false
		}
	}()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil || d.Length() <= 0 || d.SampleRate() <= 0 {
		return 0, false
	}
	return float64(d.Length()) / 4 / float64(d.SampleRate()), true
}

package sim

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// The voice tools: POST /v1/audio/voice-isolator, /v1/audio/voice-changer and
// /alpha/audio/stem-separation. Each takes a multipart "file" (alias "audio") of audio or
// video up to 50 MB (Options.VoiceToolMaxBytes in tests) and bills per minute of it.

const defaultVoiceToolMaxBytes = 50 << 20

// minIsolatorSeconds is the voice isolator's shortest input.
const minIsolatorSeconds = 4.6

var voiceToolExts = []string{".mp3", ".mpga", ".mpeg", ".wav", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".webm", ".mp4", ".mov"}

// stsModels are the voice changer's models (the default first).
var stsModels = []string{"elevenlabs/eleven-multilingual-sts-v2", "elevenlabs/eleven-english-sts-v2"}

// Stem names as the archive names its entries [I]: ElevenLabs' stem separation documents six
// stems (vocals, drums, bass, other, piano, guitar) and two (vocals and the rest); the entry
// names themselves were not observed.
var (
	sixStems = []string{"vocals", "drums", "bass", "other", "piano", "guitar"}
	twoStems = []string{"vocals", "accompaniment"}
)

// voiceToolModel is the model a voice tool bills under. The tools are paid-only ElevenLabs
// models; the simulator does not list them in /models [I] (the catalogue ids are inferred).
func voiceToolModel(name string, perMinute float64) *model {
	return &model{Name: name, Category: "audio", Title: name, Publisher: "ElevenLabs", PaidOnly: true,
		Pricing:         map[string]string{"currency": "pollen", "promptAudioSeconds": fmt.Sprint(perMinute / 60)},
		InputModalities: []string{"audio"}, OutputModalities: []string{"audio"},
		price: perMinute / 60, unit: "audio-second", kind: "audio"}
}

func (s *Server) voiceToolMaxBytes() int {
	if s.opts.VoiceToolMaxBytes > 0 {
		return int(s.opts.VoiceToolMaxBytes)
	}
	return defaultVoiceToolMaxBytes
}

// readVoiceUpload reads the multipart form of a voice tool, or writes the refusal.
func (s *Server) readVoiceUpload(w http.ResponseWriter, r *http.Request) (fields map[string]string, data []byte, ok bool) {
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, 400, "Expected multipart/form-data with a file", nil)
		return nil, nil, false
	}
	limit := s.voiceToolMaxBytes()
	fields = map[string]string{}
	var filename string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeError(w, 400, "Malformed multipart body", nil)
			return nil, nil, false
		}
		if name := p.FormName(); name == "file" || name == "audio" {
			filename = p.FileName()
			data, err = io.ReadAll(io.LimitReader(p, int64(limit)+1))
			if err != nil {
				writeError(w, 400, "Could not read the file", nil)
				return nil, nil, false
			}
			if len(data) > limit {
				max := fmt.Sprintf("%d MB", limit>>20)
				if limit%(1<<20) != 0 { // a test's small limit
					max = fmt.Sprintf("%d bytes", limit)
				}
				writeError(w, 413, "File too large: the maximum is "+max, nil)
				return nil, nil, false
			}
			continue
		}
		v, _ := io.ReadAll(io.LimitReader(p, 1<<16))
		fields[p.FormName()] = string(v)
	}
	if data == nil {
		badRequest(w, "file", "Required")
		return nil, nil, false
	}
	if ext := strings.ToLower(filepath.Ext(filename)); !contains(voiceToolExts, ext) || len(data) == 0 {
		writeError(w, 400, "Unsupported file format "+ext+". Upload an audio or video file.", nil)
		return nil, nil, false
	}
	return fields, data, true
}

// mp3For is real MP3 audio about secs long (the speech fixture repeated; MP3 frames
// concatenate).
func mp3For(secs float64) []byte {
	one, ok := mp3Duration(speechMP3)
	if !ok || one <= 0 {
		one = 4
	}
	return bytes.Repeat(speechMP3, max(1, min(400, int(math.Ceil(secs/one)))))
}

// handleVoiceIsolator is POST /v1/audio/voice-isolator: the voice of an audio or video file as
// MP3.
func (s *Server) handleVoiceIsolator(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	_, data, ok := s.readVoiceUpload(w, r)
	if !ok {
		return
	}
	dur := audioDuration(data)
	if dur < minIsolatorSeconds {
		badRequest(w, "file", fmt.Sprintf("Audio must be at least %.1f seconds long", minIsolatorSeconds))
		return
	}
	m := voiceToolModel("elevenlabs/voice-isolator", 0.12)
	s.voiceTool(w, r, a, m, dur, func() ([]byte, string, error) { return mp3For(dur), "audio/mpeg", nil })
}

// handleVoiceChanger is POST /v1/audio/voice-changer: the speech of a file in another voice.
func (s *Server) handleVoiceChanger(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	fields, data, ok := s.readVoiceUpload(w, r)
	if !ok {
		return
	}
	if strings.TrimSpace(fields["voice"]) == "" {
		badRequest(w, "voice", "Required")
		return
	}
	name := fields["model"]
	if name == "" {
		name = stsModels[0]
	}
	if !contains(stsModels, name) {
		badRequest(w, "model", "Invalid option: expected one of \""+strings.Join(stsModels, "\"|\"")+"\"")
		return
	}
	format := fields["response_format"]
	switch format {
	case "":
		format = "mp3"
	case "mp3", "opus", "aac", "wav", "pcm":
	default:
		badRequest(w, "response_format", "Invalid option: expected one of \"mp3\"|\"opus\"|\"aac\"|\"wav\"|\"pcm\"")
		return
	}
	dur := audioDuration(data)
	m := voiceToolModel(name, 0.12)
	s.voiceTool(w, r, a, m, dur, func() ([]byte, string, error) {
		switch format {
		case "wav", "pcm":
			pcm, err := s.speechPCM()
			if err != nil {
				return nil, "", err
			}
			// As long as the input, in the fixture's voice.
			n := int(dur*24000) * 2
			out := make([]byte, 0, n)
			for len(out) < n && len(pcm) > 0 {
				out = append(out, pcm[:min(len(pcm), n-len(out))]...)
			}
			if format == "pcm" {
				return out, "audio/pcm", nil
			}
			return wavFile(out, 24000, 1), "audio/wav", nil
		case "opus":
			// The simulator has no Opus or AAC encoder: it sends MP3 frames under the asked
			// type, which a player sniffing the bytes still plays.
			return mp3For(dur), "audio/ogg", nil
		case "aac":
			return mp3For(dur), "audio/aac", nil
		}
		return mp3For(dur), "audio/mpeg", nil
	})
}

// handleStemSeparation is POST /alpha/audio/stem-separation: a ZIP of one MP3 per stem.
func (s *Server) handleStemSeparation(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	fields, data, ok := s.readVoiceUpload(w, r)
	if !ok {
		return
	}
	names, perMinute := sixStems, 0.30
	switch fields["stem_variation_id"] {
	case "", "six_stems_v1":
	case "two_stems_v1":
		names, perMinute = twoStems, 0.15
	default:
		badRequest(w, "stem_variation_id", "Invalid option: expected one of \"two_stems_v1\"|\"six_stems_v1\"")
		return
	}
	dur := audioDuration(data)
	m := voiceToolModel("elevenlabs/stem-separation", perMinute)
	s.voiceTool(w, r, a, m, dur, func() ([]byte, string, error) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		track := mp3For(dur)
		for _, n := range names {
			f, err := zw.Create(n + ".mp3")
			if err != nil {
				return nil, "", err
			}
			if _, err := f.Write(track); err != nil {
				return nil, "", err
			}
		}
		if err := zw.Close(); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), "application/zip", nil
	})
}

// voiceTool bills and answers a checked voice tool request: per second of input, uncached (an
// upload), with the media Link header.
func (s *Server) voiceTool(w http.ResponseWriter, r *http.Request, a *account, m *model, dur float64, render func() ([]byte, string, error)) {
	cost := m.price * dur
	s.run(w, r, a, job{route: "audio", m: m, estimate: cost, latency: time.Second + time.Duration(dur*20)*time.Millisecond,
		produce: func() (*result, error) {
			data, ct, err := render()
			if err != nil {
				return nil, err
			}
			h := http.Header{}
			usageHeaders(h, m, "prompt-audio-seconds", dur)
			h.Set("Content-Type", ct)
			setMediaLink(h, data)
			return &result{status: 200, header: h, chunks: chunk(data, 64<<10), cost: cost}, nil
		}})
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SpeechRequest is text to speech.
type SpeechRequest struct {
	Text   string `json:"text"`
	Model  string `json:"model,omitempty"`
	Voice  string `json:"voice,omitempty"`
	Format string `json:"format,omitempty"` // mp3 | wav | pcm | opus | aac | flac
	Seed   *int64 `json:"seed,omitempty"`
	UseGET bool   `json:"use_get,omitempty"`
	// The speech route has no speed (the service ignores unknown fields), so none is sent.
}

// MaxSpeechChars is the longest text one speech request takes.
const MaxSpeechChars = 10000

// MediaStream is audio or video arriving; Body reports a cut download as KindIncomplete.
type MediaStream struct {
	Body io.ReadCloser
	Meta Meta
}

// Speech starts text to speech and returns as soon as the audio starts arriving, so that it can
// be played while it downloads.
func (c *Client) Speech(ctx context.Context, r SpeechRequest) (*MediaStream, error) {
	if err := checkPrompt(r.Text); err != nil {
		return nil, err
	}
	if n := len([]rune(r.Text)); n > MaxSpeechChars {
		return nil, &Error{Kind: KindBadRequest, Message: fmt.Sprintf("the text is %d characters; one request takes at most %d", n, MaxSpeechChars)}
	}
	var req request
	if r.UseGET {
		q := url.Values{}
		for k, v := range map[string]string{"model": r.Model, "voice": r.Voice, "response_format": r.Format} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if r.Seed != nil {
			q.Set("seed", strconv.FormatInt(*r.Seed, 10))
		}
		req = request{method: http.MethodGet, url: endpoint(c.base, "/audio/"+escapePrompt(r.Text), q), auth: true, headerTimeout: c.tm.text}
	} else {
		b := map[string]any{"input": r.Text}
		for k, v := range map[string]string{"model": r.Model, "voice": r.Voice, "response_format": r.Format} {
			if v != "" {
				b[k] = v
			}
		}
		if r.Seed != nil {
			b["seed"] = *r.Seed
		}
		body, _ := json.Marshal(b)
		req = request{method: http.MethodPost, url: endpoint(c.base, "/v1/audio/speech", nil), body: bytesBody(body),
			contentType: "application/json", auth: true, headerTimeout: c.tm.text}
	}
	resp, err := c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.mediaStream(resp, r.Model, "audio/")
}

// mediaStream peeks at the first bytes (for the type) and hands the rest over as a stream that
// checks it got every byte the server announced.
func (c *Client) mediaStream(resp *http.Response, model, wantPrefix string) (*MediaStream, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(resp.Body, head)
	head = head[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		resp.Body.Close()
		if e, ok := AsError(err); ok {
			return nil, e
		}
		return nil, &Error{Kind: KindIncomplete, Message: err.Error(), Err: err}
	}
	meta := c.metaFrom(resp, model, head)
	meta.HostedURL = HostedLink(resp.Header)
	if !strings.HasPrefix(meta.ContentType, wantPrefix) && meta.ContentType != "audio/pcm" {
		defer resp.Body.Close()
		if ct := meta.ContentType; ct == "application/json" || strings.HasPrefix(ct, "text/") {
			// An error dressed as a success: give the server's own words.
			rest, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			e := DecodeError(http.StatusBadGateway, resp.Header, append(head, rest...))
			e.Status = resp.StatusCode
			return nil, e
		}
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: fmt.Sprintf("the service sent %s instead of %smedia", orUnknown(meta.ContentType), wantPrefix)}
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "audio/pcm") {
		meta.ContentType = "audio/pcm"
	}
	body := &countingBody{r: io.MultiReader(strings.NewReader(string(head)), resp.Body), c: resp.Body, want: resp.ContentLength}
	return &MediaStream{Body: body, Meta: meta}, nil
}

type countingBody struct {
	r    io.Reader
	c    io.Closer
	n    int64
	want int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err == io.EOF && b.want > 0 && b.n < b.want {
		return n, &Error{Kind: KindIncomplete, Message: fmt.Sprintf("got %d of %d bytes", b.n, b.want)}
	}
	return n, err
}

func (b *countingBody) Close() error { return b.c.Close() }

// TranscribeRequest is speech to text.
type TranscribeRequest struct {
	File        string   `json:"file"`
	Model       string   `json:"model,omitempty"`
	Language    string   `json:"language,omitempty"`
	Prompt      string   `json:"prompt,omitempty"`
	Format      string   `json:"format,omitempty"` // json | text | srt | vtt | verbose_json | diarized_json
	Temperature *float64 `json:"temperature,omitempty"`
	// SpeakersExpected hints how many people speak; sent only with diarized_json.
	SpeakersExpected int `json:"speakers_expected,omitempty"`
	// IsolateFirst runs the voice isolator first and transcribes the voice alone (noisy
	// recordings, speech over music); the file may then be a video too.
	IsolateFirst bool `json:"isolate_first,omitempty"`
}

// Segment is a timed piece of a transcript.
type Segment struct {
	ID         int
	Start, End float64
	Text       string
	Speaker    string
	// SegmentID is the service's own id when it is not a number (diarized_json sends strings).
	SegmentID string `json:",omitempty"`
}

// Transcript is what transcription returned.
type Transcript struct {
	Text, Language, Format string
	Duration               float64
	Segments               []Segment
	Raw                    []byte
	Meta                   Meta
}

// TranscribableExtensions are the formats the transcription route takes.
var TranscribableExtensions = []string{".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".wav", ".webm"}

// MaxTranscriptionBytes is the largest file sent for transcription (Whisper providers cap
// uploads at about 25 MB).
const MaxTranscriptionBytes = 25 << 20

// CheckTranscribable refuses, before anything is sent, a file the route will not take.
func CheckTranscribable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return &Error{Kind: KindBadRequest, Message: "cannot read the audio file: " + err.Error(), Err: err}
	}
	if st.IsDir() {
		return &Error{Kind: KindBadRequest, Message: filepath.Base(path) + " is a folder, not an audio file"}
	}
	ext := strings.ToLower(filepath.Ext(path))
	if !containsStr(TranscribableExtensions, ext) {
		return &Error{Kind: KindBadRequest, Message: fmt.Sprintf("%s: transcription takes mp3, mp4, mpeg, mpga, m4a, wav or webm files", filepath.Base(path))}
	}
	if st.Size() == 0 {
		return &Error{Kind: KindBadRequest, Message: filepath.Base(path) + " is empty"}
	}
	if st.Size() > MaxTranscriptionBytes {
		return &Error{Kind: KindTooLarge, Message: fmt.Sprintf("%s is %.1f MB; transcription takes files up to %d MB", filepath.Base(path), float64(st.Size())/(1<<20), MaxTranscriptionBytes>>20)}
	}
	return nil
}

// Transcribe sends an audio file; the file is streamed from disk, never read whole.
func (c *Client) Transcribe(ctx context.Context, r TranscribeRequest) (*Transcript, error) {
	format, err := transcriptFormat(r)
	if err != nil {
		return nil, err
	}
	if r.IsolateFirst {
		return c.transcribeIsolated(ctx, r)
	}
	if err := CheckTranscribable(r.File); err != nil {
		return nil, err
	}
	const boundary = "pollinations-studio-audio-boundary-41d2"
	fields := [][2]string{{"model", r.Model}, {"language", r.Language}, {"prompt", r.Prompt}, {"response_format", format}}
	if r.SpeakersExpected > 0 {
		fields = append(fields, [2]string{"speakers_expected", strconv.Itoa(r.SpeakersExpected)})
	}
	if r.Temperature != nil {
		fields = append(fields, [2]string{"temperature", strconv.FormatFloat(*r.Temperature, 'f', -1, 64)})
	}
	build := fileForm(boundary, fields, "file", r.File)
	resp, err := c.send(ctx, request{method: http.MethodPost, url: endpoint(c.base, "/v1/audio/transcriptions", nil),
		body: build, contentType: "multipart/form-data; boundary=" + boundary, auth: true, attemptTimeout: c.tm.text, buffer: 32 << 20})
	if err != nil {
		return nil, err
	}
	data, err := readAll(resp, 32<<20)
	if err != nil {
		return nil, err
	}
	t := &Transcript{Format: format, Raw: data, Meta: c.metaFrom(resp, r.Model, nil)}
	if err := t.parse(data); err != nil {
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the transcript could not be read: " + err.Error(), Err: err}
	}
	return t, nil
}

// transcriptFormat is the format to ask for, or why the options do not go together.
func transcriptFormat(r TranscribeRequest) (string, error) {
	format := r.Format
	if format == "" {
		format = "json"
	}
	switch format {
	case "json", "text", "srt", "vtt", "verbose_json", "diarized_json":
	default:
		return "", &Error{Kind: KindBadRequest, Message: "unknown transcript format " + format}
	}
	if r.SpeakersExpected < 0 || (r.SpeakersExpected > 0 && format != "diarized_json") {
		return "", &Error{Kind: KindBadRequest, Message: "the number of speakers goes only with the diarized_json format, and is at least 1"}
	}
	return format, nil
}

func (t *Transcript) parse(data []byte) error {
	switch t.Format {
	case "text":
		t.Text = strings.TrimSpace(string(data))
		return nil
	case "srt", "vtt":
		segs, err := ParseSubtitles(string(data))
		if err != nil {
			return err
		}
		t.Segments = segs
		var parts []string
		for _, s := range segs {
			parts = append(parts, s.Text)
		}
		t.Text = strings.Join(parts, " ")
		if len(segs) > 0 {
			t.Duration = segs[len(segs)-1].End
		}
		return nil
	}
	var v struct {
		Text     string  `json:"text"`
		Language string  `json:"language"`
		Duration float64 `json:"duration"`
		Segments []struct {
			ID      json.RawMessage `json:"id"` // a number, or a string in diarized_json
			Start   float64         `json:"start"`
			End     float64         `json:"end"`
			Text    string          `json:"text"`
			Speaker json.RawMessage `json:"speaker"`
		} `json:"segments"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	t.Text, t.Language, t.Duration = strings.TrimSpace(v.Text), v.Language, v.Duration
	for i, s := range v.Segments {
		seg := Segment{ID: i, Start: s.Start, End: s.End, Text: strings.TrimSpace(s.Text), Speaker: jsonScalar(s.Speaker)}
		if id := jsonScalar(s.ID); id != "" {
			if n, err := strconv.Atoi(id); err == nil {
				seg.ID = n
			} else {
				seg.SegmentID = id
			}
		}
		t.Segments = append(t.Segments, seg)
		if seg.End > t.Duration && v.Duration == 0 {
			t.Duration = seg.End
		}
	}
	if t.Text == "" && len(t.Segments) > 0 {
		var parts []string
		for _, s := range t.Segments {
			parts = append(parts, s.Text)
		}
		t.Text = strings.Join(parts, " ")
	}
	return nil
}

// ParseSubtitles reads SRT or WebVTT cues.
func ParseSubtitles(s string) ([]Segment, error) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out []Segment
	for _, block := range strings.Split(s, "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		for i, l := range lines {
			if !strings.Contains(l, "-->") {
				continue
			}
			parts := strings.SplitN(l, "-->", 2)
			start, err1 := parseStamp(parts[0])
			end, err2 := parseStamp(strings.Fields(parts[1] + " ")[0])
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad cue timing %q", l)
			}
			out = append(out, Segment{ID: len(out), Start: start, End: end, Text: strings.TrimSpace(strings.Join(lines[i+1:], "\n"))})
			break
		}
	}
	return out, nil
}

func parseStamp(s string) (float64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	parts := strings.Split(s, ":")
	total := 0.0
	for _, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 {
			return 0, fmt.Errorf("bad timestamp %q", s)
		}
		total = total*60 + f
	}
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("bad timestamp %q", s)
	}
	return total, nil
}

// jsonScalar reads a string or a number as text ("" for anything else).
func jsonScalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

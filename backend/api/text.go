package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextRequest is a simple completion by GET /text/{prompt}.
type TextRequest struct {
	Prompt, Model, System string
	Seed                  *int64
	Temperature           *float64
	JSON                  bool
}

// Text answers a prompt with plain text.
func (c *Client) Text(ctx context.Context, r TextRequest) (string, Meta, error) {
	if err := checkPrompt(r.Prompt); err != nil {
		return "", Meta{}, err
	}
	if err := checkSeed(r.Seed); err != nil {
		return "", Meta{}, err
	}
	q := url.Values{}
	if r.Model != "" {
		q.Set("model", r.Model)
	}
	if r.System != "" {
		q.Set("system", r.System)
	}
	if r.Seed != nil {
		q.Set("seed", strconv.FormatInt(*r.Seed, 10))
	}
	if r.Temperature != nil {
		q.Set("temperature", strconv.FormatFloat(*r.Temperature, 'f', -1, 64))
	}
	if r.JSON {
		q.Set("json", "true")
	}
	resp, err := c.send(ctx, request{method: http.MethodGet, url: endpoint(c.base, "/text/"+escapePrompt(r.Prompt), q),
		auth: true, attemptTimeout: c.tm.text, buffer: 32 << 20})
	if err != nil {
		return "", Meta{}, err
	}
	data, err := readAll(resp, 32<<20)
	if err != nil {
		return "", Meta{}, err
	}
	meta := c.metaFrom(resp, r.Model, data)
	// GET /text has no usage body: the x-usage-* headers stand in.
	usage := usageUnknown
	for _, v := range meta.Usage {
		if usage = usageZero; v != 0 {
			usage = usageBilled
			break
		}
	}
	if e := detectNotice(string(data), resp.Header, usage, c.enter); e != nil {
		return "", meta, e
	}
	return string(data), meta, nil
}

// Part is one piece of a message: text, an image (URL or data URI) or audio.
type Part struct {
	Type        string `json:"type"`
	Text        string `json:"text,omitempty"`
	ImageURL    string `json:"image_url,omitempty"`
	AudioData   []byte `json:"audio_data,omitempty"`
	AudioFormat string `json:"audio_format,omitempty"`
}

// Message is one chat message; Parts, when set, replace Content.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content,omitempty"`
	Parts   []Part `json:"parts,omitempty"`
}

// maxAttachment bounds an image or audio file sent inline (the chat body limit is 20 MB and
// base64 adds a third).
const maxAttachment = 14 << 20

// ImagePartFromFile reads an image file into a data-URI part (vision).
func ImagePartFromFile(path string) (Part, error) {
	b, err := readAttachment(path)
	if err != nil {
		return Part{}, err
	}
	ct := SniffContentType(b, "")
	if !strings.HasPrefix(ct, "image/") {
		return Part{}, fmt.Errorf("%s is not an image", filepath.Base(path))
	}
	return Part{Type: "image_url", ImageURL: "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(b)}, nil
}

// AudioPartFromFile reads an audio file into an input_audio part.
func AudioPartFromFile(path string) (Part, error) {
	b, err := readAttachment(path)
	if err != nil {
		return Part{}, err
	}
	format := map[string]string{"audio/wav": "wav", "audio/mpeg": "mp3", "audio/flac": "flac", "audio/ogg": "opus"}[SniffContentType(b, "")]
	if format == "" {
		return Part{}, fmt.Errorf("%s is not WAV, MP3, FLAC or Opus audio", filepath.Base(path))
	}
	return Part{Type: "input_audio", AudioData: b, AudioFormat: format}, nil
}

func readAttachment(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxAttachment {
		return nil, fmt.Errorf("%s is %d MB; attachments are limited to %d MB", filepath.Base(path), st.Size()>>20, maxAttachment>>20)
	}
	return os.ReadFile(path)
}

// MarshalJSON writes the OpenAI wire shape of a message.
func (m Message) wire() map[string]any {
	if len(m.Parts) == 0 {
		return map[string]any{"role": m.Role, "content": m.Content}
	}
	var parts []any
	if m.Content != "" {
		parts = append(parts, map[string]any{"type": "text", "text": m.Content})
	}
	for _, p := range m.Parts {
		switch p.Type {
		case "text":
			parts = append(parts, map[string]any{"type": "text", "text": p.Text})
		case "image_url":
			parts = append(parts, map[string]any{"type": "image_url", "image_url": map[string]any{"url": p.ImageURL}})
		case "input_audio":
			parts = append(parts, map[string]any{"type": "input_audio", "input_audio": map[string]any{
				"data": base64.StdEncoding.EncodeToString(p.AudioData), "format": p.AudioFormat}})
		}
	}
	return map[string]any{"role": m.Role, "content": parts}
}

// ChatRequest is a chat completion.
type ChatRequest struct {
	Model           string    `json:"model,omitempty"`
	Messages        []Message `json:"messages"`
	Temperature     *float64  `json:"temperature,omitempty"`
	TopP            *float64  `json:"top_p,omitempty"`
	MaxTokens       int       `json:"max_tokens,omitempty"`
	Seed            *int64    `json:"seed,omitempty"`
	ReasoningEffort string    `json:"reasoning_effort,omitempty"`
	JSON            bool      `json:"json,omitempty"`
}

func (r ChatRequest) body(stream bool) ([]byte, error) {
	if len(r.Messages) == 0 {
		return nil, &Error{Kind: KindBadRequest, Message: "a chat needs at least one message"}
	}
	if err := checkSeed(r.Seed); err != nil {
		return nil, err
	}
	msgs := make([]any, len(r.Messages))
	for i, m := range r.Messages {
		msgs[i] = m.wire()
	}
	b := map[string]any{"messages": msgs}
	if r.Model != "" {
		b["model"] = r.Model
	}
	if r.Temperature != nil {
		b["temperature"] = *r.Temperature
	}
	if r.TopP != nil {
		b["top_p"] = *r.TopP
	}
	if r.MaxTokens > 0 {
		b["max_tokens"] = r.MaxTokens
	}
	if r.Seed != nil {
		b["seed"] = *r.Seed
	}
	if r.ReasoningEffort != "" {
		b["reasoning_effort"] = r.ReasoningEffort
	}
	if r.JSON {
		b["response_format"] = map[string]any{"type": "json_object"}
	}
	if stream {
		b["stream"] = true
		b["stream_options"] = map[string]any{"include_usage": true}
	}
	return json.Marshal(b) // map keys are sorted: the same request is the same bytes
}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	ReasoningTokens  int `json:"reasoning_tokens"`
}

type wireUsage struct {
	PromptTokens            int `json:"prompt_tokens"`
	CompletionTokens        int `json:"completion_tokens"`
	TotalTokens             int `json:"total_tokens"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func (w *wireUsage) usage() *Usage {
	if w == nil {
		return nil
	}
	return &Usage{PromptTokens: w.PromptTokens, CompletionTokens: w.CompletionTokens, TotalTokens: w.TotalTokens,
		ReasoningTokens: w.CompletionTokensDetails.ReasoningTokens}
}

// ChatResult is a whole reply.
type ChatResult struct {
	Content, Reasoning, FinishReason string
	Usage                            Usage
	Meta                             Meta
}

func bytesBody(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// Chat sends a chat completion and waits for the whole reply.
func (c *Client) Chat(ctx context.Context, r ChatRequest) (*ChatResult, error) {
	body, err := r.body(false)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, request{method: http.MethodPost, url: endpoint(c.base, "/v1/chat/completions", nil),
		body: bytesBody(body), contentType: "application/json", auth: true, attemptTimeout: c.tm.text, buffer: 64 << 20})
	if err != nil {
		return nil, err
	}
	data, err := readAll(resp, 64<<20)
	if err != nil {
		return nil, err
	}
	var out struct {
		Model   string `json:"model"`
		Choices []struct {
			FinishReason string `json:"finish_reason"`
			Message      struct {
				Content          *string `json:"content"`
				ReasoningContent string  `json:"reasoning_content"`
			} `json:"message"`
		} `json:"choices"`
		Usage *wireUsage `json:"usage"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the reply is not valid JSON", Err: err}
	}
	if len(out.Choices) == 0 {
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the reply has no choices"}
	}
	res := &ChatResult{Meta: c.metaFrom(resp, r.Model, nil)}
	res.Meta.ContentType = "text/plain"
	if out.Model != "" && resp.Header.Get("x-model-used") == "" {
		res.Meta.ModelUsed = out.Model
	}
	ch := out.Choices[0]
	if ch.Message.Content != nil {
		res.Content = *ch.Message.Content
	}
	res.Reasoning, res.FinishReason = ch.Message.ReasoningContent, ch.FinishReason
	if u := out.Usage.usage(); u != nil {
		res.Usage = *u
	}
	if e := detectNotice(res.Content, resp.Header, usageOf(out.Usage.usage()), c.enter); e != nil {
		return nil, e
	}
	return res, nil
}

// Delta is one piece of a streamed reply.
type Delta struct {
	Content, Reasoning, FinishReason string
	Usage                            *Usage
}

// ChatStream is a reply arriving as Server-Sent Events.
type ChatStream struct {
	Meta Meta

	body      io.ReadCloser
	sse       *sseReader
	result    ChatResult
	content   strings.Builder // built up here: += on a string is quadratic over a long reply
	reasoning strings.Builder
	pending   []Delta
	done      bool
	err       error
}

// ChatStream starts a streamed chat completion. Retries happen only before any byte of the
// reply has been handed over. A "notice" reply (a 402/403 dressed as an answer) is returned as
// an error before any content is given out.
func (c *Client) ChatStream(ctx context.Context, r ChatRequest) (*ChatStream, error) {
	body, err := r.body(true)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, request{method: http.MethodPost, url: endpoint(c.base, "/v1/chat/completions", nil),
		body: bytesBody(body), contentType: "application/json", auth: true, headerTimeout: c.tm.text})
	if err != nil {
		return nil, err
	}
	s := &ChatStream{body: resp.Body, sse: newSSEReader(resp.Body), Meta: c.metaFrom(resp, r.Model, nil)}
	s.Meta.ContentType = "text/event-stream"
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		// Not a stream: either an error sent with status 200, or a whole completion from a
		// server that ignored stream:true. The latter is handed over as one delta.
		return s.fromJSON(resp, c.enter)
	}
	if e := s.lookAheadForNotice(resp.Header, c.enter); e != nil {
		s.Close()
		return nil, e
	}
	return s, nil
}

// lookAheadForNotice holds back the first deltas while they could still be a "notice" (a
// 402/403 dressed as a reply, sent as a synthetic stream), so that none of its text reaches
// the caller as content. A reasoning delta or billed usage ends the wait at once (notices have
// neither). With Cache-Control no-store a notice may be in any words, so a short reply is held
// to its end (a longer one is released past maxNoticeRunes); without it only known words can
// start one, and an ordinary reply is released at its first delta that cannot.
func (s *ChatStream) lookAheadForNotice(h http.Header, enter *url.URL) *Error {
	noStore := strings.Contains(strings.ToLower(h.Get("Cache-Control")), "no-store")
	var text strings.Builder
	var usage *Usage
	for {
		d, err := s.next()
		if err != nil {
			s.err = err
			break
		}
		s.pending = append(s.pending, d)
		if d.Reasoning != "" {
			return nil
		}
		text.WriteString(d.Content)
		if d.Usage != nil {
			usage = d.Usage
			if usageOf(usage) == usageBilled {
				return nil
			}
		}
		if noStore {
			if utf8.RuneCountInString(text.String()) > maxNoticeRunes {
				return nil
			}
			continue
		}
		match := matchNoticePrefix(text.String())
		if match == noticeNo || len(s.pending) >= 256 {
			return nil
		}
		// Known words without no-store: wait for the usage figures.
		if match == noticeYes && usage != nil {
			break
		}
	}
	// A stream that ended (or was cut) before its usage chunk has unknown usage: only no-store
	// can then make it a notice.
	return detectNotice(text.String(), h, usageOf(usage), enter)
}

// fromJSON reads a JSON answer to a streaming request.
func (s *ChatStream) fromJSON(resp *http.Response, enter *url.URL) (*ChatStream, error) {
	data, err := readAll(resp, 64<<20)
	if err != nil {
		return nil, err
	}
	var out struct {
		Choices []struct {
			FinishReason string `json:"finish_reason"`
			Message      struct {
				Content          string `json:"content"`
				ReasoningContent string `json:"reasoning_content"`
			} `json:"message"`
		} `json:"choices"`
		Usage *wireUsage `json:"usage"`
	}
	if json.Unmarshal(data, &out) != nil || len(out.Choices) == 0 {
		e := DecodeError(http.StatusBadGateway, resp.Header, data)
		e.Status = resp.StatusCode
		return nil, e
	}
	ch := out.Choices[0]
	if e := detectNotice(ch.Message.Content, resp.Header, usageOf(out.Usage.usage()), enter); e != nil {
		return nil, e
	}
	d := Delta{Content: ch.Message.Content, Reasoning: ch.Message.ReasoningContent, FinishReason: ch.FinishReason, Usage: out.Usage.usage()}
	s.content.WriteString(d.Content)
	s.reasoning.WriteString(d.Reasoning)
	s.result.FinishReason = d.FinishReason
	if d.Usage != nil {
		s.result.Usage = *d.Usage
	}
	s.pending, s.done, s.err = []Delta{d}, true, io.EOF
	return s, nil
}

// Recv returns the next delta; io.EOF after [DONE]. A stream that ends without [DONE] gives a
// KindIncomplete error (the text so far stays in Result).
func (s *ChatStream) Recv() (Delta, error) {
	if len(s.pending) > 0 {
		d := s.pending[0]
		s.pending = s.pending[1:]
		return d, nil
	}
	if s.err != nil {
		return Delta{}, s.err
	}
	d, err := s.next()
	if err != nil {
		s.err = err
	}
	return d, err
}

func (s *ChatStream) next() (Delta, error) {
	for {
		if s.done {
			return Delta{}, io.EOF
		}
		data, err := s.sse.Next()
		if err != nil {
			if e, ok := AsError(err); ok {
				return Delta{}, e
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return Delta{}, &Error{Kind: KindIncomplete, Message: "the reply stopped before its end", Err: err}
			}
			return Delta{}, &Error{Kind: KindIncomplete, Message: err.Error(), Err: err}
		}
		if string(bytes.TrimSpace(data)) == "[DONE]" {
			s.done = true
			return Delta{}, io.EOF
		}
		var chunk struct {
			Model   string `json:"model"`
			Choices []struct {
				Delta struct {
					Content          string `json:"content"`
					ReasoningContent string `json:"reasoning_content"`
					Reasoning        string `json:"reasoning"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Usage *wireUsage      `json:"usage"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(data, &chunk); err != nil {
			return Delta{}, &Error{Kind: KindIncomplete, Message: "a piece of the reply could not be read", Err: err}
		}
		if len(chunk.Error) > 0 && string(chunk.Error) != "null" {
			e := DecodeError(http.StatusBadGateway, nil, data)
			return Delta{}, e
		}
		var d Delta
		for _, ch := range chunk.Choices {
			d.Content += ch.Delta.Content
			d.Reasoning += ch.Delta.ReasoningContent + ch.Delta.Reasoning
			if ch.FinishReason != nil {
				d.FinishReason = *ch.FinishReason
			}
		}
		if u := chunk.Usage.usage(); u != nil {
			d.Usage = u
			s.result.Usage = *u
		}
		if chunk.Model != "" && s.Meta.ModelUsed == "" {
			s.Meta.ModelUsed = chunk.Model
		}
		s.content.WriteString(d.Content)
		s.reasoning.WriteString(d.Reasoning)
		if d.FinishReason != "" {
			s.result.FinishReason = d.FinishReason
		}
		if d.Content == "" && d.Reasoning == "" && d.FinishReason == "" && d.Usage == nil {
			continue
		}
		return d, nil
	}
}

// Result is the reply so far (all of it after io.EOF).
func (s *ChatStream) Result() ChatResult {
	r := s.result
	r.Content, r.Reasoning = s.content.String(), s.reasoning.String()
	r.Meta = s.Meta
	return r
}

// Close stops the stream.
func (s *ChatStream) Close() error { return s.body.Close() }

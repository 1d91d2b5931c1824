package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sha is a short hex digest, for cache keys.
func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:8]) }

var wordsRE = regexp.MustCompile(`(?i)(\d+)\s+words`)

// wantWords is how long an answer the prompt asks for: "N words", else 40.
func wantWords(prompt string) int {
	if m := wordsRE.FindStringSubmatch(prompt); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return n
		}
		return 30000
	}
	return 40
}

// finishReason is "length" when max_tokens cut the answer short.
func finishReason(prompt string, maxTokens int) string {
	if maxTokens > 0 && wantWords(prompt) > maxTokens {
		return "length"
	}
	return "stop"
}

// textUsage is what a text generation consumed, in tokens.
type textUsage struct{ prompt, completion, reasoning int }

// cost prices it: completion and reasoning at the model's rate, the prompt at a quarter of it
// (as the catalogue's promptTextTokens says).
func (u textUsage) cost(m *model) float64 {
	return float64(u.completion+u.reasoning)*m.price + float64(u.prompt)*m.price/4
}

// setHeaders adds the x-usage-* billing headers.
func (u textUsage) setHeaders(h http.Header, m *model) {
	usageHeaders(h, m, "completion-text-tokens", float64(u.completion))
	h.Set("x-usage-prompt-text-tokens", strconv.Itoa(u.prompt))
	if u.reasoning > 0 {
		h.Set("x-usage-completion-reasoning-tokens", strconv.Itoa(u.reasoning))
	}
}

// promptTokens estimates tokens as four bytes each.
func promptTokens(b []byte) int { return len(b)/4 + 1 }

// replyFor writes a deterministic Markdown answer; "N words" in the prompt sets its length.
func replyFor(prompt, system string, maxTokens int) string {
	n := wantWords(prompt)
	if maxTokens > 0 && n > maxTokens {
		n = maxTokens
	}
	n = max(1, min(n, 30000))
	vocab := []string{"pollen", "drifts", "across", "the", "meadow", "while", "bees", "hum", "softly", "and",
		"light", "bends", "through", "glass", "every", "idea", "grows", "from", "a", "seed", "of", "curiosity"}
	sum := sha256.Sum256([]byte(prompt))
	var b strings.Builder
	b.WriteString("## Answer\n\nYou asked: *" + strings.TrimSpace(firstLine(prompt, 80)) + "*\n\n")
	if system = strings.TrimSpace(system); system != "" {
		// Shows that the system prompt arrived.
		b.WriteString("_Following your instructions: " + firstLine(system, 60) + "_\n\n")
	}
	for i := 0; i < n; i++ {
		w := vocab[(int(sum[i%32])+i*7)%len(vocab)]
		if i%12 == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		switch {
		case i%12 == 11:
			b.WriteString(".\n\n")
		case i == n-1:
			b.WriteString(".")
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

// firstLine is the first line of s, cut to n runes.
func firstLine(s string, n int) string {
	s = strings.SplitN(s, "\n", 2)[0]
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// tokens splits a reply into stream deltas of about one token.
func tokens(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == ' ' || r == '\n' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// handleTextGET is GET /text/{prompt}: plain text (or JSON, SSE, or audio), cached by URL.
func (s *Server) handleTextGET(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	prompt, ok := pathPrompt(w, r, "/text/")
	if !ok {
		return
	}
	q := r.URL.Query()
	m := s.resolveModel(w, q.Get("model"), "text")
	if m == nil {
		return
	}
	if v := q.Get("json"); v != "" && !contains([]string{"true", "false", "1", "0"}, v) {
		badRequest(w, "json", "Invalid boolean")
		return
	}
	if _, ok := parseSeed(w, q.Get("seed"), 2147483647); !ok {
		return
	}
	if moderated(prompt) {
		writeModerated(w)
		return
	}
	wantsJSON := q.Get("json") == "true" || q.Get("json") == "1"
	if v := q.Get("temperature"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 || f > 2 {
			badRequest(w, "temperature", "Number must be between 0 and 2")
			return
		}
	}
	maxTokens := atoiOr(q.Get("max_tokens"), 0)
	if maxTokens == 0 {
		maxTokens = atoiOr(q.Get("max_completion_tokens"), 0)
	}
	if maxTokens < 0 {
		badRequest(w, "max_tokens", "Expected a positive integer")
		return
	}
	reply := replyFor(prompt, q.Get("system"), maxTokens)
	if wantsJSON {
		b, _ := json.Marshal(map[string]any{"answer": reply})
		reply = string(b)
	}
	if voice := q.Get("voice"); voice != "" && m.spokenVoices != nil {
		// An audio-output model answers aloud: the reply (not the prompt) as audio/mpeg.
		// Audio output skips the 200 notice, like JSON output.
		if !contains(m.spokenVoices, voice) {
			badRequest(w, "voice", fmt.Sprintf("Unknown voice %q for %s; voices: %s", voice, m.Name, strings.Join(m.spokenVoices, ", ")))
			return
		}
		s.spokenReply(w, r, a, m, prompt, reply, "GET "+r.URL.EscapedPath()+"?"+canonicalQuery(q))
		return
	}
	stream := queryBool(q, "stream")
	est := m.price * 500
	if stream {
		s.runChatStream(w, r, a, m, reply, "", est, promptTokens([]byte(prompt+q.Get("system"))), finishReason(prompt, maxTokens), true, wantsJSON)
		return
	}
	s.run(w, r, a, job{route: "text", m: m, estimate: est, textRoute: true, plain: true, wantsJSON: wantsJSON,
		cacheKey: "GET " + r.URL.EscapedPath() + "?" + canonicalQuery(q),
		latency:  400*time.Millisecond + time.Duration(len(tokens(reply)))*16*time.Millisecond,
		produce: func() (*result, error) {
			h := http.Header{}
			h.Set("Content-Type", "text/plain; charset=utf-8")
			if wantsJSON {
				h.Set("Content-Type", "application/json")
			}
			u := textUsage{prompt: promptTokens([]byte(prompt + q.Get("system"))), completion: len(tokens(reply))}
			u.setHeaders(h, m)
			return &result{status: 200, header: h, chunks: [][]byte{[]byte(reply)}, cost: u.cost(m)}, nil
		}})
}

// maxChatBody is textBodyLimit of the service.
const maxChatBody = 20 << 20

// spokenReply answers a text request with the reply read aloud (MP3).
func (s *Server) spokenReply(w http.ResponseWriter, r *http.Request, a *account, m *model, prompt, reply, cacheKey string) {
	s.run(w, r, a, job{route: "text", m: m, estimate: m.price * 500, cacheKey: cacheKey, latency: 1500 * time.Millisecond,
		produce: func() (*result, error) {
			data, ct, err := s.speechAudio(reply, "mp3")
			if err != nil {
				return nil, err
			}
			h := http.Header{}
			u := textUsage{prompt: promptTokens([]byte(prompt)), completion: len(tokens(reply))}
			u.setHeaders(h, m)
			h.Set("x-usage-completion-audio-tokens", strconv.Itoa(len(data)/64))
			h.Set("Content-Type", ct)
			return &result{status: 200, header: h, chunks: chunk(data, 4096), pace: 250 * time.Millisecond, cost: u.cost(m)}, nil
		}})
}

// chatBody is the subset of the chat-completions request the simulator reads.
type chatBody struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens       int             `json:"max_tokens"`
	Seed            *int64          `json:"seed"`
	Temperature     *float64        `json:"temperature"`
	ResponseFormat  json.RawMessage `json:"response_format"`
	ReasoningEffort string          `json:"reasoning_effort"`
	Modalities      []string        `json:"modalities"`
	JSON            bool            `json:"json"`
	JSONMode        bool            `json:"jsonMode"`
}

// handleChat serves POST /v1/chat/completions, and POST /text (plain: the bare content).
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request, plain bool) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	if len(requestBody(r)) > maxChatBody {
		writeError(w, http.StatusRequestEntityTooLarge, "Request body too large: the limit is 20 MB.", nil)
		return
	}
	var body chatBody
	if err := json.Unmarshal(requestBody(r), &body); err != nil {
		writeError(w, 400, "Invalid JSON body", nil)
		return
	}
	if len(body.Messages) == 0 {
		badRequest(w, "messages", "Required")
		return
	}
	m := s.resolveModel(w, body.Model, "text")
	if m == nil {
		return
	}
	if body.Temperature != nil && (*body.Temperature < 0 || *body.Temperature > 2) {
		badRequest(w, "temperature", "Number must be between 0 and 2")
		return
	}
	if body.MaxTokens < 0 {
		badRequest(w, "max_tokens", "Expected a positive integer")
		return
	}
	if body.Seed != nil && (*body.Seed < -1 || *body.Seed > 2147483647) {
		badRequest(w, "seed", "Number must be between -1 and 2147483647")
		return
	}
	prompt, hasImage, hasAudio, err := lastUser(body)
	if err != nil {
		writeError(w, 400, err.Error(), nil)
		return
	}
	if hasImage && !contains(m.InputModalities, "image") {
		writeError(w, 400, fmt.Sprintf("Model %s does not accept image input", m.Name), nil)
		return
	}
	if hasAudio && !contains(m.InputModalities, "audio") {
		writeError(w, 400, fmt.Sprintf("Model %s does not accept audio input", m.Name), nil)
		return
	}
	if moderated(prompt) {
		writeModerated(w)
		return
	}
	var rf struct {
		Type string `json:"type"`
	}
	json.Unmarshal(body.ResponseFormat, &rf)
	wantsJSON := rf.Type == "json_object" || rf.Type == "json_schema" ||
		len(body.ResponseFormat) == 0 && (body.JSON || body.JSONMode) // the legacy alias, when no response_format
	// Audio output (asked for, or the model's own) also gets the real error, not a notice.
	noNotice := wantsJSON || contains(body.Modalities, "audio") || contains(m.OutputModalities, "audio")
	reply := replyFor(prompt, systemPrompt(body), body.MaxTokens)
	if hasImage {
		reply = "I can see the image you attached. " + reply
	}
	if hasAudio {
		reply = "I listened to the audio you attached. " + reply
	}
	if wantsJSON {
		b, _ := json.Marshal(map[string]any{"answer": reply})
		reply = string(b)
	}
	switch body.ReasoningEffort {
	case "", "none", "minimal", "low", "medium", "high", "xhigh", "max":
	default:
		badRequest(w, "reasoning_effort", "Invalid option: expected one of \"none\"|\"minimal\"|\"low\"|\"medium\"|\"high\"|\"xhigh\"|\"max\"")
		return
	}
	reasoning := ""
	if m.Reasoning && body.ReasoningEffort != "none" {
		reasoning = "Let me think about \"" + firstLine(prompt, 40) + "\" step by step. First, the key idea; then the details."
	}
	est := m.price * 500
	if body.Stream {
		s.runChatStream(w, r, a, m, reply, reasoning, est, promptTokens(requestBody(r)), finishReason(prompt, body.MaxTokens),
			body.StreamOptions != nil && body.StreamOptions.IncludeUsage, noNotice)
		return
	}
	s.run(w, r, a, job{route: "text", m: m, estimate: est, textRoute: true, plain: plain, wantsJSON: noNotice,
		cacheKey: "POST " + r.URL.Path + " " + sha(requestBody(r)),
		latency:  400*time.Millisecond + time.Duration(len(tokens(reply)))*16*time.Millisecond,
		produce: func() (*result, error) {
			u := textUsage{prompt: promptTokens(requestBody(r)), completion: len(tokens(reply)), reasoning: len(tokens(reasoning))}
			h := http.Header{}
			u.setHeaders(h, m)
			if plain {
				h.Set("Content-Type", "text/plain; charset=utf-8")
				return &result{status: 200, header: h, chunks: [][]byte{[]byte(reply)}, cost: u.cost(m)}, nil
			}
			msg := map[string]any{"role": "assistant", "content": reply}
			if reasoning != "" {
				msg["reasoning_content"] = reasoning
			}
			b, _ := json.Marshal(map[string]any{"id": "chatcmpl-" + randomID(10), "object": "chat.completion",
				"created": time.Now().Unix(), "model": m.Name,
				"choices": []any{map[string]any{"index": 0, "finish_reason": finishReason(prompt, body.MaxTokens), "message": msg}},
				"usage":   usageJSON(u.prompt, u.completion, u.reasoning)})
			h.Set("Content-Type", "application/json")
			return &result{status: 200, header: h, chunks: [][]byte{b}, cost: u.cost(m)}, nil
		}})
}

// usageJSON is the OpenAI usage object.
func usageJSON(prompt, completion, reasoning int) map[string]any {
	return map[string]any{"prompt_tokens": prompt, "completion_tokens": completion + reasoning,
		"total_tokens":              prompt + completion + reasoning,
		"completion_tokens_details": map[string]any{"reasoning_tokens": reasoning}}
}

// systemPrompt is the text of the system (or developer) messages.
func systemPrompt(b chatBody) string {
	var parts []string
	for _, m := range b.Messages {
		var s string
		if (m.Role == "system" || m.Role == "developer") && json.Unmarshal(m.Content, &s) == nil {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// lastUser returns the last user message's text and whether any message carries an image or
// audio part; malformed parts are a 400, as the schema makes them.
func lastUser(b chatBody) (text string, hasImage, hasAudio bool, err error) {
	for _, m := range b.Messages {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function":
		default:
			return "", false, false, fmt.Errorf("Invalid role %q", m.Role)
		}
		var s string
		if json.Unmarshal(m.Content, &s) == nil {
			if m.Role == "user" {
				text = s
			}
			continue
		}
		var parts []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			ImageURL *struct {
				URL string `json:"url"`
			} `json:"image_url"`
			InputAudio *struct {
				Data   string `json:"data"`
				Format string `json:"format"`
			} `json:"input_audio"`
		}
		if err := json.Unmarshal(m.Content, &parts); err != nil {
			return "", false, false, fmt.Errorf("Invalid message content")
		}
		for _, p := range parts {
			switch p.Type {
			case "text":
				if m.Role == "user" {
					text = p.Text
				}
			case "image_url":
				if p.ImageURL == nil || !(strings.HasPrefix(p.ImageURL.URL, "http") || strings.HasPrefix(p.ImageURL.URL, "data:image/")) {
					return "", false, false, fmt.Errorf("Invalid image_url part")
				}
				hasImage = true
			case "input_audio":
				if p.InputAudio == nil || p.InputAudio.Data == "" {
					return "", false, false, fmt.Errorf("Invalid input_audio part")
				}
				hasAudio = true
			default:
				return "", false, false, fmt.Errorf("Unsupported content part type %q", p.Type)
			}
		}
	}
	return text, hasImage, hasAudio, nil
}

// runChatStream answers with SSE: reasoning deltas, content deltas at a steady token rate,
// keep-alive comments now and then, the usage chunk when asked for, then [DONE].
func (s *Server) runChatStream(w http.ResponseWriter, r *http.Request, a *account, m *model, reply, reasoning string, est float64, promptToks int, finish string, includeUsage, wantsJSON bool) {
	s.run(w, r, a, job{route: "text", m: m, estimate: est, textRoute: true, wantsJSON: wantsJSON, stream: true,
		latency: 400 * time.Millisecond,
		produce: func() (*result, error) {
			id := "chatcmpl-" + randomID(10)
			created := time.Now().Unix()
			var chunks [][]byte
			add := func(delta map[string]any, finish any, usage any) {
				c := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": m.Name,
					"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
				if usage != nil {
					c["usage"] = usage
				}
				b, _ := json.Marshal(c)
				chunks = append(chunks, []byte("data: "+string(b)+"\n\n"))
			}
			add(map[string]any{"role": "assistant", "content": ""}, nil, nil)
			for _, t := range tokens(reasoning) {
				add(map[string]any{"reasoning_content": t}, nil, nil)
			}
			for i, t := range tokens(reply) {
				if i > 0 && i%50 == 0 {
					chunks = append(chunks, []byte(": keep-alive\n\n"))
				}
				add(map[string]any{"content": t}, nil, nil)
			}
			u := textUsage{prompt: promptToks, completion: len(tokens(reply)), reasoning: len(tokens(reasoning))}
			add(map[string]any{}, finish, nil)
			if includeUsage {
				b, _ := json.Marshal(map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": m.Name,
					"choices": []any{}, "usage": usageJSON(u.prompt, u.completion, u.reasoning)})
				chunks = append(chunks, []byte("data: "+string(b)+"\n\n"))
			}
			chunks = append(chunks, []byte("data: [DONE]\n\n"))
			h := http.Header{}
			h.Set("Content-Type", "text/event-stream; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			h.Set("Connection", "keep-alive")
			u.setHeaders(h, m)
			// ~60 tokens per second, like a fast model.
			return &result{status: 200, header: h, chunks: chunks, pace: 16 * time.Millisecond, cost: u.cost(m)}, nil
		}})
}

// writeNotice answers a text route's 402/403 the way the service does: as a normal
// assistant reply with status 200, all-zero usage, Cache-Control: private, no-store and no
// Content-Length, in the refusal's notice words (with its Markdown dashboard links).
func (s *Server) writeNotice(w http.ResponseWriter, j job, ref *refusal) {
	msg := ref.notice
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("x-model-used", j.m.Name)
	zero := map[string]any{"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
	id := "chatcmpl-notice-" + randomID(8)
	fl, _ := w.(http.Flusher)
	switch {
	case j.stream:
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.WriteHeader(200)
		chunk := func(v any) { b, _ := json.Marshal(v); fmt.Fprintf(w, "data: %s\n\n", b) }
		chunk(map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": j.m.Name,
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": msg}, "finish_reason": nil}}})
		chunk(map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": j.m.Name,
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}, "usage": zero})
		fmt.Fprint(w, "data: [DONE]\n\n")
	case j.plain:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(200)
		fmt.Fprint(w, msg)
	default:
		b, _ := json.Marshal(map[string]any{"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": j.m.Name,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": msg}}},
			"usage":   zero})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		w.Write(b)
	}
	if fl != nil {
		fl.Flush() // sent without a length, as the middleware strips it
	}
}

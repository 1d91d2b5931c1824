package sim

import (
	"bufio"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTextGET(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	r := do(t, s, "GET", "/text/write%2030%20words%20about%20bees", key, nil)
	if r.status != 200 || r.header.Get("Content-Type") != "text/plain; charset=utf-8" || r.header.Get("x-model-used") != "openai/gpt-5.4-nano" {
		t.Fatalf("%d %s %s", r.status, r.header.Get("Content-Type"), r.header.Get("x-model-used"))
	}
	body := string(r.body)
	if !strings.Contains(body, "write 30 words about bees") {
		t.Errorf("reply does not echo the prompt: %s", body)
	}
	words := len(strings.Fields(body[strings.Index(body, "bees*")+5:]))
	if words != 30 {
		t.Errorf("asked for 30 words, got %d", words)
	}
	long := do(t, s, "GET", "/text/write%205000%20words", key, nil)
	if n := len(strings.Fields(string(long.body))); n < 5000 {
		t.Errorf("long reply has %d words", n)
	}
	capped := do(t, s, "GET", "/text/write%205000%20words?max_tokens=10", key, nil)
	if n := len(strings.Fields(string(capped.body))); n > 20 {
		t.Errorf("max_tokens=10 gave %d words", n)
	}
	js := do(t, s, "GET", "/text/list%20three%20colours?json=true", key, nil)
	var v map[string]any
	if js.header.Get("Content-Type") != "application/json" || json.Unmarshal(js.body, &v) != nil {
		t.Errorf("json=true: %s %s", js.header.Get("Content-Type"), js.body)
	}
	// Deterministic: a new seed is a new request, but the same answer text.
	a := do(t, s, "GET", "/text/same?seed=1", key, nil)
	b := do(t, s, "GET", "/text/same?seed=2", key, nil)
	if string(a.body) != string(b.body) || b.header.Get("x-cache") != "MISS" {
		t.Errorf("determinism or cache: %s", b.header.Get("x-cache"))
	}
	sys := do(t, s, "GET", "/text/hi?system=answer%20like%20a%20pirate", key, nil)
	if !strings.Contains(string(sys.body), "_Following your instructions: answer like a pirate_") {
		t.Errorf("system prompt not honoured: %s", sys.body)
	}
	// An audio-output model with a voice answers aloud; a text model ignores the voice.
	spoken := do(t, s, "GET", "/text/say%20something?model=openai-audio&voice=nova", key, nil)
	if spoken.status != 200 || spoken.header.Get("Content-Type") != "audio/mpeg" || len(spoken.body) < 1000 {
		t.Errorf("openai-audio with a voice: %d %s", spoken.status, spoken.header.Get("Content-Type"))
	}
	if r := do(t, s, "GET", "/text/hi?voice=nova", key, nil); r.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("openai with a voice: %s", r.header.Get("Content-Type"))
	}
	for _, q := range []string{"json=maybe", "seed=-5", "model=nope", "temperature=2.5", "max_tokens=-1", "model=openai-audio&voice=darth"} {
		if r := do(t, s, "GET", "/text/x?"+q, key, nil); r.status != 400 {
			t.Errorf("%s: %d", q, r.status)
		}
	}
}

func TestChatCompletion(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	r := do(t, s, "POST", "/v1/chat/completions", key, `{"model":"deepseek","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"write 12 words"}],"max_tokens":100}`)
	var v struct {
		Object  string `json:"object"`
		Model   string `json:"model"`
		Choices []struct {
			FinishReason string `json:"finish_reason"`
			Message      struct {
				Role, Content    string
				ReasoningContent string `json:"reasoning_content"`
			} `json:"message"`
		} `json:"choices"`
		Usage struct {
			Prompt, Completion, Total int
		} `json:"-"`
		RawUsage map[string]any `json:"usage"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || r.status != 200 {
		t.Fatalf("%d %v", r.status, err)
	}
	c := v.Choices[0]
	if v.Object != "chat.completion" || v.Model != "deepseek/deepseek-v3.2" || c.FinishReason != "stop" || c.Message.Role != "assistant" ||
		!strings.Contains(c.Message.Content, "write 12 words") || c.Message.ReasoningContent == "" ||
		!strings.Contains(c.Message.Content, "_Following your instructions: be brief_") {
		t.Fatalf("%s", r.body)
	}
	if v.RawUsage["total_tokens"].(float64) <= 0 {
		t.Errorf("usage: %v", v.RawUsage)
	}
	// max_tokens cuts the answer: finish_reason "length"; the cost follows the usage headers.
	r = do(t, s, "POST", "/v1/chat/completions", key, `{"model":"openai","max_tokens":10,"messages":[{"role":"user","content":"write 50 words"}]}`)
	if !strings.Contains(string(r.body), `"finish_reason":"length"`) {
		t.Errorf("no length finish: %s", r.body)
	}
	price := s.findModel("openai").price
	comp, _ := strconv.Atoi(r.header.Get("x-usage-completion-text-tokens"))
	prom, _ := strconv.Atoi(r.header.Get("x-usage-prompt-text-tokens"))
	cost, _ := strconv.ParseFloat(r.header.Get("x-pollen-cost"), 64)
	if comp == 0 || prom == 0 || math.Abs(cost-(float64(comp)*price+float64(prom)*price/4)) > 1e-12 {
		t.Errorf("cost %g for %d+%d tokens at %g", cost, comp, prom, price)
	}
	// reasoning_effort none: no reasoning.
	r = do(t, s, "POST", "/v1/chat/completions", key, `{"model":"deepseek","reasoning_effort":"none","messages":[{"role":"user","content":"quick"}]}`)
	if strings.Contains(string(r.body), "reasoning_content") {
		t.Errorf("reasoning with effort none: %s", r.body)
	}
	// POST /text answers the bare content.
	p := do(t, s, "POST", "/text", key, `{"messages":[{"role":"user","content":"plain please"}]}`)
	if p.header.Get("Content-Type") != "text/plain; charset=utf-8" || !strings.HasPrefix(string(p.body), "## Answer") {
		t.Errorf("POST /text: %s %.80s", p.header.Get("Content-Type"), p.body)
	}
}

func TestChatValidation(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	img := `{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}`
	aud := `{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}`
	cases := []struct {
		body   string
		status int
	}{
		{`{"messages":[]}`, 400},
		{`nope`, 400},
		{`{"messages":[{"role":"robot","content":"x"}]}`, 400},
		{`{"temperature":3,"messages":[{"role":"user","content":"x"}]}`, 400},
		{`{"seed":2147483648,"messages":[{"role":"user","content":"x"}]}`, 400},
		{`{"model":"deepseek","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},` + img + `]}]}`, 400},
		{`{"model":"openai","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},` + img + `]}]}`, 200},
		{`{"model":"qwen-coder","messages":[{"role":"user","content":[` + aud + `]}]}`, 400},
		{`{"model":"openai-audio","messages":[{"role":"user","content":[` + aud + `]}]}`, 200},
		{`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x"}}]}]}`, 400},
		{`{"reasoning_effort":"extreme","messages":[{"role":"user","content":"x"}]}`, 400},
		{`{"max_tokens":-1,"messages":[{"role":"user","content":"x"}]}`, 400},
	}
	for _, tc := range cases {
		if r := do(t, s, "POST", "/v1/chat/completions", key, tc.body); r.status != tc.status {
			t.Errorf("%.90s: %d %.200s", tc.body, r.status, r.body)
		}
	}
}

// sseEvent is one event of a stream, with when it arrived.
type sseEvent struct {
	data    string // "" for a comment
	comment string
	at      time.Time
}

// readSSE reads a stream event by event, checking the framing ("data: …" or ": …" lines,
// each event ended by a blank line).
func readSSE(t *testing.T, s *Server, path, key, body string) (*http.Response, []sseEvent) {
	t.Helper()
	method := "POST"
	if body == "" {
		method = "GET"
	}
	req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out []sseEvent
	br := bufio.NewReader(res.Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if line != "" {
				t.Fatalf("stream ends inside a line: %q", line)
			}
			return res, out
		}
		blank, _ := br.ReadString('\n')
		if blank != "\n" {
			t.Fatalf("event %q not followed by a blank line but %q", line, blank)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "data: "):
			out = append(out, sseEvent{data: line[6:], at: time.Now()})
		case strings.HasPrefix(line, ": "):
			out = append(out, sseEvent{comment: line[2:], at: time.Now()})
		default:
			t.Fatalf("not an SSE line: %q", line)
		}
	}
}

type sseChunk struct {
	Object  string `json:"object"`
	Choices []struct {
		Delta struct {
			Role             string  `json:"role"`
			Content          *string `json:"content"`
			ReasoningContent *string `json:"reasoning_content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		TotalTokens int `json:"total_tokens"`
	} `json:"usage"`
}

func TestChatStream(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.05}) // 0.8 ms per token
	key := s.Key("secret")
	res, events := readSSE(t, s, "/v1/chat/completions", key,
		`{"model":"deepseek","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"write 300 words"}]}`)
	if res.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("headers %v", res.Header)
	}
	if len(events) < 300 || events[len(events)-1].data != "[DONE]" {
		t.Fatalf("%d events, last %+v", len(events), events[len(events)-1])
	}
	var content, reasoning strings.Builder
	keepAlives, usageSeen, finish := 0, false, ""
	contentStarted := false
	for i, e := range events[:len(events)-1] {
		if e.comment != "" {
			keepAlives++
			continue
		}
		var c sseChunk
		if err := json.Unmarshal([]byte(e.data), &c); err != nil || c.Object != "chat.completion.chunk" {
			t.Fatalf("event %d: %v %q", i, err, e.data)
		}
		if i == 0 && (len(c.Choices) == 0 || c.Choices[0].Delta.Role != "assistant") {
			t.Fatalf("first chunk has no assistant role: %s", e.data)
		}
		if c.Usage != nil {
			usageSeen = c.Usage.TotalTokens > 0 && len(c.Choices) == 0
			continue
		}
		d := c.Choices[0].Delta
		if d.ReasoningContent != nil {
			if contentStarted {
				t.Fatal("reasoning after content")
			}
			reasoning.WriteString(*d.ReasoningContent)
		}
		if d.Content != nil && *d.Content != "" {
			contentStarted = true
			content.WriteString(*d.Content)
		}
		if c.Choices[0].FinishReason != nil {
			finish = *c.Choices[0].FinishReason
		}
	}
	if reasoning.Len() == 0 || finish != "stop" || !usageSeen || keepAlives == 0 {
		t.Fatalf("reasoning %d, finish %q, usage %v, keep-alives %d", reasoning.Len(), finish, usageSeen, keepAlives)
	}
	if n := len(strings.Fields(content.String())); n < 300 {
		t.Fatalf("content has %d words", n)
	}
	// Tokens arrive at a steady pace, not in one burst.
	spread := events[len(events)-1].at.Sub(events[0].at)
	if spread < 200*time.Millisecond {
		t.Fatalf("300+ tokens arrived within %s", spread)
	}
	// Without include_usage there is no usage chunk.
	_, events = readSSE(t, s, "/v1/chat/completions", key, `{"stream":true,"messages":[{"role":"user","content":"write 3 words"}]}`)
	for _, e := range events {
		if strings.Contains(e.data, `"usage"`) {
			t.Fatalf("usage chunk without include_usage: %s", e.data)
		}
	}
	// GET /text?stream=true streams too.
	res, events = readSSE(t, s, "/text/hello?stream=true", key, "")
	if res.StatusCode != 200 || events[len(events)-1].data != "[DONE]" {
		t.Fatalf("GET stream: %d %d events", res.StatusCode, len(events))
	}
}

// TestNotice: on text routes a 402/403 becomes a 200 assistant reply with zero usage, unless
// JSON output was asked for.
func TestNotice(t *testing.T) {
	s := startSim(t, Options{})
	exhausted, scoped := s.Key("exhausted"), s.Key("scoped")
	const budget = "The API key used for this request has reached its budget"
	const notAllowed = "The API key used for this request isn't allowed to use google/gemini-2.5-flash"
	const credits = "The account behind this API key doesn't have enough credits. Please [top up](https://enter.pollinations.ai/top-up?ref=agent_low_balance_topup) or [complete a quest](https://enter.pollinations.ai/quests?ref=agent_low_balance_quests), then try again.\n\nIf this isn’t your Pollinations account"
	msg := `{"model":"gemini","messages":[{"role":"user","content":"hi"}]}`

	r := do(t, s, "GET", "/text/hi", exhausted, nil)
	if r.status != 200 || !strings.HasPrefix(string(r.body), budget) || r.header.Get("Cache-Control") != "private, no-store" ||
		r.header.Get("Content-Length") != "" || !strings.Contains(string(r.body), "[raise the key budget](https://enter.pollinations.ai/edit-key?id=") {
		t.Errorf("GET: %d %q %q", r.status, r.body, r.header.Get("Cache-Control"))
	}
	r = do(t, s, "POST", "/v1/chat/completions", scoped, msg)
	var v struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
		Usage map[string]float64 `json:"usage"`
	}
	if json.Unmarshal(r.body, &v); r.status != 200 || !strings.HasPrefix(v.Choices[0].Message.Content, notAllowed) ||
		v.Usage["total_tokens"] != 0 || v.Usage["prompt_tokens"] != 0 || r.header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("chat: %d %s", r.status, r.body)
	}
	// POST /text answers bare text, and so does its notice.
	if r := do(t, s, "POST", "/text", exhausted, `{"messages":[{"role":"user","content":"hi"}]}`); r.status != 200 ||
		!strings.HasPrefix(string(r.body), budget) || r.header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("POST /text notice: %d %s %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	// No key budget, no balance: the credits notice.
	s.SetBalance(s.Key("free"), 0, 0)
	r = do(t, s, "GET", "/text/hi", s.Key("free"), nil)
	if r.status != 200 || !strings.HasPrefix(string(r.body), credits) {
		t.Errorf("credits: %d %q", r.status, r.body)
	}
	// A stream gets a synthetic SSE with the same text.
	res, events := readSSE(t, s, "/v1/chat/completions", exhausted, `{"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if res.StatusCode != 200 || len(events) < 2 || events[len(events)-1].data != "[DONE]" || !strings.Contains(events[0].data, budget) {
		t.Errorf("stream notice: %d %+v", res.StatusCode, events)
	}
	// JSON output asked for: the real envelope.
	// JSON or audio output asked for: the real envelope.
	for _, c := range []struct {
		method, path, key, body string
		status                  int
		code                    string
	}{
		{"GET", "/text/hi?json=true", exhausted, "", 402, "KEY_BUDGET_EXHAUSTED"},
		{"POST", "/v1/chat/completions", exhausted, `{"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}`, 402, "KEY_BUDGET_EXHAUSTED"},
		{"POST", "/v1/chat/completions", exhausted, `{"jsonMode":true,"messages":[{"role":"user","content":"hi"}]}`, 402, "KEY_BUDGET_EXHAUSTED"},
		{"POST", "/v1/chat/completions", exhausted, `{"modalities":["text","audio"],"messages":[{"role":"user","content":"hi"}]}`, 402, "KEY_BUDGET_EXHAUSTED"},
		{"POST", "/v1/chat/completions", scoped, `{"model":"gemini","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}},"messages":[{"role":"user","content":"hi"}]}`, 403, "FORBIDDEN"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := do(t, s, c.method, c.path, c.key, body)
		r.errorMessage(t)
		if r.status != c.status || r.errorField(t, "code") != c.code || !strings.HasPrefix(r.errorField(t, "fixUrl"), "https://enter.pollinations.ai/") {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	// Every current wording, on the keys that earn it.
	quest := s.Key("quest")
	for _, c := range []struct{ name, key, model, want string }{
		{"quest-only, paid-only model", quest, "claude", "The API key used for this request only spends Quest Pollen. This model needs paid Pollen. Please [allow paid Pollen for this key](https://enter.pollinations.ai/edit-key?id="},
		{"paid-only without paid Pollen", s.Key("free"), "claude", "The account behind this API key doesn't have enough credits. This model needs paid Pollen. Please [top up](https://enter.pollinations.ai/top-up?ref=agent_low_balance_topup), then try again."},
	} {
		r := do(t, s, "GET", "/text/hi?model="+c.model, c.key, nil)
		if r.status != 200 || !strings.HasPrefix(string(r.body), c.want) || !strings.HasSuffix(string(r.body), "contact whoever runs the app or service you’re using.") {
			t.Errorf("%s: %d %q", c.name, r.status, r.body)
		}
	}
	// Audio output gets the real error, not a notice.
	if r := do(t, s, "GET", "/text/hi?model=openai-audio&voice=echo", exhausted, nil); r.status != 402 || r.errorField(t, "code") != "KEY_BUDGET_EXHAUSTED" {
		t.Errorf("spoken reply: %d %s", r.status, r.body)
	}
	s.SetBalance(quest, 0, 25)
	if r := do(t, s, "GET", "/text/hi", quest, nil); !strings.HasPrefix(string(r.body), "The API key used for this request only spends Quest Pollen, and there isn't enough left. Please [complete a quest](https://enter.pollinations.ai/quests?ref=agent_quest_pollen_only_quests) or [allow paid Pollen for this key](") {
		t.Errorf("quest-only, none left: %q", r.body)
	}
	// The scoped key may use its own model.
	if r := do(t, s, "GET", "/text/hi?model=openai", scoped, nil); r.status != 200 || r.header.Get("Cache-Control") == "private, no-store" {
		t.Errorf("scoped on openai: %d %s", r.status, r.header.Get("Cache-Control"))
	}
}

func TestTokensSplitWithoutLoss(t *testing.T) {
	for _, s := range []string{"", "one", "two words", "line\nbreak  double", "trailing "} {
		if got := strings.Join(tokens(s), ""); got != s {
			t.Errorf("%q → %q", s, got)
		}
	}
}

// TestStreamStopsWhenTheClientLeaves: a paced stream whose reader hangs up frees its handler
// at once instead of pacing out the rest of the reply.
func TestStreamStopsWhenTheClientLeaves(t *testing.T) {
	s := startSim(t, Options{TimeScale: 1}) // 1000 tokens would take 16 s
	req, _ := http.NewRequest("POST", s.URL()+"/v1/chat/completions",
		strings.NewReader(`{"stream":true,"messages":[{"role":"user","content":"write 1000 words"}]}`))
	req.Header.Set("Authorization", "Bearer "+s.Key("secret"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(res.Body)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("%q %v", line, err)
	}
	res.Body.Close()
	start := time.Now()
	waitFor(t, "the handler to return", func() bool { return len(s.Requests()) == 1 })
	if d := time.Since(start); d > time.Second {
		t.Fatalf("handler ran %s after the client left", d)
	}
}

// FuzzChatBody: no request body makes the chat route panic or answer an unknown status.
func FuzzChatBody(f *testing.F) {
	for _, b := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"write 3 words"}]}`,
		`{"model":"deepseek","messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"https://a"}}]}]}`,
		`{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"","format":"wav"}}]}]}`,
		`{"messages":[{"role":"user","content":null}]}`, `{"messages":{}}`, `[]`, `null`, ``,
		`{"response_format":{"type":"json_schema"},"max_tokens":-3,"messages":[{"role":"system","content":"x"},{"role":"user","content":"y"}]}`,
	} {
		f.Add(b)
	}
	s := New(Options{TimeScale: 0.00001})
	key := s.Key("secret")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 402, 422:
		default:
			t.Fatalf("%q: status %d", body, w.Code)
		}
	})
}

// TestContentBlocked: the trigger word trips the safety filter on every generation route:
// 400 code content_blocked, before any generation.
func TestContentBlocked(t *testing.T) {
	s := startSim(t, Options{})
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/text/unsafe-content", ""},
		{"GET", "/image/an%20unsafe-content%20picture", ""},
		{"POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"unsafe-content"}]}`},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := do(t, s, c.method, c.path, s.Key("secret"), body)
		if r.status != 400 || r.errorField(t, "code") != "content_blocked" || !strings.Contains(r.errorMessage(t), "safety filter") {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if len(s.usageOf(s.Key("secret"))) != 0 {
		t.Fatal("a blocked prompt was billed")
	}
}

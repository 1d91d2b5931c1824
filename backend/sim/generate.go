package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// result is a finished generation: what to send, and how fast (streams are paced).
type result struct {
	status int
	header http.Header
	chunks [][]byte
	// pace is the delay between chunks the first time the result is sent (a stream being
	// generated); a cached replay is sent at once.
	pace time.Duration
	cost float64
}

func (res *result) size() int {
	n := 0
	for _, c := range res.chunks {
		n += len(c)
	}
	return n
}

type flight struct {
	done chan struct{}
	res  *result
}

// job describes one generation request after its parameters were validated.
type job struct {
	route     string // image | video | text | audio | transcription
	m         *model
	estimate  float64
	cacheKey  string // "" = not cached (POST streams, uploads)
	textRoute bool   // 402/403 become 200 "notice" replies …
	wantsJSON bool   // … unless JSON output was asked for
	stream    bool   // the notice must be an SSE stream
	latency   time.Duration
	// produce makes the result once the latency has passed. It must not block on the request.
	produce func() (*result, error)
}

// run takes a validated job through the gateway's checks, the cache, the account's concurrency
// limit, the (scaled) generation time and billing, then writes the result.
func (s *Server) run(w http.ResponseWriter, r *http.Request, a *account, j job) {
	s.mu.Lock()
	ref := a.checkSpend(j.m, j.estimate)
	s.mu.Unlock()
	if ref != nil {
		if j.textRoute && !j.wantsJSON {
			s.writeNotice(w, j, ref)
			return
		}
		writeError(w, ref.status, ref.msg, map[string]any{"name": "PaymentRequiredError", "reason": ref.reason, "model": ref.model})
		return
	}
	now := time.Now()
	s.mu.Lock()
	wait := a.publishableWait(now)
	s.mu.Unlock()
	if wait > 0 {
		secs := math.Round(wait.Seconds()*10) / 10
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeJSON(w, 429, map[string]any{"error": "Rate limit exceeded",
			"message":           fmt.Sprintf("Rate limit exceeded. Retry after %.1fs. Use secret keys (sk_*) for unlimited requests.", secs),
			"retryAfterSeconds": secs})
		return
	}

	noCache := r.URL.Query().Get("no-cache") == "true"
	key := ""
	if j.cacheKey != "" {
		key = a.key + " " + j.cacheKey
	}
	s.mu.Lock()
	if key != "" && !noCache {
		if res := s.cache[key]; res != nil {
			s.mu.Unlock()
			s.write(w, res, false, true)
			return
		}
		if f := s.inflight[key]; f != nil {
			// The identical request is being generated: join it, and do not bill twice.
			s.mu.Unlock()
			select {
			case <-f.done:
				if f.res != nil {
					s.write(w, f.res, false, true)
				}
			case <-r.Context().Done():
			}
			return
		}
	}
	wl := a.wallet
	limit := 1000
	if wl.paid <= 0 {
		limit = 1 // a free account: one generation at a time across all its keys
	}
	if wl.inflight >= limit {
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 429, map[string]any{"error": "concurrency_limit_exceeded",
			"message": "Another generation is still running on this account. Add credits for concurrent requests, or retry when it finishes."})
		return
	}
	wl.inflight++
	if wl.inflight > wl.peak {
		wl.peak = wl.inflight
	}
	f := &flight{done: make(chan struct{})}
	if key != "" {
		s.inflight[key] = f
	}
	s.mu.Unlock()

	release := func(res *result) {
		s.mu.Lock()
		wl.inflight--
		if res != nil && res.status == 200 {
			src := a.charge(j.m, res.cost)
			s.usage = append(s.usage, usageRecord{At: time.Now(), Type: "generate." + j.route, Model: j.m.Name,
				KeyType: a.kind, Key: a.key, Source: src, Cost: res.cost, Millis: time.Since(now).Milliseconds()})
			if key != "" {
				s.cache[key] = res
			}
		}
		if key != "" {
			delete(s.inflight, key)
		}
		f.res = res
		close(f.done)
		s.mu.Unlock()
	}

	if key != "" {
		// A cached route: the generation goes on if the client goes away, so that the identical
		// retry joins it (docs: idempotency.md).
		go func() {
			if sleep(s.ctx, s.scaled(j.latency)) != nil {
				release(nil)
				return
			}
			res, err := j.produce()
			if err != nil {
				res = internalError(err)
			}
			release(res)
		}()
		select {
		case <-f.done:
			if f.res != nil {
				s.write(w, f.res, true, false)
			}
		case <-r.Context().Done():
		}
		return
	}
	// An uncached stream runs with its request.
	var res *result
	defer func() { release(res) }()
	if sleep(r.Context(), s.scaled(j.latency)) != nil {
		return
	}
	res, err := j.produce()
	if err != nil {
		res = internalError(err)
	}
	s.write(w, res, true, false)
}

func internalError(err error) *result {
	b, _ := json.Marshal(map[string]any{"status": 500, "success": false, "error": map[string]any{
		"code": "INTERNAL_ERROR", "message": "Oh snap, something went wrong on our end. We're on it!", "details": map[string]any{"name": err.Error()}}})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &result{status: 500, header: h, chunks: [][]byte{b}}
}

// write sends a result; fresh results are paced like the generation they stand for.
func (s *Server) write(w http.ResponseWriter, res *result, fresh, hit bool) {
	for k, v := range res.header {
		w.Header()[k] = v
	}
	if res.status == 200 {
		cost := res.cost
		if hit {
			cost = 0 // a cache hit or a joined generation is not billed again
			w.Header().Set("x-cache", "HIT")
		} else {
			w.Header().Set("x-cache", "MISS")
		}
		w.Header().Set("x-pollen-cost", strconv.FormatFloat(cost, 'f', -1, 64))
		w.Header().Set("x-pollen-currency", "pollen")
	}
	paced := fresh && res.pace > 0 && len(res.chunks) > 1
	if !paced {
		w.Header().Set("Content-Length", strconv.Itoa(res.size()))
	}
	w.WriteHeader(res.status)
	fl, _ := w.(http.Flusher)
	for i, c := range res.chunks {
		if paced && i > 0 {
			time.Sleep(s.scaled(res.pace))
		}
		if _, err := w.Write(c); err != nil {
			return
		}
		if paced && fl != nil {
			fl.Flush()
		}
	}
}

// writeNotice answers a text route's 402/403 the way text-balance-notice.ts does: as a normal
// assistant reply with status 200, zero usage and Cache-Control: private, no-store.
func (s *Server) writeNotice(w http.ResponseWriter, j job, ref *refusal) {
	var msg string
	switch ref.reason {
	case "MODEL_NOT_ALLOWED":
		msg = fmt.Sprintf("The API key used for this request isn't allowed to use %s. You can change the key's allowed models at https://enter.pollinations.ai/keys", ref.model)
	case "KEY_BUDGET_EXHAUSTED":
		msg = "The API key used for this request has reached its budget. Please top up or raise the key's budget at https://enter.pollinations.ai"
	default:
		msg = "The account behind this API key doesn't have enough credits. Please [top up](https://enter.pollinations.ai) to keep using " + ref.model + "."
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("x-model-used", j.m.Name)
	zero := map[string]any{"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
	id := "chatcmpl-notice-" + randomID(8)
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
	case j.route == "text" && !strings.HasPrefix(j.cacheKey, "POST"):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(200)
		fmt.Fprint(w, msg)
	default:
		writeJSON(w, 200, map[string]any{"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": j.m.Name,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": msg}}},
			"usage":   zero})
	}
}

// moderated reports whether the simulated moderation rejects the prompt.
func moderated(prompt string) bool {
	return strings.Contains(strings.ToLower(prompt), "forbidden-content")
}

func writeModerated(w http.ResponseWriter) {
	writeError(w, 422, "Your request was rejected by content moderation. The prompt, input, or generated content was flagged as disallowed — adjust your input and try again. (Reason: simulated policy)",
		map[string]any{"name": "ContentModerationError", "errorCode": "content_policy_violation"})
}

// queryBool is the backend's re-parse: only the exact string "true" is true.
func queryBool(q map[string][]string, k string) bool {
	v := q[k]
	return len(v) > 0 && v[0] == "true"
}

// pathPrompt decodes the prompt segment once, as the gateway does.
func pathPrompt(w http.ResponseWriter, r *http.Request, prefix string) (string, bool) {
	raw := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	p, err := urlPathUnescape(raw)
	if err != nil {
		badRequest(w, "prompt", "Invalid URL encoding in the prompt")
		return "", false
	}
	if strings.TrimSpace(p) == "" {
		badRequest(w, "prompt", "Prompt is required")
		return "", false
	}
	return p, true
}

// parseSeed validates a seed within INT32 (−1 = random).
func parseSeed(w http.ResponseWriter, v string, max int64) (int64, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < -1 || n > max {
		badRequest(w, "seed", fmt.Sprintf("Number must be between -1 and %d", max))
		return 0, false
	}
	return n, true
}

func usageHeaders(h http.Header, m *model, kind string, amount float64) {
	h.Set("x-model-used", m.Name)
	h.Set("x-usage-"+kind, strconv.FormatFloat(amount, 'f', -1, 64))
}

package sim

import (
	"bytes"
	"context"
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

// size is the body length in bytes.
func (res *result) size() int {
	n := 0
	for _, c := range res.chunks {
		n += len(c)
	}
	return n
}

// flight is a generation in progress that identical requests can join.
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
	plain     bool   // the route answers bare text (GET /text, POST /text), and so does its notice
	latency   time.Duration
	// produce makes the result once the latency has passed. It must not block on the request.
	produce func() (*result, error)
}

// run takes a validated job through the gateway's checks, the cache, the account's concurrency
// limit, the (scaled) generation time and billing, then writes the result.
func (s *Server) run(w http.ResponseWriter, r *http.Request, a *account, j job) {
	s.mu.Lock()
	ref := s.admit(a, j.m, j.estimate, time.Now())
	s.mu.Unlock()
	if ref != nil {
		s.refuse(w, j, ref)
		return
	}
	now := time.Now()
	hour := s.scaled(time.Hour)
	s.mu.Lock()
	wait := a.publishableWait(now, hour)
	s.mu.Unlock()
	if wait > 0 {
		writePublishableLimit(w, wait)
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
			s.write(r.Context(), w, res, false, true)
			return
		}
		if f := s.inflight[key]; f != nil {
			// The identical request is being generated: join it, and do not bill twice.
			s.mu.Unlock()
			select {
			case <-f.done:
				s.writeFlight(r.Context(), w, f, false, true)
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
		writeConcurrencyLimit(w)
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
			end := time.Now()
			src := a.charge(j.m, res.cost, end)
			a.spendBucket(res.cost, end, hour)
			s.usage = append(s.usage, usageRecord{At: time.Now(), Type: "generate." + j.route, Model: j.m.Name,
				KeyType: a.kind, Key: a.key, Source: src, Cost: res.cost, Millis: end.Sub(now).Milliseconds(), Units: res.header})
			if key != "" {
				s.remember(key, res)
			}
		}
		if key != "" && s.inflight[key] == f { // a no-cache=true run may have taken the slot
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
			s.writeFlight(r.Context(), w, f, true, false)
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
	s.write(r.Context(), w, res, true, false)
}

// internalError is the result of a generation that failed inside the simulator.
func internalError(err error) *result {
	b := envelope(http.StatusInternalServerError, "Oh snap, something went wrong on our end. We're on it!", map[string]any{"name": err.Error()})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &result{status: http.StatusInternalServerError, header: h, chunks: [][]byte{b}}
}

// writeFlight sends a finished flight's result; a flight abandoned because the server is
// closing has none, and gets a 503 rather than an empty 200.
func (s *Server) writeFlight(ctx context.Context, w http.ResponseWriter, f *flight, fresh, hit bool) {
	if f.res == nil {
		writeError(w, http.StatusServiceUnavailable, "The generation was interrupted. Please try again shortly.", nil)
		return
	}
	s.write(ctx, w, f.res, fresh, hit)
}

// maxCacheBytes bounds the result cache of a long-running simulator (the oldest go first).
const maxCacheBytes = 256 << 20

// remember caches a result. Caller holds s.mu.
func (s *Server) remember(key string, res *result) {
	if old := s.cache[key]; old != nil {
		s.cacheBytes -= old.size()
	} else {
		s.cacheOrder = append(s.cacheOrder, key)
	}
	s.cache[key] = res
	s.cacheBytes += res.size()
	for s.cacheBytes > maxCacheBytes && len(s.cacheOrder) > 1 {
		oldest := s.cacheOrder[0]
		s.cacheOrder = s.cacheOrder[1:]
		if r := s.cache[oldest]; r != nil {
			s.cacheBytes -= r.size()
			delete(s.cache, oldest)
		}
	}
}

// write sends a result; fresh results are paced like the generation they stand for, until the
// client goes away.
func (s *Server) write(ctx context.Context, w http.ResponseWriter, res *result, fresh, hit bool) {
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
		// [inferred] x-pollen-cost/x-pollen-currency appear in one source version only, not
		// confirmed on the live service; the x-usage-* headers are the confirmed billing data.
		w.Header().Set("x-pollen-cost", strconv.FormatFloat(cost, 'f', -1, 64))
		if ct := res.header.Get("Content-Type"); res.header.Get("Link") == "" &&
			(strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "audio/") || strings.HasPrefix(ct, "video/")) {
			// Every media response names its stored copy.
			setMediaLink(w.Header(), bytes.Join(res.chunks, nil))
		}
		w.Header().Set("x-pollen-currency", "pollen")
	}
	paced := fresh && res.pace > 0 && len(res.chunks) > 1
	if !paced {
		w.Header().Set("Content-Length", strconv.Itoa(res.size()))
	}
	w.WriteHeader(res.status)
	fl, _ := w.(http.Flusher)
	for i, c := range res.chunks {
		if paced && i > 0 && sleep(ctx, s.scaled(res.pace)) != nil {
			return
		}
		if _, err := w.Write(c); err != nil {
			return
		}
		if paced && fl != nil {
			fl.Flush()
		}
	}
}

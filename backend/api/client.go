// Package api is a typed client for the Pollinations API (gen.pollinations.ai) and its
// device-code sign-in (enter.pollinations.ai), quirks included: the key only ever travels in
// the Authorization header, errors are typed values decoded from every body shape the service
// sends, and retries re-send the byte-identical request so the service joins the generation in
// flight instead of billing it twice.
package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pollinations-studio/backend/textutil"
)

// Default hosts.
const (
	DefaultBaseURL  = "https://gen.pollinations.ai"
	DefaultEnterURL = "https://enter.pollinations.ai"
)

// timeouts are the per-attempt time limits (docs §10; video takes minutes) and the device
// flow's slow_down step. They are fields, not constants, so that tests can shrink them.
type timeouts struct {
	image, text, video, meta time.Duration
	// videoTotal bounds a whole Video call (every attempt and the download) when the caller's
	// context has no deadline of its own.
	videoTotal time.Duration
	slowDown   time.Duration
}

var defaultTimeouts = timeouts{image: 3 * time.Minute, text: 2 * time.Minute, video: 10 * time.Minute,
	meta: 30 * time.Second, videoTotal: 10 * time.Minute, slowDown: 5 * time.Second}

// Options configure a Client.
type Options struct {
	BaseURL, EnterURL string
	Key               string
	HTTPClient        *http.Client
	UserAgent         string
	// MaxRetries is how many times a retryable failure is retried (default 3; negative: never).
	MaxRetries int
	// MaxRetryWait caps one wait, from Retry-After or backoff (default 30 s).
	MaxRetryWait time.Duration
	// Logger receives one debug line per attempt; every line is redacted.
	Logger *slog.Logger
	// TextIdle, SpeechIdle and VideoIdle end a streamed answer that sends no byte for that
	// long (defaults 60 s, 60 s and 5 min). They are distinct from the limits on the whole
	// call, and the error says which one ran out ("no data for 60s" against "took longer
	// than 10m").
	TextIdle, SpeechIdle, VideoIdle time.Duration
	// MediaURL is the media storage host uploads go to, and the only other host the key is
	// sent to (default DefaultMediaURL).
	MediaURL string
}

// Default idle limits: a text or speech stream that is alive sends something (a keep-alive
// comment at least) every few seconds; a video is sent once it is made, then quickly.
const (
	DefaultTextIdle   = 60 * time.Second
	DefaultSpeechIdle = 60 * time.Second
	DefaultVideoIdle  = 5 * time.Minute
)

// Client talks to the API. It is safe for concurrent use.
type Client struct {
	opts        Options
	base, enter *url.URL
	hc          *http.Client
	rawHC       *http.Client // as given (or made) before keyOnItsOrigin, for copies
	key         string
	log         *slog.Logger

	tm timeouts

	mu      sync.Mutex
	pricing map[string]Pricing // model → pricing, learned from the catalogue, for costs
}

// New returns a client. A key, when given, is checked first (a masked or malformed key is
// refused before any request).
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.EnterURL == "" {
		opts.EnterURL = DefaultEnterURL
	}
	base, err := parseBase(opts.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("API base URL: %w", err)
	}
	enter, err := parseBase(opts.EnterURL)
	if err != nil {
		return nil, fmt.Errorf("sign-in URL: %w", err)
	}
	key := strings.TrimSpace(opts.Key)
	if key != "" {
		if err := ValidateKey(key); err != nil {
			return nil, err
		}
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 3
	}
	if opts.MaxRetryWait <= 0 {
		opts.MaxRetryWait = 30 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "pollinations-studio/0.1"
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&opts.TextIdle, DefaultTextIdle}, {&opts.SpeechIdle, DefaultSpeechIdle}, {&opts.VideoIdle, DefaultVideoIdle}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	hc := opts.HTTPClient
	if hc == nil {
		// No global timeout: every call has its own (a video takes minutes, a stream longer).
		hc = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   15 * time.Second,
			ExpectContinueTimeout: time.Second,
		}}
	}
	rawHC := hc
	hc = keyOnItsOrigin(hc)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = newRedactLogger(log, key)
	return &Client{opts: opts, base: base, enter: enter, hc: hc, rawHC: rawHC, key: key, log: log, tm: defaultTimeouts, pricing: map[string]Pricing{}}, nil
}

func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(s), "/"))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", s)
	}
	if u.User != nil || u.RawQuery != "" {
		return nil, fmt.Errorf("%q must not carry credentials or a query", Redact(s))
	}
	return u, nil
}

// WithKey returns a copy of the client using another key.
func (c *Client) WithKey(key string) (*Client, error) {
	o := c.opts
	o.Key = key
	o.HTTPClient = c.rawHC
	n, err := New(o)
	if err != nil {
		return nil, err
	}
	n.tm = c.tm
	c.mu.Lock()
	for m, p := range c.pricing {
		n.pricing[m] = p // prices are public: what one key learnt serves the other
	}
	c.mu.Unlock()
	return n, nil
}

// WithBaseURL returns a copy of the client talking to another API address, with the same key.
func (c *Client) WithBaseURL(base string) (*Client, error) {
	o := c.opts
	o.BaseURL = base
	o.Key = c.key
	o.HTTPClient = c.rawHC
	n, err := New(o)
	if err != nil {
		return nil, err
	}
	n.tm = c.tm
	return n, nil
}

// HasKey reports whether the client has a key.
func (c *Client) HasKey() bool { return c.key != "" }

// BaseURL is the API base in use.
func (c *Client) BaseURL() string { return c.base.String() }

// endpoint builds a URL under base from already-escaped path segments.
func endpoint(base *url.URL, rawPath string, q url.Values) string {
	u := *base
	decoded, err := url.PathUnescape(rawPath)
	if err != nil {
		decoded = rawPath
	}
	u.Path = strings.TrimRight(base.Path, "/") + decoded
	u.RawPath = strings.TrimRight(base.EscapedPath(), "/") + rawPath
	if len(q) > 0 {
		u.RawQuery = encodeQuery(q)
	}
	return u.String()
}

// encodeQuery is url.Values.Encode (sorted keys: byte-identical retries) with the image list
// kept readable.
func encodeQuery(q url.Values) string { return q.Encode() }

// request is one logical call, which may be sent several times.
type request struct {
	method, url string
	// body makes a fresh body for each attempt (nil for none).
	body        func() (io.ReadCloser, error)
	contentType string
	auth        bool
	// attemptTimeout bounds one attempt (0: none; the caller's context still applies).
	attemptTimeout time.Duration
	// headerTimeout bounds the wait for the response headers only, for answers that are
	// handed over as streams (chat, speech) and so cannot have a limit on the whole body.
	headerTimeout time.Duration
	// buffer, when > 0, reads the whole 2xx body (up to that many bytes) inside the attempt,
	// so that a body cut short is retried like a failed request: nothing has reached the
	// caller yet. Streams leave it 0.
	buffer int64
	// noRetry disables retries (a streamed upload whose body cannot be made twice).
	noRetry bool
	// idle ends a streamed (unbuffered) body that sends nothing for that long; send fills it
	// from the Options by route when it is 0.
	idle time.Duration
}

// idleFor is the idle limit of a streamed answer, by route: the routes that stream are chat,
// speech and video.
func (c *Client) idleFor(rawURL string) time.Duration {
	u, err := url.Parse(rawURL)
	if err != nil {
		return c.opts.TextIdle
	}
	p := strings.TrimPrefix(u.Path, strings.TrimRight(c.base.Path, "/"))
	switch {
	case strings.HasPrefix(p, "/video/"):
		return c.opts.VideoIdle
	case strings.HasPrefix(p, "/audio/"), strings.HasPrefix(p, "/v1/audio/speech"):
		return c.opts.SpeechIdle
	}
	return c.opts.TextIdle
}

// send runs a request with the retry rules and returns a 2xx response whose body the caller
// must close. Every failure is an *Error.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	if r.auth && c.key == "" {
		return nil, &Error{Kind: KindUnauthorized, Message: ErrNoKey.Error(), Err: ErrNoKey}
	}
	if r.idle == 0 && r.buffer == 0 {
		r.idle = c.idleFor(r.url)
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(ctx, r)
		if err == nil {
			return resp, nil
		}
		e, _ := AsError(err)
		// Network failures (refused, unreachable) are reported at once: the user's connection
		// is down more often than a retry helps. A buffered body cut short is retried.
		retryable := e != nil && (e.Retryable() && e.Kind != KindNetwork || e.Kind == KindIncomplete && r.buffer > 0)
		if !retryable || r.noRetry || attempt >= c.opts.MaxRetries || c.opts.MaxRetries < 0 {
			return nil, err
		}
		wait := c.backoff(attempt)
		if e.Kind == KindRateLimited {
			if e.RetryAfter <= 0 {
				e.RetryAfter = wait
			}
			if e.RetryAfter > c.opts.MaxRetryWait {
				return nil, err // longer than we may wait: the caller decides (shows a countdown)
			}
			wait = e.RetryAfter
		}
		c.log.Debug("retrying", "attempt", attempt+1, "after", wait, "reason", Redact(e.Error()))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctxError(ctx, ctx.Err())
		}
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	d := 500 * time.Millisecond << attempt
	d = d/2 + time.Duration(rand.Int64N(int64(d)))
	return min(d, c.opts.MaxRetryWait)
}

func (c *Client) attempt(ctx context.Context, r request) (*http.Response, error) {
	actx, cancel := context.WithCancel(ctx)
	if r.attemptTimeout > 0 {
		actx, cancel = context.WithTimeout(ctx, r.attemptTimeout)
	}
	var headerTimer *time.Timer
	var headerExpired atomic.Bool
	if r.headerTimeout > 0 {
		headerTimer = time.AfterFunc(r.headerTimeout, func() { headerExpired.Store(true); cancel() })
	}
	var body io.ReadCloser
	if r.body != nil {
		b, err := r.body()
		if err != nil {
			cancel()
			return nil, err
		}
		body = b
	}
	req, err := http.NewRequestWithContext(actx, r.method, r.url, body)
	if err != nil {
		cancel()
		if body != nil {
			body.Close()
		}
		return nil, &Error{Kind: KindBadRequest, Message: "cannot build the request: " + Redact(err.Error()), Err: err}
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if r.auth || c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if headerTimer != nil && !headerTimer.Stop() && err == nil {
		// The headers came as the timer fired: the attempt's context is (being) cancelled, so
		// the body is unusable. Count it as the timeout it nearly was.
		resp.Body.Close()
		resp, err = nil, context.DeadlineExceeded
	}
	if err != nil {
		// Read the attempt's own deadline before cancel() below marks it cancelled: a refused
		// connection is a network error, not a timeout.
		attemptExpired := errors.Is(actx.Err(), context.DeadlineExceeded) || headerExpired.Load()
		limit := r.attemptTimeout
		if headerExpired.Load() {
			limit = r.headerTimeout
		}
		cancel()
		c.log.Debug("request failed", "method", r.method, "path", logPath(req.URL), "error", err.Error())
		if ctx.Err() != nil {
			return nil, ctxError(ctx, ctx.Err())
		}
		if attemptExpired {
			return nil, &Error{Kind: KindTimeout, Message: fmt.Sprintf("no answer within %s", shortDuration(limit)), Err: err}
		}
		var pre *Error
		if errors.As(err, &pre) {
			return nil, pre // a body that could not be made (a file that vanished)
		}
		return nil, netError(err)
	}
	c.log.Debug("response", "method", r.method, "path", logPath(req.URL), "status", resp.StatusCode, "ms", time.Since(start).Milliseconds())
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		cb := &cancelBody{ReadCloser: resp.Body, cancel: cancel, ctx: ctx, actx: actx, total: r.attemptTimeout}
		if r.buffer == 0 {
			cb.idle = r.idle
		}
		resp.Body = cb
		if r.buffer > 0 {
			data, err := readAll(resp, r.buffer)
			if err != nil {
				c.log.Debug("body failed", "method", r.method, "path", logPath(req.URL), "error", err.Error())
				return nil, err
			}
			resp.Body = &bufferedBody{Reader: bytes.NewReader(data), data: data}
		}
		return resp, nil
	}
	defer cancel()
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return nil, c.decodeFor(r, req.URL, resp, data)
}

func logPath(u *url.URL) string {
	p := u.EscapedPath()
	if len(p) > 80 {
		p = p[:80] + "…"
	}
	return Redact(p)
}

// ctxError maps the caller's context ending to an *Error.
func ctxError(ctx context.Context, err error) *Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, Message: "the time allowed ran out", Err: err}
	}
	return &Error{Kind: KindCanceled, Message: "cancelled", Err: err}
}

func netError(err error) *Error {
	if errors.Is(err, ErrInsecureRedirect) {
		return &Error{Kind: KindUpstream, Message: ErrInsecureRedirect.Error(), Err: err}
	}
	var ue *url.Error
	inner := err
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &Error{Kind: KindTimeout, Message: Redact(inner.Error()), Err: err}
	}
	return &Error{Kind: KindNetwork, Message: Redact(inner.Error()), Err: err}
}

// cancelBody ends the attempt's context when the body is closed, ends it too when no byte
// comes for the idle limit, and reports a cut body as KindIncomplete rather than a silent end.
type cancelBody struct {
	io.ReadCloser
	cancel    context.CancelFunc
	ctx, actx context.Context
	once      sync.Once
	// total is the attempt's whole limit (0: none of its own), for the message.
	total time.Duration
	// idle (0: none) ends the attempt when a Read waits that long for a byte. Only the time
	// spent waiting inside Read counts: a caller that pauses between reads is not the server
	// going silent.
	idle      time.Duration
	tmu       sync.Mutex // timer: Close may come from another goroutine than Read
	timer     *time.Timer
	idleFired atomic.Bool
}

// watch arms the idle timer for one Read (on) or disarms it (off).
func (b *cancelBody) watch(on bool) {
	b.tmu.Lock()
	defer b.tmu.Unlock()
	switch {
	case on && b.timer == nil:
		b.timer = time.AfterFunc(b.idle, func() { b.idleFired.Store(true); b.cancel() })
	case on:
		b.timer.Reset(b.idle)
	case b.timer != nil:
		b.timer.Stop()
	}
}

func (b *cancelBody) Read(p []byte) (int, error) {
	if b.idle > 0 {
		b.watch(true)
	}
	n, err := b.ReadCloser.Read(p)
	if b.idle > 0 {
		b.watch(false)
	}
	if err != nil && err != io.EOF {
		switch {
		case b.ctx.Err() != nil:
			err = ctxError(b.ctx, b.ctx.Err())
		case b.idleFired.Load():
			err = &Error{Kind: KindTimeout, Message: fmt.Sprintf("no data for %s", shortDuration(b.idle)), Err: err}
		case b.actx.Err() != nil:
			msg := "the download took too long"
			if b.total > 0 {
				msg = fmt.Sprintf("took longer than %s", shortDuration(b.total))
			}
			err = &Error{Kind: KindTimeout, Message: msg, Err: err}
		case errors.Is(err, io.ErrUnexpectedEOF), isConnCut(err):
			err = &Error{Kind: KindIncomplete, Message: "the connection closed before the end of the answer", Err: err}
		default:
			if _, ok := AsError(err); !ok {
				err = &Error{Kind: KindIncomplete, Message: Redact(err.Error()), Err: err}
			}
		}
	}
	return n, err
}

func isConnCut(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "unexpected EOF") || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded)
}

func (b *cancelBody) Close() error {
	if b.idle > 0 {
		b.watch(false)
	}
	err := b.ReadCloser.Close()
	b.once.Do(b.cancel)
	return err
}

// bufferedBody is a 2xx body read whole inside its attempt.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func (*bufferedBody) Close() error { return nil }

// readAll reads a whole 2xx body, with a limit, mapping a cut body to KindIncomplete.
func readAll(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	if b, ok := resp.Body.(*bufferedBody); ok {
		return b.data, nil // read (and checked) inside the attempt already
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength <= limit {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead) // one allocation instead of a dozen
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	data := buf.Bytes()
	if err != nil {
		if e, ok := AsError(err); ok {
			return nil, e
		}
		return nil, &Error{Kind: KindIncomplete, Message: Redact(err.Error()), Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &Error{Kind: KindTooLarge, Message: fmt.Sprintf("the answer is larger than %d MB", limit>>20)}
	}
	if resp.ContentLength > 0 && int64(len(data)) < resp.ContentLength {
		return nil, &Error{Kind: KindIncomplete, Message: fmt.Sprintf("got %d of %d bytes", len(data), resp.ContentLength)}
	}
	return data, nil
}

// metaFrom reads what a response tells about the generation.
func (c *Client) metaFrom(resp *http.Response, requested string, head []byte) Meta {
	h := resp.Header
	// Header values are the server's words and reach the library and the screen: cleaned here.
	m := Meta{ModelUsed: cleanHeader(h.Get("x-model-used")), Fallback: cleanHeader(h.Get("x-fallback-target")), Header: h.Clone(),
		RequestID: cleanHeader(h.Get("x-request-id")), Cached: strings.EqualFold(h.Get("x-cache"), "HIT")}
	if m.ModelUsed == "" {
		m.ModelUsed = requested
	}
	m.ContentType = SniffContentType(head, h.Get("Content-Type"))
	for k, v := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-usage-") && len(v) > 0 {
			if f, err := strconv.ParseFloat(v[0], 64); err == nil {
				if m.Usage == nil {
					m.Usage = map[string]float64{}
				}
				m.Usage[strings.TrimPrefix(lk, "x-usage-")] = f
			}
		}
	}
	if v := h.Get("x-pollen-cost"); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
			m.Cost, m.CostKnown = f, true
		}
	}
	if !m.CostKnown && len(m.Usage) > 0 {
		c.mu.Lock()
		p, ok := c.pricing[m.ModelUsed]
		c.mu.Unlock()
		if ok {
			m.Cost, m.CostKnown = p.CostOf(m.Usage), true
		}
	}
	return m
}

// Meta is what a response told about its generation.
type Meta struct {
	ModelUsed   string
	Fallback    string
	Usage       map[string]float64
	Cost        float64
	CostKnown   bool
	Cached      bool
	RequestID   string
	ContentType string
	// HostedURL is the service's stored copy of the media (the Link rel="enclosure" header):
	// reusable as a reference or start frame until it expires.
	HostedURL string `json:",omitempty"`
	// SeedIgnored: the request's seed could not be fixed (multipart image edits take none).
	SeedIgnored bool        `json:",omitempty"`
	Header      http.Header `json:"-"`
}

// ErrInsecureRedirect is the error of a request that the server redirected from https to
// plain http: it is not followed, so that neither the key nor the prompt travels in clear.
var ErrInsecureRedirect = errors.New("the server redirected from https to plain http; the redirect was not followed")

// keyOnItsOrigin returns a copy of hc whose redirects keep the key on the exact origin (scheme,
// host and port) it was sent to, and never go from https to http. (net/http drops the
// Authorization header for another host, but keeps it for another port of the same host and
// for a subdomain.)
func keyOnItsOrigin(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		for _, v := range via {
			if v.URL.Scheme == "https" && req.URL.Scheme != "https" {
				return ErrInsecureRedirect
			}
		}
		if !sameOrigin(req.URL, via[0].URL) {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &c
}

// sameOrigin compares scheme, host and port (a missing port is the scheme's default).
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// shortDuration writes a limit the way people say it: "60s", "10m", "1m30s".
func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Second && d%time.Second == 0 && d < 2*time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// cleanHeader makes a header value safe to keep and show: valid UTF-8, no control or
// direction-changing characters, at most 200 bytes.
func cleanHeader(s string) string {
	return textutil.Truncate(textutil.StripControls(s, false), 200)
}

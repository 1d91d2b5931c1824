// Package sim is a simulator of the Pollinations API (gen.pollinations.ai, plus the device-code
// sign-in of enter.pollinations.ai) as docs/api.md and the API references describe it: the
// same paths, parameters, JSON shapes, headers, errors, quirks and (scaled) timings. Every
// test of the app runs against it, and `pollinations-studio sim` serves it standalone.
//
// Ready keys (Keys): "secret" (paid Pollen + Quest Pollen), "free" (an account with Quest
// Pollen only: paid-only models refused, one generation at a time), "publishable" (pk_,
// pollen-per-hour limiter), "scoped" (a legacy list of model ids: flux and openai, budget 5,
// expires in 7 days), "exhausted" (no Pollen, budget 0), "quest" (a key that only spends Quest
// Pollen, on the secret key's account) and "budgeted" (text and image only, budget 3.5, no
// account permission).
//
// Quirks reproduced: the prompt is one path segment decoded once; booleans are true only when
// "true"; text routes turn 402/403 into a 200 assistant "notice" unless JSON or audio output
// was asked for; "unsafe-content" in a prompt trips the safety filter (400 content_blocked),
// "forbidden-content" the moderation (422);
// two non-standard 429 bodies (concurrency, publishable limiter); identical GETs join the
// generation in flight and cached results are not billed again; a GET generation outlives its
// client. Faults (Inject) add statuses, Cloudflare pages, latency, throttling, cut connections
// and malformed bodies.
//
// Files by concern: server.go (routing, request log), faults.go, errors.go, keys.go (accounts,
// auth), money.go (spending, limiter), generate.go (cache, flights, concurrency, pacing),
// models.go, image.go, video.go, text.go, audio.go, account.go, device.go, params.go.
//
// All state lives in a Server value behind its mutex; the package has no mutable globals.
package sim

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Options tune the simulator.
type Options struct {
	// TimeScale multiplies every simulated latency: 1 is the real service's pace (image 2–6 s,
	// text first token ~0.4 s then ~60 tokens/s, speech ~1 s, transcription ~1–2 s, video
	// 30–130 s); tests use 0.001. 0 means 1.
	TimeScale float64
	// DeviceApproveAfter is how long after a device code is issued the sign-in is approved
	// (0 → 2 s; scaled).
	DeviceApproveAfter time.Duration
	// DeviceInterval is the polling interval the device flow advertises (0 → 5 s; scaled, at
	// least 1 ms). The JSON field is a number of seconds, fractional when scaled.
	DeviceInterval time.Duration
	// DeviceRelativeURIs makes the device flow send relative verification URIs ("/device") and
	// eight-character codes without a dash, as some versions of the service do.
	DeviceRelativeURIs bool
	// VoiceToolMaxBytes is the largest file the voice tools take (0 → 50 MB, the service's
	// limit); tests set a small one.
	VoiceToolMaxBytes int64
	// Logf, when set, receives one line per request. Keys are never printed.
	Logf func(format string, args ...any)
	// UploadLimit is the largest raw or multipart upload (0 → 400 MiB); a JSON upload takes a
	// quarter of it. Tests shrink it rather than send hundreds of megabytes.
	UploadLimit int64
}

// Key is a ready key of one kind.
type Key struct{ Kind, Key string }

// Request is one request as the simulator saw it, recorded when its handler returns.
type Request struct {
	Method, Path, RawQuery string // Path is r.URL.EscapedPath()
	Header                 http.Header
	BodySHA256             string
	Started, Ended         time.Time
}

// Server is the simulator. It is an http.Handler; Start also listens.
type Server struct {
	opts   Options
	models []*model // the catalogue, built once and never modified

	mu       sync.Mutex
	accounts map[string]*account // by key
	keys     []Key
	faults   []*Fault
	requests []Request
	cache    map[string]*result
	// cacheOrder and cacheBytes bound the cache (see remember).
	cacheOrder []string
	cacheBytes int
	inflight   map[string]*flight
	devices    map[string]*deviceCode
	usage      []usageRecord
	rpm        map[string]int // per-user RPM limits set by SetModelRPM (money.go)

	pcmOnce sync.Once // the speech fixture decoded to PCM, on first use
	pcm     []byte
	pcmErr  error

	uploads uploadStore // media storage (upload.go)

	srv    *http.Server
	url    string
	ctx    context.Context // ends with Close: abandons generations in flight
	cancel context.CancelFunc
}

// New returns a simulator that is not listening.
func New(opts Options) *Server {
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.DeviceApproveAfter <= 0 {
		opts.DeviceApproveAfter = 2 * time.Second
	}
	if opts.DeviceInterval <= 0 {
		opts.DeviceInterval = 5 * time.Second
	}
	s := &Server{
		opts: opts, models: catalogue(), accounts: map[string]*account{}, cache: map[string]*result{},
		inflight: map[string]*flight{}, devices: map[string]*deviceCode{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.seedAccounts()
	return s
}

// Start listens on addr ("127.0.0.1:0" for a free port) and serves until Close.
func Start(addr string, opts Options) (*Server, error) {
	s := New(opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sim: listening on %s: %w", addr, err)
	}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the base URL when started with Start ("" otherwise).
func (s *Server) URL() string { return s.url }

// Close stops serving and abandons generations in flight.
func (s *Server) Close() error {
	s.cancel()
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		if cerr := s.srv.Close(); cerr != nil {
			return fmt.Errorf("sim: closing: %w", cerr)
		}
	}
	return nil
}

// Requests returns every request seen so far, in the order they finished.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

// ResetRequests forgets the requests seen.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.requests = nil
	s.mu.Unlock()
}

// scaled converts a real-service duration to the simulator's pace.
func (s *Server) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.opts.TimeScale)
}

// sleep waits d, or less if ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxRequestLog bounds the request log; past it the older half is forgotten.
const maxRequestLog = 50000

// maxBody bounds what the simulator reads of a request: the 50 MB voice tool limit plus
// multipart overhead (transcription takes 25 MB, the real chat limit is 20 MB).
const maxBody = 52 << 20

type bodyKey struct{}

// requestBody is the body ServeHTTP read (and recorded) before routing.
func requestBody(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

// ServeHTTP records the request, applies faults and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Started: time.Now()}
	defer func() {
		rec.Ended = time.Now()
		s.mu.Lock()
		if len(s.requests) >= maxRequestLog { // a long-running standalone simulator
			s.requests = append(s.requests[:0:0], s.requests[len(s.requests)-maxRequestLog/2:]...)
		}
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()
	if r.Body == nil { // a client-side request handed straight to ServeHTTP
		r.Body = http.NoBody
	}
	limit := int64(maxBody)
	if r.Method == http.MethodPost && r.URL.Path == "/upload" {
		limit = s.uploadReadLimit()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	sum := sha256.Sum256(body)
	rec.BodySHA256 = hex.EncodeToString(sum[:])
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "Request body too large.", nil)
			return
		}
		writeError(w, http.StatusBadRequest, "Could not read the request body.", nil)
		return
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	s.logf("%s %s", r.Method, truncate(r.URL.EscapedPath(), 120))

	if f := s.takeFault(r.URL.EscapedPath()); f != nil {
		if err := sleep(r.Context(), f.Latency); err != nil {
			return
		}
		if f.Status != 0 {
			writeFault(w, f)
			return
		}
		if f.CutAfter > 0 || f.Malformed || f.BytesPerSec > 0 {
			fw := &faultWriter{ResponseWriter: w, ctx: r.Context(), f: f}
			s.route(fw, r)
			if fw.cut {
				panic(http.ErrAbortHandler) // drops the connection mid-body, as a cut stream does
			}
			return
		}
	}
	if safetyBlocked(r, body) {
		writeContentBlocked(w)
		return
	}
	s.route(w, r)
}

// logf logs through Options.Logf with anything key-shaped masked.
func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf == nil {
		return
	}
	s.opts.Logf("%s", maskKeys(fmt.Sprintf(format, args...)))
}

var keyShape = regexp.MustCompile(`([sp]k_)[A-Za-z0-9]{4,}`)

// maskKeys hides keys that a path or message might carry.
func maskKeys(s string) string { return keyShape.ReplaceAllString(s, "${1}…") }

// route dispatches on method and escaped path. It does not use http.ServeMux, which cleans
// paths and would redirect a prompt such as "." or "a//b" instead of generating it.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case get && p == "/models":
		s.handleModels(w, r)
	case get && p == "/v1/models":
		s.handleV1Models(w, r)
	case get && p == "/image/models":
		s.handleModels(w, r, "image", "video")
	case get && p == "/video/models":
		s.handleModels(w, r, "video")
	case get && p == "/text/models":
		s.handleModels(w, r, "text")
	case get && p == "/audio/models":
		s.handleModels(w, r, "audio", "transcription", "music")
	case get && p == "/3d/models":
		s.handleModels(w, r, "3d")
	case get && p == "/embeddings/models":
		s.handleModels(w, r, "embedding")

	case strings.HasPrefix(p, "/3d/"):
		s.route3D(w, r)
	case get && strings.HasPrefix(p, "/image/"):
		s.handleImageGET(w, r)
	case get && strings.HasPrefix(p, "/video/"):
		s.handleVideoGET(w, r)
	case get && strings.HasPrefix(p, "/text/"):
		s.handleTextGET(w, r)
	case get && strings.HasPrefix(p, "/audio/"):
		s.handleAudioGET(w, r)

	case post && p == "/v1/images/generations":
		s.handleImagesJSON(w, r)
	case post && p == "/v1/images/edits":
		s.handleImageEdits(w, r)
	case post && p == "/v1/chat/completions":
		s.handleChat(w, r, false)
	case post && p == "/text":
		s.handleChat(w, r, true)
	case post && p == "/v1/audio/speech":
		s.handleSpeechPOST(w, r)
	case post && p == "/v1/audio/transcriptions":
		s.handleTranscription(w, r)
	case post && p == "/v1/audio/voice-isolator":
		s.handleVoiceIsolator(w, r)
	case post && p == "/v1/audio/voice-changer":
		s.handleVoiceChanger(w, r)
	case post && p == "/alpha/audio/stem-separation":
		s.handleStemSeparation(w, r)
	case post && p == "/upload":
		s.handleUpload(w, r)

	case get && p == "/account/key":
		s.handleAccountKey(w, r)
	case get && p == "/account/balance":
		s.handleBalance(w, r)
	case get && p == "/account/profile":
		s.handleProfile(w, r)
	case get && p == "/account/usage":
		s.handleUsage(w, r)
	case get && p == "/account/usage/daily":
		s.handleDailyUsage(w, r)
	case get && p == "/account/key/usage":
		s.handleKeyUsage(w, r)

	case post && p == "/api/device/code":
		s.handleDeviceCode(w, r)
	case post && p == "/api/device/token":
		s.handleDeviceToken(w, r)
	case post && p == "/api/oauth/token":
		s.handleOAuthToken(w, r)
	case get && (p == "/api/device/userinfo" || p == "/api/oauth/userinfo"):
		s.handleUserInfo(w, r)
	case get && p == "/device":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Pollinations sign-in (simulator)</title><p>The simulator approves device codes by itself.</p>")
	case get && s.uploadedFile(p) != nil:
		serveUpload(w, s.uploadedFile(p))
	default:
		writeError(w, http.StatusNotFound, "Not found: "+truncate(r.URL.Path, 200), nil)
	}
}

// isGeneration reports whether a path is a generation route (where PathPrefix "" faults apply).
func isGeneration(path string) bool {
	if strings.HasSuffix(path, "/models") {
		return false
	}
	for _, p := range []string{"/image/", "/video/", "/audio/", "/text/", "/v1/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return path == "/text"
}

// truncate shortens s to n bytes for logs and messages.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// randomID makes an alphanumeric identifier.
func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Package sim is a simulator of the Pollinations API (gen.pollinations.ai, plus the device-code
// sign-in of enter.pollinations.ai) as /work/shared/reference/pollinations-api.md describes it:
// the same paths, parameters, JSON shapes, headers, errors, quirks and (scaled) timings. Every
// test of the app runs against it, and `pollinations-studio sim` serves it standalone.
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
	"strings"
	"sync"
	"time"
)

// Options tune the simulator.
type Options struct {
	// TimeScale multiplies every simulated latency: 1 is the real service's pace (image 2–6 s,
	// video 30–130 s); tests use 0.001. 0 means 1.
	TimeScale float64
	// DeviceApproveAfter is how long after a device code is issued the sign-in is approved
	// (0 → 2 s; scaled).
	DeviceApproveAfter time.Duration
	// Logf, when set, receives one line per request. Keys are never printed.
	Logf func(format string, args ...any)
}

// Key is a ready key of one kind.
type Key struct{ Kind, Key string }

// Fault is an injected misbehaviour for the requests whose path starts with PathPrefix.
type Fault struct {
	PathPrefix  string
	Status      int
	Body        string
	ContentType string
	RetryAfter  string
	Latency     time.Duration
	BytesPerSec int
	CutAfter    int
	Malformed   bool
	Times       int
}

// Request is one request as the simulator saw it.
type Request struct {
	Method, Path, RawQuery string
	Header                 http.Header
	BodySHA256             string
	Started, Ended         time.Time
}

// Server is the simulator. It is an http.Handler; Start also listens.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu       sync.Mutex
	accounts map[string]*account // by key
	keys     []Key
	faults   []*Fault
	requests []Request
	cache    map[string]*result
	inflight map[string]*flight
	devices  map[string]*deviceCode
	usage    []usageRecord

	ln     net.Listener
	srv    *http.Server
	url    string
	ctx    context.Context
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
	s := &Server{
		opts: opts, accounts: map[string]*account{}, cache: map[string]*result{},
		inflight: map[string]*flight{}, devices: map[string]*deviceCode{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.seedAccounts()
	s.routes()
	return s
}

// Start listens on addr ("127.0.0.1:0" for a free port) and serves until Close.
func Start(addr string, opts Options) (*Server, error) {
	s := New(opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sim: listening on %s: %w", addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the base URL when started with Start.
func (s *Server) URL() string { return s.url }

// Close stops serving and abandons generations in flight.
func (s *Server) Close() error {
	s.cancel()
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			return s.srv.Close()
		}
	}
	return nil
}

// Keys lists the ready keys.
func (s *Server) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Key(nil), s.keys...)
}

// Key returns the ready key of a kind, or "".
func (s *Server) Key(kind string) string {
	for _, k := range s.Keys() {
		if k.Kind == kind {
			return k.Key
		}
	}
	return ""
}

// Balance returns an account's tier and paid pollen.
func (s *Server) Balance(key string) (tier, paid float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		return a.wallet.tier, a.wallet.paid
	}
	return 0, 0
}

// SetBalance sets an account's pollen.
func (s *Server) SetBalance(key string, tier, paid float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		a.wallet.tier, a.wallet.paid = tier, paid
	}
}

// MaxConcurrent is the peak number of generations in flight at once for the key's account.
func (s *Server) MaxConcurrent(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		return a.wallet.peak
	}
	return 0
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Requests returns every request seen so far.
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

// takeFault returns the first pending fault for the path, consuming one use.
func (s *Server) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if strings.HasPrefix(path, f.PathPrefix) {
			f.Times--
			if f.Times <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
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

// ServeHTTP records the request, applies faults and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 30<<20))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "Request body too large.", nil)
			return
		}
		writeError(w, http.StatusBadRequest, "Could not read the request body.", nil)
		return
	}
	sum := sha256.Sum256(body)
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), BodySHA256: hex.EncodeToString(sum[:]), Started: time.Now()}
	defer func() {
		rec.Ended = time.Now()
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
	}()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	if s.opts.Logf != nil {
		s.opts.Logf("%s %s", r.Method, truncate(r.URL.EscapedPath(), 120))
	}

	var f *Fault
	if isGeneration(r.URL.Path) {
		f = s.takeFault(r.URL.EscapedPath())
	}
	if f != nil {
		if err := sleep(r.Context(), f.Latency); err != nil {
			return
		}
		if f.Status != 0 {
			writeFault(w, f)
			return
		}
		w = &faultWriter{ResponseWriter: w, f: f}
	}
	s.mux.ServeHTTP(w, r)
	if fw, ok := w.(*faultWriter); ok && fw.cut {
		panic(http.ErrAbortHandler) // drops the connection mid-body, as a cut stream does
	}
}

type bodyKey struct{}

func requestBody(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

func isGeneration(path string) bool {
	for _, p := range []string{"/image/", "/video/", "/audio/", "/text/", "/v1/", "/text"} {
		if strings.HasPrefix(path, p) && !strings.HasSuffix(path, "/models") {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

package sim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault is an injected misbehaviour for the requests whose escaped path starts with PathPrefix
// ("" = every generation route; an explicit prefix may also name /account or /api/device paths).
type Fault struct {
	PathPrefix  string
	Status      int           // answer this status (with the body the real service or CDN sends)
	Body        string        // optional raw body override
	ContentType string        // with Body (default application/json)
	RetryAfter  string        // Retry-After header value
	Latency     time.Duration // extra delay before answering (not scaled)
	BytesPerSec int           // throttle a successful response body to this rate
	CutAfter    int           // send this many body bytes of a successful response, then drop the connection
	Malformed   bool          // answer 200 with a truncated body of the right content type
	Times       int           // how many requests it affects (0 = 1)
}

// Inject adds a fault; faults apply in the order injected.
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

// takeFault returns the first pending fault for the path, consuming one use.
func (s *Server) takeFault(path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		match := strings.HasPrefix(path, f.PathPrefix)
		if f.PathPrefix == "" {
			match = isGeneration(path)
		}
		if !match {
			continue
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		c := *f
		return &c
	}
	return nil
}

// cloudflarePage is the HTML Cloudflare serves when the origin does not answer in time
// (524) or its gateway times out (504), abridged.
func cloudflarePage(status int) string {
	what := "A timeout occurred"
	if status == 504 {
		what = "Gateway time-out"
	}
	return fmt.Sprintf(`<!DOCTYPE html>
<html lang="en-US"><head><title>gen.pollinations.ai | %[1]d: %[2]s</title></head>
<body><div id="cf-wrapper"><h1><span class="inline-block">%[2]s</span>
<span class="code-label">Error code %[1]d</span></h1>
<h2 class="cf-subheadline">Error %[1]d: %[2]s</h2>
<p>The origin web server timed out responding to this request.</p>
<p>Cloudflare Ray ID: <strong>8f1c2d3e4a5b6c7d</strong></p></div></body></html>`, status, what)
}

// writeFault answers with an injected error status, with the body the real service (or the CDN
// in front of it) would send.
func writeFault(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Body != "" {
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		fmt.Fprint(w, f.Body)
		return
	}
	switch f.Status {
	case 524, 504:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(f.Status)
		fmt.Fprint(w, cloudflarePage(f.Status))
	case 500:
		writeError(w, 500, "Oh snap, something went wrong on our end. We're on it!", nil)
	case 502:
		writeError(w, 502, "Upstream provider error", map[string]any{"name": "UpstreamError", "upstreamStatus": 429, "upstreamHost": "provider.example"})
	case 503:
		writeError(w, 503, "Unable to verify balance. Please try again shortly.", nil)
	case 429:
		// The edge limiter's 429: the envelope, and no Retry-After unless the fault sets one.
		writeError(w, 429, "Too many requests from this IP. Please slow down.", nil)
	case 400:
		badRequest(w, "", "Injected bad request")
	default:
		writeError(w, f.Status, http.StatusText(f.Status), nil)
	}
}

// faultWriter applies body faults to a successful response: throttling, a cut connection, or a
// malformed body.
type faultWriter struct {
	http.ResponseWriter
	ctx     context.Context // the request's: a throttled body stops when its client leaves
	f       *Fault
	status  int
	written int
	cut     bool
}

// WriteHeader drops Content-Length when the body will not match it.
func (fw *faultWriter) WriteHeader(status int) {
	fw.status = status
	if fw.f.CutAfter > 0 || fw.f.Malformed {
		fw.Header().Del("Content-Length")
	}
	fw.ResponseWriter.WriteHeader(status)
}

// Write passes error bodies through and applies the fault to a successful one.
func (fw *faultWriter) Write(p []byte) (int, error) {
	if fw.cut {
		return 0, http.ErrAbortHandler
	}
	if fw.status == 0 {
		fw.WriteHeader(http.StatusOK)
	}
	if fw.status >= 300 {
		return fw.ResponseWriter.Write(p)
	}
	n := len(p)
	if fw.f.Malformed {
		// Half of the first chunk, then nothing: a body that does not parse.
		if fw.written == 0 {
			half := p[:len(p)/2]
			fw.ResponseWriter.Write(half)
			fw.written += len(half)
		}
		return n, nil
	}
	if fw.f.CutAfter > 0 && fw.written+len(p) > fw.f.CutAfter {
		p = p[:fw.f.CutAfter-fw.written]
		fw.cut = true
	}
	if fw.f.BytesPerSec > 0 {
		for len(p) > 0 {
			chunk := fw.f.BytesPerSec / 20
			if chunk < 1 {
				chunk = 1
			}
			if chunk > len(p) {
				chunk = len(p)
			}
			if _, err := fw.ResponseWriter.Write(p[:chunk]); err != nil {
				return 0, err
			}
			fw.written += chunk
			p = p[chunk:]
			fw.Flush()
			if err := sleep(fw.ctx, time.Duration(float64(chunk)/float64(fw.f.BytesPerSec)*float64(time.Second))); err != nil {
				return 0, err
			}
		}
	} else if len(p) > 0 {
		if _, err := fw.ResponseWriter.Write(p); err != nil {
			return 0, err
		}
		fw.written += len(p)
	}
	if fw.cut {
		fw.Flush()
		return 0, http.ErrAbortHandler
	}
	return n, nil
}

// Flush forwards to the real writer, so paced bodies stay paced.
func (fw *faultWriter) Flush() {
	if fl, ok := fw.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

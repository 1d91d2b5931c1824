package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// codeFor maps a status to the envelope's code, as gen.pollinations.ai/src/error.ts does.
func codeFor(status int) string {
	switch status {
	case 400:
		return "BAD_REQUEST"
	case 401:
		return "UNAUTHORIZED"
	case 402:
		return "PAYMENT_REQUIRED"
	case 403:
		return "FORBIDDEN"
	case 404:
		return "NOT_FOUND"
	case 405:
		return "METHOD_NOT_ALLOWED"
	case 409:
		return "CONFLICT"
	case 413:
		return "PAYLOAD_TOO_LARGE"
	case 422:
		return "UNPROCESSABLE_ENTITY"
	case 429:
		return "RATE_LIMITED"
	case 500:
		return "INTERNAL_ERROR"
	case 502:
		return "BAD_GATEWAY"
	case 503:
		return "SERVICE_UNAVAILABLE"
	}
	return "UNKNOWN_ERROR"
}

// writeError sends the standard error envelope.
func writeError(w http.ResponseWriter, status int, msg string, details map[string]any) {
	env := map[string]any{
		"status":  status,
		"success": false,
		"error": map[string]any{
			"code":      codeFor(status),
			"message":   msg,
			"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
			"requestId": "req_" + randomID(12),
			"cause":     map[string]any{},
		},
	}
	if details != nil {
		env["error"].(map[string]any)["details"] = details
	}
	writeJSON(w, status, env)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// badRequest sends a zod-style validation error.
func badRequest(w http.ResponseWriter, field, msg string) {
	d := map[string]any{"name": "ZodError", "formErrors": []string{}, "fieldErrors": map[string][]string{}}
	if field == "" {
		d["formErrors"] = []string{msg}
	} else {
		d["fieldErrors"] = map[string][]string{field: {msg}}
	}
	writeError(w, http.StatusBadRequest, "Something was wrong with the input data: "+msg, d)
}

const cloudflare524 = `<!DOCTYPE html>
<html lang="en-US"><head><title>gen.pollinations.ai | 524: A timeout occurred</title></head>
<body><div id="cf-wrapper"><h1><span class="inline-block">A timeout occurred</span>
<span class="code-label">Error code 524</span></h1>
<p>The origin web server timed out responding to this request.</p>
<p>Cloudflare Ray ID: <strong>8f1c2d3e4a5b6c7d</strong></p></div></body></html>`

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
		fmt.Fprint(w, cloudflare524)
	case 500:
		writeError(w, 500, "Oh snap, something went wrong on our end. We're on it!", nil)
	case 502:
		writeError(w, 502, "Upstream provider error", map[string]any{"name": "UpstreamError", "upstreamStatus": 429, "upstreamHost": "provider.example"})
	case 503:
		writeError(w, 503, "Unable to verify balance. Please try again shortly.", nil)
	case 429:
		if f.RetryAfter == "" {
			w.Header().Set("Retry-After", "1")
		}
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
	f       *Fault
	status  int
	written int
	cut     bool
}

func (fw *faultWriter) WriteHeader(status int) {
	fw.status = status
	if fw.f.CutAfter > 0 || fw.f.Malformed {
		fw.Header().Del("Content-Length")
	}
	fw.ResponseWriter.WriteHeader(status)
}

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
			time.Sleep(time.Duration(float64(chunk) / float64(fw.f.BytesPerSec) * float64(time.Second)))
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

func (fw *faultWriter) Flush() {
	if fl, ok := fw.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

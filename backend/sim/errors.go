package sim

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// codeFor maps a status to the envelope's code, as the service does.
func codeFor(status int) string {
	switch status {
	case 408:
		return "REQUEST_TIMEOUT"
	case 410:
		return "GONE"
	case 415:
		return "UNSUPPORTED_MEDIA_TYPE"
	case 426:
		return "UPGRADE_REQUIRED"
	case 504:
		return "GATEWAY_TIMEOUT"
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

// envelope is the standard error body of the service. It has no requestId (declared there
// but never filled) and no cause; details only on validation, internal and upstream errors.
func envelope(status int, msg string, details map[string]any) []byte {
	return envelopeCode(status, codeFor(status), msg, "", details)
}

// envelopeCode is envelope with an override code (refusals, content_blocked…) and fixUrl.
func envelopeCode(status int, code, msg, fixURL string, details map[string]any) []byte {
	inner := map[string]any{
		"code":      code,
		"message":   msg,
		"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if fixURL != "" {
		inner["fixUrl"] = fixURL
	}
	if details != nil {
		inner["details"] = details
	}
	b, _ := json.Marshal(map[string]any{"status": status, "success": false, "error": inner})
	return b
}

// writeError sends the standard error envelope.
func writeError(w http.ResponseWriter, status int, msg string, details map[string]any) {
	writeEnvelope(w, status, envelope(status, msg, details))
}

func writeEnvelope(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// refuse answers a refused generation: a text route's 402/403 as a 200 notice unless JSON or
// audio output was asked for (docs/api.md), otherwise the envelope with the
// refusal's code and fixUrl; a 429 carries Retry-After.
func (s *Server) refuse(w http.ResponseWriter, j job, ref *refusal) {
	if ref.notice != "" && j.textRoute && !j.wantsJSON {
		s.writeNotice(w, j, ref)
		return
	}
	if ref.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ref.retryAfter))
	}
	writeEnvelope(w, ref.status, envelopeCode(ref.status, ref.code, ref.msg, ref.fixURL, nil))
}

// writeJSON sends v as a JSON body with its length.
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

// moderated reports whether the simulated moderation rejects the prompt (the 422).
func moderated(prompt string) bool {
	return strings.Contains(strings.ToLower(prompt), "forbidden-content")
}

// safetyTrigger in a prompt makes the simulated safety filter block it (400 content_blocked).
const safetyTrigger = "unsafe-content"

// safetyBlocked reports whether a generation request trips the safety filter: the trigger in
// its decoded path, query or body.
func safetyBlocked(r *http.Request, body []byte) bool {
	return isGeneration(r.URL.EscapedPath()) &&
		strings.Contains(strings.ToLower(r.URL.Path+" "+r.URL.RawQuery+" "+string(body)), safetyTrigger)
}

// writeContentBlocked sends the safety filter's 400 (code content_blocked).
func writeContentBlocked(w http.ResponseWriter) {
	writeEnvelope(w, http.StatusBadRequest, envelopeCode(http.StatusBadRequest, "content_blocked",
		"Your prompt was blocked by the safety filter. Please rephrase it and try again.", "", nil))
}

// writeModerated sends the 422 of the service (code content_policy_violation).
func writeModerated(w http.ResponseWriter) {
	writeEnvelope(w, http.StatusUnprocessableEntity, envelopeCode(http.StatusUnprocessableEntity, "content_policy_violation", "Your request was rejected by content moderation. The prompt, input, or generated content was flagged as disallowed — adjust your input and try again. (Reason: simulated policy)", "",
		map[string]any{"name": "ContentModerationError", "errorCode": "content_policy_violation"}))
}

// writeConcurrencyLimit sends the service's non-standard 429.
func writeConcurrencyLimit(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "concurrency_limit_exceeded",
		"message": "Another generation is still running on this account. Add credits for concurrent requests, or retry when it finishes."})
}

// writePublishableLimit sends the service's non-standard 429: the body's
// retryAfterSeconds has one decimal (more when the simulator is scaled below 0.1 s), the header
// is whole seconds rounded up.
func writePublishableLimit(w http.ResponseWriter, wait time.Duration) {
	secs := math.Ceil(wait.Seconds()*10) / 10
	if wait < 100*time.Millisecond {
		secs = math.Ceil(wait.Seconds()*1000) / 1000
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	txt := strconv.FormatFloat(secs, 'f', -1, 64)
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "Rate limit exceeded",
		"message":           "Rate limit exceeded. Retry after " + txt + "s. Use secret keys (sk_*) for unlimited requests.",
		"retryAfterSeconds": secs})
}

package sim

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
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

// envelope is the standard error body of gen.pollinations.ai/src/error.ts.
func envelope(status int, msg string, details map[string]any) []byte {
	inner := map[string]any{
		"code":      codeFor(status),
		"message":   msg,
		"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestId": "req_" + randomID(12),
		"cause":     map[string]any{},
	}
	if details != nil {
		inner["details"] = details
	}
	b, _ := json.Marshal(map[string]any{"status": status, "success": false, "error": inner})
	return b
}

// writeError sends the standard error envelope.
func writeError(w http.ResponseWriter, status int, msg string, details map[string]any) {
	b := envelope(status, msg, details)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
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

// moderated reports whether the simulated moderation rejects the prompt.
func moderated(prompt string) bool {
	return strings.Contains(strings.ToLower(prompt), "forbidden-content")
}

// writeModerated sends the 422 of contentModeration.ts.
func writeModerated(w http.ResponseWriter) {
	writeError(w, http.StatusUnprocessableEntity, "Your request was rejected by content moderation. The prompt, input, or generated content was flagged as disallowed — adjust your input and try again. (Reason: simulated policy)",
		map[string]any{"name": "ContentModerationError", "errorCode": "content_policy_violation"})
}

// writeConcurrencyLimit sends account-concurrency.ts's non-standard 429.
func writeConcurrencyLimit(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "concurrency_limit_exceeded",
		"message": "Another generation is still running on this account. Add credits for concurrent requests, or retry when it finishes."})
}

// writePublishableLimit sends rate-limit-durable.ts's non-standard 429: the body's
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

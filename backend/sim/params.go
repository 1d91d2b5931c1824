package sim

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// queryBool is the backend's re-parse: only the exact string "true" is true.
func queryBool(q map[string][]string, k string) bool {
	v := q[k]
	return len(v) > 0 && v[0] == "true"
}

// pathPrompt decodes the prompt segment once, as the gateway does.
func pathPrompt(w http.ResponseWriter, r *http.Request, prefix string) (string, bool) {
	raw := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	p, err := url.PathUnescape(raw)
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

// usageHeaders sets x-model-used and one x-usage-* billing header.
func usageHeaders(h http.Header, m *model, kind string, amount float64) {
	h.Set("x-model-used", m.Name)
	h.Set("x-usage-"+kind, strconv.FormatFloat(amount, 'f', -1, 64))
}

package sim

import (
	"fmt"
	"math"
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

// checkResolution validates resolution= as the service does: a model without tiers
// takes none, and a tier must be one the model lists.
func checkResolution(w http.ResponseWriter, m *model, res string) bool {
	if res == "" {
		return true
	}
	if len(m.Resolutions) == 0 {
		writeError(w, http.StatusBadRequest, m.Name+" does not accept a resolution parameter.", nil)
		return false
	}
	if !contains(m.Resolutions, res) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Resolution %q is not supported by %s. Supported: %s", res, m.Name, strings.Join(m.Resolutions, ", ")), nil)
		return false
	}
	return true
}

// mediaHost is where the service keeps generated files.
const mediaHost = "https://media.pollinations.ai/"

// setMediaLink sets the Link header of a media response: the stored copy, named from the
// bytes (a cached replay names the same file).
func setMediaLink(h http.Header, data []byte) {
	h.Set("Link", "<"+mediaHost+sha(data)+">; rel=\"enclosure\"")
}

// imageCost is what one image costs and the usage it reports: per image for flat-rate models,
// per megapixel (rounded up) for FLUX.2, per output token for GPT Image and Gemini, whose
// token count grows with size and quality.
func imageCost(m *model, w, h int, quality string) (usage float64, cost float64) {
	switch m.unit {
	case "megapixel":
		mp := math.Ceil(float64(w*h) / 1e6)
		return mp, math.Round(mp*m.price*1e9) / 1e9
	case "image-token":
		base := map[string]float64{"low": 272, "high": 4160, "hd": 4160}[quality]
		if base == 0 {
			base = 1056
		}
		tokens := math.Round(base * float64(w*h) / (1024 * 1024))
		return tokens, math.Round(tokens*m.price*1e9) / 1e9 // as the registry's decimal prices add up
	}
	return 1, m.price
}

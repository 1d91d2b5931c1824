package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /models", s.handleModels())
	mux.HandleFunc("GET /v1/models", s.handleV1Models)
	mux.HandleFunc("GET /image/models", s.handleModels("image", "video"))
	mux.HandleFunc("GET /video/models", s.handleModels("video"))
	mux.HandleFunc("GET /text/models", s.handleModels("text"))
	mux.HandleFunc("GET /audio/models", s.handleModels("audio", "transcription"))

	mux.HandleFunc("GET /image/", s.handleImageGET)
	mux.HandleFunc("GET /video/", s.handleVideoGET)
	mux.HandleFunc("POST /v1/images/generations", s.handleImagesJSON)
	mux.HandleFunc("POST /v1/images/edits", s.handleImageEdits)

	mux.HandleFunc("GET /text/", s.handleTextGET)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat(false))
	mux.HandleFunc("POST /text", s.handleChat(true))

	mux.HandleFunc("GET /audio/", s.handleAudioGET)
	mux.HandleFunc("POST /v1/audio/speech", s.handleSpeechPOST)
	mux.HandleFunc("POST /v1/audio/transcriptions", s.handleTranscription)

	mux.HandleFunc("GET /account/key", s.handleAccountKey)
	mux.HandleFunc("GET /account/balance", s.handleBalance)
	mux.HandleFunc("GET /account/profile", s.handleProfile)
	mux.HandleFunc("GET /account/usage", s.handleUsage)

	mux.HandleFunc("POST /api/device/code", s.handleDeviceCode)
	mux.HandleFunc("POST /api/device/token", s.handleDeviceToken)
	mux.HandleFunc("GET /device", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Pollinations sign-in (simulator)</title><p>The simulator approves device codes by itself.</p>")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 404, "Not found: "+r.URL.Path, nil)
	})
	s.mux = mux
}

// image parameters shared by /image and the OpenAI-style routes.
type imageParams struct {
	prompt        string
	model         *model
	width, height int
	seed          int64
	quality       string
	transparent   bool
	refs          int
}

func (s *Server) handleImageGET(w http.ResponseWriter, r *http.Request) {
	s.mediaGET(w, r, "/image/", "image")
}

func (s *Server) handleVideoGET(w http.ResponseWriter, r *http.Request) {
	s.mediaGET(w, r, "/video/", "video")
}

var validSafe = regexp.MustCompile(`^(|true|false|0|1|nsfw|((privacy|secrets|sexual|violence|shield)(,(privacy|secrets|sexual|violence|shield))*))$`)

func (s *Server) mediaGET(w http.ResponseWriter, r *http.Request, prefix, route string) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	prompt, ok := pathPrompt(w, r, prefix)
	if !ok {
		return
	}
	q := r.URL.Query()
	m := s.resolveModel(w, q.Get("model"), route)
	if m == nil {
		return
	}
	if route == "video" && m.kind != "video" {
		writeError(w, 400, fmt.Sprintf("Model %q is a image model and cannot be used on the video endpoint. Use the image endpoint instead.", m.Name), nil)
		return
	}
	seed, ok := parseSeed(w, q.Get("seed"), 2147483647)
	if !ok {
		return
	}
	width, height := atoiOr(q.Get("width"), 1024), atoiOr(q.Get("height"), 1024)
	if width < 0 || height < 0 {
		badRequest(w, "width", "Number must be greater than or equal to 0")
		return
	}
	if !validSafe.MatchString(q.Get("safe")) {
		badRequest(w, "safe", "Invalid safety option")
		return
	}
	switch q.Get("quality") {
	case "", "low", "medium", "high", "hd":
	default:
		badRequest(w, "quality", "Invalid option: expected one of \"low\"|\"medium\"|\"high\"|\"hd\"")
		return
	}
	var refs []string
	if v := q.Get("image"); v != "" {
		for _, u := range strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' }) {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				writeError(w, 400, "Invalid image URL. Put image= param last in your URL, or URL-encode it.", nil)
				return
			}
			refs = append(refs, u)
		}
	}
	if moderated(prompt) {
		writeModerated(w)
		return
	}
	cacheKey := "GET " + r.URL.EscapedPath() + "?" + canonicalQuery(q)
	if m.kind == "video" {
		s.runVideo(w, r, a, m, prompt, q, seed, refs, cacheKey)
		return
	}
	if len(refs) > m.MaxReferenceImages {
		badRequest(w, "image", fmt.Sprintf("Model %s accepts at most %d reference images", m.Name, m.MaxReferenceImages))
		return
	}
	p := imageParams{prompt: prompt, model: m, width: width, height: height, seed: seed,
		quality: q.Get("quality"), transparent: queryBool(q, "transparent"), refs: len(refs)}
	s.runImage(w, r, a, p, cacheKey, false)
}

// canonicalQuery drops the key (which never makes a different picture) from a cache key.
func canonicalQuery(q map[string][]string) string {
	c := make(map[string][]string, len(q))
	for k, v := range q {
		if k != "key" && k != "no-cache" {
			c[k] = v
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func atoiOr(s string, def int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// runImage generates one image; asJSON answers in the OpenAI images shape.
func (s *Server) runImage(w http.ResponseWriter, r *http.Request, a *account, p imageParams, cacheKey string, asJSON bool) {
	m := p.model
	wd, ht := clampSize(p.width, p.height, m.maxPixels)
	asPNG := p.transparent || strings.HasPrefix(m.Name, "gptimage")
	seed := p.seed
	if seed == -1 {
		seed = time.Now().UnixNano() & 0x7fffffff
	}
	lat := time.Duration(2000+int(seed%4000)) * time.Millisecond
	if p.refs > 0 {
		lat += 2 * time.Second
	}
	s.run(w, r, a, job{route: "image", m: m, estimate: m.price, cacheKey: cacheKey, latency: lat,
		produce: func() (*result, error) {
			data, err := renderImage(m.Name, p.prompt, seed, wd, ht, asPNG, p.transparent)
			if err != nil {
				return nil, err
			}
			h := http.Header{}
			usageHeaders(h, m, "completion-image-tokens", 1)
			ct, ext := "image/jpeg", "jpg"
			if asPNG {
				ct, ext = "image/png", "png"
			}
			if asJSON {
				b, _ := json.Marshal(map[string]any{"created": time.Now().Unix(),
					"data":  []any{map[string]any{"b64_json": base64.StdEncoding.EncodeToString(data), "revised_prompt": p.prompt}},
					"usage": map[string]any{"input_tokens": len(p.prompt) / 4, "output_tokens": 1, "total_tokens": len(p.prompt)/4 + 1}})
				h.Set("Content-Type", "application/json")
				return &result{status: 200, header: h, chunks: [][]byte{b}, cost: m.price}, nil
			}
			h.Set("Content-Type", ct)
			h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", slug(p.prompt)+"."+ext))
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			return &result{status: 200, header: h, chunks: chunk(data, 32<<10), cost: m.price}, nil
		}})
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 50 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "image"
	}
	return out
}

func (s *Server) runVideo(w http.ResponseWriter, r *http.Request, a *account, m *model, prompt string, q map[string][]string, seed int64, refs []string, cacheKey string) {
	dur := m.DefaultDuration
	if v := first(q, "duration"); v != "" {
		d, err := strconv.ParseFloat(v, 64)
		if err != nil || d < 1 || d > 120 {
			badRequest(w, "duration", "Number must be between 1 and 120")
			return
		}
		dur = d
	}
	if !durationAllowed(m, dur) {
		badRequest(w, "duration", fmt.Sprintf("Duration %gs is not supported by %s (allowed: %s)", dur, m.Name, durationsText(m)))
		return
	}
	if len(refs) > 1 && !contains(m.VideoCapabilities, "end_frame") {
		badRequest(w, "image", fmt.Sprintf("Model %s does not take an end frame", m.Name))
		return
	}
	withAudio := queryBool(q, "audio")
	if ar := first(q, "aspectRatio"); ar != "" && !contains([]string{"16:9", "9:16", "1:1", "4:3", "3:4", "21:9"}, ar) {
		badRequest(w, "aspectRatio", "Unsupported aspect ratio")
		return
	}
	cost := m.price * dur
	if withAudio && contains(m.VideoCapabilities, "audio_output") {
		cost += 0.02 * dur
	}
	// Real runs take 30–130 s: longer clips take longer.
	lat := 30*time.Second + time.Duration(dur*8)*time.Second
	if lat > 130*time.Second {
		lat = 130 * time.Second
	}
	s.run(w, r, a, job{route: "video", m: m, estimate: cost, cacheKey: cacheKey, latency: lat,
		produce: func() (*result, error) {
			h := http.Header{}
			usageHeaders(h, m, "completion-video-seconds", dur)
			if withAudio {
				h.Set("x-usage-completion-audio-seconds", strconv.FormatFloat(dur, 'f', -1, 64))
			}
			h.Set("Content-Type", "video/mp4")
			h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", slug(prompt)+".mp4"))
			return &result{status: 200, header: h, chunks: chunk(clipMP4, 16<<10), cost: cost}, nil
		}})
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func durationAllowed(m *model, d float64) bool {
	if len(m.AllowedDurations) > 0 {
		for _, a := range m.AllowedDurations {
			if a == d {
				return true
			}
		}
		return false
	}
	if d < m.MinDuration || d > m.MaxDuration {
		return false
	}
	if m.DurationStep > 0 {
		k := (d - m.MinDuration) / m.DurationStep
		return k == float64(int(k))
	}
	return true
}

func durationsText(m *model) string {
	if len(m.AllowedDurations) > 0 {
		var s []string
		for _, d := range m.AllowedDurations {
			s = append(s, strconv.FormatFloat(d, 'f', -1, 64))
		}
		return strings.Join(s, ", ") + " s"
	}
	return fmt.Sprintf("%g–%g s in steps of %g", m.MinDuration, m.MaxDuration, m.DurationStep)
}

// handleImagesJSON is POST /v1/images/generations.
func (s *Server) handleImagesJSON(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	var body struct {
		Prompt      string `json:"prompt"`
		Model       string `json:"model"`
		Size        string `json:"size"`
		Quality     string `json:"quality"`
		Seed        *int64 `json:"seed"`
		Transparent bool   `json:"transparent"`
		N           int    `json:"n"`
	}
	if err := json.Unmarshal(requestBody(r), &body); err != nil {
		writeError(w, 400, "Invalid JSON body", nil)
		return
	}
	if body.Prompt == "" || len(body.Prompt) > 32000 {
		badRequest(w, "prompt", "String must contain between 1 and 32000 character(s)")
		return
	}
	if body.N > 1 {
		badRequest(w, "n", "Only n=1 is supported")
		return
	}
	m := s.resolveModel(w, body.Model, "image")
	if m == nil {
		return
	}
	wd, ht := parseSize(body.Size)
	var seed int64
	if body.Seed != nil {
		seed = *body.Seed
	}
	if moderated(body.Prompt) {
		writeModerated(w)
		return
	}
	s.runImage(w, r, a, imageParams{prompt: body.Prompt, model: m, width: wd, height: ht, seed: seed,
		quality: body.Quality, transparent: body.Transparent}, "POST images "+string(requestBody(r)), true)
}

func parseSize(s string) (int, int) {
	var w, h int
	if _, err := fmt.Sscanf(s, "%dx%d", &w, &h); err != nil {
		return 1024, 1024
	}
	return w, h
}

// handleImageEdits is POST /v1/images/edits (multipart with image files).
func (s *Server) handleImageEdits(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeError(w, 400, "Expected multipart/form-data with a prompt and image files", nil)
		return
	}
	prompt := r.FormValue("prompt")
	if prompt == "" {
		badRequest(w, "prompt", "Required")
		return
	}
	m := s.resolveModel(w, r.FormValue("model"), "image")
	if m == nil {
		return
	}
	files := append(r.MultipartForm.File["image"], r.MultipartForm.File["image[]"]...)
	refs := len(files) + len(r.MultipartForm.Value["image"]) + len(r.MultipartForm.Value["image[]"])
	if refs == 0 {
		badRequest(w, "image", "At least one image is required")
		return
	}
	if refs > m.MaxReferenceImages {
		badRequest(w, "image", fmt.Sprintf("Model %s accepts at most %d reference images", m.Name, m.MaxReferenceImages))
		return
	}
	wd, ht := parseSize(r.FormValue("size"))
	seed, ok := parseSeed(w, r.FormValue("seed"), 2147483647)
	if !ok {
		return
	}
	if moderated(prompt) {
		writeModerated(w)
		return
	}
	s.runImage(w, r, a, imageParams{prompt: prompt, model: m, width: wd, height: ht, seed: seed,
		quality: r.FormValue("quality"), transparent: r.FormValue("transparent") == "true", refs: refs},
		"POST edits "+fmt.Sprint(sha(requestBody(r))), true)
}

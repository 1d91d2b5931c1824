package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// image parameters shared by /image and the OpenAI-style routes.
type imageParams struct {
	prompt        string
	model         *model
	width, height int
	seed          int64
	quality       string
	transparent   bool
	refs          int
	// responseFormat is the edits route's url|b64_json ("" = b64_json).
	responseFormat string
}

// handleImageGET is GET /image/{prompt} (image models, and video models too).
func (s *Server) handleImageGET(w http.ResponseWriter, r *http.Request) {
	s.mediaGET(w, r, "/image/", "image")
}

// handleVideoGET is GET /video/{prompt}.
func (s *Server) handleVideoGET(w http.ResponseWriter, r *http.Request) {
	s.mediaGET(w, r, "/video/", "video")
}

// validSafe is the service's rule: a boolean-ish value, nsfw, or a list of features.
var validSafe = regexp.MustCompile(`^(|true|false|0|1|nsfw|((privacy|secrets|sexual|violence|shield)(,(privacy|secrets|sexual|violence|shield))*))$`)

// mediaGET validates what /image and /video share, then runs an image or a video.
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
	seed, ok := parseSeed(w, q.Get("seed"), 2147483647)
	if !ok {
		return
	}
	width, height := atoiOr(q.Get("width"), 1024), atoiOr(q.Get("height"), 1024)
	for field, v := range map[string]int{"width": width, "height": height} {
		if v < 0 {
			badRequest(w, field, "Expected a whole number greater than or equal to 0")
			return
		}
	}
	safe := q.Get("safe")
	if safe == "" {
		safe = r.Header.Get("Pollinations-Safe") // the header form of the same option
	}
	if !validSafe.MatchString(safe) {
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
	if !checkResolution(w, m, q.Get("resolution")) {
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

// atoiOr parses a whole number; empty gives def and anything unparsable -1 (a 400 later).
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
	asPNG := p.transparent || strings.Contains(m.Name, "gpt-image")
	seed := p.seed
	if seed == -1 {
		seed = time.Now().UnixNano() & 0x7fffffff
	}
	lat := time.Duration(2000+int(seed%4000)) * time.Millisecond
	if p.refs > 0 {
		lat += 2 * time.Second
	}
	units, cost := imageCost(m, wd, ht, p.quality)
	_, estimate := imageCost(m, 1024, 1024, "medium") // the gateway's pre-flight: a typical image
	s.run(w, r, a, job{route: "image", m: m, estimate: max(cost, estimate), cacheKey: cacheKey, latency: lat,
		produce: func() (*result, error) {
			data, err := renderImage(m.Name, p.prompt, seed, wd, ht, asPNG, p.transparent)
			if err != nil {
				return nil, err
			}
			h := http.Header{}
			usageHeaders(h, m, "completion-image-tokens", units)
			ct, ext := "image/jpeg", "jpg"
			if asPNG {
				ct, ext = "image/png", "png"
			}
			if asJSON {
				setMediaLink(h, data)
				link := mediaHost + sha(data)
				item := map[string]any{"b64_json": base64.StdEncoding.EncodeToString(data), "revised_prompt": p.prompt}
				if p.responseFormat == "url" {
					item = map[string]any{"url": link, "media_type": ct, "revised_prompt": p.prompt}
				}
				b, _ := json.Marshal(map[string]any{"created": time.Now().Unix(), "data": []any{item},
					"usage": map[string]any{"input_tokens": len(p.prompt) / 4, "output_tokens": units, "total_tokens": float64(len(p.prompt)/4) + units}})
				h.Set("Content-Type", "application/json")
				return &result{status: 200, header: h, chunks: [][]byte{b}, cost: cost}, nil
			}
			h.Set("Content-Type", ct)
			h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", slug(p.prompt)+"."+ext))
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			return &result{status: 200, header: h, chunks: chunk(data, 32<<10), cost: cost}, nil
		}})
}

// slug makes the file name of Content-Disposition from a prompt.
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
	m := s.resolveModel(w, body.Model, "images")
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

// parseSize reads "WxH"; anything else is the 1024×1024 default.
func parseSize(s string) (int, int) {
	var w, h int
	if _, err := fmt.Sscanf(s, "%dx%d", &w, &h); err != nil {
		return 1024, 1024
	}
	return w, h
}

// editForm is an edit request from either body shape.
type editForm struct {
	prompt, model, size, quality, seed string
	resolution, responseFormat         string
	transparent                        bool
	refs                               int
	source                             []byte // the first uploaded picture, if a file was sent
}

// handleImageEdits is POST /v1/images/edits: multipart with image files (or URL strings), or
// JSON with image URLs / data URIs.
func (s *Server) handleImageEdits(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	var e editForm
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var ok bool
		if e, ok = editFromJSON(w, requestBody(r)); !ok {
			return
		}
	} else {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			writeError(w, http.StatusBadRequest, "Expected multipart/form-data (or JSON) with a prompt and images", nil)
			return
		}
		// Multipart reads only prompt, image, size, quality, safe, resolution and
		// response_format: seed, transparent and guidance_scale are ignored, so the seed is random.
		e = editForm{prompt: r.FormValue("prompt"), model: r.FormValue("model"), size: r.FormValue("size"),
			quality: r.FormValue("quality"), seed: "-1", resolution: r.FormValue("resolution"), responseFormat: r.FormValue("response_format")}
		files := append(r.MultipartForm.File["image"], r.MultipartForm.File["image[]"]...)
		e.refs = len(files) + len(r.MultipartForm.Value["image"]) + len(r.MultipartForm.Value["image[]"])
		if len(files) > 0 {
			if f, err := files[0].Open(); err == nil {
				e.source, _ = io.ReadAll(f)
				f.Close()
			}
		}
	}
	if e.prompt == "" || len(e.prompt) > 32000 {
		badRequest(w, "prompt", "String must contain between 1 and 32000 character(s)")
		return
	}
	m := s.resolveModel(w, e.model, "images")
	if m == nil {
		return
	}
	if e.refs == 0 {
		badRequest(w, "image", "At least one image is required")
		return
	}
	switch e.responseFormat {
	case "", "b64_json", "url":
	default:
		writeError(w, http.StatusBadRequest, `response_format must be "url" or "b64_json"`, nil)
		return
	}
	if !checkResolution(w, m, e.resolution) {
		return
	}
	if e.refs > m.MaxReferenceImages {
		badRequest(w, "image", fmt.Sprintf("Model %s accepts at most %d reference images", m.Name, m.MaxReferenceImages))
		return
	}
	wd, ht := parseSize(e.size)
	if e.size == "" && e.source != nil {
		// Newer builds follow the source's aspect ratio when no size is given.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(e.source)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
			wd, ht = cfg.Width, cfg.Height
		}
	}
	seed, ok := parseSeed(w, e.seed, 2147483647)
	if !ok {
		return
	}
	if moderated(e.prompt) {
		writeModerated(w)
		return
	}
	s.runImage(w, r, a, imageParams{prompt: e.prompt, model: m, width: wd, height: ht, seed: seed,
		quality: e.quality, transparent: e.transparent, refs: e.refs, responseFormat: e.responseFormat},
		"", true) // not cached: idempotency covers the GET routes, chat and generations only
}

// editFromJSON reads the JSON form of an edit: image is a URL, a list of URLs, or a list of
// {"image_url": URL or data URI}.
func editFromJSON(w http.ResponseWriter, b []byte) (editForm, bool) {
	var body struct {
		Prompt      string          `json:"prompt"`
		Model       string          `json:"model"`
		Size        string          `json:"size"`
		Quality     string          `json:"quality"`
		Seed        *int64          `json:"seed"`
		Transparent bool            `json:"transparent"`
		Resolution  string          `json:"resolution"`
		Format      string          `json:"response_format"`
		Image       json.RawMessage `json:"image"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON body", nil)
		return editForm{}, false
	}
	e := editForm{prompt: body.Prompt, model: body.Model, size: body.Size, quality: body.Quality, transparent: body.Transparent,
		resolution: body.Resolution, responseFormat: body.Format}
	if body.Seed != nil {
		e.seed = strconv.FormatInt(*body.Seed, 10)
	}
	var urls, list []string
	var one string
	var objs []struct {
		ImageURL string `json:"image_url"`
	}
	// Each attempt decodes into its own variable: a failed Unmarshal may fill part of it.
	switch {
	case len(body.Image) == 0 || string(body.Image) == "null":
	case json.Unmarshal(body.Image, &one) == nil:
		urls = []string{one}
	case json.Unmarshal(body.Image, &list) == nil:
		urls = list
	case json.Unmarshal(body.Image, &objs) == nil:
		for _, o := range objs {
			urls = append(urls, o.ImageURL)
		}
	default:
		badRequest(w, "image", "Expected a URL, a list of URLs, or a list of {image_url}")
		return editForm{}, false
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "data:image/") {
			badRequest(w, "image", "Each image must be an http(s) URL or a data:image/ URI")
			return editForm{}, false
		}
	}
	e.refs = len(urls)
	return e, true
}

// renderImage draws a deterministic picture for (model, prompt, seed): a diagonal gradient
// with a few soft discs, so different prompts and seeds give visibly different images.
func renderImage(model, prompt string, seed int64, w, h int, asPNG, transparent bool) ([]byte, error) {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", model, prompt, seed)))
	c1 := color.NRGBA{sum[0], sum[1], sum[2], 255}
	c2 := color.NRGBA{sum[3], sum[4], sum[5], 255}
	type disc struct {
		x, y, r float64
		c       color.NRGBA
	}
	var discs []disc
	for i := 0; i < 5; i++ {
		b := sum[6+i*5:]
		discs = append(discs, disc{float64(b[0]) / 255 * float64(w), float64(b[1]) / 255 * float64(h),
			(0.08 + float64(b[2])/255*0.25) * float64(min(w, h)), color.NRGBA{b[3], b[4], sum[31-i], 255}})
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	noise := uint32(sum[30])<<8 | uint32(sum[31])
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := (float64(x)/float64(w) + float64(y)/float64(h)) / 2
			r := float64(c1.R)*(1-t) + float64(c2.R)*t
			g := float64(c1.G)*(1-t) + float64(c2.G)*t
			bl := float64(c1.B)*(1-t) + float64(c2.B)*t
			alpha := 255.0
			if transparent {
				alpha = 0
			}
			for _, d := range discs {
				dx, dy := float64(x)-d.x, float64(y)-d.y
				if dist := math.Sqrt(dx*dx + dy*dy); dist < d.r {
					k := 1 - dist/d.r
					k = k * k * (3 - 2*k)
					r, g, bl = r*(1-k)+float64(d.c.R)*k, g*(1-k)+float64(d.c.G)*k, bl*(1-k)+float64(d.c.B)*k
					alpha = math.Max(alpha, 255*k)
				}
			}
			// A little grain, like a photo: it also makes sizes realistic.
			noise = noise*1664525 + 1013904223
			n := float64(noise>>24)/255*12 - 6
			o := img.PixOffset(x, y)
			px := img.Pix[o : o+4 : o+4]
			px[0], px[1], px[2], px[3] = clamp8(r+n), clamp8(g+n), clamp8(bl+n), uint8(alpha)
		}
	}
	var buf bytes.Buffer
	var err error
	if asPNG {
		// BestSpeed: the grain makes default compression slow (212 → ~100 ms at 1024²).
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 88})
	}
	if err != nil {
		return nil, fmt.Errorf("encoding the image: %w", err)
	}
	return buf.Bytes(), nil
}

// clamp8 clamps a channel value to a byte.
func clamp8(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v)
}

// clampSize keeps a requested size within a model's pixel budget (keeping the aspect ratio) and
// sane bounds.
func clampSize(w, h, maxPixels int) (int, int) {
	if w <= 0 {
		w = 1024
	}
	if h <= 0 {
		h = 1024
	}
	if maxPixels <= 0 {
		maxPixels = 4096 * 4096
	}
	if w*h > maxPixels {
		k := math.Sqrt(float64(maxPixels) / float64(w*h))
		w, h = int(float64(w)*k), int(float64(h)*k)
	}
	return max(64, min(w, 4096)), max(64, min(h, 4096))
}

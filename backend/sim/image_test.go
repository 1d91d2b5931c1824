package sim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func decodeImage(t *testing.T, r resp) (image.Image, string) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %.300s", r.status, r.body)
	}
	img, format, err := image.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("not a decodable image (%s): %v", r.header.Get("Content-Type"), err)
	}
	return img, format
}

func TestImageGET(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	cases := []struct {
		query        string
		format       string
		w, h         int
		contentModel string
	}{
		{"width=320&height=200&model=flux", "jpeg", 320, 200, "black-forest-labs/flux-schnell"},
		{"width=100&height=80", "jpeg", 100, 80, "tongyi-mai/z-image-turbo"}, // default model
		{"", "jpeg", 1024, 1024, "tongyi-mai/z-image-turbo"},                 // default size
		{"width=4096&height=4096&model=flux", "jpeg", 1536, 1536, "black-forest-labs/flux-schnell"},
		{"width=4000&height=1000&model=flux", "jpeg", 3072, 768, "black-forest-labs/flux-schnell"}, // aspect kept within 2 359 296 px
		{"width=10&height=10&model=flux", "jpeg", 64, 64, "black-forest-labs/flux-schnell"},
		{"width=64&height=64&model=gptimage", "png", 64, 64, "openai/gpt-image-1-mini"},
		{"width=64&height=64&model=flux&transparent=true", "png", 64, 64, "black-forest-labs/flux-schnell"},
		{"width=64&height=64&model=flux&transparent=false", "jpeg", 64, 64, "black-forest-labs/flux-schnell"}, // only "true" is true
		{"width=64&height=64&model=flux&transparent=1", "jpeg", 64, 64, "black-forest-labs/flux-schnell"},
		{"width=64&height=64&model=flux&enhance=true&nologo=true&whatever=1", "jpeg", 64, 64, "black-forest-labs/flux-schnell"}, // unknown params ignored
	}
	for _, tc := range cases {
		r := do(t, s, "GET", "/image/A%20red%20fox%3F?"+tc.query, key, nil)
		img, format := decodeImage(t, r)
		b := img.Bounds()
		if format != tc.format || b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("%s: %s %dx%d, want %s %dx%d", tc.query, format, b.Dx(), b.Dy(), tc.format, tc.w, tc.h)
		}
		ext := map[string]string{"jpeg": "jpg", "png": "png"}[tc.format]
		want := map[string]string{
			"Content-Type":                    "image/" + tc.format,
			"Content-Disposition":             `inline; filename="a-red-fox.` + ext + `"`,
			"Cache-Control":                   "public, max-age=31536000, immutable",
			"x-model-used":                    tc.contentModel,
			"x-usage-completion-image-tokens": "1",
		}
		if tc.contentModel == "openai/gpt-image-1-mini" {
			// Priced by output tokens: a medium 64×64 image is 1056·(64·64/1024²) ≈ 4 tokens.
			want["x-usage-completion-image-tokens"] = "4"
		}
		if l := r.header.Get("Link"); !strings.HasPrefix(l, "<https://media.pollinations.ai/") || !strings.HasSuffix(l, `>; rel="enclosure"`) {
			t.Errorf("%s: Link %q", tc.query, l)
		}
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.query, k, got, v)
			}
		}
		if r.header.Get("x-pollen-cost") == "" || r.header.Get("x-cache") == "" {
			t.Errorf("%s: no cost or cache header", tc.query)
		}
	}
}

func TestImageTransparentHasAlpha(t *testing.T) {
	s := startSim(t, Options{})
	img, _ := decodeImage(t, do(t, s, "GET", "/image/logo?width=64&height=64&model=gptimage&transparent=true", s.Key("secret"), nil))
	if _, _, _, a := img.At(0, 0).RGBA(); a == 0xffff {
		// at least the corner, far from every disc, should be see-through somewhere
		seen := false
		for y := 0; y < 64 && !seen; y++ {
			for x := 0; x < 64; x++ {
				if _, _, _, a := img.At(x, y).RGBA(); a < 0xffff {
					seen = true
					break
				}
			}
		}
		if !seen {
			t.Fatal("transparent image is fully opaque")
		}
	}
}

func TestImageIsDeterministicAndVaried(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	get := func(q string) []byte {
		r := do(t, s, "GET", "/image/"+q+"&width=96&height=96&model=flux&no-cache=true", key, nil)
		decodeImage(t, r)
		return r.body
	}
	a1, a2 := get("cat?seed=1"), get("cat?seed=1")
	if !bytes.Equal(a1, a2) {
		t.Fatal("same prompt and seed gave different images")
	}
	seen := map[string]bool{string(a1): true}
	for _, q := range []string{"cat?seed=2", "dog?seed=1", "cat?seed=3"} {
		b := get(q)
		if seen[string(b)] {
			t.Fatalf("%s repeats an earlier image", q)
		}
		seen[string(b)] = true
	}
}

func TestImageValidation(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	cases := []struct{ query, field, says string }{
		{"seed=2147483648", "seed", ""},
		{"seed=-2", "seed", ""},
		{"seed=abc", "seed", ""},
		{"width=-5", "width", ""},
		{"width=wide", "width", ""},
		{"height=-1", "height", ""},
		{"quality=ultra", "quality", ""},
		{"safe=maybe", "safe", ""},
		{"image=file:///etc/passwd", "", "Invalid image URL. Put image= param last in your URL, or URL-encode it."},
		{"model=kontext&image=https://a/1.png|https://a/2.png", "image", ""},
	}
	for _, tc := range cases {
		r := do(t, s, "GET", "/image/x?"+tc.query, key, nil)
		msg := r.errorMessage(t)
		if r.status != 400 {
			t.Errorf("%s: %d", tc.query, r.status)
			continue
		}
		if tc.says != "" && msg != tc.says {
			t.Errorf("%s: %q", tc.query, msg)
		}
		if tc.field != "" {
			det, _ := r.json(t)["error"].(map[string]any)["details"].(map[string]any)
			fe, _ := det["fieldErrors"].(map[string]any)
			if fe[tc.field] == nil {
				t.Errorf("%s: no fieldErrors.%s in %s", tc.query, tc.field, r.body)
			}
		}
	}
	if r := do(t, s, "GET", "/image/x?width=64&height=64", key, nil, "Pollinations-Safe", "maybe"); r.status != 400 {
		t.Errorf("Pollinations-Safe header not validated: %d", r.status)
	}
	// Valid edge values pass.
	for _, q := range []string{"seed=-1", "seed=2147483647", "safe=true", "safe=privacy,violence", "quality=hd",
		"model=kontext&image=https://a/1.png"} {
		if r := do(t, s, "GET", "/image/x?width=64&height=64&"+q, key, nil); r.status != 200 {
			t.Errorf("%s: %d %.200s", q, r.status, r.body)
		}
	}
}

func TestModerationRejects(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, c := range [][3]string{
		{"GET", "/image/some%20forbidden-content%20here", ""},
		{"GET", "/video/forbidden-content?model=wan-fast", ""},
		{"GET", "/text/forbidden-content", ""},
		{"POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"Forbidden-Content please"}]}`},
		{"POST", "/v1/audio/speech", `{"input":"say forbidden-content"}`},
	} {
		var body any
		if c[2] != "" {
			body = c[2]
		}
		r := do(t, s, c[0], c[1], key, body)
		if r.status != 422 || !strings.HasPrefix(r.errorMessage(t), "Your request was rejected by content moderation.") {
			t.Errorf("%s: %d %s", c[1], r.status, r.body)
		}
	}
	if len(s.usageOf(key)) != 0 {
		t.Error("a moderated request was billed")
	}
}

// usageOf lists the billed generations of a key's account.
func (s *Server) usageOf(key string) []usageRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []usageRecord
	for _, u := range s.usage {
		if s.accounts[u.Key].wallet == s.accounts[key].wallet {
			out = append(out, u)
		}
	}
	return out
}

func TestCacheHitIsNotBilled(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	tier0, paid0 := s.Balance(key)
	path := "/image/cached?width=64&height=64&model=flux&seed=5"
	first := do(t, s, "GET", path, key, nil)
	second := do(t, s, "GET", path, key, nil)
	if first.header.Get("x-cache") != "MISS" || first.header.Get("x-pollen-cost") != "0.002" {
		t.Fatalf("first: %s %s", first.header.Get("x-cache"), first.header.Get("x-pollen-cost"))
	}
	if second.header.Get("x-cache") != "HIT" || second.header.Get("x-pollen-cost") != "0" || !bytes.Equal(first.body, second.body) {
		t.Fatalf("second: %s %s", second.header.Get("x-cache"), second.header.Get("x-pollen-cost"))
	}
	tier1, paid1 := s.Balance(key)
	if !approx(tier0-tier1+paid0-paid1, 0.002) {
		t.Fatalf("charged %g, want 0.002", tier0-tier1+paid0-paid1)
	}
	// no-cache=true regenerates and bills again.
	r := do(t, s, "GET", path+"&no-cache=true", key, nil)
	if r.header.Get("x-cache") != "MISS" || len(s.usageOf(key)) != 2 {
		t.Fatalf("no-cache: %s, %d billed", r.header.Get("x-cache"), len(s.usageOf(key)))
	}
	// The key is not part of the identity of a picture but the account is: another key of
	// the same account with the same URL is a different request (cached per key).
	if r := do(t, s, "GET", path+"&key=ignored", key, nil); r.header.Get("x-cache") != "HIT" {
		t.Fatalf("?key= made a new picture: %s", r.header.Get("x-cache"))
	}
}

func TestConcurrentIdenticalGETsBilledOnce(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.03}) // an image takes 60–180 ms
	key := s.Key("secret")
	const n = 6
	var wg sync.WaitGroup
	res := make([]resp, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = do(t, s, "GET", "/image/together?width=64&height=64&model=flux&seed=9", key, nil)
		}()
	}
	wg.Wait()
	misses := 0
	for _, r := range res {
		if r.status != 200 || !bytes.Equal(r.body, res[0].body) {
			t.Fatalf("status %d or different bytes", r.status)
		}
		if r.header.Get("x-cache") == "MISS" {
			misses++
		}
	}
	if misses != 1 || len(s.usageOf(key)) != 1 {
		t.Fatalf("%d misses, %d billed; want 1 and 1", misses, len(s.usageOf(key)))
	}
	if n := s.MaxConcurrent(key); n != 1 {
		t.Fatalf("%d generations ran at once for one picture", n)
	}
}

// TestAbandonedGETKeepsGenerating: the client goes away, the generation finishes anyway and
// the identical retry gets it without a second charge.
func TestAbandonedGETKeepsGenerating(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.05}) // 100–300 ms
	key := s.Key("secret")
	path := "/image/patience?width=64&height=64&model=flux&seed=4"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatal("the first attempt did not time out")
	}
	start := time.Now()
	waitFor(t, "the handler to return", func() bool { return len(s.Requests()) == 1 })
	if time.Since(start) >= 100*time.Millisecond { // the generation's shortest scaled time
		t.Fatal("the handler waited for the generation after its client left")
	}
	r := do(t, s, "GET", path, key, nil)
	decodeImage(t, r)
	if r.header.Get("x-cache") != "HIT" || r.header.Get("x-pollen-cost") != "0" || len(s.usageOf(key)) != 1 {
		t.Fatalf("retry: %s cost %s, billed %d", r.header.Get("x-cache"), r.header.Get("x-pollen-cost"), len(s.usageOf(key)))
	}
}

func TestImagesGenerationsJSON(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	r := do(t, s, "POST", "/v1/images/generations", key, `{"prompt":"a lighthouse","model":"flux","size":"128x96","seed":3}`)
	var v struct {
		Created int64 `json:"created"`
		Data    []struct {
			B64           string `json:"b64_json"`
			RevisedPrompt string `json:"revised_prompt"`
		} `json:"data"`
		Usage map[string]any `json:"usage"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || r.status != 200 || len(v.Data) != 1 || v.Created == 0 || v.Usage["total_tokens"] == nil {
		t.Fatalf("%d %v %.300s", r.status, err, r.body)
	}
	data, err := base64.StdEncoding.DecodeString(v.Data[0].B64)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() != 128 || img.Bounds().Dy() != 96 || v.Data[0].RevisedPrompt != "a lighthouse" {
		t.Fatalf("image %v %v %q", err, img.Bounds(), v.Data[0].RevisedPrompt)
	}
	for body, want := range map[string]int{`{"prompt":""}`: 400, `{"prompt":"x","n":2}`: 400, `not json`: 400, `{"prompt":"x","model":"veo"}`: 400} {
		if r := do(t, s, "POST", "/v1/images/generations", key, body); r.status != want {
			t.Errorf("%s: %d", body, r.status)
		}
	}
}

// multipartBody builds a form with text fields and files (name → content).
func multipartBody(t *testing.T, fields map[string]string, files [][3]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files { // field, filename, content
		w, err := mw.CreateFormFile(f[0], f[1])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[2])
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func TestImageEdits(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	one := [][3]string{{"image", "a.png", "fakepng"}}
	two := [][3]string{{"image[]", "a.png", "x"}, {"image[]", "b.png", "y"}}
	cases := []struct {
		fields map[string]string
		files  [][3]string
		status int
	}{
		{map[string]string{"prompt": "make it blue", "model": "kontext", "size": "64x64"}, one, 200},
		{map[string]string{"prompt": "merge", "model": "gptimage", "size": "64x64"}, two, 200},
		{map[string]string{"prompt": "merge", "model": "kontext"}, two, 400}, // kontext takes one
		{map[string]string{"prompt": "no refs", "model": "flux"}, one, 400},  // flux takes none
		{map[string]string{"prompt": "nothing", "model": "kontext"}, nil, 400},
		{map[string]string{"model": "kontext"}, one, 400},
	}
	for i, tc := range cases {
		body, ct := multipartBody(t, tc.fields, tc.files)
		r := do(t, s, "POST", "/v1/images/edits", key, body, "Content-Type", ct)
		if r.status != tc.status {
			t.Errorf("case %d: %d %.200s", i, r.status, r.body)
			continue
		}
		if r.status == 200 {
			var v struct {
				Data []struct {
					B64 string `json:"b64_json"`
				} `json:"data"`
			}
			json.Unmarshal(r.body, &v)
			data, _ := base64.StdEncoding.DecodeString(v.Data[0].B64)
			if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("case %d: %v", i, err)
			}
		}
	}
	// Without a size, the output follows the source picture.
	src := do(t, s, "GET", "/image/source?width=200&height=100&model=flux", key, nil)
	body, ct := multipartBody(t, map[string]string{"prompt": "restyle", "model": "kontext"}, [][3]string{{"image", "src.jpg", string(src.body)}})
	r := do(t, s, "POST", "/v1/images/edits", key, body, "Content-Type", ct)
	var v struct {
		Data []struct {
			B64 string `json:"b64_json"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil || len(v.Data) != 1 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	data, _ := base64.StdEncoding.DecodeString(v.Data[0].B64)
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width != 200 || cfg.Height != 100 {
		t.Errorf("edit of a 200×100 source: %v %dx%d", err, cfg.Width, cfg.Height)
	}
	// The JSON form takes URLs or data URIs.
	for body, want := range map[string]int{
		`{"prompt":"x","model":"kontext","size":"64x64","image":"https://a/b.png"}`:                                    200,
		`{"prompt":"x","model":"gptimage","size":"64x64","image":["https://a/b.png","https://a/c.png"]}`:               200,
		`{"prompt":"x","model":"kontext","size":"64x64","image":[{"image_url":"data:image/png;base64,iVBORw0KGgo="}]}`: 200,
		`{"prompt":"x","model":"kontext","image":["https://a/b.png","https://a/c.png"]}`:                               400,
		`{"prompt":"x","model":"kontext","image":"ftp://a/b.png"}`:                                                     400,
		`{"prompt":"x","model":"kontext"}`:                                                                             400,
		`{"prompt":"x","image":{"no":1}}`:                                                                              400,
		`{"prompt":`:                                                                                                   400,
	} {
		if r := do(t, s, "POST", "/v1/images/edits", key, body); r.status != want {
			t.Errorf("%s: %d %.200s", body, r.status, r.body)
		}
	}
}

func TestClampSize(t *testing.T) {
	for _, tc := range []struct{ w, h, max, ww, wh int }{
		{1024, 1024, 2359296, 1024, 1024},
		{2048, 2048, 2359296, 1536, 1536},
		{0, 0, 2359296, 1024, 1024},
		{1, 5000, 2359296, 64, 4096},
		{3000, 3000, 0, 3000, 3000},
	} {
		w, h := clampSize(tc.w, tc.h, tc.max)
		if w != tc.ww || h != tc.wh || w*h > max(tc.max, 4096*4096) {
			t.Errorf("clampSize(%d,%d,%d) = %d,%d want %d,%d", tc.w, tc.h, tc.max, w, h, tc.ww, tc.wh)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1024x1024", "64x64", "x", "-1x5", "99999999999x1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h := parseSize(s)
		cw, ch := clampSize(w, h, 2359296)
		if cw < 64 || ch < 64 || cw > 4096 || ch > 4096 || cw*ch > 2359296+4096*64 {
			t.Fatalf("%q → %dx%d → %dx%d", s, w, h, cw, ch)
		}
	})
}

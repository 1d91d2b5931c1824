package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif" // decoders for DecodeConfig: the real size of what came back
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "golang.org/x/image/webp"
)

// ImageRequest is one image generation.
type ImageRequest struct {
	Prompt      string   `json:"prompt"`
	Model       string   `json:"model,omitempty"`
	Width       int      `json:"width,omitempty"`
	Height      int      `json:"height,omitempty"`
	Seed        *int64   `json:"seed,omitempty"`
	Quality     string   `json:"quality,omitempty"`
	Safe        string   `json:"safe,omitempty"`
	Resolution  string   `json:"resolution,omitempty"`
	Transparent bool     `json:"transparent,omitempty"`
	NoCache     bool     `json:"no_cache,omitempty"`
	RefURLs     []string `json:"ref_urls,omitempty"`
	RefFiles    []string `json:"ref_files,omitempty"`
	// ResponseFormat is how the edits endpoint answers: b64_json (the default here) or url.
	ResponseFormat string `json:"response_format,omitempty"`
}

// ImageResult is a generated image.
type ImageResult struct {
	Data          []byte
	Width, Height int
	Meta          Meta
}

// maxImageBytes bounds a downloaded image.
const maxImageBytes = 64 << 20

// escapePrompt makes a prompt one path segment that nothing in it can escape from: PathEscape
// leaves characters such as ':', '@', '&', '=', '+', ',' and ';' as they are, which proxies and
// routers may treat specially, so everything but unreserved characters is percent-encoded.
func escapePrompt(p string) string {
	var b strings.Builder
	b.Grow(len(p) * 3)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func checkPrompt(p string) error {
	if strings.TrimSpace(p) == "" {
		return &Error{Kind: KindBadRequest, Message: "the prompt is empty"}
	}
	return nil
}

func checkSeed(seed *int64) error {
	if seed != nil && (*seed < -1 || *seed > 2147483647) {
		return &Error{Kind: KindBadRequest, Message: "the seed must be between -1 and 2147483647", FieldErrors: map[string][]string{"seed": {"out of range"}}}
	}
	return nil
}

func (r ImageRequest) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("model", r.Model)
	if r.Width > 0 {
		q.Set("width", strconv.Itoa(r.Width))
	}
	if r.Height > 0 {
		q.Set("height", strconv.Itoa(r.Height))
	}
	if r.Seed != nil {
		q.Set("seed", strconv.FormatInt(*r.Seed, 10))
	}
	set("quality", r.Quality)
	set("safe", r.Safe)
	set("resolution", r.Resolution)
	// Booleans only when true: the public schema coerces the string "false" to true.
	if r.Transparent {
		q.Set("transparent", "true")
	}
	if r.NoCache {
		q.Set("no-cache", "true")
	}
	if len(r.RefURLs) > 0 {
		q.Set("image", strings.Join(r.RefURLs, "|"))
	}
	return q
}

// ImageURL is the GET URL of an image request; it never contains the key.
func (c *Client) ImageURL(r ImageRequest) (string, error) {
	if err := checkPrompt(r.Prompt); err != nil {
		return "", err
	}
	return endpoint(c.base, "/image/"+escapePrompt(r.Prompt), r.query()), nil
}

// Image generates an image: GET /image/{prompt}, or POST /v1/images/edits when local
// reference files are given.
func (c *Client) Image(ctx context.Context, r ImageRequest) (*ImageResult, error) {
	if err := checkPrompt(r.Prompt); err != nil {
		return nil, err
	}
	if err := checkSeed(r.Seed); err != nil {
		return nil, err
	}
	for _, u := range r.RefURLs {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return nil, &Error{Kind: KindBadRequest, Message: fmt.Sprintf("reference %q is not an http(s) URL (local files go in RefFiles)", u)}
		}
	}
	switch r.ResponseFormat {
	case "", "b64_json", "url":
	default:
		return nil, &Error{Kind: KindBadRequest, Message: `response_format must be "url" or "b64_json"`}
	}
	if len(r.RefFiles) > 0 {
		// Local files go up as multipart, which takes no seed: the result says so.
		return c.imageEdit(ctx, r)
	}
	u, _ := c.ImageURL(r)
	resp, err := c.send(ctx, request{method: http.MethodGet, url: u, auth: true, attemptTimeout: c.tm.image, buffer: maxImageBytes})
	if err != nil {
		return nil, err
	}
	data, err := readAll(resp, maxImageBytes)
	if err != nil {
		return nil, err
	}
	return c.imageResult(resp, r.Model, data)
}

// HostedLink reads the stored copy's address from a media response's
// Link: <https://media.pollinations.ai/…>; rel="enclosure" header. Only an https URL with a host
// is taken: the address may be sent on as a reference, so nothing else is trusted.
func HostedLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			lt, gt := strings.IndexByte(part, '<'), strings.IndexByte(part, '>')
			if lt != 0 || gt < 0 {
				continue
			}
			target, params := part[1:gt], strings.ToLower(part[gt+1:])
			enclosure := false
			for _, p := range strings.Split(params, ";") {
				p = strings.TrimSpace(p)
				if p == `rel="enclosure"` || p == "rel=enclosure" {
					enclosure = true
				}
			}
			if !enclosure {
				continue
			}
			u, err := url.Parse(target)
			if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
				continue
			}
			return u.String()
		}
	}
	return ""
}

func (c *Client) imageResult(resp *http.Response, model string, data []byte) (*ImageResult, error) {
	meta := c.metaFrom(resp, model, data)
	meta.HostedURL = HostedLink(resp.Header)
	res := &ImageResult{Data: data, Meta: meta}
	if !strings.HasPrefix(meta.ContentType, "image/") {
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: fmt.Sprintf("the service sent %s instead of an image", orUnknown(meta.ContentType))}
	}
	if meta.ContentType != "image/svg+xml" {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, &Error{Kind: KindIncomplete, Status: resp.StatusCode, Message: "the image is damaged: " + err.Error(), Err: err}
		}
		res.Width, res.Height = cfg.Width, cfg.Height
	}
	return res, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown type"
	}
	return s
}

// maxRefFile bounds one reference image sent to the edits endpoint.
const maxRefFile = 50 << 20

// imageEdit sends local reference files as multipart to /v1/images/edits. The body is built
// afresh for every attempt (files re-opened), so a retry is byte-identical.
func (c *Client) imageEdit(ctx context.Context, r ImageRequest) (*ImageResult, error) {
	for _, f := range r.RefFiles {
		st, err := os.Stat(f)
		if err != nil {
			return nil, &Error{Kind: KindBadRequest, Message: "reference image: " + err.Error(), Err: err}
		}
		if st.Size() > maxRefFile {
			return nil, &Error{Kind: KindTooLarge, Message: fmt.Sprintf("reference image %s is %d MB; the limit is %d MB", filepath.Base(f), st.Size()>>20, maxRefFile>>20)}
		}
	}
	const boundary = "pollinations-studio-boundary-7c1f0e"
	build := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			mw := multipart.NewWriter(pw)
			mw.SetBoundary(boundary)
			err := writeEditForm(mw, r)
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
	resp, err := c.send(ctx, request{method: http.MethodPost, url: endpoint(c.base, "/v1/images/edits", nil),
		body: build, contentType: "multipart/form-data; boundary=" + boundary, auth: true, attemptTimeout: c.tm.image, buffer: maxImageBytes * 2})
	if err != nil {
		return nil, err
	}
	data, err := readAll(resp, maxImageBytes*2)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data []struct {
			B64JSON string `json:"b64_json"`
			URL     string `json:"url"`
		} `json:"data"`
		Usage *struct {
			InputTokens  float64 `json:"input_tokens"`
			OutputTokens float64 `json:"output_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(data, &out); err != nil || len(out.Data) == 0 || (out.Data[0].B64JSON == "" && out.Data[0].URL == "") {
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the edit answer had no image"}
	}
	var res *ImageResult
	if out.Data[0].B64JSON == "" {
		res, err = c.fetchHosted(ctx, out.Data[0].URL, resp, r.Model)
	} else {
		img, derr := base64.StdEncoding.DecodeString(out.Data[0].B64JSON)
		if derr != nil {
			return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the edited image is not valid base64", Err: derr}
		}
		res, err = c.imageResult(resp, r.Model, img)
	}
	if err != nil {
		return nil, err
	}
	if out.Data[0].URL != "" && res.Meta.HostedURL == "" {
		if u, perr := url.Parse(out.Data[0].URL); perr == nil && u.Scheme == "https" && u.Host != "" {
			res.Meta.HostedURL = u.String()
		}
	}
	if !res.Meta.CostKnown && out.Usage != nil {
		// No cost header and no usage headers: the body's token usage, at the catalogue's prices.
		c.mu.Lock()
		p, ok := c.pricing[res.Meta.ModelUsed]
		c.mu.Unlock()
		if ok {
			res.Meta.Cost = p["promptTextTokens"]*out.Usage.InputTokens + p["completionImageTokens"]*out.Usage.OutputTokens
			res.Meta.CostKnown = true
		}
	}
	// Multipart edits ignore seed, transparent and guidance_scale: the seed was random.
	res.Meta.SeedIgnored = true
	return res, nil
}

// fetchHosted downloads the image of a response_format=url edit answer; the edit's own headers
// (cost, model) stay the result's.
func (c *Client) fetchHosted(ctx context.Context, link string, edit *http.Response, model string) (*ImageResult, error) {
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, &Error{Kind: KindUpstream, Status: edit.StatusCode, Message: "the edit answer's image address is not an https URL"}
	}
	resp, err := c.send(ctx, request{method: http.MethodGet, url: u.String(), attemptTimeout: c.tm.image, buffer: maxImageBytes})
	if err != nil {
		return nil, err
	}
	img, err := readAll(resp, maxImageBytes)
	if err != nil {
		return nil, err
	}
	res, err := c.imageResult(edit, model, img)
	if err != nil {
		return nil, err
	}
	res.Meta.HostedURL = u.String()
	return res, nil
}

func writeEditForm(mw *multipart.Writer, r ImageRequest) error {
	field := func(k, v string) error {
		if v == "" {
			return nil
		}
		return mw.WriteField(k, v)
	}
	if err := field("prompt", r.Prompt); err != nil {
		return err
	}
	field("model", r.Model)
	if r.Width > 0 && r.Height > 0 {
		field("size", fmt.Sprintf("%dx%d", r.Width, r.Height))
	}
	// No seed or transparent: the multipart form ignores them (the caller learns it from
	// Meta.SeedIgnored).
	field("quality", r.Quality)
	field("safe", r.Safe)
	field("resolution", r.Resolution)
	field("response_format", orDefaultStr(r.ResponseFormat, "b64_json"))
	for _, u := range r.RefURLs {
		field("image[]", u)
	}
	for _, path := range r.RefFiles {
		f, err := os.Open(path)
		if err != nil {
			return &Error{Kind: KindBadRequest, Message: "reference image: " + err.Error(), Err: err}
		}
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image[]"; filename=%q`, filepath.Base(path)))
		h.Set("Content-Type", ContentTypeOf(path))
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(w, f)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// ContentTypeOf names a file's media type from its extension (for uploads and the library).
func ContentTypeOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".gif":
		return "image/gif"
	case ".mp3", ".mpga", ".mpeg":
		return "audio/mpeg"
	case ".wav":
		return "audio/wav"
	case ".m4a":
		return "audio/mp4"
	case ".mp4":
		return "video/mp4"
	case ".webm":
		return "audio/webm"
	case ".ogg", ".opus":
		return "audio/ogg"
	case ".flac":
		return "audio/flac"
	}
	return "application/octet-stream"
}

func orDefaultStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// FitTo keeps only what the model advertises: a resolution tier the model does not list (or
// any, for a model without tiers) is dropped, as the service answers 400 to it; the model is
// named by its canonical id.
func (r ImageRequest) FitTo(m Model) ImageRequest {
	r.Model = m.Name
	if r.Resolution != "" && !containsStr(m.Resolutions, r.Resolution) {
		r.Resolution = ""
	}
	return r
}

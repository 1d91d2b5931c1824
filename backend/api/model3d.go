package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Model3DRequest is one 3D generation (GET /3d/{prompt}).
type Model3DRequest struct {
	Prompt string `json:"prompt"`
	Model  string `json:"model,omitempty"` // "" = the service's default (microsoft/trellis-2)
	// Image lists http(s) URLs of the source picture; image-only models (trellis,
	// asset-harvester) refuse a request without one.
	Image []string `json:"image,omitempty"`
	// Resolution is "low", "medium" or "high"; only trellis takes it (others answer 400).
	Resolution string `json:"resolution,omitempty"`
	Seed       *int64 `json:"seed,omitempty"`
}

// maxModel3DBytes bounds a downloaded 3D model.
const maxModel3DBytes = 200 << 20

// 3D content types, named from the bytes.
const (
	ContentTypeGLB = "model/gltf-binary"
	ContentTypePLY = "application/ply"
)

func (r Model3DRequest) check() error {
	if err := checkPrompt(r.Prompt); err != nil {
		return err
	}
	switch r.Resolution {
	case "", "low", "medium", "high":
	default:
		return &Error{Kind: KindBadRequest, Message: fmt.Sprintf("resolution %q is not one of low, medium, high", r.Resolution),
			FieldErrors: map[string][]string{"resolution": {"not one of low, medium, high"}}}
	}
	for _, u := range r.Image {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return &Error{Kind: KindBadRequest, Message: fmt.Sprintf("image %q is not an http(s) URL", u)}
		}
	}
	return nil
}

// needsPOST reports whether the images cannot travel in the query: the service splits image=
// on "|" (or, without one, on ","), so a URL holding either would be cut in pieces. The JSON
// body takes each URL whole.
func (r Model3DRequest) needsPOST() bool {
	for _, u := range r.Image {
		if strings.ContainsAny(u, "|,") {
			return true
		}
	}
	return false
}

// Model3D generates a 3D model: GLB from most models, PLY (a Gaussian splat) from
// nvidia/asset-harvester. Meta.ContentType names which, from the bytes. Generations take
// tens of seconds to minutes; a retry re-joins the same generation.
func (c *Client) Model3D(ctx context.Context, r Model3DRequest) ([]byte, Meta, error) {
	if err := r.check(); err != nil {
		return nil, Meta{}, err
	}
	req := request{method: http.MethodGet, auth: true, attemptTimeout: c.tm.video, buffer: maxModel3DBytes}
	path := "/3d/" + escapePrompt(r.Prompt)
	if r.needsPOST() {
		body := map[string]any{"image": r.Image}
		if r.Model != "" {
			body["model"] = r.Model
		}
		if r.Resolution != "" {
			body["resolution"] = r.Resolution
		}
		if r.Seed != nil {
			body["seed"] = *r.Seed
		}
		b, err := json.Marshal(body)
		if err != nil {
			return nil, Meta{}, &Error{Kind: KindBadRequest, Message: "cannot encode the request", Err: err}
		}
		req.method, req.contentType = http.MethodPost, "application/json"
		req.body = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.url = endpoint(c.base, path, nil)
	} else {
		q := url.Values{}
		if r.Model != "" {
			q.Set("model", r.Model)
		}
		if len(r.Image) > 0 {
			q.Set("image", strings.Join(r.Image, "|"))
		}
		if r.Resolution != "" {
			q.Set("resolution", r.Resolution)
		}
		if r.Seed != nil {
			q.Set("seed", strconv.FormatInt(*r.Seed, 10))
		}
		req.url = endpoint(c.base, path, q)
	}
	resp, err := c.send(ctx, req)
	if err != nil {
		return nil, Meta{}, err
	}
	data, err := readAll(resp, maxModel3DBytes)
	if err != nil {
		return nil, Meta{}, err
	}
	meta := c.metaFrom(resp, r.Model, data)
	ct, err := check3D(data)
	if err != nil {
		if e, ok := AsError(err); ok {
			e.Status = resp.StatusCode
			if e.Kind == KindUpstream {
				e.Message = fmt.Sprintf("the service sent %s instead of a 3D model", orUnknown(meta.ContentType))
			}
		}
		return nil, meta, err
	}
	meta.ContentType = ct
	return data, meta, nil
}

// check3D names a 3D body's type from its magic, and catches a GLB cut short (its header
// states its length).
func check3D(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte("glTF")):
		if len(b) < 12 {
			return "", &Error{Kind: KindIncomplete, Message: "the 3D model is cut short"}
		}
		if n := binary.LittleEndian.Uint32(b[8:]); int64(n) > int64(len(b)) {
			return "", &Error{Kind: KindIncomplete, Message: fmt.Sprintf("the 3D model is cut short: %d of %d bytes", len(b), n)}
		}
		return ContentTypeGLB, nil
	case bytes.HasPrefix(b, []byte("ply\n")), bytes.HasPrefix(b, []byte("ply\r\n")):
		return ContentTypePLY, nil
	}
	return "", &Error{Kind: KindUpstream, Message: "the service did not send a 3D model"}
}

// Model3DLink is the stored copy of a generation (the response's Link rel="enclosure", on
// media.pollinations.ai), or "". Fetching it never regenerates.
func Model3DLink(m Meta) string {
	for _, v := range m.Header.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="enclosure"`) && !strings.Contains(strings.ReplaceAll(params, " ", ""), "rel=enclosure") {
				continue
			}
			target = strings.TrimSpace(target)
			if strings.HasPrefix(target, "<https://") && strings.HasSuffix(target, ">") {
				return target[1 : len(target)-1]
			}
		}
	}
	return ""
}

// Models3D lists the 3D models (GET /3d/models). With a key, the list is what the key may use.
func (c *Client) Models3D(ctx context.Context) ([]Model, error) {
	ctx, cancel := context.WithTimeout(ctx, c.tm.meta)
	defer cancel()
	resp, err := c.send(ctx, request{method: http.MethodGet, url: endpoint(c.base, "/3d/models", nil), buffer: 16 << 20})
	if err != nil {
		return nil, err
	}
	data, err := readAll(resp, 16<<20)
	if err != nil {
		return nil, err
	}
	list, err := ParseModels(data)
	if err != nil {
		return nil, &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the 3D model list could not be read: " + err.Error(), Err: err}
	}
	c.mu.Lock()
	for i := range list {
		list[i].Kind = "3d" // whatever its modalities say, this list is 3D
		if list[i].Pricing != nil {
			c.pricing[list[i].Name] = list[i].Pricing
		}
	}
	c.mu.Unlock()
	return list, nil
}

package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
	"pollinations-studio/internal/mesh"
)

// m3Sim starts a fast simulator and a client with the key of kind (no retries when noRetry).
func m3Sim(t *testing.T, kind string, noRetry bool) (*sim.Server, *api.Client) {
	t.Helper()
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	opts := api.Options{BaseURL: s.URL(), EnterURL: s.URL(), Key: s.Key(kind), MaxRetryWait: time.Second}
	if noRetry {
		opts.MaxRetries = -1
	}
	c, err := api.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// m3Last is the last request the simulator finished (handlers record on return).
func m3Last(t *testing.T, s *sim.Server) sim.Request {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if reqs := s.Requests(); len(reqs) > 0 {
			return reqs[len(reqs)-1]
		}
		if time.Now().After(deadline) {
			t.Fatal("no request recorded")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestModel3DGLB(t *testing.T) {
	s, c := m3Sim(t, "secret", false)
	sd := int64(5)
	data, meta, err := c.Model3D(context.Background(), api.Model3DRequest{Prompt: "a red fox, sitting", Image: []string{"https://example.com/fox.png"},
		Resolution: "medium", Seed: &sd})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mesh.ParseGLB(data)
	if err != nil || m.Triangles() == 0 {
		t.Fatalf("not a usable GLB: %v", err)
	}
	if meta.ContentType != api.ContentTypeGLB || meta.ModelUsed != "microsoft/trellis-2" || !meta.CostKnown || meta.Cost != 0.29 {
		t.Errorf("meta: %+v", meta)
	}
	if l := api.Model3DLink(meta); !strings.HasPrefix(l, "https://media.pollinations.ai/") {
		t.Errorf("link %q", l)
	}
	req := m3Last(t, s)
	if req.Method != "GET" || req.Path != "/3d/a%20red%20fox%2C%20sitting" {
		t.Errorf("request %s %s", req.Method, req.Path)
	}
	q, _ := url.ParseQuery(req.RawQuery)
	if q.Get("image") != "https://example.com/fox.png" || q.Get("resolution") != "medium" || q.Get("seed") != "5" || q.Has("model") || q.Has("key") {
		t.Errorf("query %v", q)
	}
}

func TestModel3DPLYAndRodin(t *testing.T) {
	_, c := m3Sim(t, "secret", false)
	data, meta, err := c.Model3D(context.Background(), api.Model3DRequest{Prompt: "chair", Model: "nvidia/asset-harvester", Image: []string{"https://a/chair.jpg"}})
	if err != nil || !bytes.HasPrefix(data, []byte("ply\n")) || meta.ContentType != api.ContentTypePLY || meta.Cost != 0.25 {
		t.Fatalf("asset-harvester: %v %.20q %+v", err, data, meta)
	}
	// Rodin takes text alone.
	if _, meta, err := c.Model3D(context.Background(), api.Model3DRequest{Prompt: "a treasure chest", Model: "hyper3d/rodin-2.5"}); err != nil || meta.Cost != 0.1 {
		t.Fatalf("rodin: %v %+v", err, meta)
	}
}

func TestModel3DErrors(t *testing.T) {
	s, c := m3Sim(t, "secret", true)
	ctx := context.Background()
	kindOf := func(err error) api.Kind {
		e, ok := api.AsError(err)
		if !ok {
			t.Fatalf("not an *api.Error: %v", err)
		}
		return e.Kind
	}
	// Refused before sending.
	for name, r := range map[string]api.Model3DRequest{
		"empty prompt":   {Prompt: " ", Image: []string{"https://a/b.png"}},
		"bad resolution": {Prompt: "x", Image: []string{"https://a/b.png"}, Resolution: "ultra"},
		"local image":    {Prompt: "x", Image: []string{"/home/me/b.png"}},
	} {
		s.ResetRequests()
		if _, _, err := c.Model3D(ctx, r); kindOf(err) != api.KindBadRequest {
			t.Errorf("%s: %v", name, err)
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("%s: %d requests sent", name, n)
		}
	}
	// Refused by the service.
	_, _, err := c.Model3D(ctx, api.Model3DRequest{Prompt: "x"})
	if e, _ := api.AsError(err); e == nil || e.Kind != api.KindBadRequest || len(e.FieldErrors["image"]) == 0 {
		t.Errorf("trellis without an image: %v", err)
	}
	_, _, err = c.Model3D(ctx, api.Model3DRequest{Prompt: "x", Model: "rodin", Resolution: "high"})
	if e, _ := api.AsError(err); e == nil || e.Kind != api.KindBadRequest || !strings.Contains(e.Error(), "does not accept a resolution") {
		t.Errorf("rodin with a resolution: %v", err)
	}
	tc, err := c.WithKey(s.Key("free"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = tc.Model3D(ctx, api.Model3DRequest{Prompt: "x", Model: "hyper3d/rodin-2.5"})
	if e, _ := api.AsError(err); e == nil || e.Kind != api.KindPaymentRequired || e.Payment != api.PaymentPaidOnly {
		t.Errorf("rodin on tier pollen: %v", err)
	}
	// A 200 that is not a 3D model, and a GLB cut short.
	s.Inject(sim.Fault{PathPrefix: "/3d/", Status: 200, Body: "<html>maintenance</html>", ContentType: "text/html"})
	if _, _, err := c.Model3D(ctx, api.Model3DRequest{Prompt: "y", Image: []string{"https://a/b.png"}}); kindOf(err) != api.KindUpstream || !strings.Contains(err.Error(), "text/html") {
		t.Errorf("HTML body: %v", err)
	}
	s.Inject(sim.Fault{PathPrefix: "/3d/", Malformed: true})
	if _, _, err := c.Model3D(ctx, api.Model3DRequest{Prompt: "z", Image: []string{"https://a/b.png"}}); kindOf(err) != api.KindIncomplete {
		t.Errorf("half a GLB: %v", err)
	}
}

// TestModel3DCommaURL: an image URL with a comma would be split by the query's parser, so it
// goes whole in a POST body.
func TestModel3DCommaURL(t *testing.T) {
	s, c := m3Sim(t, "secret", false)
	img := "https://cdn.example.com/w_200,h_200/fox.png"
	if _, _, err := c.Model3D(context.Background(), api.Model3DRequest{Prompt: "fox", Image: []string{img}, Resolution: "low"}); err != nil {
		t.Fatal(err)
	}
	req := m3Last(t, s)
	if req.Method != "POST" || req.Path != "/3d/fox" || req.RawQuery != "" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.RawQuery)
	}
	want, _ := json.Marshal(map[string]any{"image": []string{img}, "resolution": "low"})
	if req.BodySHA256 != m3SHA256(want) {
		t.Errorf("body is not %s", want)
	}
}

func TestModels3D(t *testing.T) {
	_, c := m3Sim(t, "secret", false)
	list, err := c.Models3D(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d models", len(list))
	}
	m, ok := api.FindModel(list, "trellis-2")
	if !ok || m.Name != "microsoft/trellis-2" || m.Kind != "3d" || m.Pricing["completion3dModels"] != 0.24 ||
		strings.Join(m.Resolutions, ",") != "low,medium,high" || !m.AcceptsImages() {
		t.Errorf("trellis: %+v", m)
	}
	if r, _ := api.FindModel(list, "rodin"); !r.PaidOnly {
		t.Errorf("rodin: %+v", r)
	}
}

func m3SHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

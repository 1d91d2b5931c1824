package sim

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"pollinations-studio/internal/mesh"
)

var enclosure = regexp.MustCompile(`^<https://media\.pollinations\.ai/[0-9a-f]+>; rel="enclosure"$`)

func TestModel3DGET(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	tier0, _ := s.Balance(key)
	const path = "/3d/a%20red%20fox?image=https://example.com/fox.png&seed=7"
	r := do(t, s, "GET", path, key, nil)
	if r.status != 200 || r.header.Get("Content-Type") != "model/gltf-binary" {
		t.Fatalf("%d %s %.300s", r.status, r.header.Get("Content-Type"), r.body)
	}
	m, err := mesh.ParseGLB(r.body)
	if err != nil {
		t.Fatalf("not a valid GLB: %v", err)
	}
	if m.Triangles() != 320 || len(m.Normals) != len(m.Positions) {
		t.Errorf("low resolution: %d triangles, %d normals", m.Triangles(), len(m.Normals)/3)
	}
	for k, v := range map[string]string{"x-model-used": "microsoft/trellis-2", "x-pollen-cost": "0.24", "x-cache": "MISS",
		"x-usage-completion-image-tokens": "1", "Content-Disposition": `inline; filename="a-red-fox.glb"`} {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if l := r.header.Get("Link"); !enclosure.MatchString(l) {
		t.Errorf("Link = %q", l)
	}
	if tier, _ := s.Balance(key); !approx(tier0-tier, 0.24) {
		t.Errorf("billed %v, want 0.24", tier0-tier)
	}
	// The same request again is the cached result, not billed; another seed is another shape.
	again := do(t, s, "GET", path, key, nil)
	if !bytes.Equal(again.body, r.body) || again.header.Get("x-cache") != "HIT" || again.header.Get("x-pollen-cost") != "0" {
		t.Errorf("repeat: same bytes %v, cache %s, cost %s", bytes.Equal(again.body, r.body), again.header.Get("x-cache"), again.header.Get("x-pollen-cost"))
	}
	other := do(t, s, "GET", strings.Replace(path, "seed=7", "seed=8", 1), key, nil)
	if other.status != 200 || bytes.Equal(other.body, r.body) {
		t.Errorf("seed 8 gave the same model (%d)", other.status)
	}
	// More detail costs more and has more triangles.
	hi := do(t, s, "GET", path+"&resolution=high", key, nil)
	hm, err := mesh.ParseGLB(hi.body)
	if hi.status != 200 || err != nil || hi.header.Get("x-pollen-cost") != "0.35" || hm.Triangles() <= m.Triangles() {
		t.Errorf("high: %d %v cost %s", hi.status, err, hi.header.Get("x-pollen-cost"))
	}
	med := do(t, s, "GET", path+"&resolution=medium&model=trellis-2", key, nil)
	if med.status != 200 || med.header.Get("x-pollen-cost") != "0.29" || med.header.Get("x-model-used") != "microsoft/trellis-2" {
		t.Errorf("medium via alias: %d cost %s model %s", med.status, med.header.Get("x-pollen-cost"), med.header.Get("x-model-used"))
	}
}

func TestModel3DOtherModels(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	r := do(t, s, "GET", "/3d/chair?model=nvidia/asset-harvester&image=https://a/chair.jpg", key, nil)
	if r.status != 200 || !bytes.HasPrefix(r.body, []byte("ply\n")) || r.header.Get("x-pollen-cost") != "0.25" {
		t.Fatalf("asset-harvester: %d %.40q cost %s", r.status, r.body, r.header.Get("x-pollen-cost"))
	}
	if !bytes.Contains(r.body, []byte("element vertex 162\n")) || !strings.HasSuffix(r.header.Get("Content-Disposition"), `.ply"`) {
		t.Errorf("PLY header: %.200s", r.body)
	}
	// Rodin takes text alone, and is paid-only.
	r = do(t, s, "GET", "/3d/a%20treasure%20chest?model=rodin", key, nil)
	if r.status != 200 || r.header.Get("x-model-used") != "hyper3d/rodin-2.5" || r.header.Get("x-pollen-cost") != "0.1" {
		t.Errorf("rodin: %d %s %s %.200s", r.status, r.header.Get("x-model-used"), r.header.Get("x-pollen-cost"), r.body)
	}
	r = do(t, s, "GET", "/3d/chest?model=hyper3d/rodin-2.5", s.Key("free"), nil)
	if r.status != 402 || !strings.Contains(string(r.body), "INSUFFICIENT_BALANCE") || !strings.Contains(string(r.body), "paid balance") {
		t.Errorf("rodin on tier pollen: %d %.300s", r.status, r.body)
	}
	if r := do(t, s, "GET", "/3d/chest?image=https://a/b.png", "", nil); r.status != 401 {
		t.Errorf("no key: %d", r.status)
	}
}

func TestModel3DValidation(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, tc := range []struct {
		query, field, msg string
	}{
		{"", "image", "needs an input image"},
		{"model=asset-harvester", "image", "needs an input image"},
		{"model=rodin&resolution=low", "resolution", "hyper3d/rodin-2.5 does not accept a resolution parameter."},
		{"model=asset-harvester&image=https://a/b.png&resolution=high", "resolution", "does not accept a resolution parameter"},
		{"image=https://a/b.png&resolution=ultra", "resolution", "expected one of"},
		{"image=ftp://a/b.png", "image", "Invalid image URL"},
		{"image=https://a/b.png|https://a/c.png", "image", "at most 1"},
		{"model=trellis-3&image=https://a/b.png", "model", "expected one of"},
		{"image=https://a/b.png&seed=abc", "seed", "expected int"},
		{"image=https://a/b.png&safe=maybe", "safe", "Invalid safety option"},
	} {
		r := do(t, s, "GET", "/3d/thing?"+tc.query, key, nil)
		if r.status != 400 {
			t.Errorf("%s: %d", tc.query, r.status)
			continue
		}
		msg := r.errorMessage(t)
		var env struct {
			Error struct {
				Details struct {
					FieldErrors map[string][]string `json:"fieldErrors"`
				} `json:"details"`
			} `json:"error"`
		}
		json.Unmarshal(r.body, &env)
		if !strings.Contains(msg, tc.msg) || len(env.Error.Details.FieldErrors[tc.field]) == 0 {
			t.Errorf("%s: %q, field errors %v (want %s: %s)", tc.query, msg, env.Error.Details.FieldErrors, tc.field, tc.msg)
		}
	}
	if r := do(t, s, "GET", "/3d/forbidden-content?image=https://a/b.png", key, nil); r.status != 422 {
		t.Errorf("moderation: %d", r.status)
	}
	if r := do(t, s, "DELETE", "/3d/thing", key, nil); r.status != 405 {
		t.Errorf("DELETE: %d", r.status)
	}
}

func TestModel3DPOST(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	for _, tc := range []struct {
		body   string
		status int
		cost   string
		msg    string
	}{
		{`{"image":"https://a/b.png","resolution":"medium","seed":3}`, 200, "0.29", ""},
		{`{"model":"microsoft/trellis-2","image":["https://a/b.png"]}`, 200, "0.24", ""},
		{`{"model":"rodin"}`, 200, "0.1", ""},
		{`{"image":"https://a/b.png","extra":1}`, 400, "", "Unrecognized key"},
		{`{"image":"https://a/b.png","safe":true}`, 400, "", "Unrecognized key"},
		{`{"image":"b.png"}`, 400, "", "Invalid image URL"},
		{`{"image":42}`, 400, "", "expected string or array"},
		{`{"model":"rodin","resolution":"low"}`, 400, "", "does not accept a resolution parameter"},
		{`{"image":"https://a/b.png","resolution":""}`, 400, "", "expected one of"},
		{`{"image":"https://a/b.png","seed":1.5}`, 400, "", "Invalid JSON"},
		{`{"model":""}`, 400, "", "expected one of"},
		{`{}`, 400, "", "needs an input image"},
		{`not json`, 400, "", "Invalid JSON"},
	} {
		r := do(t, s, "POST", "/3d/a%20vase", key, tc.body)
		if r.status != tc.status {
			t.Errorf("%s: %d %.300s", tc.body, r.status, r.body)
			continue
		}
		if tc.status == 200 {
			if got := r.header.Get("x-pollen-cost"); got != tc.cost {
				t.Errorf("%s: cost %s, want %s", tc.body, got, tc.cost)
			}
			if _, err := mesh.ParseGLB(r.body); err != nil {
				t.Errorf("%s: %v", tc.body, err)
			}
			continue
		}
		if msg := r.errorMessage(t); !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: %q does not say %q", tc.body, msg, tc.msg)
		}
	}
}

func TestModel3DModels(t *testing.T) {
	s := startSim(t, Options{})
	names := func(key string) []string {
		r := do(t, s, "GET", "/3d/models", key, nil)
		var list []struct {
			Name     string            `json:"name"`
			Category string            `json:"category"`
			Out      []string          `json:"output_modalities"`
			In       []string          `json:"input_modalities"`
			Pricing  map[string]string `json:"pricing"`
			PaidOnly bool              `json:"paid_only"`
		}
		if err := json.Unmarshal(r.body, &list); r.status != 200 || err != nil {
			t.Fatalf("%d %v %.200s", r.status, err, r.body)
		}
		var out []string
		for _, m := range list {
			if m.Category != "3d" || len(m.Out) != 1 || m.Out[0] != "3d" || m.Pricing["completion3dModels"] == "" {
				t.Errorf("entry %+v", m)
			}
			out = append(out, m.Name)
		}
		return out
	}
	if got := strings.Join(names(""), ","); got != "microsoft/trellis-2,nvidia/asset-harvester,hyper3d/rodin-2.5" {
		t.Errorf("public list: %s", got)
	}
	if got := strings.Join(names(s.Key("free")), ","); strings.Contains(got, "rodin") || !strings.Contains(got, "trellis") {
		t.Errorf("tier key sees %s (rodin is paid-only)", got)
	}
}

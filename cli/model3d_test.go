package cli

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"pollinations-studio/internal/mesh"
)

// picture writes a small PNG into the harness's folder.
func (h *harness) picture(name string) string {
	h.t.Helper()
	var b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 6, 4))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 9)
	}
	if err := png.Encode(&b, img); err != nil {
		h.t.Fatal(err)
	}
	p := h.path(name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// generations3D counts the 3D generations the simulator was asked for.
func (h *harness) generations3D() int {
	n := 0
	for _, r := range h.sim.Requests() {
		if strings.HasPrefix(r.Path, "/3d/") && r.Path != "/3d/models" {
			n++
		}
	}
	return n
}

func TestModel3DWritesAModelAndALibraryItem(t *testing.T) {
	h := newHarness(t)
	h.env["POLLINATIONS_MEDIA_URL"] = h.sim.URL()
	chair := h.picture("chair.png")
	for _, tc := range []struct {
		name    string
		args    []string
		out     string
		ct      string
		cost    float64
		prompt  string
		uploads int
	}{
		{"local file", []string{"--image", chair, "--resolution", "medium"}, "chair.glb", "model/gltf-binary", 0.29, "chair", 1},
		{"the same file: no second upload", []string{"a wooden chair", "--image", chair}, "chair2.glb", "model/gltf-binary", 0.24, "a wooden chair", 1},
		{"url", []string{"--image", "https://example.com/lamp.jpg", "--resolution", "high"}, "lamp.glb", "model/gltf-binary", 0.35, "lamp", 1},
		{"text only", []string{"a", "teapot", "--model", "rodin"}, "teapot.glb", "model/gltf-binary", 0.1, "a teapot", 1},
		{"ply", []string{"--image", "https://example.com/vase.png", "--model", "nvidia/asset-harvester"}, "vase.ply", "application/ply", 0.25, "vase", 1},
	} {
		out := h.path(tc.out)
		code, stdout, stderr := h.run(append([]string{"model3d", "-o", out, "--json"}, tc.args...)...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", tc.name, code, stderr)
		}
		var it struct {
			Kind, Prompt, ContentType string
			Cost                      float64
			HostedURL                 string `json:"hosted_url"`
			Params                    map[string]any
		}
		if err := json.Unmarshal([]byte(stdout), &it); err != nil {
			t.Fatalf("%s: %v: %s", tc.name, err, stdout)
		}
		var raw map[string]any
		json.Unmarshal([]byte(stdout), &raw)
		if it.Kind != "3d" || it.Prompt != tc.prompt || raw["content_type"] != tc.ct || !near3D(it.Cost, tc.cost) ||
			!strings.HasPrefix(it.HostedURL, "https://media.pollinations.ai/") {
			t.Errorf("%s: item %s", tc.name, stdout)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if tc.ct == "model/gltf-binary" {
			if m, err := mesh.ParseGLB(data); err != nil || m.Triangles() == 0 {
				t.Errorf("%s: %s is not a mesh: %v", tc.name, tc.out, err)
			}
		} else if !bytes.HasPrefix(data, []byte("ply\n")) {
			t.Errorf("%s: %s is not a PLY", tc.name, tc.out)
		}
		if n := h.sim.Uploads(); n != tc.uploads {
			t.Errorf("%s: %d uploads, want %d", tc.name, n, tc.uploads)
		}
		// The upload is said while it happens (only the first run of the file uploads).
		if said := strings.Contains(stderr, "uploading the file"); said != (tc.name == "local file") {
			t.Errorf("%s: upload progress shown %v: %s", tc.name, said, stderr)
		}
	}
}

func near3D(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// What the service would refuse exits 2, and an output that cannot be written 1, before
// anything is uploaded or generated; no file is left.
func TestModel3DRefusesBeforePaying(t *testing.T) {
	h := newHarness(t)
	h.env["POLLINATIONS_MEDIA_URL"] = h.sim.URL()
	notes := h.path("notes.png")
	os.WriteFile(notes, []byte("not a picture at all"), 0o644)
	pic := h.picture("ok.png")
	out := h.path("out.glb")
	for _, args := range [][]string{
		{"-o", out},
		{"--image", pic},
		{"--image", notes, "-o", out},
		{"--image", h.path("missing.png"), "-o", out},
		{"a chair", "-o", out},                                             // trellis needs a picture
		{"a chair", "--model", "rodin", "--resolution", "high", "-o", out}, // rodin takes no resolution
		{"--image", pic, "--resolution", "ultra", "-o", out},
		{"--image", pic, "--model", "no-such-model", "-o", out},
	} {
		code, stdout, stderr := h.run(append([]string{"model3d"}, args...)...)
		if code != ExitUsage || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	// An output folder that does not exist: a file error, found as early.
	if code, _, stderr := h.run("model3d", "--image", pic, "-o", h.path("no such folder/out.glb")); code != ExitFailure {
		t.Errorf("missing folder: exit %d: %s", code, stderr)
	}
	if h.sim.Uploads() != 0 || h.generations3D() != 0 {
		t.Fatalf("%d uploads, %d generations", h.sim.Uploads(), h.generations3D())
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused command left a file")
	}
}

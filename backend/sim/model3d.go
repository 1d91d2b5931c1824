package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pollinations-studio/internal/mesh"
)

// 3D generation: GET and POST /3d/{prompt}, GET /3d/models (docs/api.md).
// Results are small meshes made in code, deterministic for (model, prompt, image, resolution,
// seed): an icosphere dented by the request's hash, as GLB, or as an ASCII PLY point cloud
// for nvidia/asset-harvester (the real one returns Gaussian splats as PLY).

const default3DModel = "microsoft/trellis-2"

// trellisPrices are microsoft/trellis-2's flat prices per resolution.
var trellisPrices = map[string]float64{"low": 0.24, "medium": 0.29, "high": 0.35}

// models3D is the 3D catalogue. It is built per call: the simulator keeps no globals, and the
// list is three entries.
func models3D() []*model {
	m3 := func(name, title, publisher, desc string, price float64, paid bool, in []string, aliases ...string) *model {
		return &model{Name: name, Aliases: aliases, Category: "3d", Title: title, Publisher: publisher,
			Description: desc, PaidOnly: paid,
			Pricing: map[string]string{"currency": "pollen", "completion3dModels": priceString(price)}, FlatRate: boolPtr(true),
			InputModalities: in, OutputModalities: []string{"3d"}, SupportedEndpoints: []string{"/3d/{prompt}"},
			MaxReferenceImages: 1, price: price, unit: "generation", kind: "3d"}
	}
	trellis := m3(default3DModel, "Trellis 2", "Microsoft", "Image-to-3D generation with selectable output detail",
		trellisPrices["low"], false, []string{"image"}, "trellis-2-low", "trellis-2-medium", "trellis-2-high", "trellis-2")
	trellis.Resolutions = []string{"low", "medium", "high"}
	trellis.PricingVariants = map[string]any{}
	for res, p := range trellisPrices {
		trellis.PricingVariants[res] = map[string]string{"completion3dModels": priceString(p)}
	}
	return []*model{
		trellis,
		// The docs call asset-harvester Paid Pollen; the registry does not mark it paid-only,
		// and the simulator follows the registry.
		m3("nvidia/asset-harvester", "NVIDIA Asset Harvester", "NVIDIA", "Image-to-3D Gaussian Splat (PLY)",
			0.25, false, []string{"image"}, "asset-harvester"),
		m3("hyper3d/rodin-2.5", "Hyper3D Rodin 2.5", "Hyper3D", "Textured 3D models from an image or a text prompt",
			0.1, true, []string{"text", "image"}, "rodin", "hyper3d-rodin"),
	}
}

// find3D resolves a 3D model name or alias.
func find3D(list []*model, name string) *model {
	for _, m := range list {
		if m.Name == name || contains(m.Aliases, name) {
			return m
		}
	}
	return nil
}

// route3D dispatches everything under /3d/.
func (s *Server) route3D(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet:
		s.handle3DGET(w, r)
	case r.Method == http.MethodPost:
		s.handle3DPOST(w, r)
	default:
		writeError(w, http.StatusMethodNotAllowed, "Method not allowed", nil)
	}
}

// params3D is a validated 3D request.
type params3D struct {
	prompt     string
	model      *model
	images     []string
	resolution string // "" when not given
	seed       int64
}

// invalid3DModel writes the zod enum error for an unknown model.
func invalid3DModel(w http.ResponseWriter, list []*model) {
	var names []string
	for _, m := range list {
		names = append(names, `"`+m.Name+`"`)
		for _, a := range m.Aliases {
			names = append(names, `"`+a+`"`)
		}
	}
	badRequest(w, "model", "Invalid option: expected one of "+strings.Join(names, "|"))
}

// handle3DGET is GET /3d/{prompt}?model&image&resolution&seed&safe.
func (s *Server) handle3DGET(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	prompt, ok := pathPrompt(w, r, "/3d/")
	if !ok {
		return
	}
	q := r.URL.Query()
	list := models3D()
	name := q.Get("model")
	if name == "" {
		name = default3DModel
	}
	m := find3D(list, name)
	if m == nil {
		invalid3DModel(w, list)
		return
	}
	p := params3D{prompt: prompt, model: m, resolution: q.Get("resolution")}
	if v := q.Get("seed"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			badRequest(w, "seed", "Invalid input: expected int, received NaN")
			return
		}
		p.seed = n
	}
	safe := q.Get("safe")
	if safe == "" {
		safe = r.Header.Get("Pollinations-Safe")
	}
	if !validSafe.MatchString(safe) {
		badRequest(w, "safe", "Invalid safety option")
		return
	}
	if v := q.Get("image"); v != "" {
		sep := ","
		if strings.Contains(v, "|") {
			sep = "|"
		}
		for _, u := range strings.Split(v, sep) {
			if u == "" {
				continue
			}
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				badRequest(w, "image", "Invalid image URL. Put image= param last in your URL, or URL-encode it.")
				return
			}
			p.images = append(p.images, u)
		}
	}
	s.run3D(w, r, a, p, "GET "+r.URL.EscapedPath()+"?"+canonicalQuery(q))
}

// handle3DPOST is POST /3d/{prompt} with the strict JSON body {model, image, resolution, seed}.
func (s *Server) handle3DPOST(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	prompt, ok := pathPrompt(w, r, "/3d/")
	if !ok {
		return
	}
	var body struct {
		Model      *string         `json:"model"`
		Image      json.RawMessage `json:"image"`
		Resolution *string         `json:"resolution"`
		Seed       *int64          `json:"seed"`
	}
	dec := json.NewDecoder(bytes.NewReader(requestBody(r)))
	dec.DisallowUnknownFields() // the schema is .strict()
	if err := dec.Decode(&body); err != nil {
		msg := "Invalid JSON body"
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			msg = "Unrecognized key: " + strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		badRequest(w, "", msg)
		return
	}
	if dec.More() {
		badRequest(w, "", "Invalid JSON body")
		return
	}
	list := models3D()
	name := default3DModel
	if body.Model != nil {
		name = *body.Model
	}
	m := find3D(list, name)
	if m == nil {
		invalid3DModel(w, list)
		return
	}
	p := params3D{prompt: prompt, model: m}
	if body.Resolution != nil {
		p.resolution = *body.Resolution
		if p.resolution == "" {
			p.resolution = "-" // an empty string is not one of the options
		}
	}
	if body.Seed != nil {
		p.seed = *body.Seed
	}
	var one string
	var many []string
	switch {
	case len(body.Image) == 0 || string(body.Image) == "null":
	case json.Unmarshal(body.Image, &one) == nil:
		many = []string{one} // a string is one whole URL, commas and all
	case json.Unmarshal(body.Image, &many) == nil:
	default:
		badRequest(w, "image", "Invalid input: expected string or array of strings")
		return
	}
	for _, u := range many {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			badRequest(w, "image", "Invalid image URL.")
			return
		}
	}
	p.images = many
	s.run3D(w, r, a, p, "POST "+r.URL.EscapedPath()+" "+sha(requestBody(r)))
}

// run3D checks what the shared parsing left (resolution, image input), prices and runs the
// generation.
func (s *Server) run3D(w http.ResponseWriter, r *http.Request, a *account, p params3D, cacheKey string) {
	m := p.model
	if p.resolution != "" {
		if !contains([]string{"low", "medium", "high"}, p.resolution) {
			badRequest(w, "resolution", `Invalid option: expected one of "low"|"medium"|"high"`)
			return
		}
		if len(m.Resolutions) == 0 {
			badRequest(w, "resolution", m.Name+" does not accept a resolution parameter.")
			return
		}
	}
	if len(p.images) == 0 && !contains(m.InputModalities, "text") {
		badRequest(w, "image", m.Name+" needs an input image: pass image=<URL>.")
		return
	}
	if len(p.images) > m.MaxReferenceImages {
		badRequest(w, "image", fmt.Sprintf("Model %s accepts at most %d reference image", m.Name, m.MaxReferenceImages))
		return
	}
	if moderated(p.prompt) {
		writeModerated(w)
		return
	}
	res := p.resolution
	if res == "" {
		res = "low"
	}
	cost := m.price
	if len(m.Resolutions) > 0 {
		cost = trellisPrices[res]
	}
	seed := p.seed
	if seed == -1 {
		seed = time.Now().UnixNano() & 0x7fffffff
	}
	// Real runs take tens of seconds; more detail takes longer.
	lat := map[string]time.Duration{"low": 25 * time.Second, "medium": 35 * time.Second, "high": 50 * time.Second}[res]
	s.run(w, r, a, job{route: "3d", m: m, estimate: cost, cacheKey: cacheKey, latency: lat,
		produce: func() (*result, error) {
			sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%d", m.Name, p.prompt, strings.Join(p.images, "|"), res, seed)))
			detail := map[string]int{"low": 2, "medium": 3, "high": 4}[res]
			shape := blob(sum, detail)
			h := http.Header{}
			usageHeaders(h, m, "completion-image-tokens", 1)
			var data []byte
			ext := "glb"
			if m.Name == "nvidia/asset-harvester" {
				data, ext = plyPoints(shape), "ply"
				h.Set("Content-Type", "application/ply")
			} else {
				var buf bytes.Buffer
				if err := mesh.WriteGLB(&buf, shape); err != nil {
					return nil, err
				}
				data = buf.Bytes()
				h.Set("Content-Type", "model/gltf-binary")
			}
			id := sha256.Sum256(data)
			h.Set("Link", `<https://media.pollinations.ai/`+hex.EncodeToString(id[:8])+`>; rel="enclosure"`)
			h.Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", slug(p.prompt)+"."+ext))
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			return &result{status: 200, header: h, chunks: chunk(data, 32<<10), cost: cost}, nil
		}})
}

// blob is an icosphere pushed in and out by a few waves whose directions, frequencies and
// phases come from sum, coloured from sum too.
func blob(sum [32]byte, subdiv int) *mesh.Mesh {
	m := mesh.Icosphere(subdiv)
	type wave struct{ dx, dy, dz, f, ph, amp float64 }
	var waves [4]wave
	for i := range waves {
		b := sum[4+i*6:]
		dx, dy, dz := float64(b[0])-127.5, float64(b[1])-127.5, float64(b[2])-127.5
		l := math.Max(math.Sqrt(dx*dx+dy*dy+dz*dz), 1)
		waves[i] = wave{dx / l, dy / l, dz / l, 1 + float64(b[3]%4), float64(b[4]) / 255 * 2 * math.Pi, 0.05 + float64(b[5])/255*0.12}
	}
	// Stretch along one axis so that the shape has a long side.
	stretch := [3]float64{1, 1, 1}
	stretch[sum[30]%3] = 1.2 + float64(sum[31])/255*0.6
	for v := 0; v < m.Vertices(); v++ {
		p := m.Positions[3*v : 3*v+3]
		x, y, z := float64(p[0]), float64(p[1]), float64(p[2])
		k := 1.0
		for _, wv := range waves {
			k += wv.amp * math.Sin(wv.f*(x*wv.dx+y*wv.dy+z*wv.dz)*math.Pi+wv.ph)
		}
		p[0], p[1], p[2] = float32(x*k*stretch[0]), float32(y*k*stretch[1]), float32(z*k*stretch[2])
	}
	m.ComputeNormals()
	m.BaseColor = [4]float32{0.3 + float32(sum[0])/255*0.7, 0.3 + float32(sum[1])/255*0.7, 0.3 + float32(sum[2])/255*0.7, 1}
	return m
}

// plyPoints writes the mesh's vertices as an ASCII PLY point cloud with normals and colour.
func plyPoints(m *mesh.Mesh) []byte {
	var b bytes.Buffer
	n := m.Vertices()
	fmt.Fprintf(&b, "ply\nformat ascii 1.0\ncomment pollinations simulator\nelement vertex %d\n", n)
	b.WriteString("property float x\nproperty float y\nproperty float z\nproperty float nx\nproperty float ny\nproperty float nz\n")
	b.WriteString("property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n")
	c := m.BaseColor
	r, g, bl := uint8(c[0]*255), uint8(c[1]*255), uint8(c[2]*255)
	for v := 0; v < n; v++ {
		p, q := m.Positions[3*v:3*v+3], m.Normals[3*v:3*v+3]
		fmt.Fprintf(&b, "%.5f %.5f %.5f %.4f %.4f %.4f %d %d %d\n", p[0], p[1], p[2], q[0], q[1], q[2], r, g, bl)
	}
	return b.Bytes()
}

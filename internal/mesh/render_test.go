package mesh

import (
	"image"
	"image/color"
	"math"
	"testing"
)

var black = color.RGBA{0, 0, 0, 255}

// silhouette is the bounding box of the pixels that are not the background.
func silhouette(img *image.RGBA, bg color.RGBA) image.Rectangle {
	var r image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y) != bg {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

func lum(c color.RGBA) int { return int(c.R) + int(c.G) + int(c.B) }

func TestRenderSilhouette(t *testing.T) {
	box := Box(2, 1, 0.5) // long in x, short in z
	r := NewRenderer(128, 128)
	front := silhouette(r.Render(box, 0, 0, black), black)
	if front.Dx() < 3*front.Dy()/2 {
		t.Errorf("seen from the front the box should be wide: %v", front)
	}
	if c := r.img.RGBAAt(64, 64); c == black || lum(c) == 0 {
		t.Errorf("centre pixel is background: %v", c)
	}
	side := silhouette(r.Render(box, math.Pi/2, 0, black), black)
	if side.Dy() < 3*side.Dx()/2 {
		t.Errorf("seen from the side the box should be tall: %v", side)
	}
	// Fitted: the longest view fills most of the image but stays inside it.
	if front.Dx() < 64 || front.Min.X <= 0 || front.Max.X >= 128 {
		t.Errorf("front view not fitted: %v", front)
	}
}

func TestRenderLighting(t *testing.T) {
	// A cube turned 45°: the left face (towards the light, which comes from the upper left)
	// must be brighter than the right one.
	cube := Box(1, 1, 1)
	cube.BaseColor = [4]float32{0.8, 0.8, 0.8, 1}
	r := NewRenderer(128, 128)
	img := r.Render(cube, math.Pi/4, 0, black)
	left, right := img.RGBAAt(64-15, 64), img.RGBAAt(64+15, 64)
	if left == black || right == black {
		t.Fatalf("faces not drawn: left %v right %v", left, right)
	}
	if lum(left) <= lum(right) {
		t.Errorf("lit face %v not brighter than the one facing away %v", left, right)
	}
	// Without normals the renderer shades flat from the winding, the same way round.
	cube.Normals = nil
	img = r.Render(cube, math.Pi/4, 0, black)
	if l, rr := img.RGBAAt(64-15, 64), img.RGBAAt(64+15, 64); lum(l) <= lum(rr) || rr == black {
		t.Errorf("flat shading: left %v right %v", l, rr)
	}
	// Base colour is used: a red mesh draws red.
	cube.BaseColor = [4]float32{1, 0, 0, 1}
	if c := r.Render(cube, 0, 0, black).RGBAAt(64, 64); c.R == 0 || c.G != 0 || c.B != 0 {
		t.Errorf("red mesh drew %v", c)
	}
}

// TestRenderBackFaceCulling: a single triangle seen from behind is not drawn.
func TestRenderBackFaceCulling(t *testing.T) {
	tri := &Mesh{Positions: []float32{-1, -1, 0, 1, -1, 0, 0, 1, 0}, Indices: []uint32{0, 1, 2}, BaseColor: [4]float32{1, 1, 1, 1}}
	r := NewRenderer(64, 64)
	if c := r.Render(tri, 0, 0, black).RGBAAt(32, 32); c == black {
		t.Errorf("front face not drawn")
	}
	if s := silhouette(r.Render(tri, math.Pi, 0, black), black); !s.Empty() {
		t.Errorf("back face drawn: %v", s)
	}
}

// TestRenderDepth: of two overlapping quads, the nearer one wins whatever the draw order.
// The near quad's normals face the light (bright), the far one's face away (ambient only).
func TestRenderDepth(t *testing.T) {
	quad := func(m *Mesh, z, nx, ny, nz float32) {
		base := uint32(m.Vertices())
		m.Positions = append(m.Positions, -1, -1, z, 1, -1, z, 1, 1, z, -1, 1, z)
		for v := 0; v < 4; v++ {
			m.Normals = append(m.Normals, nx, ny, nz)
		}
		m.Indices = append(m.Indices, base, base+1, base+2, base, base+2, base+3)
	}
	L := lightDir
	for _, nearFirst := range []bool{true, false} {
		m := &Mesh{BaseColor: [4]float32{1, 1, 1, 1}}
		if nearFirst {
			quad(m, 1, L[0], L[1], L[2])
			quad(m, -1, -L[0], -L[1], L[2])
		} else {
			quad(m, -1, -L[0], -L[1], L[2])
			quad(m, 1, L[0], L[1], L[2])
		}
		c := NewRenderer(32, 32).Render(m, 0, 0, black).RGBAAt(16, 16)
		if c.R < 250 {
			t.Errorf("near first %v: the far quad shows through: %v", nearFirst, c)
		}
	}
}

func TestRenderHostileMesh(t *testing.T) {
	r := NewRenderer(32, 32)
	for name, m := range map[string]*Mesh{
		"nil":         nil,
		"empty":       {},
		"bad index":   {Positions: []float32{0, 0, 0, 1, 0, 0, 0, 1, 0}, Indices: []uint32{0, 1, 9}},
		"short index": {Positions: []float32{0, 0, 0, 1, 0, 0, 0, 1, 0}, Indices: []uint32{0, 1}},
		"nan":         {Positions: []float32{float32(math.NaN()), 0, 0, 1, 0, 0, 0, 1, 0}, Indices: []uint32{0, 1, 2}},
		"inf":         {Positions: []float32{float32(math.Inf(1)), 0, 0, 1, 0, 0, 0, 1, 0}, Indices: []uint32{0, 1, 2}},
		"point":       {Positions: []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}, Indices: []uint32{0, 1, 2}},
		"odd normals": {Positions: []float32{0, 0, 0, 1, 0, 0, 0, 1, 0}, Normals: []float32{1}, Indices: []uint32{0, 1, 2}},
	} {
		t.Run(name, func(t *testing.T) { r.Render(m, 0.5, 0.5, black) })
	}
	if img := Render(Box(1, 1, 1), 0, 0, -5, 10, nil); img.Bounds().Dx() != 1 {
		t.Errorf("a 0×0 request should give a 1×1 image, got %v", img.Bounds())
	}
}

func TestRenderAllocs(t *testing.T) {
	m := Sphere(100, 50)
	r := NewRenderer(128, 128)
	var bg color.Color = black // converted once: a colour in an interface is itself an allocation
	r.Render(m, 0, 0, bg)
	if n := testing.AllocsPerRun(20, func() { r.Render(m, 0.1, 0.2, bg) }); n > 0 {
		t.Errorf("%v allocations per frame in steady state", n)
	}
}

// bench50k is a 50 000-triangle sphere.
func bench50k(b *testing.B) *Mesh {
	m := Sphere(250, 101)
	if m.Triangles() != 50000 {
		b.Fatalf("%d triangles", m.Triangles())
	}
	return m
}

// BenchmarkRender50k draws a 50 000-triangle mesh at 512×512, turning it a little per frame.
func BenchmarkRender50k(b *testing.B) {
	m := bench50k(b)
	r := NewRenderer(512, 512)
	var bg color.Color = black
	r.Render(m, 0, 0, bg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Render(m, float64(i)*0.05, 0.3, bg)
	}
	b.ReportMetric(float64(r.Bytes())/(1<<20), "MB-held")
}

// BenchmarkRenderClearOnly is the baseline: the same frame with no triangles, i.e. clearing
// the image and depth buffer (and projecting the vertices).
func BenchmarkRenderClearOnly(b *testing.B) {
	m := bench50k(b)
	empty := &Mesh{Positions: m.Positions, Normals: m.Normals, BaseColor: m.BaseColor}
	r := NewRenderer(512, 512)
	var bg color.Color = black
	r.Render(empty, 0, 0, bg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Render(empty, float64(i)*0.05, 0.3, bg)
	}
}

package mesh

import (
	"image"
	"image/color"
	"math"
	"runtime"
	"sync"
)

// Lighting: one directional light from the upper left, in front of the model, plus ambient.
// The light is fixed to the camera, so every side of a turning model gets lit in turn.
const (
	ambient = 0.22
	diffuse = 0.78
)

var lightDir = func() [3]float32 {
	v := []float32{-0.4, 0.5, 0.8}
	normalize(v)
	return [3]float32{v[0], v[1], v[2]}
}()

// MaxRenderSide bounds the width and height a Renderer draws.
const MaxRenderSide = 8192

// Renderer draws meshes into an image it keeps, reusing its buffers from frame to frame: in
// steady state a frame allocates nothing. The work is split into horizontal bands drawn in
// parallel. A Renderer is not safe for concurrent use.
type Renderer struct {
	w, h  int
	img   *image.RGBA
	depth []float32

	// Per vertex, for the current frame: screen x, y (pixels, y down), depth (larger is
	// nearer) and light level.
	sx, sy, sz, lum []float32

	bands int
	jobs  []func()
	wg    sync.WaitGroup

	// The frame being drawn.
	m                      *Mesh
	phase                  int // 0: vertices, 1: rasterise
	rot                    [9]float32
	cx, cy, cz, scale      float32
	bg                     [4]uint8
	colR, colG, colB, colA float32
}

// NewRenderer makes a renderer for w×h images (each clamped to 1..MaxRenderSide).
func NewRenderer(w, h int) *Renderer {
	w, h = min(max(w, 1), MaxRenderSide), min(max(h, 1), MaxRenderSide)
	r := &Renderer{w: w, h: h, img: image.NewRGBA(image.Rect(0, 0, w, h)), depth: make([]float32, w*h)}
	r.bands = min(max(2*runtime.GOMAXPROCS(0), 1), 16, h)
	r.jobs = make([]func(), r.bands)
	for i := range r.jobs {
		r.jobs[i] = func() {
			r.work(i)
			r.wg.Done()
		}
	}
	return r
}

// Render draws m once into a new w×h image. To draw many frames, keep a Renderer.
func Render(m *Mesh, w, h int, yaw, pitch float64, bg color.Color) *image.RGBA {
	return NewRenderer(w, h).Render(m, yaw, pitch, bg)
}

// Bytes is the memory the renderer holds: image, depth buffer and per-vertex arrays.
func (r *Renderer) Bytes() int {
	return len(r.img.Pix) + 4*len(r.depth) + 4*(cap(r.sx)+cap(r.sy)+cap(r.sz)+cap(r.lum))
}

// Render draws m turned by yaw (about the vertical axis) then pitch (about the horizontal
// one), in radians, over bg, with an orthographic camera fitted to the mesh's bounding box
// so that it fills the view at any angle. The image is the renderer's own, valid until the
// next call. Triangles with out-of-range indices are skipped; back faces are culled.
func (r *Renderer) Render(m *Mesh, yaw, pitch float64, bg color.Color) *image.RGBA {
	if m == nil {
		m = &Mesh{}
	}
	if bg == nil {
		bg = color.Transparent
	}
	br, bgg, bb, ba := bg.RGBA()
	r.bg = [4]uint8{uint8(br >> 8), uint8(bgg >> 8), uint8(bb >> 8), uint8(ba >> 8)}
	r.m = m
	nv := m.Vertices()
	if cap(r.sx) < nv {
		r.sx, r.sy, r.sz, r.lum = make([]float32, nv), make([]float32, nv), make([]float32, nv), make([]float32, nv)
	}
	r.sx, r.sy, r.sz, r.lum = r.sx[:nv], r.sy[:nv], r.sz[:nv], r.lum[:nv]

	// Fit: the bounding box's centre to the image centre, its half-diagonal (the radius of a
	// sphere holding it, whatever the angle) to just under half the shorter side.
	lo := [3]float32{float32(math.Inf(1)), float32(math.Inf(1)), float32(math.Inf(1))}
	hi := [3]float32{float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1))}
	p := m.Positions[:3*nv]
	for i := 0; i < len(p); i += 3 {
		lo[0], hi[0] = min(lo[0], p[i]), max(hi[0], p[i])
		lo[1], hi[1] = min(lo[1], p[i+1]), max(hi[1], p[i+1])
		lo[2], hi[2] = min(lo[2], p[i+2]), max(hi[2], p[i+2])
	}
	r.cx, r.cy, r.cz = (lo[0]+hi[0])/2, (lo[1]+hi[1])/2, (lo[2]+hi[2])/2
	dx, dy, dz := float64(hi[0]-lo[0]), float64(hi[1]-lo[1]), float64(hi[2]-lo[2])
	radius := math.Sqrt(dx*dx+dy*dy+dz*dz) / 2
	r.scale = 1
	if radius > 0 && !math.IsInf(radius, 0) && !math.IsNaN(radius) {
		r.scale = float32(0.47 * float64(min(r.w, r.h)) / radius)
	}
	// rot = Rx(pitch)·Ry(yaw), row-major.
	cyw, syw := math.Cos(yaw), math.Sin(yaw)
	cp, sp := math.Cos(pitch), math.Sin(pitch)
	r.rot = [9]float32{
		float32(cyw), 0, float32(syw),
		float32(sp * syw), float32(cp), float32(-sp * cyw),
		float32(-cp * syw), float32(sp), float32(cp * cyw),
	}
	c := m.BaseColor
	r.colR, r.colG, r.colB, r.colA = 255*clamp01(c[0]), 255*clamp01(c[1]), 255*clamp01(c[2]), 255*clamp01(c[3])

	r.run(0)
	r.run(1)
	r.m = nil
	return r.img
}

func clamp01(v float32) float32 {
	if !(v > 0) {
		return 0
	}
	return min(v, 1)
}

// run does one phase in every band and waits for all of them.
func (r *Renderer) run(phase int) {
	r.phase = phase
	r.wg.Add(len(r.jobs))
	for _, j := range r.jobs[1:] {
		go j()
	}
	r.jobs[0]()
	r.wg.Wait()
}

func (r *Renderer) work(band int) {
	if r.phase == 0 {
		nv := len(r.sx)
		r.vertices(nv*band/r.bands, nv*(band+1)/r.bands)
		return
	}
	r.raster(r.h*band/r.bands, r.h*(band+1)/r.bands)
}

// vertices projects vertices [from, to) and lights them.
func (r *Renderer) vertices(from, to int) {
	p, n := r.m.Positions, r.m.Normals
	hasN := len(n) == len(p)
	R := &r.rot
	s, hw, hh := r.scale, float32(r.w)/2, float32(r.h)/2
	L := lightDir
	for i := from; i < to; i++ {
		x, y, z := p[3*i]-r.cx, p[3*i+1]-r.cy, p[3*i+2]-r.cz
		vx := R[0]*x + R[1]*y + R[2]*z
		vy := R[3]*x + R[4]*y + R[5]*z
		vz := R[6]*x + R[7]*y + R[8]*z
		r.sx[i], r.sy[i], r.sz[i] = hw+s*vx, hh-s*vy, s*vz
		if hasN {
			nx, ny, nz := n[3*i], n[3*i+1], n[3*i+2]
			wx := R[0]*nx + R[1]*ny + R[2]*nz
			wy := R[3]*nx + R[4]*ny + R[5]*nz
			wz := R[6]*nx + R[7]*ny + R[8]*nz
			r.lum[i] = ambient + diffuse*max(0, wx*L[0]+wy*L[1]+wz*L[2])
		}
	}
}

// raster clears rows [y0, y1) and draws every front-facing triangle's part of them.
func (r *Renderer) raster(y0, y1 int) {
	w := r.w
	pix := r.img.Pix[4*w*y0 : 4*w*y1]
	for i := 0; i < 4*w && i < len(pix); i += 4 {
		pix[i], pix[i+1], pix[i+2], pix[i+3] = r.bg[0], r.bg[1], r.bg[2], r.bg[3]
	}
	for done := 4 * w; done < len(pix); done *= 2 {
		copy(pix[done:], pix[:done])
	}
	depth := r.depth[w*y0 : w*y1]
	inf := float32(math.Inf(-1))
	for i := range depth {
		depth[i] = inf
	}

	m := r.m
	idx := m.Indices[:len(m.Indices)-len(m.Indices)%3]
	nv := uint32(len(r.sx))
	hasN := len(m.Normals) == len(m.Positions)
	sx, sy, sz, lum := r.sx, r.sy, r.sz, r.lum
	fy0, fy1 := float32(y0), float32(y1)
	L := lightDir
	cR, cG, cB, cA := r.colR, r.colG, r.colB, r.colA
	for t := 0; t < len(idx); t += 3 {
		a, b, c := idx[t], idx[t+1], idx[t+2]
		if a >= nv || b >= nv || c >= nv {
			continue
		}
		ay, by, cy := sy[a], sy[b], sy[c]
		minY, maxY := min(ay, by, cy), max(ay, by, cy)
		if maxY < fy0 || minY >= fy1 {
			continue // not in this band (also drops NaN)
		}
		ax, bx, cx := sx[a], sx[b], sx[c]
		// Counter-clockwise in the world is clockwise on screen (y points down): a front
		// face has a negative area here.
		area := (bx-ax)*(cy-ay) - (cx-ax)*(by-ay)
		if !(area < 0) {
			continue
		}
		// Swap to a positive orientation, so that inside means all edge functions ≥ 0.
		b, c = c, b
		bx, cx, by, cy = cx, bx, cy, by
		area = -area
		inv := 1 / area
		az, bz, cz := sz[a], sz[b], sz[c]
		var la, lb, lc float32
		if hasN {
			la, lb, lc = lum[a], lum[b], lum[c]
		} else {
			// Flat shading from the face normal in view space (screen y flipped back).
			e1x, e1y, e1z := bx-ax, -(by - ay), bz-az
			e2x, e2y, e2z := cx-ax, -(cy - ay), cz-az
			nx, ny, nz := e2y*e1z-e2z*e1y, e2z*e1x-e2x*e1z, e2x*e1y-e2y*e1x
			l := float32(math.Sqrt(float64(nx*nx + ny*ny + nz*nz)))
			v := float32(ambient)
			if l > 0 {
				v += diffuse * max(0, (nx*L[0]+ny*L[1]+nz*L[2])/l)
			}
			la, lb, lc = v, v, v
		}
		// Pixel centres (x+0.5, y+0.5) inside the bounding box, clipped to the band.
		ry0 := max(int(math.Ceil(float64(minY-0.5))), y0)
		ry1 := min(int(math.Floor(float64(maxY-0.5))), y1-1)
		minX, maxX := min(ax, bx, cx), max(ax, bx, cx)
		rx0 := max(int(math.Ceil(float64(minX-0.5))), 0)
		rx1 := min(int(math.Floor(float64(maxX-0.5))), w-1)
		if rx0 > rx1 || ry0 > ry1 {
			continue
		}
		// Edge functions: e0 is opposite a, e1 opposite b, e2 opposite c.
		e0dx, e1dx, e2dx := -(cy - by), -(ay - cy), -(by - ay)
		e0dy, e1dy, e2dy := cx-bx, ax-cx, bx-ax
		px, py := float32(rx0)+0.5, float32(ry0)+0.5
		r0 := (cx-bx)*(py-by) - (cy-by)*(px-bx)
		r1 := (ax-cx)*(py-cy) - (ay-cy)*(px-cx)
		r2 := (bx-ax)*(py-ay) - (by-ay)*(px-ax)
		for y := ry0; y <= ry1; y++ {
			e0, e1, e2 := r0, r1, r2
			row := (y - y0) * w
			for x := rx0; x <= rx1; x++ {
				if e0 >= 0 && e1 >= 0 && e2 >= 0 {
					l0, l1, l2 := e0*inv, e1*inv, e2*inv
					z := l0*az + l1*bz + l2*cz
					if o := row + x; z > depth[o] {
						depth[o] = z
						li := l0*la + l1*lb + l2*lc
						q := pix[4*o : 4*o+4 : 4*o+4]
						q[0], q[1], q[2], q[3] = to8(cR*li), to8(cG*li), to8(cB*li), to8(cA)
					}
				}
				e0 += e0dx
				e1 += e1dx
				e2 += e2dx
			}
			r0 += e0dy
			r1 += e1dy
			r2 += e2dy
		}
	}
}

func to8(v float32) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

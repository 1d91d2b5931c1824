package mesh

import "math"

// Box is an axis-aligned box centred on the origin with the given side lengths: 24 vertices
// (four per face, so each face has its own normal) and 12 triangles, wound counter-clockwise
// seen from outside.
func Box(sx, sy, sz float32) *Mesh {
	hx, hy, hz := sx/2, sy/2, sz/2
	m := &Mesh{BaseColor: [4]float32{1, 1, 1, 1}}
	face := func(nx, ny, nz float32, corners [4][3]float32) {
		base := uint32(m.Vertices())
		for _, c := range corners {
			m.Positions = append(m.Positions, c[0]*hx, c[1]*hy, c[2]*hz)
			m.Normals = append(m.Normals, nx, ny, nz)
		}
		m.Indices = append(m.Indices, base, base+1, base+2, base, base+2, base+3)
	}
	face(1, 0, 0, [4][3]float32{{1, -1, 1}, {1, -1, -1}, {1, 1, -1}, {1, 1, 1}})
	face(-1, 0, 0, [4][3]float32{{-1, -1, -1}, {-1, -1, 1}, {-1, 1, 1}, {-1, 1, -1}})
	face(0, 1, 0, [4][3]float32{{-1, 1, 1}, {1, 1, 1}, {1, 1, -1}, {-1, 1, -1}})
	face(0, -1, 0, [4][3]float32{{-1, -1, -1}, {1, -1, -1}, {1, -1, 1}, {-1, -1, 1}})
	face(0, 0, 1, [4][3]float32{{-1, -1, 1}, {1, -1, 1}, {1, 1, 1}, {-1, 1, 1}})
	face(0, 0, -1, [4][3]float32{{1, -1, -1}, {-1, -1, -1}, {-1, 1, -1}, {1, 1, -1}})
	return m
}

// Sphere is a UV sphere of radius 1: segments around (at least 3), rings from pole to pole
// (at least 2), 2·segments·(rings−1) triangles.
func Sphere(segments, rings int) *Mesh {
	segments, rings = max(segments, 3), max(rings, 2)
	m := &Mesh{BaseColor: [4]float32{1, 1, 1, 1}}
	for r := 0; r <= rings; r++ {
		phi := math.Pi * float64(r) / float64(rings)
		for s := 0; s <= segments; s++ {
			th := 2 * math.Pi * float64(s) / float64(segments)
			x, y, z := float32(math.Sin(phi)*math.Cos(th)), float32(math.Cos(phi)), float32(-math.Sin(phi)*math.Sin(th))
			m.Positions = append(m.Positions, x, y, z)
			m.Normals = append(m.Normals, x, y, z)
		}
	}
	row := uint32(segments + 1)
	for r := 0; r < rings; r++ {
		for s := 0; s < segments; s++ {
			a := uint32(r)*row + uint32(s)
			b, c, d := a+row, a+row+1, a+1
			if r > 0 {
				m.Indices = append(m.Indices, a, b, d)
			}
			if r < rings-1 {
				m.Indices = append(m.Indices, d, b, c)
			}
		}
	}
	return m
}

// Icosphere is a unit sphere made by subdividing an icosahedron subdiv times (capped at 7):
// 20·4^subdiv triangles with smooth normals.
func Icosphere(subdiv int) *Mesh {
	subdiv = min(max(subdiv, 0), 7)
	t := float32((1 + math.Sqrt(5)) / 2)
	m := &Mesh{BaseColor: [4]float32{1, 1, 1, 1}}
	add := func(x, y, z float32) uint32 {
		v := []float32{x, y, z}
		normalize(v)
		m.Positions = append(m.Positions, v...)
		return uint32(m.Vertices() - 1)
	}
	for _, p := range [][3]float32{{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0}, {0, -1, t}, {0, 1, t},
		{0, -1, -t}, {0, 1, -t}, {t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1}} {
		add(p[0], p[1], p[2])
	}
	m.Indices = []uint32{0, 11, 5, 0, 5, 1, 0, 1, 7, 0, 7, 10, 0, 10, 11, 1, 5, 9, 5, 11, 4, 11, 10, 2,
		10, 7, 6, 7, 1, 8, 3, 9, 4, 3, 4, 2, 3, 2, 6, 3, 6, 8, 3, 8, 9, 4, 9, 5, 2, 4, 11, 6, 2, 10, 8, 6, 7, 9, 8, 1}
	for i := 0; i < subdiv; i++ {
		mid := map[[2]uint32]uint32{}
		middle := func(a, b uint32) uint32 {
			k := [2]uint32{min(a, b), max(a, b)}
			if v, ok := mid[k]; ok {
				return v
			}
			p := m.Positions
			v := add((p[3*a]+p[3*b])/2, (p[3*a+1]+p[3*b+1])/2, (p[3*a+2]+p[3*b+2])/2)
			mid[k] = v
			return v
		}
		next := make([]uint32, 0, 4*len(m.Indices))
		for j := 0; j < len(m.Indices); j += 3 {
			a, b, c := m.Indices[j], m.Indices[j+1], m.Indices[j+2]
			ab, bc, ca := middle(a, b), middle(b, c), middle(c, a)
			next = append(next, a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca)
		}
		m.Indices = next
	}
	m.Normals = append([]float32(nil), m.Positions...)
	return m
}

// Package mesh reads and writes triangle meshes as GLB (binary glTF 2.0) and draws them with a
// small software renderer, so that a generated 3D model can be previewed without a GPU. It
// uses the standard library only. Every byte of a file is treated as hostile: sizes, offsets,
// strides and counts are checked before use, and a bad file is an error, never a panic.
package mesh

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// Mesh is an indexed triangle list.
type Mesh struct {
	Positions []float32 // x, y, z per vertex
	Normals   []float32 // x, y, z per vertex, or empty
	Indices   []uint32  // three per triangle
	BaseColor [4]float32
}

// Vertices is the number of vertices.
func (m *Mesh) Vertices() int { return len(m.Positions) / 3 }

// Triangles is the number of triangles.
func (m *Mesh) Triangles() int { return len(m.Indices) / 3 }

// Limits on what ReadGLB accepts. A file may reuse one accessor in many primitives, so the
// vertex and index caps bound the output, not just the input.
const (
	MaxGLBBytes   = 512 << 20
	MaxJSONBytes  = 16 << 20
	MaxVertices   = 4 << 20
	MaxIndices    = 12 << 20
	MaxPrimitives = 1 << 16
)

const (
	glbMagic    = 0x46546C67 // "glTF"
	chunkJSON   = 0x4E4F534A
	chunkBIN    = 0x004E4942
	compFloat   = 5126
	compUint32  = 5125
	compUint16  = 5123
	compUint8   = 5121
	modeTriList = 4
)

// ErrNotGLB is returned for data that does not start like a GLB file.
var ErrNotGLB = errors.New("mesh: not a GLB file")

// ReadGLB reads a whole GLB from r (at most MaxGLBBytes).
func ReadGLB(r io.Reader) (*Mesh, error) {
	var head [12]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("mesh: reading the GLB header: %w", err)
	}
	total, err := checkHeader(head[:])
	if err != nil {
		return nil, err
	}
	// Read what is there rather than allocating the declared length up front: a header
	// may claim 512 MB for a file of 20 bytes.
	var buf bytes.Buffer
	buf.Write(head[:])
	if _, err := buf.ReadFrom(io.LimitReader(r, int64(total)-12)); err != nil {
		return nil, fmt.Errorf("mesh: reading the GLB: %w", err)
	}
	return ParseGLB(buf.Bytes())
}

func checkHeader(b []byte) (uint32, error) {
	if len(b) < 12 || binary.LittleEndian.Uint32(b[0:]) != glbMagic {
		return 0, ErrNotGLB
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != 2 {
		return 0, fmt.Errorf("mesh: GLB version %d (only 2 is supported)", v)
	}
	total := binary.LittleEndian.Uint32(b[8:])
	if total < 12+8 {
		return 0, fmt.Errorf("mesh: GLB length %d is too short", total)
	}
	if total > MaxGLBBytes {
		return 0, fmt.Errorf("mesh: GLB of %d MB is over the %d MB limit", total>>20, MaxGLBBytes>>20)
	}
	return total, nil
}

// gltf is the part of the glTF JSON the reader uses.
type gltf struct {
	Asset struct {
		Version string `json:"version"`
	} `json:"asset"`
	Buffers []struct {
		ByteLength int64  `json:"byteLength"`
		URI        string `json:"uri"`
	} `json:"buffers"`
	BufferViews []struct {
		Buffer     int   `json:"buffer"`
		ByteOffset int64 `json:"byteOffset"`
		ByteLength int64 `json:"byteLength"`
		ByteStride int64 `json:"byteStride"`
	} `json:"bufferViews"`
	Accessors []struct {
		BufferView    *int            `json:"bufferView"`
		ByteOffset    int64           `json:"byteOffset"`
		ComponentType int             `json:"componentType"`
		Count         int64           `json:"count"`
		Type          string          `json:"type"`
		Normalized    bool            `json:"normalized"`
		Sparse        json.RawMessage `json:"sparse"`
	} `json:"accessors"`
	Meshes []struct {
		Primitives []struct {
			Attributes map[string]int `json:"attributes"`
			Indices    *int           `json:"indices"`
			Mode       *int           `json:"mode"`
			Material   *int           `json:"material"`
		} `json:"primitives"`
	} `json:"meshes"`
	Materials []struct {
		PBR *struct {
			BaseColorFactor []float64 `json:"baseColorFactor"`
		} `json:"pbrMetallicRoughness"`
	} `json:"materials"`
}

// ParseGLB reads a GLB held in memory. Node transforms are ignored: every mesh is taken in
// its own coordinates, which is what a single generated model (one mesh at the origin) needs
// for a preview. Only triangle-list primitives (mode 4) are read; others are skipped.
func ParseGLB(b []byte) (*Mesh, error) {
	total, err := checkHeader(b)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) < int64(total) {
		return nil, fmt.Errorf("mesh: GLB cut short: %d of %d bytes", len(b), total)
	}
	b = b[:total]
	var jsonChunk, bin []byte
	haveBIN := false
	for off, first := 12, true; off < len(b); first = false {
		if len(b)-off < 8 {
			return nil, fmt.Errorf("mesh: truncated chunk header at byte %d", off)
		}
		n := int64(binary.LittleEndian.Uint32(b[off:]))
		typ := binary.LittleEndian.Uint32(b[off+4:])
		off += 8
		if first && typ == chunkJSON && n > MaxJSONBytes {
			return nil, fmt.Errorf("mesh: JSON chunk of %d bytes is over the %d MB limit", n, MaxJSONBytes>>20)
		}
		if n > int64(len(b)-off) {
			return nil, fmt.Errorf("mesh: chunk at byte %d claims %d bytes, %d are left", off-8, n, len(b)-off)
		}
		data := b[off : off+int(n)]
		off += int(n)
		switch {
		case first: // the first chunk must be JSON
			if typ != chunkJSON {
				return nil, errors.New("mesh: the first GLB chunk is not JSON")
			}
			jsonChunk = data
		case typ == chunkBIN && !haveBIN:
			bin, haveBIN = data, true
		}
		// Chunks are 4-byte aligned; other chunk types are skipped, as the spec says.
		off = (off + 3) &^ 3
	}
	if jsonChunk == nil {
		return nil, errors.New("mesh: the GLB has no JSON chunk")
	}
	var doc gltf
	if err := json.Unmarshal(jsonChunk, &doc); err != nil {
		return nil, fmt.Errorf("mesh: the glTF JSON is invalid: %w", err)
	}
	if doc.Asset.Version != "" && doc.Asset.Version[0] != '2' {
		return nil, fmt.Errorf("mesh: glTF version %q (only 2.x is supported)", doc.Asset.Version)
	}
	return buildMesh(&doc, bin, haveBIN)
}

// view is an accessor resolved to bytes: element i starts at data[i*stride].
type view struct {
	data   []byte
	stride int
	count  int
	comp   int
}

func (d *gltf) accessor(i int, bin []byte, haveBIN bool, wantType string, comps ...int) (view, error) {
	if i < 0 || i >= len(d.Accessors) {
		return view{}, fmt.Errorf("accessor %d does not exist", i)
	}
	a := d.Accessors[i]
	if len(a.Sparse) > 0 && string(a.Sparse) != "null" {
		return view{}, fmt.Errorf("accessor %d is sparse (not supported)", i)
	}
	if a.Type != wantType {
		return view{}, fmt.Errorf("accessor %d is %s, want %s", i, a.Type, wantType)
	}
	ok := false
	for _, c := range comps {
		ok = ok || a.ComponentType == c
	}
	if !ok {
		return view{}, fmt.Errorf("accessor %d has component type %d, want one of %v", i, a.ComponentType, comps)
	}
	if a.Count < 0 || a.Count > MaxIndices {
		return view{}, fmt.Errorf("accessor %d has %d elements (limit %d)", i, a.Count, MaxIndices)
	}
	if a.BufferView == nil {
		return view{}, fmt.Errorf("accessor %d has no buffer view", i)
	}
	bvi := *a.BufferView
	if bvi < 0 || bvi >= len(d.BufferViews) {
		return view{}, fmt.Errorf("accessor %d: buffer view %d does not exist", i, bvi)
	}
	bv := d.BufferViews[bvi]
	if bv.Buffer != 0 || len(d.Buffers) == 0 || d.Buffers[0].URI != "" || !haveBIN {
		return view{}, fmt.Errorf("buffer view %d: only the GLB's own binary chunk is supported", bvi)
	}
	if bv.ByteOffset < 0 || bv.ByteLength < 0 || bv.ByteOffset > int64(len(bin)) || bv.ByteLength > int64(len(bin))-bv.ByteOffset {
		return view{}, fmt.Errorf("buffer view %d (offset %d, length %d) lies outside the %d-byte buffer", bvi, bv.ByteOffset, bv.ByteLength, len(bin))
	}
	ncomp := map[string]int64{"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[a.Type]
	csize := int64(4)
	switch a.ComponentType {
	case compUint16:
		csize = 2
	case compUint8:
		csize = 1
	}
	elem := ncomp * csize
	stride := elem
	if bv.ByteStride != 0 {
		if bv.ByteStride < elem || bv.ByteStride > 252 {
			return view{}, fmt.Errorf("buffer view %d: stride %d for %d-byte elements", bvi, bv.ByteStride, elem)
		}
		stride = bv.ByteStride
	}
	if a.ByteOffset < 0 || a.ByteOffset > bv.ByteLength {
		return view{}, fmt.Errorf("accessor %d: offset %d is outside its buffer view", i, a.ByteOffset)
	}
	if a.Count > 0 {
		need := (a.Count-1)*stride + elem // no overflow: count ≤ 12M, stride ≤ 252
		if need > bv.ByteLength-a.ByteOffset {
			return view{}, fmt.Errorf("accessor %d: %d elements need %d bytes, the buffer view has %d", i, a.Count, need, bv.ByteLength-a.ByteOffset)
		}
	}
	start := bv.ByteOffset + a.ByteOffset
	return view{data: bin[start : bv.ByteOffset+bv.ByteLength], stride: int(stride), count: int(a.Count), comp: a.ComponentType}, nil
}

func f32(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

func buildMesh(d *gltf, bin []byte, haveBIN bool) (*Mesh, error) {
	m := &Mesh{BaseColor: [4]float32{1, 1, 1, 1}}
	if len(d.Materials) > 0 && d.Materials[0].PBR != nil && len(d.Materials[0].PBR.BaseColorFactor) == 4 {
		for i, v := range d.Materials[0].PBR.BaseColorFactor {
			if !(v >= 0 && v <= 1) { // also catches NaN
				return nil, fmt.Errorf("mesh: baseColorFactor %v is outside 0..1", d.Materials[0].PBR.BaseColorFactor)
			}
			m.BaseColor[i] = float32(v)
		}
	}
	prims := 0
	anyNormals := false
	var needNormals []normalRange // primitives that had no normals
	for mi, me := range d.Meshes {
		for pi, p := range me.Primitives {
			if prims++; prims > MaxPrimitives {
				return nil, fmt.Errorf("mesh: more than %d primitives", MaxPrimitives)
			}
			if p.Mode != nil && *p.Mode != modeTriList {
				continue
			}
			where := fmt.Sprintf("mesh %d primitive %d", mi, pi)
			pos, ok := p.Attributes["POSITION"]
			if !ok {
				return nil, fmt.Errorf("mesh: %s has no POSITION", where)
			}
			pv, err := d.accessor(pos, bin, haveBIN, "VEC3", compFloat)
			if err != nil {
				return nil, fmt.Errorf("mesh: %s positions: %w", where, err)
			}
			base := m.Vertices()
			if base+pv.count > MaxVertices {
				return nil, fmt.Errorf("mesh: more than %d vertices", MaxVertices)
			}
			var nv view
			hasN := false
			if ni, ok := p.Attributes["NORMAL"]; ok {
				if nv, err = d.accessor(ni, bin, haveBIN, "VEC3", compFloat); err != nil {
					return nil, fmt.Errorf("mesh: %s normals: %w", where, err)
				}
				if nv.count != pv.count {
					return nil, fmt.Errorf("mesh: %s has %d normals for %d positions", where, nv.count, pv.count)
				}
				hasN = true
			}
			var iv view
			hasI := p.Indices != nil
			nIdx := pv.count - pv.count%3
			if hasI {
				if iv, err = d.accessor(*p.Indices, bin, haveBIN, "SCALAR", compUint32, compUint16, compUint8); err != nil {
					return nil, fmt.Errorf("mesh: %s indices: %w", where, err)
				}
				nIdx = iv.count - iv.count%3
			}
			if len(m.Indices)+nIdx > MaxIndices {
				return nil, fmt.Errorf("mesh: more than %d indices", MaxIndices)
			}
			m.Positions = slices.Grow(m.Positions, 3*pv.count)
			for i := 0; i < pv.count; i++ {
				e := pv.data[i*pv.stride:]
				x, y, z := f32(e), f32(e[4:]), f32(e[8:])
				if !finite(x) || !finite(y) || !finite(z) {
					return nil, fmt.Errorf("mesh: %s: vertex %d is not a finite position", where, i)
				}
				m.Positions = append(m.Positions, x, y, z)
			}
			// Normals are kept for every vertex or for none: a primitive without them
			// gets computed ones below.
			if hasN || anyNormals {
				if !anyNormals {
					m.Normals = make([]float32, 3*base, cap(m.Positions))
					anyNormals = true
				}
				m.Normals = slices.Grow(m.Normals, 3*pv.count)
				for i := 0; i < pv.count; i++ {
					if !hasN {
						m.Normals = append(m.Normals, 0, 0, 0)
						continue
					}
					e := nv.data[i*nv.stride:]
					x, y, z := f32(e), f32(e[4:]), f32(e[8:])
					if !finite(x) || !finite(y) || !finite(z) {
						x, y, z = 0, 0, 0
					}
					m.Normals = append(m.Normals, x, y, z)
				}
			}
			if !hasN {
				needNormals = append(needNormals, normalRange{base, base + pv.count, len(m.Indices), len(m.Indices) + nIdx})
			}
			m.Indices = slices.Grow(m.Indices, nIdx)
			for i := 0; i < nIdx; i++ {
				var v uint32 = uint32(i)
				if hasI {
					e := iv.data[i*iv.stride:]
					switch iv.comp {
					case compUint32:
						v = binary.LittleEndian.Uint32(e)
					case compUint16:
						v = uint32(binary.LittleEndian.Uint16(e))
					default:
						v = uint32(e[0])
					}
					if v >= uint32(pv.count) {
						return nil, fmt.Errorf("mesh: %s: index %d is %d, there are %d vertices", where, i, v, pv.count)
					}
				}
				m.Indices = append(m.Indices, uint32(base)+v)
			}
		}
	}
	if len(m.Indices) == 0 {
		return nil, errors.New("mesh: the GLB has no triangles")
	}
	if len(needNormals) > 0 {
		if m.Normals == nil {
			m.Normals = make([]float32, len(m.Positions))
		}
		computeNormals(m, needNormals)
	}
	return m, nil
}

func finite(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

// ComputeNormals replaces the normals with smooth ones computed from the triangles.
func (m *Mesh) ComputeNormals() {
	if m.Validate() != nil {
		return
	}
	m.Normals = make([]float32, len(m.Positions))
	computeNormals(m, []normalRange{{0, m.Vertices(), 0, len(m.Indices)}})
}

// normalRange is one primitive's vertices [v0, v1) and indices [i0, i1).
type normalRange struct{ v0, v1, i0, i1 int }

// computeNormals sets smooth vertex normals (face normals weighted by area) for the
// primitives in ranges; other vertices keep theirs.
func computeNormals(m *Mesh, ranges []normalRange) {
	p, n := m.Positions, m.Normals
	for _, r := range ranges {
		clear(n[3*r.v0 : 3*r.v1])
		for t := r.i0; t+2 < r.i1; t += 3 {
			a, b, c := m.Indices[t], m.Indices[t+1], m.Indices[t+2]
			ux, uy, uz := p[3*b]-p[3*a], p[3*b+1]-p[3*a+1], p[3*b+2]-p[3*a+2]
			vx, vy, vz := p[3*c]-p[3*a], p[3*c+1]-p[3*a+1], p[3*c+2]-p[3*a+2]
			nx, ny, nz := uy*vz-uz*vy, uz*vx-ux*vz, ux*vy-uy*vx
			n[3*a], n[3*a+1], n[3*a+2] = n[3*a]+nx, n[3*a+1]+ny, n[3*a+2]+nz
			n[3*b], n[3*b+1], n[3*b+2] = n[3*b]+nx, n[3*b+1]+ny, n[3*b+2]+nz
			n[3*c], n[3*c+1], n[3*c+2] = n[3*c]+nx, n[3*c+1]+ny, n[3*c+2]+nz
		}
		for v := r.v0; v < r.v1; v++ {
			normalize(n[3*v : 3*v+3])
		}
	}
}

// normalize scales a 3-vector to unit length; a zero or non-finite one becomes zero.
func normalize(n []float32) {
	l := float32(math.Sqrt(float64(n[0]*n[0] + n[1]*n[1] + n[2]*n[2])))
	if l > 0 && finite(l) {
		n[0], n[1], n[2] = n[0]/l, n[1]/l, n[2]/l
	} else {
		n[0], n[1], n[2] = 0, 0, 0
	}
}

// Validate checks that a mesh is consistent: whole vertices, normals for all or none, whole
// triangles, indices in range.
func (m *Mesh) Validate() error {
	if len(m.Positions)%3 != 0 {
		return fmt.Errorf("mesh: %d position values is not a whole number of vertices", len(m.Positions))
	}
	if len(m.Normals) != 0 && len(m.Normals) != len(m.Positions) {
		return fmt.Errorf("mesh: %d normal values for %d position values", len(m.Normals), len(m.Positions))
	}
	if len(m.Indices)%3 != 0 {
		return fmt.Errorf("mesh: %d indices is not a whole number of triangles", len(m.Indices))
	}
	nv := uint32(m.Vertices())
	for i, v := range m.Indices {
		if v >= nv {
			return fmt.Errorf("mesh: index %d is %d, there are %d vertices", i, v, nv)
		}
	}
	return nil
}

// WriteGLB writes m as a GLB: one mesh, one primitive, one material.
func WriteGLB(w io.Writer, m *Mesh) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Vertices() == 0 {
		return errors.New("mesh: nothing to write")
	}
	nv := m.Vertices()
	lo := [3]float32{float32(math.Inf(1)), float32(math.Inf(1)), float32(math.Inf(1))}
	hi := [3]float32{float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1))}
	for i := 0; i < nv; i++ {
		for k := 0; k < 3; k++ {
			lo[k] = min(lo[k], m.Positions[3*i+k])
			hi[k] = max(hi[k], m.Positions[3*i+k])
		}
	}
	var bin bytes.Buffer
	bin.Grow(4 * (len(m.Positions) + len(m.Normals) + len(m.Indices)))
	var word [4]byte
	put := func(vals []float32) {
		for _, v := range vals {
			binary.LittleEndian.PutUint32(word[:], math.Float32bits(v))
			bin.Write(word[:])
		}
	}
	type bvT struct {
		Buffer     int `json:"buffer"`
		ByteOffset int `json:"byteOffset"`
		ByteLength int `json:"byteLength"`
		Target     int `json:"target,omitempty"`
	}
	type accT struct {
		BufferView    int       `json:"bufferView"`
		ComponentType int       `json:"componentType"`
		Count         int       `json:"count"`
		Type          string    `json:"type"`
		Min           []float32 `json:"min,omitempty"`
		Max           []float32 `json:"max,omitempty"`
	}
	var views []bvT
	var accs []accT
	attrs := map[string]int{}
	put(m.Positions)
	views = append(views, bvT{ByteOffset: 0, ByteLength: bin.Len(), Target: 34962})
	accs = append(accs, accT{BufferView: 0, ComponentType: compFloat, Count: nv, Type: "VEC3", Min: lo[:], Max: hi[:]})
	attrs["POSITION"] = 0
	if len(m.Normals) > 0 {
		off := bin.Len()
		put(m.Normals)
		views = append(views, bvT{ByteOffset: off, ByteLength: bin.Len() - off, Target: 34962})
		accs = append(accs, accT{BufferView: len(views) - 1, ComponentType: compFloat, Count: nv, Type: "VEC3"})
		attrs["NORMAL"] = len(accs) - 1
	}
	off := bin.Len()
	for _, v := range m.Indices {
		binary.LittleEndian.PutUint32(word[:], v)
		bin.Write(word[:])
	}
	views = append(views, bvT{ByteOffset: off, ByteLength: bin.Len() - off, Target: 34963})
	accs = append(accs, accT{BufferView: len(views) - 1, ComponentType: compUint32, Count: len(m.Indices), Type: "SCALAR"})
	for bin.Len()%4 != 0 {
		bin.WriteByte(0)
	}
	doc := map[string]any{
		"asset":  map[string]any{"version": "2.0", "generator": "pollinations-studio"},
		"scene":  0,
		"scenes": []any{map[string]any{"nodes": []int{0}}},
		"nodes":  []any{map[string]any{"mesh": 0}},
		"meshes": []any{map[string]any{"primitives": []any{map[string]any{
			"attributes": attrs, "indices": len(accs) - 1, "material": 0, "mode": modeTriList}}}},
		"materials": []any{map[string]any{"pbrMetallicRoughness": map[string]any{
			"baseColorFactor": m.BaseColor[:], "metallicFactor": 0, "roughnessFactor": 1}}},
		"accessors":   accs,
		"bufferViews": views,
		"buffers":     []any{map[string]any{"byteLength": bin.Len()}},
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("mesh: encoding the glTF JSON: %w", err)
	}
	for len(js)%4 != 0 {
		js = append(js, ' ')
	}
	total := 12 + 8 + len(js) + 8 + bin.Len()
	if total > MaxGLBBytes {
		return fmt.Errorf("mesh: the GLB would be %d MB, over the %d MB limit", total>>20, MaxGLBBytes>>20)
	}
	out := make([]byte, 0, 28)
	out = binary.LittleEndian.AppendUint32(out, glbMagic)
	out = binary.LittleEndian.AppendUint32(out, 2)
	out = binary.LittleEndian.AppendUint32(out, uint32(total))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(js)))
	out = binary.LittleEndian.AppendUint32(out, chunkJSON)
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("mesh: writing the GLB: %w", err)
	}
	if _, err := w.Write(js); err != nil {
		return fmt.Errorf("mesh: writing the GLB: %w", err)
	}
	out = binary.LittleEndian.AppendUint32(out[:0], uint32(bin.Len()))
	out = binary.LittleEndian.AppendUint32(out, chunkBIN)
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("mesh: writing the GLB: %w", err)
	}
	if _, err := w.Write(bin.Bytes()); err != nil {
		return fmt.Errorf("mesh: writing the GLB: %w", err)
	}
	return nil
}

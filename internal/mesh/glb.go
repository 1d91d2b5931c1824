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
	Nodes []struct {
		Mesh        *int      `json:"mesh"`
		Children    []int     `json:"children"`
		Matrix      []float64 `json:"matrix"`
		Translation []float64 `json:"translation"`
		Rotation    []float64 `json:"rotation"`
		Scale       []float64 `json:"scale"`
	} `json:"nodes"`
	Scenes []struct {
		Nodes []int `json:"nodes"`
	} `json:"scenes"`
	Scene     *int `json:"scene"`
	Materials []struct {
		PBR *struct {
			BaseColorFactor []float64 `json:"baseColorFactor"`
		} `json:"pbrMetallicRoughness"`
	} `json:"materials"`
}

// ParseGLB reads a GLB held in memory. Meshes are placed by the default scene's node
// transforms (a file without a scene graph gives its meshes as they are). Only triangle-list
// primitives (mode 4) are read; others are skipped.
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
	b := &builder{d: d, bin: bin, haveBIN: haveBIN, m: m}
	insts, err := d.instances()
	if err != nil {
		return nil, err
	}
	if len(insts) == 0 {
		// No scene graph (or one that places no mesh): every mesh as it is.
		for mi := range d.Meshes {
			if err := b.addMesh(mi, nil); err != nil {
				return nil, err
			}
		}
	}
	for _, in := range insts {
		xf := in.xf
		if err := b.addMesh(in.mesh, &xf); err != nil {
			return nil, err
		}
	}
	if len(m.Indices) == 0 {
		return nil, errors.New("mesh: the GLB has no triangles")
	}
	if len(b.need) > 0 {
		if m.Normals == nil {
			m.Normals = make([]float32, len(m.Positions))
		}
		computeNormals(m, b.need)
	}
	return m, nil
}

// builder gathers the primitives of a GLB into one Mesh.
type builder struct {
	d          *gltf
	bin        []byte
	haveBIN    bool
	m          *Mesh
	prims      int
	anyNormals bool
	need       []normalRange // primitives that had no normals
}

// addMesh appends mesh mi's triangle primitives, transformed by xf unless it is nil.
func (b *builder) addMesh(mi int, xf *mat4) error {
	if mi < 0 || mi >= len(b.d.Meshes) {
		return fmt.Errorf("mesh: mesh %d does not exist", mi)
	}
	for pi, p := range b.d.Meshes[mi].Primitives {
		if b.prims++; b.prims > MaxPrimitives {
			return fmt.Errorf("mesh: more than %d primitives", MaxPrimitives)
		}
		if p.Mode != nil && *p.Mode != modeTriList {
			continue
		}
		where := fmt.Sprintf("mesh %d primitive %d", mi, pi)
		m := b.m
		pos, ok := p.Attributes["POSITION"]
		if !ok {
			return fmt.Errorf("mesh: %s has no POSITION", where)
		}
		pv, err := b.d.accessor(pos, b.bin, b.haveBIN, "VEC3", compFloat)
		if err != nil {
			return fmt.Errorf("mesh: %s positions: %w", where, err)
		}
		base := m.Vertices()
		if base+pv.count > MaxVertices {
			return fmt.Errorf("mesh: more than %d vertices", MaxVertices)
		}
		var nv view
		hasN := false
		if ni, ok := p.Attributes["NORMAL"]; ok {
			if nv, err = b.d.accessor(ni, b.bin, b.haveBIN, "VEC3", compFloat); err != nil {
				return fmt.Errorf("mesh: %s normals: %w", where, err)
			}
			if nv.count != pv.count {
				return fmt.Errorf("mesh: %s has %d normals for %d positions", where, nv.count, pv.count)
			}
			hasN = true
		}
		var iv view
		hasI := p.Indices != nil
		nIdx := pv.count - pv.count%3
		if hasI {
			if iv, err = b.d.accessor(*p.Indices, b.bin, b.haveBIN, "SCALAR", compUint32, compUint16, compUint8); err != nil {
				return fmt.Errorf("mesh: %s indices: %w", where, err)
			}
			nIdx = iv.count - iv.count%3
		}
		if len(m.Indices)+nIdx > MaxIndices {
			return fmt.Errorf("mesh: more than %d indices", MaxIndices)
		}
		m.Positions = slices.Grow(m.Positions, 3*pv.count)
		for i := 0; i < pv.count; i++ {
			e := pv.data[i*pv.stride:]
			x, y, z := f32(e), f32(e[4:]), f32(e[8:])
			if !finite(x) || !finite(y) || !finite(z) {
				return fmt.Errorf("mesh: %s: vertex %d is not a finite position", where, i)
			}
			m.Positions = append(m.Positions, x, y, z)
		}
		// Normals are kept for every vertex or for none: a primitive without them
		// gets computed ones below.
		if hasN || b.anyNormals {
			if !b.anyNormals {
				m.Normals = make([]float32, 3*base, cap(m.Positions))
				b.anyNormals = true
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
			b.need = append(b.need, normalRange{base, base + pv.count, len(m.Indices), len(m.Indices) + nIdx})
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
					return fmt.Errorf("mesh: %s: index %d is %d, there are %d vertices", where, i, v, pv.count)
				}
			}
			m.Indices = append(m.Indices, uint32(base)+v)
		}
		if xf != nil && *xf != identity {
			if err := xf.apply(m, base, len(m.Indices)-nIdx); err != nil {
				return fmt.Errorf("mesh: %s: %w", where, err)
			}
		}
	}
	return nil
}

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

// mat4 is a column-major 4×4 matrix, as glTF stores them.
type mat4 [16]float64

var identity = mat4{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}

func (a *mat4) mul(b *mat4) mat4 {
	var out mat4
	for c := 0; c < 4; c++ {
		for r := 0; r < 4; r++ {
			var v float64
			for k := 0; k < 4; k++ {
				v += a[k*4+r] * b[c*4+k]
			}
			out[c*4+r] = v
		}
	}
	return out
}

// det3 is the determinant of the upper-left 3×3 block: negative for a mirroring transform.
func (a *mat4) det3() float64 {
	return a[0]*(a[5]*a[10]-a[9]*a[6]) - a[4]*(a[1]*a[10]-a[9]*a[2]) + a[8]*(a[1]*a[6]-a[5]*a[2])
}

// apply transforms the vertices from base on and their normals in place, and reverses the
// winding of the triangles from index first on when the transform mirrors. Normals are
// turned by the 3×3 block and renormalised, which is exact for rotations and uniform scales
// (what generated models use) and close enough for a preview otherwise.
func (a *mat4) apply(m *Mesh, base, first int) error {
	p := m.Positions
	for i := 3 * base; i < len(p); i += 3 {
		x, y, z := float64(p[i]), float64(p[i+1]), float64(p[i+2])
		nx := float32(a[0]*x + a[4]*y + a[8]*z + a[12])
		ny := float32(a[1]*x + a[5]*y + a[9]*z + a[13])
		nz := float32(a[2]*x + a[6]*y + a[10]*z + a[14])
		if !finite(nx) || !finite(ny) || !finite(nz) {
			return errors.New("a node transform takes a vertex out of range")
		}
		p[i], p[i+1], p[i+2] = nx, ny, nz
	}
	if len(m.Normals) == len(p) {
		n := m.Normals
		for i := 3 * base; i < len(n); i += 3 {
			x, y, z := float64(n[i]), float64(n[i+1]), float64(n[i+2])
			n[i], n[i+1], n[i+2] = float32(a[0]*x+a[4]*y+a[8]*z), float32(a[1]*x+a[5]*y+a[9]*z), float32(a[2]*x+a[6]*y+a[10]*z)
			normalize(n[i : i+3])
		}
	}
	if a.det3() < 0 {
		for t := first; t+2 < len(m.Indices); t += 3 {
			m.Indices[t+1], m.Indices[t+2] = m.Indices[t+2], m.Indices[t+1]
		}
	}
	return nil
}

// local is a node's own transform: its matrix, or translation · rotation · scale.
func (d *gltf) local(i int) (mat4, error) {
	n := d.Nodes[i]
	allFinite := func(v []float64) bool {
		for _, f := range v {
			if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
				return false
			}
		}
		return true
	}
	if !allFinite(n.Matrix) || !allFinite(n.Translation) || !allFinite(n.Rotation) || !allFinite(n.Scale) {
		return mat4{}, fmt.Errorf("mesh: node %d has a non-finite transform", i)
	}
	if len(n.Matrix) == 16 {
		var m mat4
		copy(m[:], n.Matrix)
		return m, nil
	}
	m := identity
	if len(n.Rotation) == 4 {
		x, y, z, w := n.Rotation[0], n.Rotation[1], n.Rotation[2], n.Rotation[3]
		if l := math.Sqrt(x*x + y*y + z*z + w*w); l > 0 {
			x, y, z, w = x/l, y/l, z/l, w/l
		}
		m = mat4{
			1 - 2*(y*y+z*z), 2 * (x*y + z*w), 2 * (x*z - y*w), 0,
			2 * (x*y - z*w), 1 - 2*(x*x+z*z), 2 * (y*z + x*w), 0,
			2 * (x*z + y*w), 2 * (y*z - x*w), 1 - 2*(x*x+y*y), 0,
			0, 0, 0, 1,
		}
	}
	if len(n.Scale) == 3 {
		for c := 0; c < 3; c++ {
			for r := 0; r < 3; r++ {
				m[c*4+r] *= n.Scale[c]
			}
		}
	}
	if len(n.Translation) == 3 {
		m[12], m[13], m[14] = n.Translation[0], n.Translation[1], n.Translation[2]
	}
	return m, nil
}

// instance is one placement of a mesh by the scene graph.
type instance struct {
	mesh int
	xf   mat4
}

// maxNodeVisits bounds the walk of a scene graph, which a hostile file may make a cycle or a
// tree that shares children exponentially.
const maxNodeVisits = 1 << 16

// instances walks the default scene (or, with no scenes, every root node) and lists the
// meshes it places with their world transforms.
func (d *gltf) instances() ([]instance, error) {
	if len(d.Nodes) == 0 {
		return nil, nil
	}
	var roots []int
	switch {
	case len(d.Scenes) > 0:
		si := 0
		if d.Scene != nil {
			si = *d.Scene
		}
		if si < 0 || si >= len(d.Scenes) {
			return nil, fmt.Errorf("mesh: scene %d does not exist", si)
		}
		roots = d.Scenes[si].Nodes
	default:
		child := make([]bool, len(d.Nodes))
		for _, n := range d.Nodes {
			for _, c := range n.Children {
				if c >= 0 && c < len(child) {
					child[c] = true
				}
			}
		}
		for i, c := range child {
			if !c {
				roots = append(roots, i)
			}
		}
	}
	var out []instance
	visits := 0
	onPath := make([]bool, len(d.Nodes))
	var walk func(i int, parent *mat4) error
	walk = func(i int, parent *mat4) error {
		if i < 0 || i >= len(d.Nodes) {
			return fmt.Errorf("mesh: node %d does not exist", i)
		}
		if onPath[i] {
			return fmt.Errorf("mesh: node %d is its own ancestor", i)
		}
		if visits++; visits > maxNodeVisits {
			return fmt.Errorf("mesh: the scene graph has more than %d node placements", maxNodeVisits)
		}
		l, err := d.local(i)
		if err != nil {
			return err
		}
		world := parent.mul(&l)
		if mi := d.Nodes[i].Mesh; mi != nil {
			out = append(out, instance{*mi, world})
		}
		onPath[i] = true
		defer func() { onPath[i] = false }()
		for _, c := range d.Nodes[i].Children {
			if err := walk(c, &world); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range roots {
		id := identity
		if err := walk(r, &id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func finite(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

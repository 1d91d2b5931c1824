package mesh

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestGLBRoundTrip(t *testing.T) {
	for name, m := range map[string]*Mesh{"box": Box(2, 1, 0.5), "icosphere": Icosphere(2), "sphere": Sphere(12, 7)} {
		m.BaseColor = [4]float32{0.25, 0.5, 0.75, 1}
		var buf bytes.Buffer
		if err := WriteGLB(&buf, m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if buf.Len()%4 != 0 || binary.LittleEndian.Uint32(buf.Bytes()[8:]) != uint32(buf.Len()) {
			t.Errorf("%s: length field %d for %d bytes", name, binary.LittleEndian.Uint32(buf.Bytes()[8:]), buf.Len())
		}
		got, err := ReadGLB(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: round trip differs: %d/%d vertices, %d/%d indices, colour %v/%v", name,
				got.Vertices(), m.Vertices(), len(got.Indices), len(m.Indices), got.BaseColor, m.BaseColor)
		}
	}
}

func TestWriteGLBRefusesBadMesh(t *testing.T) {
	for name, m := range map[string]*Mesh{
		"empty":          {},
		"partial vertex": {Positions: []float32{1, 2}},
		"index range":    {Positions: []float32{0, 0, 0, 1, 0, 0, 0, 1, 0}, Indices: []uint32{0, 1, 3}},
		"normals":        {Positions: []float32{0, 0, 0}, Normals: []float32{0, 0}},
	} {
		if err := WriteGLB(&bytes.Buffer{}, m); err == nil {
			t.Errorf("%s: written", name)
		}
	}
}

// glb assembles a GLB from a JSON chunk and a BIN chunk (nil: none).
func glb(js string, bin []byte) []byte {
	for len(js)%4 != 0 {
		js += " "
	}
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, glbMagic)
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(js)))
	b = binary.LittleEndian.AppendUint32(b, chunkJSON)
	b = append(b, js...)
	if bin != nil {
		for len(bin)%4 != 0 {
			bin = append(bin, 0)
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(bin)))
		b = binary.LittleEndian.AppendUint32(b, chunkBIN)
		b = append(b, bin...)
	}
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)))
	return b
}

// triBin is one triangle's positions (36 bytes) then its three uint16 indices (6 bytes).
func triBin(i0, i1, i2 uint16) []byte {
	var b []byte
	for _, v := range []float32{0, 0, 0, 1, 0, 0, 0, 1, 0} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	for _, i := range []uint16{i0, i1, i2} {
		b = binary.LittleEndian.AppendUint16(b, i)
	}
	return b
}

// triJSON describes triBin, with pieces replaceable to make it lie.
func triJSON(repl ...string) string {
	js := `{"asset":{"version":"2.0"},"buffers":[{"byteLength":44}],
	"bufferViews":[{"buffer":0,"byteOffset":0,"byteLength":36},{"buffer":0,"byteOffset":36,"byteLength":6}],
	"accessors":[{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3"},{"bufferView":1,"componentType":5123,"count":3,"type":"SCALAR"}],
	"meshes":[{"primitives":[{"attributes":{"POSITION":0},"indices":1}]}]}`
	for i := 0; i+1 < len(repl); i += 2 {
		if !strings.Contains(js, repl[i]) {
			panic("no " + repl[i])
		}
		js = strings.Replace(js, repl[i], repl[i+1], 1)
	}
	return js
}

func TestParseGLBTriangle(t *testing.T) {
	m, err := ParseGLB(glb(triJSON(), triBin(0, 1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Triangles() != 1 || m.BaseColor != [4]float32{1, 1, 1, 1} {
		t.Fatalf("%d triangles, colour %v", m.Triangles(), m.BaseColor)
	}
	// No normals in the file: computed ones face +z (the triangle is counter-clockwise).
	for v := 0; v < 3; v++ {
		if n := m.Normals[3*v : 3*v+3]; n[0] != 0 || n[1] != 0 || n[2] != 1 {
			t.Errorf("normal %d = %v", v, n)
		}
	}
	// Interleaved: a stride of 16 with the position at offset 4 of each element.
	var bin []byte
	for _, v := range []float32{9, 0, 0, 0, 9, 1, 0, 0, 9, 0, 1, 0} {
		bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(v))
	}
	js := `{"asset":{"version":"2.0"},"buffers":[{"byteLength":48}],"bufferViews":[{"buffer":0,"byteLength":48,"byteStride":16}],
	"accessors":[{"bufferView":0,"byteOffset":4,"componentType":5126,"count":3,"type":"VEC3"}],
	"meshes":[{"primitives":[{"attributes":{"POSITION":0},"mode":4}]},{"primitives":[{"attributes":{"POSITION":0},"mode":1}]}],
	"materials":[{"pbrMetallicRoughness":{"baseColorFactor":[1,0,0,0.5]}}]}`
	m, err = ParseGLB(glb(js, bin))
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 0, 1, 0, 0, 0, 1, 0}
	if !reflect.DeepEqual(m.Positions, want) || !reflect.DeepEqual(m.Indices, []uint32{0, 1, 2}) || m.BaseColor != [4]float32{1, 0, 0, 0.5} {
		t.Errorf("strided: %v %v %v (the line primitive must be skipped)", m.Positions, m.Indices, m.BaseColor)
	}
}

func TestParseGLBRefusesHostile(t *testing.T) {
	good := glb(triJSON(), triBin(0, 1, 2))
	patch := func(b []byte, off int, v uint32) []byte {
		c := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(c[off:], v)
		return c
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "header"},
		{"bad magic", append([]byte("glTf"), good[4:]...), "not a GLB"},
		{"version 1", patch(good, 4, 1), "version"},
		{"length past the data", patch(good, 8, uint32(len(good)+100)), "cut short"},
		{"length over the limit", patch(good, 8, MaxGLBBytes+1), "limit"},
		{"length too short", patch(good, 8, 16), "too short"},
		{"chunk longer than the file", patch(good, 12, uint32(len(good))), "claims"},
		{"BIN chunk longer than the file", patch(good, 20+int(binary.LittleEndian.Uint32(good[12:])), 1<<30), "claims"},
		{"first chunk not JSON", patch(good, 16, chunkBIN), "not JSON"},
		{"JSON chunk too big", patch(good, 12, MaxJSONBytes+4), "limit"},
		{"JSON invalid", glb(`{"asset":`, nil), "invalid"},
		{"no BIN chunk", glb(triJSON(), nil), "binary chunk"},
		{"external buffer", glb(triJSON(`{"byteLength":44}`, `{"byteLength":44,"uri":"x.bin"}`), triBin(0, 1, 2)), "binary chunk"},
		{"no triangles", glb(`{"asset":{"version":"2.0"}}`, nil), "no triangles"},
		{"no position", glb(triJSON(`"POSITION":0`, `"TEXCOORD_0":0`), triBin(0, 1, 2)), "no POSITION"},
		{"accessor missing", glb(triJSON(`"POSITION":0`, `"POSITION":7`), triBin(0, 1, 2)), "does not exist"},
		{"accessor negative", glb(triJSON(`"POSITION":0`, `"POSITION":-1`), triBin(0, 1, 2)), "does not exist"},
		{"buffer view missing", glb(triJSON(`"bufferView":0`, `"bufferView":5`), triBin(0, 1, 2)), "does not exist"},
		{"buffer view out of range", glb(triJSON(`"byteOffset":36,"byteLength":6`, `"byteOffset":36,"byteLength":600`), triBin(0, 1, 2)), "outside"},
		{"buffer view negative offset", glb(triJSON(`"byteOffset":36`, `"byteOffset":-4`), triBin(0, 1, 2)), "outside"},
		{"accessor count past view", glb(triJSON(`"count":3,"type":"VEC3"`, `"count":4,"type":"VEC3"`), triBin(0, 1, 2)), "need"},
		{"accessor offset past view", glb(triJSON(`"bufferView":0,`, `"bufferView":0,"byteOffset":40,`), triBin(0, 1, 2)), "outside"},
		{"absurd count", glb(triJSON(`"count":3,"type":"VEC3"`, `"count":4000000000,"type":"VEC3"`), triBin(0, 1, 2)), "limit"},
		{"negative count", glb(triJSON(`"count":3,"type":"VEC3"`, `"count":-3,"type":"VEC3"`), triBin(0, 1, 2)), "limit"},
		{"bad stride", glb(triJSON(`"byteLength":36}`, `"byteLength":36,"byteStride":4}`), triBin(0, 1, 2)), "stride"},
		{"wrong component type", glb(triJSON(`"componentType":5126`, `"componentType":5120`), triBin(0, 1, 2)), "component type"},
		{"wrong type", glb(triJSON(`"type":"VEC3"`, `"type":"VEC2"`), triBin(0, 1, 2)), "want VEC3"},
		{"index out of range", glb(triJSON(), triBin(0, 1, 3)), "index"},
		{"index huge", glb(triJSON(), triBin(0, 65535, 2)), "index"},
		{"sparse", glb(triJSON(`"type":"SCALAR"}`, `"type":"SCALAR","sparse":{"count":1}}`), triBin(0, 1, 2)), "sparse"},
		{"normals count", glb(triJSON(`"POSITION":0`, `"POSITION":0,"NORMAL":1`), triBin(0, 1, 2)), "normals"},
		{"colour out of range", glb(triJSON(`"meshes"`, `"materials":[{"pbrMetallicRoughness":{"baseColorFactor":[2,0,0,1]}}],"meshes"`), triBin(0, 1, 2)), "baseColorFactor"},
	} {
		m, err := ReadGLB(bytes.NewReader(tc.data))
		if err == nil {
			t.Errorf("%s: accepted (%d triangles)", tc.name, m.Triangles())
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
		if _, err2 := ParseGLB(tc.data); err2 == nil {
			t.Errorf("%s: ParseGLB accepted what ReadGLB refused", tc.name)
		}
	}
	if _, err := ParseGLB([]byte("PK\x03\x04 not a glb")); !errors.Is(err, ErrNotGLB) {
		t.Errorf("zip: %v, want ErrNotGLB", err)
	}
}

func TestParseGLBNonFinitePosition(t *testing.T) {
	bin := triBin(0, 1, 2)
	binary.LittleEndian.PutUint32(bin[4:], math.Float32bits(float32(math.NaN())))
	if _, err := ParseGLB(glb(triJSON(), bin)); err == nil || !strings.Contains(err.Error(), "finite") {
		t.Errorf("NaN position: %v", err)
	}
}

// TestPrimitiveCap: one accessor reused by many primitives must not multiply into an
// unbounded mesh.
func TestPrimitiveCap(t *testing.T) {
	// Lines (mode 1) are skipped, but still count.
	prim := `{"attributes":{"POSITION":0},"mode":1}`
	prims := strings.TrimSuffix(strings.Repeat(prim+",", MaxPrimitives+1), ",")
	js := triJSON(`[{"attributes":{"POSITION":0},"indices":1}]`, "["+prims+"]")
	if _, err := ParseGLB(glb(js, triBin(0, 1, 2))); err == nil || !strings.Contains(err.Error(), "primitives") {
		t.Errorf("too many primitives: %v", err)
	}
	// An accessor with more vertices than the cap is refused before it is read.
	n := MaxVertices + 1
	if _, err := ParseGLB(glb(fmtJSON(n), make([]byte, 12*n))); err == nil || !strings.Contains(err.Error(), "vertices") {
		t.Errorf("vertex cap: %v", err)
	}
}

func fmtJSON(n int) string {
	return `{"asset":{"version":"2.0"},"buffers":[{"byteLength":` + itoa(12*n) + `}],"bufferViews":[{"buffer":0,"byteLength":` + itoa(12*n) + `}],
	"accessors":[{"bufferView":0,"componentType":5126,"count":` + itoa(n) + `,"type":"VEC3"}],
	"meshes":[{"primitives":[{"attributes":{"POSITION":0}},{"attributes":{"POSITION":0}},{"attributes":{"POSITION":0}}]}]}`
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestShapesWinding: every generated triangle is counter-clockwise seen from outside, i.e.
// its winding normal agrees with the stored normals.
func TestShapesWinding(t *testing.T) {
	for name, m := range map[string]*Mesh{"box": Box(2, 1, 0.5), "icosphere": Icosphere(3), "sphere": Sphere(16, 9)} {
		if err := m.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, n := m.Positions, m.Normals
		for i := 0; i < len(m.Indices); i += 3 {
			a, b, c := m.Indices[i], m.Indices[i+1], m.Indices[i+2]
			ux, uy, uz := p[3*b]-p[3*a], p[3*b+1]-p[3*a+1], p[3*b+2]-p[3*a+2]
			vx, vy, vz := p[3*c]-p[3*a], p[3*c+1]-p[3*a+1], p[3*c+2]-p[3*a+2]
			fx, fy, fz := uy*vz-uz*vy, uz*vx-ux*vz, ux*vy-uy*vx
			if d := fx*n[3*a] + fy*n[3*a+1] + fz*n[3*a+2]; d <= 0 {
				t.Fatalf("%s: triangle %d winds inwards (%v)", name, i/3, d)
			}
		}
	}
	if got := Sphere(250, 101).Triangles(); got != 50000 {
		t.Errorf("Sphere(250, 101) has %d triangles", got)
	}
	if got := Icosphere(2).Triangles(); got != 320 {
		t.Errorf("Icosphere(2) has %d triangles", got)
	}
}

func FuzzReadGLB(f *testing.F) {
	var buf bytes.Buffer
	WriteGLB(&buf, Box(1, 2, 3))
	f.Add(buf.Bytes())
	f.Add(glb(triJSON(), triBin(0, 1, 2)))
	f.Add(glb(triJSON(`"byteLength":36}`, `"byteLength":36,"byteStride":12}`), triBin(0, 1, 2)))
	f.Add(glb(triJSON(`"meshes"`, `"scenes":[{"nodes":[0]}],"nodes":[{"children":[1],"rotation":[0,0,0.7,0.7]},{"mesh":0,"scale":[-1,2,1]}],"meshes"`), triBin(0, 1, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadGLB(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted an invalid mesh: %v", err)
		}
		// Whatever was accepted must draw and write without trouble.
		Render(m, 16, 16, 0.3, 0.2, nil)
		var out bytes.Buffer
		if err := WriteGLB(&out, m); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
	})
}

func TestParseGLBNodeTransforms(t *testing.T) {
	s2 := float32(math.Sqrt2 / 2)
	withNodes := func(nodes string) []byte {
		return glb(triJSON(`"meshes"`, nodes+`,"meshes"`), triBin(0, 1, 2))
	}
	near := func(a, b []float32) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5 {
				return false
			}
		}
		return true
	}
	// Translate by (10,0,0), rotate 90° about z, scale 2: (1,0,0) → (10,2,0), (0,1,0) → (8,0,0).
	m, err := ParseGLB(withNodes(`"scene":0,"scenes":[{"nodes":[0]}],"nodes":[{"mesh":0,"translation":[10,0,0],"rotation":[0,0,` +
		ftoa(s2) + `,` + ftoa(s2) + `],"scale":[2,2,2]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{10, 0, 0, 10, 2, 0, 8, 0, 0}; !near(m.Positions, want) {
		t.Errorf("TRS: %v, want %v", m.Positions, want)
	}
	// A parent's matrix applies to its child; two placements give two triangles.
	m, err = ParseGLB(withNodes(`"nodes":[{"matrix":[1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,5,1],"children":[1,2]},{"mesh":0},{"mesh":0,"translation":[0,3,0]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Triangles() != 2 || !near(m.Positions[:3], []float32{0, 0, 5}) || !near(m.Positions[9:12], []float32{0, 3, 5}) {
		t.Errorf("matrix and instances: %d triangles, %v", m.Triangles(), m.Positions)
	}
	// A mirroring scale reverses the winding, so the face still faces +z once mirrored.
	m, err = ParseGLB(withNodes(`"nodes":[{"mesh":0,"scale":[-1,1,1]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Indices, []uint32{0, 2, 1}) || m.Normals[2] != 1 {
		t.Errorf("mirror: indices %v normal %v", m.Indices, m.Normals[:3])
	}
	for _, tc := range []struct{ name, nodes, want string }{
		{"cycle", `"nodes":[{"mesh":0,"children":[1]},{"children":[0]}],"scenes":[{"nodes":[0]}]`, "ancestor"},
		{"self", `"nodes":[{"mesh":0,"children":[0]}],"scenes":[{"nodes":[0]}]`, "ancestor"},
		{"missing child", `"nodes":[{"mesh":0,"children":[9]}]`, "does not exist"},
		{"missing mesh", `"nodes":[{"mesh":4}]`, "does not exist"},
		{"missing scene", `"scene":3,"scenes":[{"nodes":[0]}],"nodes":[{"mesh":0}]`, "does not exist"},
		{"huge scale", `"nodes":[{"mesh":0,"scale":[1e300,1,1]}]`, "non-finite"},
		{"overflow", `"scenes":[{"nodes":[0]}],"nodes":[{"scale":[1e11,1,1],"children":[1]},{"scale":[1e11,1,1],"children":[2]},{"scale":[1e11,1,1],"children":[3]},{"mesh":0,"scale":[1e11,1,1]}]`, "out of range"},
		{"exponential", exponentialNodes(20), "placements"},
	} {
		if _, err := ParseGLB(withNodes(tc.nodes)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// exponentialNodes is a chain of n nodes each placing the next twice: 2^n placements.
func exponentialNodes(n int) string {
	s := `"scenes":[{"nodes":[0]}],"nodes":[`
	for i := 0; i < n; i++ {
		s += `{"children":[` + itoa(i+1) + `,` + itoa(i+1) + `]},`
	}
	return s + `{"mesh":0}]`
}

func ftoa(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }

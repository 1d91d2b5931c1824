package storage

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"strconv"
	"strings"
)

// PLY thumbnails: nvidia/asset-harvester answers a Gaussian splat as a PLY point cloud (ASCII
// or binary). The points are drawn as small squares with a depth buffer, seen from the same
// angle as a GLB's thumbnail; a splat's colour is its first spherical-harmonic term, and
// nearly transparent splats are left out.

// Limits on what plyPoints reads: a thumbnail needs a few hundred thousand points at most.
const (
	maxPLYPoints    = 20_000_000
	plyDrawnPoints  = 400_000
	maxPLYHeaderLen = 64 << 10
)

// plyPoint is one point: position and colour (0..1).
type plyPoint struct{ x, y, z, r, g, b float32 }

var plySizes = map[string]int{"char": 1, "int8": 1, "uchar": 1, "uint8": 1, "short": 2, "int16": 2, "ushort": 2, "uint16": 2,
	"int": 4, "int32": 4, "uint": 4, "uint32": 4, "float": 4, "float32": 4, "double": 8, "float64": 8}

type plyProp struct {
	name, typ string
	off       int
}

// readPLYPoints reads the vertex element of a PLY (the first element), keeping at most
// plyDrawnPoints of them, evenly spread.
func readPLYPoints(r io.Reader) ([]plyPoint, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var props []plyProp
	format, count, stride, read := "", -1, 0, 0
	inVertex := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("ply header: %w", err)
		}
		if read += len(line); read > maxPLYHeaderLen {
			return nil, errors.New("ply header too long")
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "format":
			if len(f) > 1 {
				format = f[1]
			}
		case "element":
			if len(f) < 3 {
				return nil, errors.New("ply: bad element line")
			}
			inVertex = count < 0 && f[1] == "vertex"
			if count < 0 && !inVertex {
				return nil, errors.New("ply: the vertices are not the first element")
			}
			if inVertex {
				n, err := strconv.Atoi(f[2])
				if err != nil || n < 0 || n > maxPLYPoints {
					return nil, fmt.Errorf("ply: vertex count %q", f[2])
				}
				count = n
			}
		case "property":
			if !inVertex {
				continue
			}
			if len(f) != 3 || plySizes[f[1]] == 0 {
				return nil, errors.New("ply: a vertex property this reader does not take")
			}
			props = append(props, plyProp{name: f[2], typ: f[1], off: stride})
			stride += plySizes[f[1]]
		case "end_header":
			if count < 0 {
				return nil, errors.New("ply: no vertices")
			}
			return readPLYBody(br, format, count, stride, props)
		}
	}
}

func readPLYBody(br *bufio.Reader, format string, count, stride int, props []plyProp) ([]plyPoint, error) {
	idx := map[string]int{}
	for i, p := range props {
		idx[p.name] = i
	}
	for _, k := range []string{"x", "y", "z"} {
		if _, ok := idx[k]; !ok {
			return nil, errors.New("ply: vertices without x, y, z")
		}
	}
	var order binary.ByteOrder
	switch format {
	case "ascii":
	case "binary_little_endian":
		order = binary.LittleEndian
	case "binary_big_endian":
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("ply: format %q", format)
	}
	vals := make([]float64, len(props))
	rec := make([]byte, stride)
	step := max(1, count/plyDrawnPoints)
	pts := make([]plyPoint, 0, min(count, plyDrawnPoints+1))
	get := func(name string) (float64, bool) {
		i, ok := idx[name]
		if !ok {
			return 0, false
		}
		return vals[i], true
	}
	for n := 0; n < count; n++ {
		if order == nil {
			line, err := br.ReadString('\n')
			if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
				return nil, fmt.Errorf("ply: vertex %d: %w", n, err)
			}
			f := strings.Fields(line)
			if len(f) < len(props) {
				return nil, fmt.Errorf("ply: vertex %d is short", n)
			}
			for i := range props {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return nil, fmt.Errorf("ply: vertex %d: %w", n, err)
				}
				vals[i] = v
			}
		} else {
			if _, err := io.ReadFull(br, rec); err != nil {
				return nil, fmt.Errorf("ply: vertex %d: %w", n, err)
			}
			for i, p := range props {
				vals[i] = plyValue(rec[p.off:], p.typ, order)
			}
		}
		if n%step != 0 {
			continue
		}
		if o, ok := get("opacity"); ok && 1/(1+math.Exp(-o)) < 0.2 {
			continue // a splat that is nearly transparent
		}
		x, _ := get("x")
		y, _ := get("y")
		z, _ := get("z")
		p := plyPoint{x: float32(x), y: float32(y), z: float32(z), r: 0.8, g: 0.8, b: 0.8}
		if r, ok := get("red"); ok {
			g, _ := get("green")
			b, _ := get("blue")
			div := 1.0
			if props[idx["red"]].typ != "float" && props[idx["red"]].typ != "float32" && props[idx["red"]].typ != "double" {
				div = 255
			}
			p.r, p.g, p.b = float32(r/div), float32(g/div), float32(b/div)
		} else if r, ok := get("f_dc_0"); ok {
			const sh0 = 0.28209479177387814
			g, _ := get("f_dc_1")
			b, _ := get("f_dc_2")
			p.r, p.g, p.b = float32(0.5+sh0*r), float32(0.5+sh0*g), float32(0.5+sh0*b)
		}
		if plyFinite(p.x) && plyFinite(p.y) && plyFinite(p.z) {
			pts = append(pts, p)
		}
	}
	return pts, nil
}

func plyValue(b []byte, typ string, o binary.ByteOrder) float64 {
	switch typ {
	case "char", "int8":
		return float64(int8(b[0]))
	case "uchar", "uint8":
		return float64(b[0])
	case "short", "int16":
		return float64(int16(o.Uint16(b)))
	case "ushort", "uint16":
		return float64(o.Uint16(b))
	case "int", "int32":
		return float64(int32(o.Uint32(b)))
	case "uint", "uint32":
		return float64(o.Uint32(b))
	case "float", "float32":
		return float64(math.Float32frombits(o.Uint32(b)))
	}
	return math.Float64frombits(o.Uint64(b))
}

func plyFinite(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

// plyThumbnail draws the points of a PLY; one that cannot be read gets the "broken"
// placeholder.
func plyThumbnail(r io.Reader, size int) image.Image {
	pts, err := readPLYPoints(r)
	if err != nil || len(pts) == 0 {
		return placeholder("broken", size)
	}
	return drawPoints(pts, size)
}

// drawPoints projects the points as the mesh renderer does (the bounding box's centre in the
// middle, its half-diagonal just under half the side), nearer points over farther ones and
// lighter, so that the cloud reads as a solid.
func drawPoints(pts []plyPoint, size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), &image.Uniform{thumb3DBackground}, image.Point{}, draw.Src)
	lo := [3]float32{pts[0].x, pts[0].y, pts[0].z}
	hi := lo
	for _, p := range pts {
		lo = [3]float32{min(lo[0], p.x), min(lo[1], p.y), min(lo[2], p.z)}
		hi = [3]float32{max(hi[0], p.x), max(hi[1], p.y), max(hi[2], p.z)}
	}
	cx, cy, cz := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2, (lo[2]+hi[2])/2
	dx, dy, dz := float64(hi[0]-lo[0]), float64(hi[1]-lo[1]), float64(hi[2]-lo[2])
	radius := math.Sqrt(dx*dx+dy*dy+dz*dz) / 2
	scale := float32(1)
	if radius > 0 {
		scale = float32(0.47 * float64(size) / radius)
	}
	cyw, syw := float32(math.Cos(thumb3DYaw)), float32(math.Sin(thumb3DYaw))
	cp, sp := float32(math.Cos(thumb3DPitch)), float32(math.Sin(thumb3DPitch))
	depth := make([]float32, size*size)
	for i := range depth {
		depth[i] = float32(math.Inf(-1))
	}
	// Dots large enough that a sparse cloud still reads as a shape, small enough for detail in
	// a dense one.
	dot := min(max(1, size/96, int(float64(size)*0.5/math.Sqrt(float64(len(pts))))), max(1, size/16))
	half := float32(size) / 2
	for _, p := range pts {
		x, y, z := p.x-cx, p.y-cy, p.z-cz
		vx := cyw*x + syw*z
		vy := sp*syw*x + cp*y - sp*cyw*z
		vz := -cp*syw*x + sp*y + cp*cyw*z
		sx, sy := int(half+scale*vx)-dot/2, int(half-scale*vy)-dot/2
		// Nearer is lighter: from 0.55 at the back of the bounding sphere to 1 at its front.
		light := float32(0.775)
		if radius > 0 {
			light += 0.225 * vz / float32(radius)
		}
		c := color.NRGBA{plyByte(p.r * light), plyByte(p.g * light), plyByte(p.b * light), 255}
		for yy := sy; yy < sy+dot; yy++ {
			for xx := sx; xx < sx+dot; xx++ {
				if xx < 0 || yy < 0 || xx >= size || yy >= size || depth[yy*size+xx] >= vz {
					continue
				}
				depth[yy*size+xx] = vz
				img.SetNRGBA(xx, yy, c)
			}
		}
	}
	return img
}

func plyByte(v float32) uint8 {
	return uint8(min(max(v, 0), 1)*255 + 0.5)
}

package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"

	"pollinations-studio/internal/mesh"
)

func TestThumbnailOf3DModelIsADrawingOfIt(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	box := mesh.Box(1, 1.4, 0.8)
	box.BaseColor = [4]float32{0.9, 0.3, 0.2, 1}
	var glb bytes.Buffer
	if err := mesh.WriteGLB(&glb, box); err != nil {
		t.Fatal(err)
	}
	hash := must[string](t)(l.PutMedia(ctx, bytes.NewReader(glb.Bytes()), ".glb"))
	it := &Item{Kind: Kind3D, MediaHash: hash, ContentType: "model/gltf-binary", Prompt: "a box"}
	must[int64](t)(l.AddItem(ctx, it))
	const size = 64
	img := decodePNG(t, must[string](t)(l.Thumbnail(ctx, it.ID, size)))
	if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
		t.Fatalf("thumbnail %v", b)
	}
	bg := nrgba(img, 0, 0)
	if bg != thumb3DBackground {
		t.Fatalf("corner %v, want the backdrop %v", bg, thumb3DBackground)
	}
	for _, p := range [][2]int{{size - 1, 0}, {0, size - 1}, {size - 1, size - 1}} {
		if c := nrgba(img, p[0], p[1]); c != bg {
			t.Errorf("corner %v is %v, not the backdrop", p, c)
		}
	}
	// Inside the silhouette: the box's colour, in more than one shade (its faces are lit
	// differently), and reddish as its material says.
	shades := map[[4]uint8]bool{}
	for y := size / 4; y < size*3/4; y++ {
		for x := size / 4; x < size*3/4; x++ {
			c := nrgba(img, x, y)
			if c == bg {
				continue
			}
			shades[[4]uint8{c.R, c.G, c.B, c.A}] = true
			if c.R <= c.B || c.R <= c.G {
				t.Fatalf("pixel %d,%d = %v is not the box's red", x, y, c)
			}
		}
	}
	if len(shades) < 2 {
		t.Fatalf("the middle of the thumbnail has %d shades: not a shaded solid", len(shades))
	}
	if c := nrgba(img, size/2, size/2); c == bg {
		t.Fatal("the centre is backdrop: the box was not drawn")
	}

	// Broken files: placeholders, not errors.
	emptyPLY := must[string](t)(l.PutMedia(ctx, bytes.NewReader([]byte("ply\nformat ascii 1.0\nelement vertex 0\nend_header\n")), ".ply"))
	bad := must[string](t)(l.PutMedia(ctx, bytes.NewReader([]byte("glTF\x02\x00\x00\x00\x0c\x00\x00\x00")), ".glb"))
	for _, h := range []struct{ hash, ct string }{{emptyPLY, "application/ply"}, {bad, "model/gltf-binary"}} {
		o := &Item{Kind: Kind3D, MediaHash: h.hash, ContentType: h.ct}
		must[int64](t)(l.AddItem(ctx, o))
		p, err := l.Thumbnail(ctx, o.ID, size)
		if err != nil {
			t.Fatalf("%s: %v", h.ct, err)
		}
		if c := nrgba(decodePNG(t, p), 0, 0); c == bg {
			t.Errorf("%s: drawn as a model", h.ct)
		}
	}
}

// A PLY point cloud, ASCII with colours or a binary Gaussian splat, is drawn as its points: the
// cloud's colour inside, the backdrop in the corners, transparent splats left out.
func TestThumbnailOfPLYDrawsItsPoints(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	sphere := mesh.Icosphere(4)
	n := sphere.Vertices()
	var ascii bytes.Buffer
	fmt.Fprintf(&ascii, "ply\nformat ascii 1.0\ncomment test\nelement vertex %d\nproperty float x\nproperty float y\nproperty float z\n"+
		"property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n", n)
	for v := 0; v < n; v++ {
		p := sphere.Positions[3*v:]
		fmt.Fprintf(&ascii, "%g %g %g 40 200 60\n", p[0], p[1], p[2])
	}
	// The splat: f_dc for colour (blue), opacity as a logit; a second, transparent copy of
	// every point far off to the side must not widen the picture.
	var bin bytes.Buffer
	fmt.Fprintf(&bin, "ply\nformat binary_little_endian 1.0\nelement vertex %d\nproperty float x\nproperty float y\nproperty float z\n"+
		"property float f_dc_0\nproperty float f_dc_1\nproperty float f_dc_2\nproperty float opacity\nproperty float scale_0\nend_header\n", 2*n)
	for v := 0; v < n; v++ {
		p := sphere.Positions[3*v:]
		binary.Write(&bin, binary.LittleEndian, []float32{p[0], p[1], p[2], -1.5, -1, 1.5, 4, 0.01})
		binary.Write(&bin, binary.LittleEndian, []float32{p[0] + 30, p[1], p[2], 1.5, 1.5, 1.5, -6, 0.01})
	}
	const size = 96
	for _, tc := range []struct {
		name string
		data []byte
		hue  func(c color.NRGBA) bool
	}{
		{"ascii", ascii.Bytes(), func(c color.NRGBA) bool { return c.G > c.R && c.G > c.B }},
		{"binary splat", bin.Bytes(), func(c color.NRGBA) bool { return c.B > c.R && c.B > c.G }},
	} {
		hash := must[string](t)(l.PutMedia(ctx, bytes.NewReader(tc.data), ".ply"))
		it := &Item{Kind: Kind3D, MediaHash: hash, ContentType: "application/ply"}
		must[int64](t)(l.AddItem(ctx, it))
		img := decodePNG(t, must[string](t)(l.Thumbnail(ctx, it.ID, size)))
		for _, p := range [][2]int{{0, 0}, {size - 1, 0}, {0, size - 1}, {size - 1, size - 1}} {
			if c := nrgba(img, p[0], p[1]); c != thumb3DBackground {
				t.Errorf("%s: corner %v is %v, not the backdrop", tc.name, p, c)
			}
		}
		shades := map[color.NRGBA]bool{}
		for y := size * 3 / 8; y < size*5/8; y++ {
			for x := size * 3 / 8; x < size*5/8; x++ {
				c := nrgba(img, x, y)
				if c == thumb3DBackground {
					continue
				}
				if !tc.hue(c) {
					t.Fatalf("%s: pixel %d,%d = %v is not the cloud's colour", tc.name, x, y, c)
				}
				shades[c] = true
			}
		}
		if len(shades) < 2 {
			t.Errorf("%s: %d shades in the middle: the points were not drawn", tc.name, len(shades))
		}
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func nrgba(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y)).(color.NRGBA)
}

package storage

import (
	"bufio"
	"image"
	"image/color"
	"os"
	"strings"

	"pollinations-studio/internal/mesh"
)

// 3D thumbnails: a GLB is drawn with the software renderer, from a little above and to the
// side so that it reads as a solid; a PLY's points are drawn from the same angle
// (thumbsply.go).

// Thumbnail camera, in radians, and the backdrop the model is drawn over.
const (
	thumb3DYaw   = 0.6
	thumb3DPitch = 0.35
)

var thumb3DBackground = color.NRGBA{0x33, 0x41, 0x55, 255}

// is3DModel reports an item whose media is a 3D model the thumbnail is drawn from: a GLB mesh or
// a PLY point cloud.
func is3DModel(it *Item) bool {
	return it.ContentType == "model/gltf-binary" || it.ContentType == "application/ply" ||
		strings.HasSuffix(strings.ToLower(it.MediaHash), ".glb") || strings.HasSuffix(strings.ToLower(it.MediaHash), ".ply")
}

// meshThumbnail draws the GLB or PLY at path into a size×size picture; a file that cannot be
// read as one gets the "broken" placeholder.
func meshThumbnail(path string, size int) image.Image {
	f, err := os.Open(path)
	if err != nil {
		return placeholder("broken", size)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if head, _ := br.Peek(4); string(head) == "ply\n" || string(head) == "ply\r" {
		return plyThumbnail(br, size)
	}
	m, err := mesh.ReadGLB(br)
	if err != nil || m.Triangles() == 0 {
		return placeholder("broken", size)
	}
	return mesh.Render(m, size, size, thumb3DYaw, thumb3DPitch, thumb3DBackground)
}

package storage

import (
	"image"
	"image/color"
	"os"
	"strings"

	"pollinations-studio/internal/mesh"
)

// 3D thumbnails: a GLB is drawn with the software renderer, from a little above and to the
// side so that it reads as a solid. A PLY (a Gaussian splat, points without faces) keeps the
// placeholder: there is no PLY reader.

// Thumbnail camera, in radians, and the backdrop the model is drawn over.
const (
	thumb3DYaw   = 0.6
	thumb3DPitch = 0.35
)

var thumb3DBackground = color.NRGBA{0x33, 0x41, 0x55, 255}

// isGLB reports an item whose media is a GLB mesh.
func isGLB(it *Item) bool {
	return it.ContentType == "model/gltf-binary" || strings.HasSuffix(strings.ToLower(it.MediaHash), ".glb")
}

// meshThumbnail draws the GLB at path into a size×size picture; a file that cannot be read as
// a mesh gets the "broken" placeholder.
func meshThumbnail(path string, size int) image.Image {
	f, err := os.Open(path)
	if err != nil {
		return placeholder("broken", size)
	}
	defer f.Close()
	m, err := mesh.ReadGLB(f)
	if err != nil || m.Triangles() == 0 {
		return placeholder("broken", size)
	}
	return mesh.Render(m, size, size, thumb3DYaw, thumb3DPitch, thumb3DBackground)
}

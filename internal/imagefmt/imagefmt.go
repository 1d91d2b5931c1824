// Package imagefmt names an image's format from its bytes and converts between PNG and JPEG,
// for the places that write a picture under a name the user chose (the command line's -o, the
// window's Save as, the clipboard). Standard library and golang.org/x/image only.
package imagefmt

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoded for conversion
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"

	_ "golang.org/x/image/webp" // decoded for conversion (the clipboard takes PNG)
)

// The formats.
const (
	PNG  = "png"
	JPEG = "jpeg"
	GIF  = "gif"
	WebP = "webp"
	SVG  = "svg"
)

// ForExt is the format a file extension names (".JPG" → "jpeg"), or "" for none.
func ForExt(ext string) string {
	switch strings.ToLower(ext) {
	case ".png":
		return PNG
	case ".jpg", ".jpeg", ".jfif":
		return JPEG
	case ".gif":
		return GIF
	case ".webp":
		return WebP
	case ".svg":
		return SVG
	}
	return ""
}

// Ext is the extension a file of the format takes.
func Ext(format string) string {
	switch format {
	case JPEG:
		return ".jpg"
	case PNG, GIF, WebP, SVG:
		return "." + format
	}
	return ""
}

// Of names the format of an image's bytes, or "" when they are no image it knows. The
// content type the server gave helps only for SVG, which is text.
func Of(data []byte, contentType string) string {
	ct := http.DetectContentType(data)
	switch {
	case strings.HasPrefix(ct, "image/"):
		if f := strings.TrimPrefix(ct, "image/"); Ext(f) != "" {
			return f
		}
	case strings.HasPrefix(contentType, "image/svg") || bytes.Contains(data[:min(len(data), 1024)], []byte("<svg")):
		return SVG
	}
	return ""
}

// Convert re-encodes a raster image as PNG or JPEG. ok is false when that would lose something
// the image has (transparency into JPEG) or the source cannot be decoded (SVG); err is for a
// failed encoding.
func Convert(data []byte, to string) (out []byte, ok bool, err error) {
	if Of(data, "") == to {
		return data, true, nil
	}
	img, _, derr := image.Decode(bytes.NewReader(data))
	if derr != nil {
		return nil, false, nil
	}
	var buf bytes.Buffer
	switch to {
	case PNG:
		err = png.Encode(&buf, img)
	case JPEG:
		if !opaque(img) {
			return nil, false, nil
		}
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("imagefmt: encoding %s: %w", strings.ToUpper(to), err)
	}
	return buf.Bytes(), true, nil
}

// opaque reports whether every pixel of img is fully opaque.
func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, img, b.Min, draw.Src)
	return rgba.Opaque()
}

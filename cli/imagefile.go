package cli

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoded for conversion
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"pollinations-studio/storage"
)

// The service picks an image's format itself (JPEG for most models, PNG for gptimage and a
// transparent background, SVG for vector models) and takes no parameter for it, so the bytes
// may not be what -o's extension says.
var imageExts = map[string]string{
	".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".jfif": "jpeg", ".gif": "gif",
	".webp": "webp", ".svg": "svg",
}

// extOf is the extension a file of that format takes.
var extOf = map[string]string{"png": ".png", "jpeg": ".jpg", "gif": ".gif", "webp": ".webp", "svg": ".svg"}

// imageFormat names the format of an image's bytes (png, jpeg, gif, webp, svg), or "".
func imageFormat(data []byte, contentType string) string {
	ct := http.DetectContentType(data)
	switch {
	case strings.HasPrefix(ct, "image/"):
		f := strings.TrimPrefix(ct, "image/")
		if _, ok := extOf[f]; ok {
			return f
		}
	case strings.HasPrefix(contentType, "image/svg") || bytes.Contains(data[:min(len(data), 1024)], []byte("<svg")):
		return "svg"
	}
	return ""
}

// saveImage writes an image item's media to out in the format out's extension names: PNG and
// JPEG are converted into each other; what cannot be converted (SVG, transparency into JPEG, a
// format the standard library cannot write) is written under its own extension instead. An
// extension that names no image format gets the bytes as they came. It returns the path written
// and, when it differs from what was sent or asked for, a note saying so.
func saveImage(lib *storage.Library, it *storage.Item, out string) (string, string, error) {
	f, err := os.Open(lib.MediaPath(it.MediaHash))
	if err != nil {
		return "", "", fmt.Errorf("reading the result from the library: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, storage.MaxMediaBytes))
	f.Close()
	if err != nil {
		return "", "", fmt.Errorf("reading the result from the library: %w", err)
	}
	ext := filepath.Ext(out)
	want, got := imageExts[strings.ToLower(ext)], imageFormat(data, it.ContentType)
	if want == "" || got == "" || want == got {
		return out, "", writeWhole(out, data)
	}
	sent := strings.ToUpper(got)
	if want == "png" || want == "jpeg" {
		if conv, ok, err := convertImage(data, want); err != nil {
			return "", "", fmt.Errorf("converting the %s the service sent into %s: %w", sent, strings.ToUpper(want), err)
		} else if ok {
			return out, fmt.Sprintf("converted from the %s the service sent; the library keeps the original", sent), writeWhole(out, conv)
		}
	}
	renamed := freeName(strings.TrimSuffix(out, ext), extOf[got])
	why := "it cannot be converted here"
	if want == "jpeg" && got == "png" {
		why = "JPEG cannot keep its transparency"
	}
	return renamed, fmt.Sprintf("the service sent %s and %s, so it is saved as %s", sent, why, filepath.Base(renamed)), writeWhole(renamed, data)
}

// freeName is stem+ext, or stem-2+ext, stem-3+ext… when that exists: a file the user did not
// name is never overwritten.
func freeName(stem, ext string) string {
	name := stem + ext
	for i := 2; i < 1000; i++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d%s", stem, i, ext)
	}
	return name
}

// convertImage re-encodes a raster image as png or jpeg. ok is false when that would lose
// something the image has (transparency into JPEG) or the source cannot be decoded (SVG).
func convertImage(data []byte, to string) (out []byte, ok bool, err error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, false, nil
	}
	var buf bytes.Buffer
	switch to {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		if !opaque(img) {
			return nil, false, nil
		}
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
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

// writeWhole writes data to path whole or not at all.
func writeWhole(path string, data []byte) error {
	dst, err := createAtomic(path)
	if err != nil {
		return err
	}
	defer dst.Abort()
	if _, err := dst.Write(data); err != nil {
		return &fileError{fmt.Errorf("writing %s: %w", path, err)}
	}
	return dst.Commit()
}

package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"pollinations-studio/internal/imagefmt"
	"pollinations-studio/storage"
)

// The service picks an image's format itself (JPEG for most models, PNG for gptimage and a
// transparent background, SVG for vector models) and takes no parameter for it, so the bytes
// may not be what -o's extension says.

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
	want, got := imagefmt.ForExt(ext), imagefmt.Of(data, it.ContentType)
	if want == "" || got == "" || want == got {
		return out, "", writeWhole(out, data)
	}
	sent := strings.ToUpper(got)
	if want == imagefmt.PNG || want == imagefmt.JPEG {
		if conv, ok, err := imagefmt.Convert(data, want); err != nil {
			return "", "", fmt.Errorf("converting the %s the service sent into %s: %w", sent, strings.ToUpper(want), err)
		} else if ok {
			return out, fmt.Sprintf("converted from the %s the service sent; the library keeps the original", sent), writeWhole(out, conv)
		}
	}
	renamed := freeName(strings.TrimSuffix(out, ext), imagefmt.Ext(got))
	why := "it cannot be converted here"
	if want == imagefmt.JPEG && got == imagefmt.PNG {
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

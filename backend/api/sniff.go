package api

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// SniffContentType names the media type from the magic bytes, falling back to the declared
// header: servers label bodies wrongly often enough (a missing type means JPEG on the image
// route) that the bytes decide.
func SniffContentType(b []byte, declared string) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "audio/wav"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case bytes.HasPrefix(b, []byte("ID3")):
		return "audio/mpeg"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return "audio/mpeg" // an MPEG audio frame sync with a layer set
	case bytes.HasPrefix(b, []byte("OggS")):
		return "audio/ogg"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "audio/flac"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return "video/mp4"
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "video/webm"
	}
	trimmed := bytes.TrimSpace(b)
	if bytes.HasPrefix(trimmed, []byte("<svg")) || (bytes.HasPrefix(trimmed, []byte("<?xml")) && bytes.Contains(trimmed[:min(len(trimmed), 512)], []byte("<svg"))) {
		return "image/svg+xml"
	}
	if mt, _, err := mime.ParseMediaType(declared); err == nil && mt != "" {
		return mt
	}
	if len(b) > 0 {
		return strings.SplitN(http.DetectContentType(b), ";", 2)[0]
	}
	return ""
}

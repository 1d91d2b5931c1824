package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// mediaType is a kind of file the library keeps, told by its first bytes.
type mediaType struct {
	class string   // "image", "audio" or "video"
	exts  []string // the extensions such a file may carry
}

// sniff names a file's type from its first bytes ("" when it is none the library keeps). The
// extension a file carries means nothing by itself: a .mp3 may hold a text file, a video a
// .desktop launcher.
func sniff(head []byte) (mediaType, bool) {
	has := func(off int, sig string) bool {
		return len(head) >= off+len(sig) && string(head[off:off+len(sig)]) == sig
	}
	switch {
	case has(0, "\x89PNG\r\n\x1a\n"):
		return mediaType{"image", []string{".png"}}, true
	case has(0, "\xff\xd8\xff"):
		return mediaType{"image", []string{".jpg", ".jpeg"}}, true
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return mediaType{"image", []string{".gif"}}, true
	case has(0, "RIFF") && has(8, "WEBP"):
		return mediaType{"image", []string{".webp"}}, true
	case has(0, "RIFF") && has(8, "WAVE"):
		return mediaType{"audio", []string{".wav"}}, true
	case has(0, "ID3"), len(head) >= 2 && head[0] == 0xff && head[1]&0xe0 == 0xe0:
		return mediaType{"audio", []string{".mp3", ".mpga", ".mpeg"}}, true
	case has(0, "OggS"):
		return mediaType{"audio", []string{".ogg", ".oga", ".opus"}}, true
	case has(0, "fLaC"):
		return mediaType{"audio", []string{".flac"}}, true
	case has(4, "ftyp"):
		if has(8, "M4A ") || has(8, "M4B ") {
			return mediaType{"audio", []string{".m4a", ".mp4"}}, true
		}
		return mediaType{"video", []string{".mp4", ".m4v", ".mov", ".m4a"}}, true
	case has(0, "\x1a\x45\xdf\xa3"):
		return mediaType{"video", []string{".webm", ".mkv", ".weba"}}, true
	case has(0, "glTF"):
		return mediaType{"model", []string{".glb"}}, true
	case has(0, "ply\n"), has(0, "ply\r\n"):
		return mediaType{"model", []string{".ply"}}, true
	case len(head) > 188 && head[0] == 0x47 && head[188] == 0x47:
		return mediaType{"video", []string{".ts"}}, true
	}
	return mediaType{}, false
}

// classesFor is what the media of an item of each kind may be. A transcript keeps the audio it
// was made from, which may come in a video container (mp4, webm).
var classesFor = map[Kind][]string{
	KindImage:      {"image"},
	KindVideo:      {"video"},
	KindSpeech:     {"audio"},
	KindRecording:  {"audio"},
	KindTranscript: {"audio", "video"},
	KindChat:       {"image"},
	KindText:       {"image"},
	KindMusic:      {"audio"},
	KindSound:      {"audio"},
	Kind3D:         {"model"},
}

// ErrNotMedia means a file is not the kind of media it is meant to be.
var ErrNotMedia = errors.New("not a media file of the expected kind")

// checkMedia says whether head (a file's first bytes) is media an item of kind may hold, under
// the extension ext ("" to take any extension of its type).
func checkMedia(head []byte, ext string, kind Kind) error {
	mt, ok := sniff(head)
	if !ok {
		return fmt.Errorf("%w: its content is not an image, audio, video or 3D file", ErrNotMedia)
	}
	allowed := false
	for _, c := range classesFor[kind] {
		allowed = allowed || c == mt.class
	}
	if !allowed {
		return fmt.Errorf("%w: a %s file cannot belong to a %s item", ErrNotMedia, mt.class, kind)
	}
	if ext = strings.ToLower(ext); ext != "" {
		match := false
		for _, e := range mt.exts {
			match = match || e == ext
		}
		if !match {
			return fmt.Errorf("%w: a %s file named %s", ErrNotMedia, mt.class, ext)
		}
	}
	return nil
}

// CheckMediaFile says whether the file at path is media an item of kind may hold, by its
// content and extension: a generation checks its inputs with it before copying them into the
// library (a text file named .mp3 given to transcription is refused here, not after a copy).
func CheckMediaFile(path string, kind Kind) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("storage: reading %s: %w", filepath.Base(path), err)
	}
	if err := checkMedia(head[:n], filepath.Ext(path), kind); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// headOf reads up to 512 bytes of r and returns them with a reader that yields all of r again.
func headOf(r io.Reader) ([]byte, io.Reader, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, nil, err
	}
	return head[:n], io.MultiReader(bytes.NewReader(head[:n]), r), nil
}

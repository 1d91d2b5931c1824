package kit

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"pollinations-studio/internal/imagefmt"
	"pollinations-studio/storage"
)

// Save as writes a picture in the format the chosen name says (the service sent JPEG, the
// user typed fox.png), keeps transparency rather than flatten it into a JPEG, and copies
// anything else byte for byte.
func TestSaveMediaMatchesTheChosenName(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	opaque := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range opaque.Pix {
		opaque.Pix[i] = 255
	}
	var jpg, clear bytes.Buffer
	if err := jpeg.Encode(&jpg, opaque, nil); err != nil {
		t.Fatal(err)
	}
	see := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	see.Set(1, 1, color.NRGBA{255, 0, 0, 128})
	if err := png.Encode(&clear, see); err != nil {
		t.Fatal(err)
	}
	sound := []byte("ID3\x03\x00\x00\x00\x00\x00\x00 not converted")
	for _, tc := range []struct {
		name string
		it   storage.Item
		ext  string
		want string // the written bytes' format; "" for the same bytes as the library's
	}{
		{"jpeg saved as png", storage.Item{Kind: storage.KindImage, MediaPath: write("a.jpg", jpg.Bytes())}, ".png", imagefmt.PNG},
		{"jpeg saved as jpg", storage.Item{Kind: storage.KindImage, MediaPath: write("b.jpg", jpg.Bytes())}, ".jpg", ""},
		{"transparent png saved as jpg", storage.Item{Kind: storage.KindImage, MediaPath: write("c.png", clear.Bytes())}, ".JPG", ""},
		{"no extension", storage.Item{Kind: storage.KindImage, MediaPath: write("d.jpg", jpg.Bytes())}, "", ""},
		{"sound under a picture's name", storage.Item{Kind: storage.KindMusic, MediaPath: write("e.mp3", sound)}, ".png", ""},
	} {
		var out bytes.Buffer
		if err := saveMedia(&out, tc.ext, tc.it); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		orig, _ := os.ReadFile(tc.it.MediaPath)
		switch {
		case tc.want == "" && !bytes.Equal(out.Bytes(), orig):
			t.Errorf("%s: the bytes were changed", tc.name)
		case tc.want != "" && imagefmt.Of(out.Bytes(), "") != tc.want:
			t.Errorf("%s: wrote %q, want %q", tc.name, imagefmt.Of(out.Bytes(), ""), tc.want)
		}
	}
	if err := saveMedia(&bytes.Buffer{}, ".png", storage.Item{Kind: storage.KindImage, MediaPath: filepath.Join(dir, "gone.jpg")}); err == nil {
		t.Error("a missing library file saved nothing without an error")
	}
}

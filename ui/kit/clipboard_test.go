package kit_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

func TestCheckImageBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string // "" = accepted
	}{
		{"small", kittest.PNG(8, 8), ""},
		{"at the pixel bound", kittest.ClaimedPNG(8000, 5000), ""},
		{"over the pixel bound", kittest.ClaimedPNG(8000, 5001), "million pixels"},
		{"not a picture", []byte("hello"), "not an image"},
		{"over the byte bound", append(kittest.PNG(1, 1), make([]byte, kit.MaxImageBytes)...), "at most 50 MB"},
	} {
		err := kit.CheckImage(tc.data)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A JPEG is copied as PNG; a PNG as it is.
func TestImagePNGConverts(t *testing.T) {
	dir := t.TempDir()
	var jb bytes.Buffer
	jpeg.Encode(&jb, image.NewRGBA(image.Rect(0, 0, 12, 7)), nil)
	jp, pp := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b.png")
	os.WriteFile(jp, jb.Bytes(), 0o644)
	orig := kittest.PNG(5, 5)
	os.WriteFile(pp, orig, 0o644)
	got, err := kit.ImagePNG(jp)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := png.DecodeConfig(bytes.NewReader(got)); err != nil || c.Width != 12 || c.Height != 7 {
		t.Fatalf("the JPEG becomes a 12×7 PNG: %+v %v", c, err)
	}
	if got, err := kit.ImagePNG(pp); err != nil || !bytes.Equal(got, orig) {
		t.Fatalf("a PNG is copied as it is: %v", err)
	}
}

// A paste is kept whole in the library's media; a refused one leaves nothing.
func TestPasteImageKeepsTheFileWhole(t *testing.T) {
	lib, err := storage.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	clip := &kittest.MemClipboard{}
	if _, err := kit.PasteImage(context.Background(), clip, lib); err != kit.ErrNoClipboardImage {
		t.Fatalf("an empty clipboard: %v", err)
	}
	want := kittest.PNG(30, 20)
	clip.CopyImage(want)
	path, err := kit.PasteImage(context.Background(), clip, lib)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, want) || filepath.Ext(path) != ".png" {
		t.Fatalf("the pasted file %s is not the picture", path)
	}
	clip.CopyImage(kittest.ClaimedPNG(10000, 10000))
	if _, err := kit.PasteImage(context.Background(), clip, lib); err == nil || !strings.Contains(err.Error(), "million pixels") {
		t.Fatalf("a 100-million-pixel picture is refused: %v", err)
	}
}

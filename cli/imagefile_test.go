package cli

import (
	"bytes"
	"image"
	"os"
	"strings"
	"testing"
)

// The service picks the image format (JPEG for most models, PNG for gptimage and transparency):
// the file -o names holds what its extension says, converted where that keeps the picture whole,
// otherwise written under the format's own extension, and the command says which.
func TestImageFileMatchesItsExtension(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name     string
		args     []string
		out      string // -o
		written  string // the file that must exist
		format   string // its format, as image.DecodeConfig names it
		note     string // in the saved line; "" for none
		notExist string // a file that must not have been written
	}{
		{"jpeg sent, png asked", nil, "a.png", "a.png", "png", "converted from the JPEG the service sent", ""},
		{"jpeg sent, jpg asked", nil, "b.jpg", "b.jpg", "jpeg", "", ""},
		{"jpeg sent, JPEG asked", nil, "c.JPEG", "c.JPEG", "jpeg", "", ""},
		{"png sent, jpg asked", []string{"--model", "gptimage"}, "d.jpg", "d.jpg", "jpeg", "converted from the PNG the service sent", ""},
		{"transparent png, jpg asked", []string{"--model", "gptimage", "--transparent"}, "e.jpg", "e.png", "png", "JPEG cannot keep its transparency, so it is saved as e.png", "e.jpg"},
		{"no image extension", nil, "f.img", "f.img", "jpeg", "", ""},
		// e.png exists now: a file not named by -o is not overwritten.
		{"renamed onto an existing file", []string{"--model", "gptimage", "--transparent"}, "e.jpg", "e-2.png", "png", "saved as e-2.png", "e.jpg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"image", "a kite " + tc.name, "-o", h.path(tc.out), "--width", "320", "--height", "200"}, tc.args...)
			code, _, stderr := h.run(args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			data, err := os.ReadFile(h.path(tc.written))
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil || format != tc.format || cfg.Width != 320 || cfg.Height != 200 {
				t.Fatalf("%s holds %s %dx%d (%v), want %s 320x200", tc.written, format, cfg.Width, cfg.Height, err, tc.format)
			}
			if !strings.Contains(stderr, "saved "+h.path(tc.written)) {
				t.Errorf("the saved line does not name %s:\n%s", tc.written, stderr)
			}
			if tc.note != "" && !strings.Contains(stderr, tc.note) {
				t.Errorf("no %q in:\n%s", tc.note, stderr)
			}
			if tc.note == "" && (strings.Contains(stderr, "converted") || strings.Contains(stderr, "saved as")) {
				t.Errorf("a note where the bytes were kept:\n%s", stderr)
			}
			if tc.written == "e-2.png" {
				if old, err := os.ReadFile(h.path("e.png")); err != nil || bytes.Equal(old, data) {
					t.Errorf("e.png was overwritten or lost (%v)", err)
				}
			}
			if tc.notExist != "" {
				if _, err := os.Stat(h.path(tc.notExist)); !os.IsNotExist(err) {
					t.Errorf("%s exists (%v)", tc.notExist, err)
				}
			}
		})
	}
}

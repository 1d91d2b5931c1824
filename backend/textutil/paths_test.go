package textutil

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPastedFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a photo.png")
	b := filepath.Join(dir, "b.wav")
	os.WriteFile(a, []byte("x"), 0o644)
	os.WriteFile(b, []byte("x"), 0o644)
	uri := "file://" + strings.ReplaceAll(filepath.ToSlash(a), " ", "%20")
	for _, c := range []struct {
		name string
		in   string
		want []string
	}{
		{"a path", a, []string{a}},
		{"a file URI, escaped", uri, []string{a}},
		{"a URI list with a comment and CRLF", "# copied\r\n" + uri + "\r\n" + b + "\r\n", []string{a, b}},
		{"plain text", "hello there", nil},
		{"a path among text", a + "\nand some words", nil},
		{"a missing file", filepath.Join(dir, "gone.png"), nil},
		{"a folder", dir, nil},
		{"a relative path", "a photo.png", nil},
		{"another host", "file://example.com" + filepath.ToSlash(a), nil},
		{"empty", "  \n", nil},
	} {
		got, ok := PastedFiles(c.in)
		if ok != (c.want != nil) || !reflect.DeepEqual(got, c.want) && c.want != nil {
			t.Errorf("%s: got %v %v, want %v", c.name, got, ok, c.want)
		}
	}
}

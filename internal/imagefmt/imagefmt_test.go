package imagefmt

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func TestOfAndConvert(t *testing.T) {
	var pngBytes bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	if err := png.Encode(&pngBytes, img); err != nil {
		t.Fatal(err)
	}
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"></svg>`)
	for _, tc := range []struct {
		data []byte
		ct   string
		want string
	}{
		{pngBytes.Bytes(), "image/png", "png"},
		{pngBytes.Bytes(), "image/jpeg", "png"}, // the bytes win over the header
		{[]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "", "jpeg"},
		{svg, "image/svg+xml", "svg"},
		{svg, "", "svg"},
		{[]byte("hello"), "text/plain", ""},
	} {
		if got := Of(tc.data, tc.ct); got != tc.want {
			t.Errorf("Of(%.12q, %q) = %q, want %q", tc.data, tc.ct, got, tc.want)
		}
	}
	// A transparent image is not flattened into a JPEG; an opaque one is converted.
	if _, ok, err := Convert(pngBytes.Bytes(), "jpeg"); ok || err != nil {
		t.Errorf("a PNG with transparent pixels became a JPEG (%v)", err)
	}
	if _, ok, _ := Convert(svg, "png"); ok {
		t.Error("an SVG was converted")
	}
}

func TestConvertOpaque(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for i := range img.Pix {
		img.Pix[i] = 200
		if i%4 == 3 {
			img.Pix[i] = 255 // opaque
		}
	}
	var p bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	j, ok, err := Convert(p.Bytes(), JPEG)
	if !ok || err != nil || Of(j, "") != JPEG {
		t.Fatalf("an opaque PNG into JPEG: ok %v, %v, format %q", ok, err, Of(j, ""))
	}
	back, ok, err := Convert(j, PNG)
	if !ok || err != nil || Of(back, "") != PNG {
		t.Fatalf("a JPEG into PNG: ok %v, %v", ok, err)
	}
	if same, ok, _ := Convert(back, PNG); !ok || !bytes.Equal(same, back) {
		t.Error("a PNG into PNG was re-encoded")
	}
	for ext, want := range map[string]string{".PNG": PNG, ".jpeg": JPEG, ".jpg": JPEG, ".svg": SVG, ".txt": "", "": ""} {
		if got := ForExt(ext); got != want {
			t.Errorf("ForExt(%q) = %q, want %q", ext, got, want)
		}
		if want != "" && ForExt(Ext(want)) != want {
			t.Errorf("Ext(%q) = %q does not name it back", want, Ext(want))
		}
	}
}

package library

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

func detailButton(lp *Page, label string) *widget.Button {
	bs := kittest.Buttons(lp.detail, func(b *widget.Button) bool { return b.Text == label })
	if len(bs) != 1 {
		return nil
	}
	return bs[0]
}

// An image item offers Animate (to the video page, with the item) and Copy image, which puts
// a PNG of it on the clipboard: a JPEG is converted. Ctrl+C does the same for the picture shown.
func TestLibraryAnimateAndCopyImage(t *testing.T) {
	h, page := newPage(t, "secret")
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	img.Set(3, 4, color.NRGBA{200, 10, 10, 255})
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		t.Fatal(err)
	}
	pic := putMedia(t, h, jb.Bytes(), ".jpg")
	ids := addItems(t, h, lib.Item{Kind: lib.KindImage, Prompt: "a fox", MediaHash: pic, ContentType: "image/jpeg"},
		lib.Item{Kind: lib.KindSpeech, Prompt: "hello", MediaHash: putMedia(t, h, kittest.ToneWAV(1), ".wav"), ContentType: "audio/wav"})
	lp := openLibrary(h, page)
	wantListed(t, h, lp, "the items", ids...)

	h.UI(func() { lp.showDetail(ids[0]) })
	h.Eventually("Animate and Copy image", func() bool {
		return lp.shown == ids[0] && detailButton(lp, "Animate") != nil && detailButton(lp, "Copy image") != nil
	})
	h.UI(func() { test.Tap(detailButton(lp, "Animate")) })
	navs := h.Navs()
	if v := navs[len(navs)-1]; v.Page != kit.PageVideo || v.Action != kit.ActAnimate || v.Item == nil || v.Item.ID != ids[0] || v.Quiet {
		t.Fatalf("Animate navigates to the video page with the item: %+v", v)
	}

	h.UI(func() { test.Tap(detailButton(lp, "Copy image")) })
	h.Eventually("the copy", func() bool { return detailButton(lp, "Copied") != nil })
	got, err := png.Decode(bytes.NewReader(h.Images.Image()))
	if err != nil {
		t.Fatalf("the clipboard holds a PNG: %v", err)
	}
	if b := got.Bounds(); b.Dx() != 40 || b.Dy() != 30 {
		t.Fatalf("the copied picture is the item's: %v", b)
	}

	// Ctrl+C on the shown picture, after the clipboard changed.
	h.Images.CopyImage(pngBytes(9))
	h.Eventually("the picture shown", func() bool { return lp.picture != nil && lp.picture.img.Image != nil })
	h.UI(lp.Copy)
	h.Eventually("the copy by Ctrl+C", func() bool {
		c, err := png.DecodeConfig(bytes.NewReader(h.Images.Image()))
		return err == nil && c.Width == 40
	})

	// Where there is no clipboard, the copy fails with words that say so.
	h.Images.SetError(errors.New("no clipboard for images here"))
	h.UI(func() { test.Tap(detailButton(lp, "Copied")) })
	h.Eventually("the failure", func() bool { return len(h.Errors()) == 1 })
	if msg := h.Errors()[0].Error(); !strings.Contains(msg, "not copied") || !strings.Contains(msg, "no clipboard") {
		t.Fatalf("the failure says why: %q", msg)
	}

	// Other kinds have neither.
	h.UI(func() { lp.showDetail(ids[1]) })
	h.Eventually("the speech item", func() bool { return lp.shown == ids[1] && detailButton(lp, "Play") != nil })
	var animate, copyB *widget.Button
	h.UI(func() { animate, copyB = detailButton(lp, "Animate"), detailButton(lp, "Copy image") })
	if animate != nil || copyB != nil {
		t.Fatal("only images are animated or copied as pictures")
	}
	// A sound is a reference for music.
	h.UI(func() { test.Tap(detailButton(lp, "Use as reference")) })
	navs = h.Navs()
	if v := navs[len(navs)-1]; v.Page != kit.PageMusic || v.Action != kit.ActUseRef || v.Item == nil || v.Item.ID != ids[1] {
		t.Fatalf("a sound's Use as reference goes to the music page: %+v", v)
	}
}

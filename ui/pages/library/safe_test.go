package library

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// opener is the test host that remembers what the page asked the system to open.
type opener struct {
	*kittest.Host
	mu     sync.Mutex
	opened []string
}

func (o *opener) OpenPath(what, path string) {
	o.mu.Lock()
	o.opened = append(o.opened, path)
	o.mu.Unlock()
}

func (o *opener) Opened() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.opened)
}

func newOpenerPage(t *testing.T) (*opener, *Page) {
	h := kittest.New(t, "secret")
	o := &opener{Host: h}
	var p *Page
	h.UI(func() { p = New(o) })
	h.Show(p.Content())
	return o, p
}

func pngBytes(seed uint8) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	img.Pix[0] = seed
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// putMedia stores bytes in the library and returns the hash.
func putMedia(t *testing.T, h *kittest.Host, b []byte, ext string) string {
	t.Helper()
	hash, err := h.Lib.PutMedia(context.Background(), bytes.NewReader(b), ext)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// tap taps the detail view's button of that label on the item, failing when it is not there.
func tapDetail(t *testing.T, o *opener, p *Page, id int64, label string) {
	t.Helper()
	o.UI(func() { p.showDetail(id) })
	find := func() []*widget.Button {
		return kittest.Buttons(p.detail, func(b *widget.Button) bool { return b.Text == label })
	}
	o.Eventually(label+" on item", func() bool { return p.shown == id && len(find()) == 1 })
	o.UI(func() { test.Tap(find()[0]) })
}

// An item whose file is not the library's (its media a link to a file elsewhere, as a hostile
// archive could leave) is never opened, shown in its folder, played or sent: an error instead.
func TestLibraryOpensOnlyItsOwnFiles(t *testing.T) {
	o, p := newOpenerPage(t)
	h := o.Host
	outside := filepath.Join(t.TempDir(), "secret.png")
	os.WriteFile(outside, pngBytes(9), 0o644)
	good := putMedia(t, h, pngBytes(1), ".png")
	bad := putMedia(t, h, pngBytes(2), ".png")
	badPath := h.Lib.MediaPath(bad)
	os.Remove(badPath)
	if err := os.Symlink(outside, badPath); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	ids := addItems(t, h,
		lib.Item{Kind: lib.KindImage, Prompt: "mine", MediaHash: good, ContentType: "image/png"},
		lib.Item{Kind: lib.KindImage, Prompt: "hostile", MediaHash: bad, ContentType: "image/png"})
	openLibrary(h, p)

	tapDetail(t, o, p, ids[0], "Show in folder")
	if got := o.Opened(); len(got) != 1 || got[0] != filepath.Dir(h.Lib.MediaPath(good)) {
		t.Fatalf("Show in folder of a library file opened %v", got)
	}
	for _, label := range []string{"Show in folder", "Use as reference"} {
		navs, errs := len(h.Navs()), len(h.Errors())
		tapDetail(t, o, p, ids[1], label)
		if got := o.Opened(); len(got) != 1 {
			t.Fatalf("%s of a file outside the library opened %v", label, got[1:])
		}
		if len(h.Navs()) != navs {
			t.Fatalf("%s of a file outside the library was sent on: %+v", label, h.Navs()[navs:])
		}
		if e := h.Errors(); len(e) != errs+1 || !strings.Contains(e[len(e)-1].Error(), "not opened") {
			t.Fatalf("%s must say why nothing happened: %v", label, e[errs:])
		}
	}
}

// A remix carries only the library's own reference files and http(s) links, whatever the
// item's parameters name; "Use as reference" sends a fresh hosted copy's address (no upload);
// "Copy link" copies it.
func TestLibraryRemixAndReferencesAreSafe(t *testing.T) {
	o, p := newOpenerPage(t)
	h := o.Host
	media := putMedia(t, h, pngBytes(3), ".png")
	ref := putMedia(t, h, pngBytes(4), ".png")
	params, _ := json.Marshal(api.ImageRequest{Prompt: "a boat", Model: "flux", Width: 64, Height: 64,
		RefFiles: []string{"/etc/passwd"}, RefURLs: []string{"file:///etc/shadow"}})
	hosted := "https://media.pollinations.ai/abc123"
	ids := addItems(t, h,
		lib.Item{Kind: lib.KindImage, Prompt: "a boat", MediaHash: media, ContentType: "image/png", Params: params,
			References: []string{"/etc/passwd", ref, "https://example.com/r.png", "javascript:alert(1)"}},
		lib.Item{Kind: lib.KindImage, Prompt: "hosted", MediaHash: media, ContentType: "image/png", HostedURL: hosted, CreatedAt: time.Now()},
		lib.Item{Kind: lib.KindImage, Prompt: "old hosted", MediaHash: media, ContentType: "image/png", HostedURL: hosted, CreatedAt: time.Now().Add(-60 * 24 * time.Hour)})
	openLibrary(h, p)

	tapDetail(t, o, p, ids[0], "Remix")
	v := h.Navs()[len(h.Navs())-1]
	if v.Action != kit.ActRemix || v.Item == nil {
		t.Fatalf("remix: %+v", v)
	}
	var r api.ImageRequest
	if err := json.Unmarshal(v.Item.Params, &r); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.RefFiles, []string{h.Lib.MediaPath(ref)}) || !slices.Equal(r.RefURLs, []string{"https://example.com/r.png"}) {
		t.Fatalf("the remix would send files %q and links %q", r.RefFiles, r.RefURLs)
	}
	if slices.Contains(v.Item.References, "/etc/passwd") || slices.Contains(v.Item.References, "javascript:alert(1)") {
		t.Fatalf("the remix's references: %q", v.Item.References)
	}

	for _, tc := range []struct {
		id   int64
		want string
	}{{ids[1], hosted}, {ids[2], h.Lib.MediaPath(media)}, {ids[0], h.Lib.MediaPath(media)}} {
		tapDetail(t, o, p, tc.id, "Use as reference")
		v := h.Navs()[len(h.Navs())-1]
		if v.Action != kit.ActUseRef || v.Item == nil || v.Item.MediaPath != tc.want {
			t.Fatalf("use as reference of item %d sends %+v, want %q", tc.id, v.Item, tc.want)
		}
	}

	tapDetail(t, o, p, ids[1], "Copy link")
	var got string
	h.UI(func() { got = h.Clipboard().Content() })
	if got != hosted {
		t.Fatalf("Copy link copied %q", got)
	}
}

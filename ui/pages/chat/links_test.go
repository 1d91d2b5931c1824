package chat

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit/kittest"
)

// Showing a reply loads nothing: its image waits for "Load image" (one request then, without
// the key), a javascript: link is plain text, and a web link asks before it opens.
func TestReplyImagesAndLinksLoadNothingUntilClicked(t *testing.T) {
	h, p := newPage(t, "secret")
	var hits atomic.Int32
	var auth atomic.Value
	auth.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		auth.Store(r.Header.Get("Authorization") + r.Header.Get("Cookie"))
		w.Header().Set("Content-Type", "image/png")
		w.Write(tinyPNG())
	}))
	defer srv.Close()
	reply := "Here it is:\n\n![x](" + srv.URL + "/?d=private)\n\n[run me](javascript:alert(1)) or [read](https://example.com/a/b?c=d).\n\n" +
		"- in a list: [listed](https://example.org/x) and ![y](" + srv.URL + "/?d=listed)\n"
	h.UI(func() {
		h.Win.Resize(fyne.NewSize(1200, 800))
		p.chatID = 1
		p.msgs = []lib.Message{{ID: 1, Role: "user", Content: "show me"}, {ID: 2, Role: "assistant", Content: reply}}
		p.list.Refresh()
	})
	var texts []string
	var links []*widget.HyperlinkSegment
	var walk func([]widget.RichTextSegment)
	walk = func(segs []widget.RichTextSegment) {
		for _, sg := range segs {
			texts = append(texts, sg.Textual())
			switch s := sg.(type) {
			case *widget.HyperlinkSegment:
				links = append(links, s)
			case *widget.ListSegment:
				walk(s.Items)
			case *widget.ParagraphSegment:
				walk(s.Texts)
			}
		}
	}
	var load []*widget.Button
	h.UI(func() {
		for _, o := range test.LaidOutObjects(p.list) {
			if rt, ok := o.(*widget.RichText); ok {
				walk(rt.Segments)
			}
		}
		load = kittest.Buttons(p.list, func(b *widget.Button) bool { return b.Text == "Load image" })
	})
	if n := hits.Load(); n != 0 {
		t.Fatalf("showing the reply fetched its image (%d requests)", n)
	}
	all := strings.Join(texts, "")
	if !strings.Contains(all, "[image: x — 127.0.0.1") {
		t.Fatalf("the image must show as a placeholder: %q", all)
	}
	if len(links) != 2 || links[0].URL.Scheme != "https" || links[1].URL.Host != "example.org" {
		t.Fatalf("only the https links may be links: %+v", links)
	}
	for _, l := range links {
		if l.OnTapped == nil {
			t.Fatalf("the link to %s would open without asking", l.URL)
		}
	}
	if !strings.Contains(all, "run me") {
		t.Fatalf("the javascript: link's text must stay, as text: %q", all)
	}
	if len(load) != 2 {
		t.Fatalf("one Load image button per image, got %d", len(load))
	}

	// A web link shows where it goes and waits for "Open".
	h.UI(func() { links[0].OnTapped() })
	var asked string
	h.UI(func() {
		if top := h.Win.Canvas().Overlays().Top(); top != nil {
			asked = kittest.Text(top)
		}
	})
	if !strings.Contains(asked, "Open https://example.com/…?") {
		t.Fatalf("the link must ask first: %q", asked)
	}

	h.UI(func() { test.Tap(load[0]) })
	h.Eventually("the image", func() bool { return hits.Load() == 1 && !load[0].Visible() })
	if n := hits.Load(); n != 1 {
		t.Fatalf("Load image made %d requests, want 1", n)
	}
	var shown bool
	h.UI(func() {
		for _, o := range test.LaidOutObjects(p.list) {
			if b, ok := o.(*proseBlock); ok && len(b.slots) > 0 && b.slots[0].view.Visible() {
				shown = b.slots[0].view.Image != nil && b.MinSize().Height > b.text.MinSize().Height+200
			}
		}
	})
	if !shown {
		t.Fatal("the loaded image is not shown in its row")
	}
	if a := auth.Load().(string); a != "" {
		t.Fatalf("the image fetch sent credentials: %q", a)
	}
}

func TestReplyImagesOnlyWebAddresses(t *testing.T) {
	for _, tc := range []struct {
		md   string
		want int
	}{
		{"![a](https://x.test/a.png)", 1},
		{"![a](http://x.test/a.png \"t\")", 1},
		{"![a](file:///etc/passwd)", 0},
		{"![a](data:image/png;base64,AAAA)", 0},
		{"![a](/relative.png)", 0},
		{"![a](javascript:alert(1))", 0},
	} {
		if got := len(replyImages(tc.md)); got != tc.want {
			t.Errorf("%q: %d loadable images, want %d", tc.md, got, tc.want)
		}
	}
	if _, err := fetchImage(t.Context(), "file:///etc/passwd"); err == nil {
		t.Error("a file: image must not be fetched")
	}
}

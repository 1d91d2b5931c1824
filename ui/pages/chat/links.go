// What a reply may point at: its images are shown as placeholders and fetched only when the
// user asks, and its links open only http(s) addresses, only on a click, after showing where
// they go. A model's reply is text from outside: showing it must load nothing.

package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for the images a reply may show
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	_ "golang.org/x/image/webp"

	"pollinations-studio/backend/textutil"
)

// Limits on an image a reply points at, fetched on a click.
const (
	maxReplyImageBytes = 10 << 20
	replyImageTimeout  = 20 * time.Second
	maxReplyImagePx    = 40e6 // width × height: a small file must not decode to gigabytes
)

// keepLoaded is how many loaded reply images are kept to show again when their row is drawn
// anew (the list makes rows afresh); past it the oldest is forgotten and asks to be loaded again.
const keepLoaded = 32

// loadedImages are the reply images the user loaded, by address (UI goroutine only).
type loadedImages struct {
	byURL map[string]image.Image
	order []string
}

func (p *Page) loadedImage(addr string) image.Image {
	if p.loaded == nil {
		return nil
	}
	return p.loaded.byURL[addr]
}

func (p *Page) keepImage(addr string, img image.Image) {
	if p.loaded == nil {
		p.loaded = &loadedImages{byURL: map[string]image.Image{}}
	}
	if _, ok := p.loaded.byURL[addr]; !ok {
		p.loaded.order = append(p.loaded.order, addr)
	}
	p.loaded.byURL[addr] = img
	if len(p.loaded.order) > keepLoaded {
		delete(p.loaded.byURL, p.loaded.order[0])
		p.loaded.order = p.loaded.order[1:]
	}
}

// replyImage is an image a reply points at.
type replyImage struct{ alt, url string }

// inlineImage matches ![alt](url "title") outside code (the prose parts hold no code).
var inlineImage = regexp.MustCompile(`!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)`)

// replyImages lists the http(s) images a piece of prose points at, in order.
func replyImages(md string) []replyImage {
	var out []replyImage
	for _, m := range inlineImage.FindAllStringSubmatch(md, -1) {
		if webAddress(m[2]) != nil {
			out = append(out, replyImage{alt: m[1], url: m[2]})
		}
	}
	return out
}

// webAddress parses an http(s) address with a host; anything else is nil.
func webAddress(s string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	return u
}

// proseBlock is a prose piece of a reply: its Markdown made safe, and a slot for each image it
// points at (a placeholder until "Load image" is clicked).
type proseBlock struct {
	widget.BaseWidget
	root   *fyne.Container
	text   *widget.RichText
	images *fyne.Container
	slots  []*imageSlot
}

func newProseBlock() *proseBlock {
	b := &proseBlock{text: widget.NewRichText(), images: container.NewVBox()}
	b.text.Wrapping = fyne.TextWrapWord
	b.root = container.NewVBox(b.text, b.images)
	b.ExtendBaseWidget(b)
	return b
}

func (b *proseBlock) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.root) }

// show draws md: images as "[image: alt — host]" text (textutil.SafeMarkdown) with a load
// button each, links only to http(s) and only through a confirmation.
func (p *Page) showProse(b *proseBlock, md string) {
	b.text.ParseMarkdown(textutil.SafeMarkdown(md))
	p.guardLinks(b.text)
	b.images.Objects = nil
	b.slots = nil
	for _, im := range replyImages(md) {
		s := p.newImageSlot(im)
		b.slots = append(b.slots, s)
		b.images.Add(s.root)
	}
	if len(b.slots) == 0 {
		b.images.Hide()
	} else {
		b.images.Show()
	}
	b.text.Refresh()
}

// guardLinks makes every link in rt ask before it opens, and turns a link that is not http(s)
// (whatever the Markdown parser let through) into plain text, at any depth (lists, quotes,
// tables). An image segment, should one get past SafeMarkdown, becomes its text: it would load.
func (p *Page) guardLinks(rt *widget.RichText) { p.guardSegments(rt.Segments) }

func (p *Page) guardSegments(segs []widget.RichTextSegment) {
	for i, sg := range segs {
		switch s := sg.(type) {
		case *widget.HyperlinkSegment:
			var u *url.URL
			if s.URL != nil {
				u = webAddress(s.URL.String())
			}
			if u == nil {
				segs[i] = &widget.TextSegment{Text: s.Text, Style: widget.RichTextStyleInline}
				continue
			}
			s.OnTapped = func() { p.confirmOpen(u) }
		case *widget.ImageSegment:
			segs[i] = &widget.TextSegment{Text: "[image: " + s.Title + "]", Style: widget.RichTextStyleInline}
		case *widget.ListSegment:
			p.guardSegments(s.Items)
		case *widget.ParagraphSegment:
			p.guardSegments(s.Texts)
		case *widget.TableSegment:
			for _, h := range s.Headers {
				p.guardSegments(h)
			}
			for _, row := range s.Rows {
				for _, cell := range row {
					p.guardSegments(cell)
				}
			}
		}
	}
}

// confirmOpen shows where a link goes and opens it only on "Open".
func (p *Page) confirmOpen(u *url.URL) {
	shown := u.Scheme + "://" + u.Host
	if rest := u.RequestURI(); rest != "/" && rest != "" {
		shown += "/…"
	}
	d := dialog.NewConfirm("Open link", fmt.Sprintf("Open %s?\n\n%s", shown, textutil.StripControls(u.String(), false)), func(ok bool) {
		if ok {
			p.openURL(u)
		}
	}, p.h.Window())
	d.SetConfirmText("Open")
	d.Show()
}

// openURL opens an address with the system, through the host when it can.
func (p *Page) openURL(u *url.URL) {
	var err error
	if o, ok := p.h.(interface{ OpenURL(*url.URL) error }); ok {
		err = o.OpenURL(u)
	} else {
		err = fyne.CurrentApp().OpenURL(u)
	}
	if err != nil {
		p.h.ShowError(fmt.Errorf("opening %s: %w", u.Host, err))
	}
}

// imageSlot is one image of a reply: its placeholder, the button that fetches it, and the
// image once fetched.
type imageSlot struct {
	im    replyImage
	root  *fyne.Container
	label *widget.Label
	load  *widget.Button
	view  *canvas.Image
}

func (p *Page) newImageSlot(im replyImage) *imageSlot {
	s := &imageSlot{im: im}
	host := ""
	if u := webAddress(im.url); u != nil {
		host = u.Host
	}
	s.label = widget.NewLabel(fmt.Sprintf("[image: %s — %s]", textutil.StripControls(im.alt, false), host))
	s.view = canvas.NewImageFromImage(nil)
	s.view.FillMode = canvas.ImageFillContain
	s.view.SetMinSize(fyne.NewSize(320, 240))
	s.view.Hide()
	s.load = widget.NewButtonWithIcon("Load image", theme.DownloadIcon(), func() { p.loadImage(s) })
	s.load.Importance = widget.LowImportance
	s.root = container.NewVBox(container.NewHBox(s.label, s.load), s.view)
	if img := p.loadedImage(im.url); img != nil {
		s.show(img) // loaded earlier, on a click: shown again without a request
	}
	return s
}

func (s *imageSlot) show(img image.Image) {
	s.load.Hide()
	s.view.Image = img
	s.view.Show()
	s.view.Refresh()
}

// loadImage fetches and decodes a slot's image off the UI goroutine.
func (p *Page) loadImage(s *imageSlot) {
	s.load.Disable()
	s.load.SetText("Loading…")
	go func() {
		img, err := fetchImage(p.h.Context(), s.im.url)
		p.h.RunOnUI(func() {
			if err != nil {
				s.load.Enable()
				s.load.SetText("Load image")
				p.h.ShowError(err)
				return
			}
			p.keepImage(s.im.url, img)
			s.show(img)
			// The row grew: measure the rows again (their pieces are kept, not parsed again).
			clear(p.rowSig)
			p.list.Refresh()
		})
	}()
}

// fetchImage gets an image a reply points at: http(s) only (redirects too), no key or cookie
// sent, at most maxReplyImageBytes within replyImageTimeout, decoded here (off the UI
// goroutine) and refused when it would decode to more than maxReplyImagePx pixels.
func fetchImage(ctx context.Context, addr string) (image.Image, error) {
	u := webAddress(addr)
	if u == nil {
		return nil, errors.New("only http and https images can be loaded")
	}
	ctx, cancel := context.WithTimeout(ctx, replyImageTimeout)
	defer cancel()
	c := &http.Client{CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if webAddress(r.URL.String()) == nil || len(via) >= 5 {
			return errors.New("the image moved somewhere it cannot be loaded from")
		}
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("loading the image: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loading the image from %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loading the image from %s: %s", u.Host, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("loading the image from %s: %w", u.Host, err)
	}
	if len(body) > maxReplyImageBytes {
		return nil, fmt.Errorf("the image at %s is over %d MB", u.Host, maxReplyImageBytes>>20)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("the file at %s is not an image this app can show: %w", u.Host, err)
	}
	if float64(cfg.Width)*float64(cfg.Height) > maxReplyImagePx {
		return nil, fmt.Errorf("the image at %s is too large to show (%d×%d)", u.Host, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("the image at %s could not be read: %w", u.Host, err)
	}
	return img, nil
}

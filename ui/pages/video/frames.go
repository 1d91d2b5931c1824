// The video's start and end frames: an image's web address typed, or a local image (a library
// item sent here by "Animate", a chosen file) shown as a thumbnail and uploaded to the media
// host at submit, once per content.

package video

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // the library keeps what the API returns and what was dropped in
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	_ "golang.org/x/image/webp"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/ui/kit"
)

// frame is one of the video's frames.
type frame struct {
	what   string // "start frame", "end frame"
	entry  *widget.Entry
	choose *widget.Button // a local image instead of an address
	// A local image: its path, and its fresh hosted address when the library item has one
	// (then nothing is uploaded).
	file, hosted string
	thumb        *canvas.Image
	name         *widget.Label
	remove       *widget.Button
	typed, local *fyne.Container // one of the two is shown
	row          fyne.CanvasObject
	seq          int // the latest thumbnail load; older ones are dropped
}

func (p *Page) newFrame(what, placeholder string) *frame {
	f := &frame{what: what, entry: widget.NewEntry()}
	f.entry.SetPlaceHolder(placeholder)
	f.choose = widget.NewButtonWithIcon("Image…", theme.FolderOpenIcon(), func() { p.chooseFrame(f) })
	f.thumb = canvas.NewImageFromImage(nil)
	f.thumb.FillMode = canvas.ImageFillContain
	f.thumb.SetMinSize(fyne.NewSize(96, 96))
	f.name = widget.NewLabel("")
	f.name.Truncation = fyne.TextTruncateEllipsis
	f.remove = widget.NewButtonWithIcon("Remove", theme.CancelIcon(), func() { f.clear() })
	f.typed = container.NewBorder(nil, nil, nil, f.choose, f.entry)
	f.local = container.NewBorder(nil, nil, f.thumb, f.remove, f.name)
	f.local.Hide()
	f.row = container.NewStack(f.typed, f.local)
	return f
}

// clear goes back to a typed address.
func (f *frame) clear() {
	f.seq++
	f.file, f.hosted = "", ""
	f.thumb.Image = nil
	f.thumb.Refresh()
	f.local.Hide()
	f.typed.Show()
}

// setEnabled follows the model's capabilities.
func (f *frame) setEnabled(on bool) {
	kit.SetEnabled(f.entry, on)
	kit.SetEnabled(f.choose, on)
	kit.SetEnabled(f.remove, true) // a frame the model cannot take can still be removed
}

// enabled tells whether the model takes this frame.
func (f *frame) enabled() bool { return !f.entry.Disabled() }

// setFile shows a local image as the frame: its thumbnail is read off the UI goroutine, and an
// image that cannot be sent (too large, not an image) is refused at once.
func (p *Page) setFile(f *frame, path, hosted, title string) {
	f.seq++
	seq := f.seq
	f.file, f.hosted = path, hosted
	f.name.SetText(title)
	f.thumb.Image = nil
	f.thumb.Refresh()
	f.typed.Hide()
	f.local.Show()
	go func() {
		img, err := frameThumb(path)
		p.h.RunOnUI(func() {
			if f.seq != seq {
				return
			}
			if err != nil {
				f.clear()
				p.h.ShowError(fmt.Errorf("%s cannot be the %s: %w", filepath.Base(path), f.what, err))
				return
			}
			f.thumb.Image = img
			f.thumb.Refresh()
		})
	}()
}

// frameThumb checks that an image can be sent and decodes it for its thumbnail.
func frameThumb(path string) (image.Image, error) {
	if err := kit.CheckImageFile(path); err != nil {
		return nil, err
	}
	r, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the image: %w", err)
	}
	defer r.Close()
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("decoding the image: %w", err)
	}
	return img, nil
}

func (p *Page) chooseFrame(f *frame) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		path := r.URI().Path()
		p.setFile(f, path, "", filepath.Base(path))
	}, p.h.Window())
	d.SetFilter(fstorage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".webp"}))
	d.Show()
}

// animate makes a library image (or an image file) the start frame: its fresh hosted address
// when it has one, otherwise its file, uploaded at submit. A model that takes no start frame
// gives way to the first one that does.
func (p *Page) animate(v kit.Nav) {
	if m, ok := p.current(); !ok || !m.HasCapability("start_frame") {
		p.selectFrameModel()
	}
	if v.Item == nil {
		if len(v.Paths) > 0 {
			p.setFile(p.start, v.Paths[0], "", filepath.Base(v.Paths[0]))
		}
		return
	}
	it := *v.Item
	kit.UseItemFile(p.h, it, "animated", func(path, title string) {
		hosted, _ := jobs.ReferenceFor(it, time.Now())
		p.setFile(p.start, path, hosted, title)
	})
}

// selectFrameModel picks the first model in the picker that takes a start frame.
func (p *Page) selectFrameModel() {
	for _, l := range p.model.Options {
		if m, ok := api.FindModel(p.h.Models("video"), p.modelNames[l]); ok && m.HasCapability("start_frame") {
			p.model.SetSelected(l)
			return
		}
	}
}

// frameURL is what a frame sends: "" for none, an address typed (http(s) only), a known hosted
// address, or upload = true for a local file that must go up first.
func (f *frame) frameURL() (url string, upload bool, err error) {
	if !f.enabled() {
		return "", false, nil
	}
	if f.file != "" {
		if f.hosted != "" {
			return f.hosted, false, nil
		}
		return "", true, nil
	}
	v := strings.TrimSpace(f.entry.Text)
	if v == "" {
		return "", false, nil
	}
	if !kit.IsWebURL(v) {
		return "", false, errors.New("frames are given as http(s) addresses of images, or chosen with Image…")
	}
	return v, false, nil
}

// upload hosts the local frames off the UI goroutine, with a progress bar and Cancel, then
// submits the request with their addresses. The size is checked before anything is sent.
func (p *Page) upload(req api.VideoRequest, m api.Model, frames []*frame) {
	ctx, cancel := context.WithCancel(p.h.Context())
	p.cancelUpload = cancel
	p.syncCancel()
	p.upBar.SetValue(0)
	p.upBar.Show()
	p.genB.Disable()
	p.status.SetText("Uploading the " + frames[0].what + "…")
	// What goes up is read here, on the UI goroutine: the frames may change meanwhile.
	type hosted struct {
		f          *frame
		what, file string
		url        string
	}
	var todo []hosted
	for _, f := range frames {
		todo = append(todo, hosted{f: f, what: f.what, file: f.file})
	}
	client, library := p.h.Client(), p.h.Library()
	go func() {
		var done []hosted
		var err error
		for _, f := range todo {
			if err = kit.CheckImageFile(f.file); err != nil {
				err = fmt.Errorf("the %s cannot be sent: %w", f.what, err)
				break
			}
			var total int64
			if st, serr := os.Stat(f.file); serr == nil {
				total = st.Size()
			}
			what, last := f.what, -1
			f.url, err = jobs.EnsureHostedProgress(ctx, client, library, f.file, func(sent int64) {
				// One UI change per percent, not per block read.
				if pct := int(sent * 100 / max(total, 1)); pct != last {
					last = pct
					p.h.RunOnUI(func() {
						p.upBar.SetValue(float64(pct) / 100)
						p.status.SetText(fmt.Sprintf("Uploading the %s… %d %%", what, min(pct, 100)))
					})
				}
			})
			if err != nil {
				break
			}
			done = append(done, f)
		}
		canceled := ctx.Err() != nil
		cancel()
		p.h.RunOnUI(func() {
			p.cancelUpload = nil
			p.syncCancel()
			p.upBar.Hide()
			p.genB.Enable()
			switch {
			case canceled:
				p.status.SetText("Upload cancelled: nothing was sent to generate.")
				return
			case err != nil:
				p.status.SetText("")
				p.h.ShowError(err)
				return
			}
			for _, d := range done {
				switch d.f {
				case p.start:
					req.StartFrame = d.url
				case p.end:
					req.EndFrame = d.url
				}
			}
			p.submit(req, m)
		})
	}()
}

// ElevenLabs music's reference audio: a local file (chosen, or a library item's "Use as
// reference") that the service takes only as an address, so it is uploaded to the media host at
// submit, once per content, after its size is checked.

package music

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/ui/kit"
)

// MaxReferenceAudioBytes is the largest reference audio the service fetches (20 MB).
const MaxReferenceAudioBytes = 20 << 20

// refAudio is the reference audio row.
type refAudio struct {
	file   string  // "" for none
	secs   float64 // its length, once measured (0 until then, or when it cannot be)
	label  *widget.Label
	choose *widget.Button
	remove *widget.Button
	upBar  *widget.ProgressBar
	row    fyne.CanvasObject
	cancel context.CancelFunc // stops the upload (nil when none runs)
}

func (p *Page) newRefAudio() *refAudio {
	r := &refAudio{label: widget.NewLabel("None (optional: a song to follow)"), upBar: widget.NewProgressBar()}
	r.label.Truncation = fyne.TextTruncateEllipsis
	r.choose = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), p.chooseRefAudio)
	r.remove = widget.NewButtonWithIcon("", theme.CancelIcon(), func() { p.setRefAudio("", "") })
	r.remove.Hide()
	r.upBar.Hide()
	r.row = container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(r.choose, r.remove), r.label), r.upBar)
	return r
}

// setRefAudio makes a file the reference ("" for none), named by title.
func (p *Page) setRefAudio(path, title string) {
	p.ref.file, p.ref.secs = path, 0
	defer p.updateCost()
	if path == "" {
		p.ref.label.SetText("None (optional: a song to follow)")
		p.ref.remove.Hide()
		return
	}
	p.ref.label.SetText(title)
	p.ref.remove.Show()
	// The service bills reference audio per second, as it does the output: measured off the
	// UI goroutine for the estimate.
	go func() {
		info, err := audio.Probe(path)
		if err != nil || info.Duration <= 0 {
			return
		}
		p.h.RunOnUI(func() {
			if p.ref.file == path {
				p.ref.secs = info.Duration
				p.updateCost()
			}
		})
	}()
}

func (p *Page) chooseRefAudio() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		path := r.URI().Path()
		p.setRefAudio(path, filepath.Base(path))
	}, p.h.Window())
	d.SetFilter(fstorage.NewExtensionFileFilter([]string{".mp3", ".wav", ".m4a", ".ogg", ".flac"}))
	d.Show()
}

// checkRefAudio refuses a reference the service would not fetch, before anything is sent.
func checkRefAudio(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("reading the reference audio: %w", err)
	}
	if st.Size() > MaxReferenceAudioBytes {
		return fmt.Errorf("the reference audio is %.1f MB; the service takes at most %d MB", float64(st.Size())/(1<<20), MaxReferenceAudioBytes>>20)
	}
	return nil
}

// uploadRef hosts the reference audio off the UI goroutine, with a progress bar and Cancel,
// then queues the request with its address.
func (p *Page) uploadRef(r api.MusicRequest) {
	ctx, cancel := context.WithCancel(p.h.Context())
	p.ref.cancel = cancel
	p.ref.upBar.SetValue(0)
	p.ref.upBar.Show()
	p.generateB.Disable()
	p.cancelB.Show()
	p.state.SetText("Uploading the reference audio…")
	p.relayout()
	file, client, library := p.ref.file, p.h.Client(), p.h.Library()
	go func() {
		url, err := func() (string, error) {
			if err := checkRefAudio(file); err != nil {
				return "", err
			}
			st, err := os.Stat(file)
			if err != nil {
				return "", err
			}
			last := -1
			return jobs.EnsureHostedProgress(ctx, client, library, file, func(sent int64) {
				if pct := int(sent * 100 / max(st.Size(), 1)); pct != last { // one UI change per percent
					last = pct
					p.h.RunOnUI(func() { p.ref.upBar.SetValue(float64(pct) / 100) })
				}
			})
		}()
		canceled := ctx.Err() != nil
		cancel()
		p.h.RunOnUI(func() {
			p.ref.cancel = nil
			p.ref.upBar.Hide()
			p.generateB.Enable()
			p.cancelB.Hide()
			p.relayout()
			switch {
			case canceled:
				p.state.SetText("Upload cancelled: nothing was sent to generate.")
			case err != nil:
				p.state.SetText("")
				p.h.ShowError(fmt.Errorf("the reference audio was not sent: %w", err))
			default:
				r.ReferenceAudio = url
				p.submit(r)
			}
		})
	}()
}

// useReference takes a library item's sound as the reference audio.
func (p *Page) useReference(v kit.Nav) {
	if v.Item == nil {
		if len(v.Paths) > 0 {
			p.setRefAudio(v.Paths[0], filepath.Base(v.Paths[0]))
		}
		return
	}
	kit.UseItemFile(p.h, *v.Item, "a reference", func(path, title string) {
		p.setRefAudio(path, title)
		p.selectReferenceModel()
	})
}

// selectReferenceModel goes to music, on a model that takes reference audio, unless the one
// chosen does.
func (p *Page) selectReferenceModel() {
	if m, ok := p.current(); ok && takesReference(api.MusicSpecFor(m.Name, &m)) {
		return
	}
	p.mode.SetSelected(ModeMusic)
	for _, l := range p.model.Options {
		if m, ok := api.FindModel(p.models(), p.names[l]); ok && takesReference(api.MusicSpecFor(m.Name, &m)) {
			p.model.SetSelected(l)
			return
		}
	}
}

// takesReference reports the models that take reference audio: ElevenLabs music, as for
// instrumental [I: the catalogue has no field for it].
func takesReference(s api.MusicSpec) bool { return takesInstrumental(s) }

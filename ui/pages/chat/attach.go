// Chat attachments: images and audio for the models that take them, by dialog, drop or paste.

package chat

import (
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	fstorage "fyne.io/fyne/v2/storage"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/textutil"
	"pollinations-studio/ui/kit"
)

func (p *Page) chooseAttachment() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		p.addAttachment(r.URI().Path())
	}, p.h.Window())
	var exts []string
	if m, ok := p.current(); !ok || m.AcceptsImages() {
		exts = append(exts, ".png", ".jpg", ".jpeg", ".webp", ".gif")
	}
	if m, ok := p.current(); !ok || m.AcceptsAudio() {
		exts = append(exts, ".wav", ".mp3")
	}
	d.SetFilter(fstorage.NewExtensionFileFilter(exts))
	d.Show()
}

// current is the picked model's catalogue entry.
func (p *Page) current() (api.Model, bool) {
	return api.FindModel(p.h.Models("text"), p.modelNames[p.model.Selected])
}

// takes says why the picked model cannot take a file as an attachment (nil when it can).
func (p *Page) takes(path string) error {
	name := filepath.Base(path)
	ext := strings.ToLower(filepath.Ext(path))
	m, known := p.current()
	switch {
	case kit.IsImageFile(path):
		if known && !m.AcceptsImages() {
			return fmt.Errorf("%s does not take images (%s): pick a model that accepts images", m.Name, name)
		}
	case ext == ".wav" || ext == ".mp3":
		if known && !m.AcceptsAudio() {
			return fmt.Errorf("%s does not take audio (%s): pick a model that accepts audio", m.Name, name)
		}
	default:
		return fmt.Errorf("%s: chat takes images (png, jpg, webp, gif) and audio (wav, mp3)", name)
	}
	return nil
}

// TakeDrop makes the files dropped on the chat page attachments of the next message: images,
// and audio when the model takes audio. Other audio and video go on to transcription.
func (p *Page) TakeDrop(paths []string) (rest []string) {
	for _, path := range paths {
		if p.wantsDrop(path) {
			p.addAttachment(path)
		} else {
			rest = append(rest, path)
		}
	}
	return rest
}

// wantsDrop tells whether a file dropped on the chat page is for the next message: images, and
// audio when the model takes audio. Other audio and video go on to transcription.
func (p *Page) wantsDrop(path string) bool {
	if kit.IsImageFile(path) {
		return true
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".wav", ".mp3":
		m, ok := p.current()
		return ok && m.AcceptsAudio()
	}
	return false
}

// addAttachment adds a file to the next message, or says why the model cannot take it.
func (p *Page) addAttachment(path string) {
	if err := p.takes(path); err != nil {
		p.h.ShowError(err)
		return
	}
	p.attach = append(p.attach, path)
	p.showAttachments()
}

func (p *Page) showAttachments() {
	if len(p.attach) == 0 {
		p.attachL.SetText("")
		p.clearB.Hide()
		return
	}
	names := make([]string, len(p.attach))
	for i, a := range p.attach {
		names[i] = filepath.Base(a)
	}
	p.attachL.SetText("Attached: " + strings.Join(names, ", "))
	p.clearB.Show()
}

// paste attaches files copied in a file manager, or the clipboard's picture when it holds no
// text; it reports false for ordinary text, which the input then pastes as usual.
func (p *Page) paste(clip string) bool {
	if strings.TrimSpace(clip) == "" {
		p.pasteImage()
		return true
	}
	paths, ok := textutil.PastedFiles(clip)
	if !ok {
		return false
	}
	for _, path := range paths {
		p.addAttachment(path)
	}
	return true
}

// pasteImage attaches the clipboard's picture, kept whole in the library's media folder first
// (read, checked and written off the UI goroutine).
func (p *Page) pasteImage() {
	h := p.h
	go func() {
		path, err := kit.PasteImage(h.Context(), h.ImageClipboard(), h.Library())
		if err != nil {
			h.ShowError(fmt.Errorf("the image was not pasted: %w", err))
			return
		}
		h.RunOnUI(func() { p.addAttachment(path) })
	}()
}

// Paste attaches what the clipboard holds (Ctrl+V when no text field has the keyboard): files,
// a picture, or text, which goes into the message.
func (p *Page) Paste() {
	p.h.Window().Canvas().Focus(p.input)
	p.input.TypedShortcut(&fyne.ShortcutPaste{Clipboard: p.h.Clipboard()})
}

// modelChanged offers attachments only to models whose catalogue entry takes them.
func (p *Page) modelChanged() {
	m, ok := p.current()
	kit.SetEnabled(p.attachB, !ok || m.AcceptsImages() || m.AcceptsAudio())
	kit.SetEnabled(p.pasteB, !ok || m.AcceptsImages())
}

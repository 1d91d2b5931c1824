// An item's actions that take its media elsewhere: an image's Animate (the video page's start
// frame) and Copy image (the system clipboard, so that it pastes into a chat or a document), a
// sound's Use as reference (the music page's reference audio).

package library

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// addPictureActions adds Animate and Copy image to an image item's actions, and Use as
// reference to a sound's.
func (p *Page) addPictureActions(actions *fyne.Container, it *lib.Item) {
	if it.MediaHash == "" || it.Missing {
		return
	}
	item := *it
	switch it.Kind {
	case lib.KindMusic, lib.KindSound, lib.KindRecording, lib.KindSpeech:
		actions.Add(widget.NewButtonWithIcon("Use as reference", theme.ContentAddIcon(), func() {
			p.h.Navigate(kit.Nav{Page: kit.PageMusic, Action: kit.ActUseRef, Item: &item})
		}))
		return
	case lib.KindImage:
	default:
		return
	}
	actions.Add(widget.NewButtonWithIcon("Animate", theme.MediaVideoIcon(), func() {
		p.h.Navigate(kit.Nav{Page: kit.PageVideo, Action: kit.ActAnimate, Item: &item})
	}))
	var copyB *widget.Button
	copyB = widget.NewButtonWithIcon("Copy image", theme.ContentCopyIcon(), func() {
		p.copyImage(item, func() { copyB.SetText("Copied") })
	})
	actions.Add(copyB)
}

// copyImage puts the item's picture on the clipboard as PNG (a JPEG or WebP converted), off
// the UI goroutine: the file is read whole and the system clipboard may wait.
// done, when set, runs on the UI goroutine once it is there.
func (p *Page) copyImage(it lib.Item, done func()) {
	h := p.h
	go func() {
		err := func() error {
			path, err := h.Library().ItemMediaPath(&it)
			if err != nil {
				return err
			}
			png, err := kit.ImagePNG(path)
			if err != nil {
				return err
			}
			return h.ImageClipboard().CopyImage(png)
		}()
		if err != nil {
			h.ShowError(fmt.Errorf("the image was not copied: %w", err))
			return
		}
		if done != nil {
			h.RunOnUI(done)
		}
	}()
}

// Copy copies the picture shown in the details (Ctrl+C when no text field has the keyboard).
func (p *Page) Copy() {
	id := p.selected
	if id == 0 || p.picture == nil {
		return
	}
	go func() {
		it, err := p.h.Library().Item(p.h.Context(), id)
		if err != nil || it.Kind != lib.KindImage {
			return
		}
		p.copyImage(*it, nil)
	}()
}

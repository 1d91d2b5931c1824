package voice

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
)

// libraryPicker is the "Pick from library" dialog: the newest speech, recordings, music,
// sounds and videos, one click to take one as the source.
type libraryPicker struct {
	d     dialog.Dialog
	list  *widget.List
	items []lib.Item
}

// pickFromLibrary lists the items the tools take (read off the UI goroutine) in a dialog.
func (p *Page) pickFromLibrary() {
	go func() {
		page, err := p.h.Library().Search(p.h.Context(), lib.Query{Kinds: sourceKinds, Limit: 200})
		if err != nil {
			p.h.ShowError(fmt.Errorf("listing the library: %w", err))
			return
		}
		p.h.RunOnUI(func() { p.showPicker(page.Items) })
	}()
}

func (p *Page) showPicker(items []lib.Item) {
	lp := &libraryPicker{items: items}
	lp.list = widget.NewList(func() int { return len(lp.items) },
		func() fyne.CanvasObject { return widget.NewLabel("item") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			it := lp.items[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s · %s · %s", it.Kind, it.CreatedAt.Local().Format("2 Jan 15:04"), it.Prompt))
		})
	lp.list.OnSelected = func(i widget.ListItemID) {
		p.setItem(lp.items[i])
		lp.d.Hide()
		p.picker = nil
	}
	var content fyne.CanvasObject = lp.list
	if len(items) == 0 {
		content = widget.NewLabel("The library has no speech, recording, music, sound or video yet.")
	}
	lp.d = dialog.NewCustom("Pick from library", "Close", content, p.h.Window())
	lp.d.SetOnClosed(func() { p.picker = nil })
	lp.d.Resize(fyne.NewSize(640, 480))
	p.picker = lp
	lp.d.Show()
}

// Multi-select in the gallery, and what can be done to a selection: favourite, tag, collect,
// trash with undo, export.

package library

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
)

// tapped opens an item, or in select mode (or with Ctrl or Shift held) toggles it.
func (p *Page) tapped(i widget.GridWrapItemID) {
	if i < 0 || i >= len(p.ids) {
		return
	}
	var mods fyne.KeyModifier
	if d, ok := fyne.CurrentApp().Driver().(desktop.Driver); ok {
		mods = d.CurrentKeyModifiers()
	}
	if p.selecting || mods&(fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift) != 0 {
		// GridWrap selects one cell and ignores a second tap on it: forget it, so every tap toggles.
		p.grid.UnselectAll()
		p.pick(i, mods&fyne.KeyModifierShift != 0)
		return
	}
	p.showDetail(p.ids[i])
}

// pick toggles a cell in the selection, or with extend picks the range from the last one.
func (p *Page) pick(i int, extend bool) {
	if !p.selecting {
		p.setSelecting(true)
	}
	if extend && p.anchor >= 0 && p.anchor < len(p.ids) {
		for j := min(p.anchor, i); j <= max(p.anchor, i); j++ {
			p.picked[p.ids[j]] = true
		}
		p.grid.Refresh()
	} else {
		id := p.ids[i]
		if p.picked[id] {
			delete(p.picked, id)
		} else {
			p.picked[id] = true
		}
		p.anchor = i
		p.grid.RefreshItem(i)
	}
	p.updateSelBar()
}

func (p *Page) pickAll() {
	for _, id := range p.ids {
		p.picked[id] = true
	}
	p.grid.Refresh()
	p.updateSelBar()
}

func (p *Page) clearPicked() {
	clear(p.picked)
	p.anchor = -1
	p.grid.Refresh()
	p.updateSelBar()
}

// setSelecting enters or leaves select mode; leaving it drops the selection.
func (p *Page) setSelecting(on bool) {
	p.selecting = on
	if on {
		p.selectB.SetText("Done")
		p.selectB.Importance = widget.HighImportance
		p.selBar.Show()
		p.grid.UnselectAll()
	} else {
		clear(p.picked)
		p.anchor = -1
		p.selectB.SetText("Select")
		p.selectB.Importance = widget.MediumImportance
		p.selBar.Hide()
	}
	p.selectB.Refresh()
	p.grid.Refresh()
	p.updateSelBar()
}

func (p *Page) updateSelBar() {
	p.selCount.SetText(fmt.Sprintf("%d selected", len(p.picked)))
	for _, b := range p.selOps {
		if len(p.picked) == 0 {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// pickedIDs is the selection, in the grid's order.
func (p *Page) pickedIDs() []int64 {
	ids := make([]int64, 0, len(p.picked))
	for _, id := range p.ids {
		if p.picked[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// say reports the outcome of an action, with an undo when there is one.
func (p *Page) say(text string, undo func()) {
	p.notice.SetText(text)
	p.undoFn = undo
	if undo != nil {
		p.undoB.Show()
	} else {
		p.undoB.Hide()
	}
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// askName asks for a tag or collection name, offering the existing ones.
func (p *Page) askName(title, label string, existing []string, done func(string)) {
	e := widget.NewSelectEntry(slices.Clone(existing))
	e.SetPlaceHolder("a new or existing name")
	d := dialog.NewForm(title, "Add", "Cancel", []*widget.FormItem{widget.NewFormItem(label, e)}, func(ok bool) {
		if name := strings.TrimSpace(e.Text); ok && name != "" {
			done(name)
		}
	}, p.h.Window())
	d.Resize(fyne.NewSize(380, d.MinSize().Height))
	d.Show()
}

// each runs f on every id off the UI goroutine, stopping at the first error, then reports how
// many it did and reloads the grid and the filters.
func (p *Page) each(ids []int64, f func(int64) error, report func(done int)) {
	h := p.h
	go func() {
		done := 0
		for _, id := range ids {
			if err := f(id); err != nil {
				h.ShowError(err)
				break
			}
			done++
		}
		h.RunOnUI(func() { report(done); p.refresh() })
	}()
}

// favouriteSelection marks the selection as favourites, or unmarks it when all of it already is.
func (p *Page) favouriteSelection() {
	ids := p.pickedIDs()
	if len(ids) == 0 {
		return
	}
	h := p.h
	go func() {
		items, err := h.Library().Items(h.Context(), ids)
		if err != nil {
			h.ShowError(err)
			return
		}
		v := slices.ContainsFunc(items, func(it lib.Item) bool { return !it.Favourite })
		p.each(ids, func(id int64) error { return h.Library().SetFavourite(h.Context(), id, v) }, func(n int) {
			if v {
				p.say(fmt.Sprintf("Marked %s as favourites.", plural(n, "item")), nil)
			} else {
				p.say(fmt.Sprintf("Took %s out of the favourites.", plural(n, "item")), nil)
			}
		})
	}()
}

func (p *Page) tagSelection(tag string) {
	ids := p.pickedIDs()
	h := p.h
	p.each(ids, func(id int64) error { return h.Library().AddTag(h.Context(), id, tag) }, func(n int) {
		p.say(fmt.Sprintf("Tagged %s “%s”.", plural(n, "item"), tag), nil)
	})
}

func (p *Page) collectSelection(name string) {
	ids := p.pickedIDs()
	h := p.h
	p.each(ids, func(id int64) error { return h.Library().AddToCollection(h.Context(), id, name) }, func(n int) {
		p.say(fmt.Sprintf("Added %s to “%s”.", plural(n, "item"), name), nil)
	})
}

// trashSelection moves the selection to the trash, with an undo that brings all of it back.
func (p *Page) trashSelection() {
	ids := p.pickedIDs()
	if len(ids) == 0 {
		return
	}
	h := p.h
	go func() {
		if err := h.Library().Trash(h.Context(), ids...); err != nil {
			h.ShowError(fmt.Errorf("moving %s to the trash: %w", plural(len(ids), "item"), err))
			return
		}
		h.RunOnUI(func() {
			if slices.Contains(ids, p.selected) {
				p.selected = 0
				p.detail.Objects = []fyne.CanvasObject{widget.NewLabel("Moved to the trash.")}
				p.detail.Refresh()
			}
			p.say(fmt.Sprintf("Moved %s to the trash.", plural(len(ids), "item")), func() { p.restore(ids) })
			p.reload()
		})
	}()
}

// restore takes items out of the trash and picks them again.
func (p *Page) restore(ids []int64) {
	h := p.h
	go func() {
		if err := h.Library().Restore(h.Context(), ids...); err != nil {
			h.ShowError(fmt.Errorf("restoring %s: %w", plural(len(ids), "item"), err))
			return
		}
		h.RunOnUI(func() {
			if p.selecting {
				for _, id := range ids {
					p.picked[id] = true
				}
			}
			p.say(fmt.Sprintf("Restored %s.", plural(len(ids), "item")), nil)
			p.reload()
		})
	}()
}

func (p *Page) exportDialog() {
	ids := p.pickedIDs()
	if len(ids) == 0 {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			p.h.ShowError(fmt.Errorf("choosing where to export: %w", err))
			return
		}
		if w == nil {
			return // cancelled
		}
		p.exportSelection(ids, w, w.URI().Name(), func() {
			// A half-written archive is worse than none.
			if err := fstorage.Delete(w.URI()); err != nil {
				fyne.LogError("removing a failed export", err)
			}
		})
	}, p.h.Window())
	d.SetFileName(fmt.Sprintf("pollinations-%s.zip", strings.ReplaceAll(plural(len(ids), "item"), " ", "-")))
	d.SetFilter(fstorage.NewExtensionFileFilter([]string{".zip"}))
	d.Show()
}

// exportSelection writes a zip of ids to w off the UI goroutine and reports the result; onFail,
// if set, cleans up after a failed export.
func (p *Page) exportSelection(ids []int64, w io.WriteCloser, name string, onFail func()) {
	h := p.h
	go func() {
		err := h.Library().Export(h.Context(), ids, w)
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("finishing %s: %w", name, cerr)
		}
		if err != nil {
			if onFail != nil {
				onFail()
			}
			h.ShowError(fmt.Errorf("exporting to %s: %w", name, err))
			return
		}
		h.RunOnUI(func() { p.say(fmt.Sprintf("Exported %s to %s.", plural(len(ids), "item"), name), nil) })
	}()
}

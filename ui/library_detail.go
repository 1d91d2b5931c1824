// The detail view of one library item: the media large, its metadata and lineage, and its
// actions.

package ui

import (
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
)

// open shows an item (from the image studio or the jobs panel).
func (p *libraryPage) open(id int64) {
	p.search.SetText("")
	p.refresh()
	p.showDetail(id)
}

func (p *libraryPage) showDetail(id int64) {
	p.selected = id
	go func() {
		it, err := p.s.lib.Item(p.s.ctx, id)
		p.s.RunOnUI(func() {
			if err != nil || p.selected != id {
				return
			}
			p.renderDetail(it)
		})
	}()
}

// tapImage is a picture that does something when tapped (the detail view's zoom).
type tapImage struct {
	widget.BaseWidget
	img   *canvas.Image
	onTap func()
}

func newTapImage(min fyne.Size, onTap func()) *tapImage {
	t := &tapImage{img: canvas.NewImageFromImage(nil), onTap: onTap}
	t.img.FillMode = canvas.ImageFillContain
	t.img.SetMinSize(min)
	t.ExtendBaseWidget(t)
	return t
}

func (t *tapImage) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.img) }

// Tapped zooms.
func (t *tapImage) Tapped(*fyne.PointEvent) {
	if t.onTap != nil && t.img.Image != nil {
		t.onTap()
	}
}

// Cursor says the picture can be tapped.
func (t *tapImage) Cursor() desktop.Cursor { return desktop.PointerCursor }

// zoom shows a picture as large as the window allows, or at 100 % in a scroller.
func (p *libraryPage) zoom(img image.Image, title string) {
	fit := canvas.NewImageFromImage(img)
	fit.FillMode = canvas.ImageFillContain
	full := canvas.NewImageFromImage(img)
	full.FillMode = canvas.ImageFillOriginal
	actual := container.NewScroll(full)
	actual.Hide()
	b := img.Bounds()
	toggle := widget.NewCheck(fmt.Sprintf("100 %% (%d × %d)", b.Dx(), b.Dy()), func(on bool) {
		if on {
			fit.Hide()
			actual.Show()
		} else {
			actual.Hide()
			fit.Show()
		}
	})
	d := dialog.NewCustom(title, "Close", container.NewBorder(nil, toggle, nil, nil, container.NewStack(fit, actual)), p.s.win)
	size := p.s.win.Canvas().Size()
	d.Resize(fyne.NewSize(size.Width*0.9, size.Height*0.9))
	d.Show()
}

func (p *libraryPage) renderDetail(it *lib.Item) {
	s := p.s
	p.detailGen++
	gen := p.detailGen
	objs := []fyne.CanvasObject{}
	p.picture = nil
	if strings.HasPrefix(it.ContentType, "image/") && it.MediaPath != "" && !it.Missing {
		pic := newTapImage(fyne.NewSize(320, 320), nil)
		pic.onTap = func() { p.zoom(pic.img.Image, shorten(it.Prompt, 60)) }
		p.picture = pic
		objs = append(objs, pic)
		path := it.MediaPath
		go func() {
			img, err := decodeImage(path)
			s.RunOnUI(func() {
				if gen != p.detailGen {
					return
				}
				if err != nil {
					p.detail.Objects = slices.Insert(p.detail.Objects, 1, fyne.CanvasObject(widget.NewLabel("The picture cannot be shown: "+err.Error())))
					p.detail.Refresh()
					return
				}
				pic.img.Image = img
				pic.img.Refresh()
			})
		}()
	}
	if it.Missing {
		objs = append(objs, widget.NewLabelWithStyle("The file of this item is missing from the library folder.", fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	}
	prompt := widget.NewLabel(it.Prompt)
	prompt.Wrapping = fyne.TextWrapWord
	objs = append(objs, heading(strings.ToUpper(string(it.Kind[:1]))+string(it.Kind[1:])), prompt)
	row := func(k, v string) {
		if v != "" {
			objs = append(objs, container.NewBorder(nil, nil, widget.NewLabelWithStyle(k, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, widget.NewLabel(v)))
		}
	}
	row("Model", it.ModelUsed)
	if it.ModelRequested != "" && it.ModelRequested != it.ModelUsed {
		row("Requested", it.ModelRequested)
	}
	if it.Seed != nil {
		row("Seed", fmt.Sprint(*it.Seed))
	}
	if it.Width > 0 {
		row("Size", fmt.Sprintf("%d × %d", it.Width, it.Height))
	}
	if it.DurationSec > 0 {
		row("Duration", fmt.Sprintf("%.1f s", it.DurationSec))
	}
	if it.CostKnown {
		row("Cost", fmt.Sprintf("%.4f pollen", it.Cost))
	}
	row("Created", it.CreatedAt.Local().Format("2 Jan 2006 15:04"))
	if it.ParentID != nil {
		parent := *it.ParentID
		rel := strings.ReplaceAll(it.Relation, "_", " ")
		link := widget.NewButton(fmt.Sprintf("item %d (%s)", parent, rel), func() { p.showDetail(parent) })
		link.Importance = widget.LowImportance
		objs = append(objs, container.NewBorder(nil, nil, widget.NewLabelWithStyle("Made from", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil,
			container.NewHBox(link)))
	}
	if it.Text != "" && it.Kind != "chat" {
		t := widget.NewLabel(shorten(it.Text, 600))
		t.Wrapping = fyne.TextWrapWord
		objs = append(objs, t)
	}
	tags := widget.NewEntry()
	tags.SetText(strings.Join(it.Tags, ", "))
	tags.SetPlaceHolder("tags, separated by commas (Enter keeps them)")
	id := it.ID
	tags.OnSubmitted = func(text string) { p.setTags(id, text) }
	favLabel := "Favourite"
	if it.Favourite {
		favLabel = "Unfavourite"
	}
	fav := widget.NewButtonWithIcon(favLabel, theme.ConfirmIcon(), func() {
		v := !it.Favourite
		go func() {
			if err := s.lib.SetFavourite(s.ctx, id, v); err != nil {
				s.showError(err)
				return
			}
			s.RunOnUI(func() { p.showDetail(id); p.forget(id) })
		}()
	})
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { p.trash(id) })
	save := widget.NewButtonWithIcon("Save as…", theme.DocumentSaveIcon(), func() { saveAs(s, *it) })
	actions := container.NewGridWithColumns(3, fav, save, del)
	if p.picture != nil {
		pic := p.picture
		actions.Add(widget.NewButtonWithIcon("Zoom", theme.ZoomInIcon(), func() { pic.Tapped(nil) }))
	}
	if it.Kind == lib.KindImage {
		actions.Add(widget.NewButtonWithIcon("Remix", theme.ViewRefreshIcon(), func() { s.image.remix(*it) }))
		actions.Add(widget.NewButtonWithIcon("Use as reference", theme.ContentAddIcon(), func() { s.image.addRefs([]string{it.MediaPath}); s.Show("image") }))
		if it.Seed != nil {
			seed := *it.Seed
			actions.Add(widget.NewButtonWithIcon("Reuse seed", theme.ContentRedoIcon(), func() {
				s.image.seed.SetText(strconv.FormatInt(seed, 10))
				s.image.lockSeed.SetChecked(true)
				s.Show("image")
			}))
		}
	}
	if it.Kind == lib.KindSpeech || it.Kind == lib.KindRecording || it.Kind == lib.KindTranscript {
		actions.Add(widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), func() { s.speech.playFile(it.MediaPath) }))
	}
	if it.Kind == lib.KindVideo {
		actions.Add(widget.NewButtonWithIcon("Open in player", theme.MediaVideoIcon(), func() { s.openPath("Video", it.MediaPath) }))
	}
	form := widget.NewForm(widget.NewFormItem("Tags", tags), widget.NewFormItem("Collections", p.collectionsBox(it)))
	objs = append(objs, form, actions)
	p.detail.Objects = objs
	p.detail.Refresh()
}

// collectionsBox lists an item's collections, each with a remove button, and adds it to one.
func (p *libraryPage) collectionsBox(it *lib.Item) fyne.CanvasObject {
	id := it.ID
	box := container.NewVBox()
	for _, name := range it.Collections {
		rm := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { p.uncollect(id, name) })
		rm.Importance = widget.LowImportance
		box.Add(container.NewBorder(nil, nil, nil, rm, widget.NewLabel(name)))
	}
	var others []string
	for _, name := range p.collection.Options[1:] {
		if !slices.Contains(it.Collections, name) {
			others = append(others, name)
		}
	}
	p.collEntry = widget.NewSelectEntry(others)
	p.collEntry.SetPlaceHolder("add to a collection")
	entry := p.collEntry
	add := func() {
		if name := strings.TrimSpace(entry.Text); name != "" {
			p.collect(id, name)
		}
	}
	entry.OnSubmitted = func(string) { add() }
	p.collAdd = widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), add)
	box.Add(container.NewBorder(nil, nil, nil, p.collAdd, entry))
	return box
}

// afterEdit shows an item again once it changed, and what depends on it: the filters' choices
// and the grid (the change may take it in or out of a filter).
func (p *libraryPage) afterEdit(id int64) {
	p.refresh()
	if p.selected == id {
		p.showDetail(id)
	}
}

// setTags makes an item's tags the comma-separated list typed.
func (p *libraryPage) setTags(id int64, text string) {
	p.edit(id, func() error { return p.s.lib.SetTags(p.s.ctx, id, strings.Split(text, ",")) })
}

func (p *libraryPage) collect(id int64, name string) {
	p.edit(id, func() error { return p.s.lib.AddToCollection(p.s.ctx, id, name) })
}

func (p *libraryPage) uncollect(id int64, name string) {
	p.edit(id, func() error { return p.s.lib.RemoveFromCollection(p.s.ctx, id, name) })
}

// edit changes an item in the library off the UI goroutine, then shows it again.
func (p *libraryPage) edit(id int64, change func() error) {
	go func() {
		if err := change(); err != nil {
			p.s.showError(err)
			return
		}
		p.s.RunOnUI(func() { p.afterEdit(id) })
	}()
}

// forget drops what is known of an item, so its cells read it again.
func (p *libraryPage) forget(id int64) {
	p.mu.Lock()
	delete(p.entries, id)
	delete(p.inflight, id)
	p.mu.Unlock()
	for i, v := range p.ids {
		if v == id {
			p.grid.RefreshItem(i)
		}
	}
}

// trash deletes an item to the trash, with an undo.
func (p *libraryPage) trash(id int64) {
	s := p.s
	go func() {
		if err := s.lib.Trash(s.ctx, id); err != nil {
			s.showError(err)
			return
		}
		s.RunOnUI(func() {
			p.detail.Objects = []fyne.CanvasObject{widget.NewLabel("Moved to the trash."),
				widget.NewButtonWithIcon("Undo", theme.ContentUndoIcon(), func() { p.undo(id) })}
			p.detail.Refresh()
			p.reload()
		})
	}()
}

func (p *libraryPage) undo(id int64) {
	go func() {
		if err := p.s.lib.Restore(p.s.ctx, id); err != nil {
			p.s.showError(err)
			return
		}
		p.s.RunOnUI(func() { p.reload(); p.showDetail(id) })
	}()
}

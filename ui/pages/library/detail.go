// The detail view of one library item: the media large, its metadata and lineage, and its
// actions.

package library

import (
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// open shows an item (from the image studio or the jobs panel).
func (p *Page) open(id int64) {
	p.search.SetText("")
	p.refresh()
	p.showDetail(id)
}

func (p *Page) showDetail(id int64) {
	p.selected = id
	go func() {
		it, err := p.h.Library().Item(p.h.Context(), id)
		p.h.RunOnUI(func() {
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
func (p *Page) zoom(img image.Image, title string) {
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
	d := dialog.NewCustom(title, "Close", container.NewBorder(nil, toggle, nil, nil, container.NewStack(fit, actual)), p.h.Window())
	size := p.h.Window().Canvas().Size()
	d.Resize(fyne.NewSize(size.Width*0.9, size.Height*0.9))
	d.Show()
}

func (p *Page) renderDetail(it *lib.Item) {
	h := p.h
	p.shown = it.ID
	p.detailGen++
	gen := p.detailGen
	objs := []fyne.CanvasObject{}
	p.picture = nil
	if strings.HasPrefix(it.ContentType, "image/") && it.MediaPath != "" && !it.Missing {
		pic := newTapImage(fyne.NewSize(320, 320), nil)
		pic.onTap = func() { p.zoom(pic.img.Image, kit.Shorten(it.Prompt, 60)) }
		p.picture = pic
		objs = append(objs, pic)
		go func() {
			path, err := h.Library().ItemMediaPath(it) // an imported item's file must be the library's
			var img image.Image
			if err == nil {
				img, err = decodeImage(path)
			}
			h.RunOnUI(func() {
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
	var open3D func()
	if it.Kind == lib.Kind3D && it.MediaHash != "" && !it.Missing {
		// A preview the user turns by dragging, drawn off the UI goroutine from the library's
		// own file; "Open with…" hands the file to the system's 3D viewer.
		if path, err := h.Library().ItemMediaPath(it); err != nil {
			objs = append(objs, widget.NewLabel("The 3D file cannot be shown: "+err.Error()))
		} else if isPointCloud(it) {
			// A PLY point cloud (splats) has no mesh to turn: its still drawing, the thumbnail's.
			objs = append(objs, p.pointCloudStill(it, gen))
			open3D = func() { h.OpenPath("3D model", path) }
		} else {
			view := kit.LoadMeshView(path, h.RunOnUI)
			view.SetMinSize(fyne.NewSize(320, 320))
			objs = append(objs, view)
			open3D = func() { h.OpenPath("3D model", path) }
		}
	}
	if it.Missing {
		objs = append(objs, widget.NewLabelWithStyle("The file of this item is missing from the library folder.", fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	}
	prompt := widget.NewLabel(it.Prompt)
	prompt.Wrapping = fyne.TextWrapWord
	objs = append(objs, kit.Heading(strings.ToUpper(string(it.Kind[:1]))+string(it.Kind[1:])), prompt)
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
		t := widget.NewLabel(kit.Shorten(it.Text, 600))
		t.Wrapping = fyne.TextWrapWord
		objs = append(objs, t)
	}
	tags := widget.NewEntry()
	p.tagsEntry = tags
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
			if err := h.Library().SetFavourite(h.Context(), id, v); err != nil {
				h.ShowError(err)
				return
			}
			h.RunOnUI(func() { p.showDetail(id); p.forget(id) })
		}()
	})
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { p.trash(id) })
	save := widget.NewButtonWithIcon("Save as…", theme.DocumentSaveIcon(), func() { kit.SaveAs(h, *it) })
	actions := container.NewGridWithColumns(3, fav, save, del)
	if p.picture != nil {
		pic := p.picture
		actions.Add(widget.NewButtonWithIcon("Zoom", theme.ZoomInIcon(), func() { pic.Tapped(nil) }))
	}
	if it.Kind == lib.KindImage {
		// What the image studio does with an image goes there as a navigation value, carrying
		// only what is safe to send: the library's own files, http(s) links, the hosted copy.
		actions.Add(widget.NewButtonWithIcon("Remix", theme.ViewRefreshIcon(), func() {
			h.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActRemix, Item: p.forRemix(it)})
		}))
		actions.Add(widget.NewButtonWithIcon("Use as reference", theme.ContentAddIcon(), func() {
			if ref, ok := p.asReference(it, time.Now()); ok {
				h.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActUseRef, Item: ref})
			}
		}))
		if it.Seed != nil {
			actions.Add(widget.NewButtonWithIcon("Reuse seed", theme.ContentRedoIcon(), func() {
				h.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActUseSeed, Item: p.forRemix(it)})
			}))
		}
	}
	p.addMake3D(actions, it)         // a picture made into a 3D model (make3d.go)
	p.addPictureActions(actions, it) // Animate, Copy image; a sound's Use as reference
	if it.Kind == lib.KindSpeech || it.Kind == lib.KindRecording || it.Kind == lib.KindTranscript {
		// Played by the window's one player, without leaving the library.
		actions.Add(widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), func() {
			if path := p.mediaPath(it); path != "" {
				c := *it
				c.MediaPath = path
				h.Navigate(kit.Nav{Page: kit.PageSpeech, Action: kit.ActPlay, Item: &c, Quiet: true})
			}
		}))
	}
	if it.Kind == lib.KindMusic || it.Kind == lib.KindSound {
		// Music and sound play on the Music page's player bar, which can seek.
		actions.Add(widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), func() {
			if path := p.mediaPath(it); path != "" {
				c := *it
				c.MediaPath = path
				h.Navigate(kit.Nav{Page: kit.PageMusic, Action: kit.ActPlay, Item: &c})
			}
		}))
	}
	p.addVoiceButton(actions, it)
	if open3D != nil {
		actions.Add(widget.NewButtonWithIcon("Open with…", theme.FileIcon(), open3D))
	}
	if it.Kind == lib.KindVideo {
		actions.Add(widget.NewButtonWithIcon("Open in player", theme.MediaVideoIcon(), func() {
			if path := p.mediaPath(it); path != "" {
				h.OpenPath("Video", path)
			}
		}))
	}
	if it.MediaHash != "" && !it.Missing {
		actions.Add(widget.NewButtonWithIcon("Show in folder", theme.FolderOpenIcon(), func() {
			if dir := p.folderOf(it); dir != "" {
				h.OpenPath("Folder", dir)
			}
		}))
	}
	if strings.HasPrefix(it.HostedURL, "https://") {
		hosted := it.HostedURL
		actions.Add(widget.NewButtonWithIcon("Copy link", theme.ContentCopyIcon(), func() { h.Clipboard().SetContent(hosted) }))
	}
	form := widget.NewForm(widget.NewFormItem("Tags", tags), widget.NewFormItem("Collections", p.collectionsBox(it)))
	objs = append(objs, form, actions)
	p.detail.Objects = objs
	p.detail.Refresh()
}

// collectionsBox lists an item's collections, each with a remove button, and adds it to one.
func (p *Page) collectionsBox(it *lib.Item) fyne.CanvasObject {
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
func (p *Page) afterEdit(id int64) {
	p.refresh()
	if p.selected == id {
		p.showDetail(id)
	}
}

// setTags makes an item's tags the comma-separated list typed.
func (p *Page) setTags(id int64, text string) {
	p.edit(id, func() error { return p.h.Library().SetTags(p.h.Context(), id, strings.Split(text, ",")) })
}

func (p *Page) collect(id int64, name string) {
	p.edit(id, func() error { return p.h.Library().AddToCollection(p.h.Context(), id, name) })
}

func (p *Page) uncollect(id int64, name string) {
	p.edit(id, func() error { return p.h.Library().RemoveFromCollection(p.h.Context(), id, name) })
}

// edit changes an item in the library off the UI goroutine, then shows it again.
func (p *Page) edit(id int64, change func() error) {
	go func() {
		if err := change(); err != nil {
			p.h.ShowError(err)
			return
		}
		p.h.RunOnUI(func() { p.afterEdit(id) })
	}()
}

// forget drops what is known of an item, so its cells read it again.
func (p *Page) forget(id int64) {
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
func (p *Page) trash(id int64) {
	h := p.h
	go func() {
		if err := h.Library().Trash(h.Context(), id); err != nil {
			h.ShowError(err)
			return
		}
		h.RunOnUI(func() {
			p.detail.Objects = []fyne.CanvasObject{widget.NewLabel("Moved to the trash."),
				widget.NewButtonWithIcon("Undo", theme.ContentUndoIcon(), func() { p.undo(id) })}
			p.detail.Refresh()
			p.reload()
		})
	}()
}

func (p *Page) undo(id int64) {
	go func() {
		if err := p.h.Library().Restore(p.h.Context(), id); err != nil {
			p.h.ShowError(err)
			return
		}
		p.h.RunOnUI(func() { p.reload(); p.showDetail(id) })
	}()
}

// isPointCloud tells a PLY 3D item (point clouds and splats) from a GLB mesh.
func isPointCloud(it *lib.Item) bool {
	return it.ContentType == "application/ply" || strings.EqualFold(filepath.Ext(it.MediaPath), ".ply")
}

// pointCloudStill shows a PLY item as the library draws its thumbnail, loaded off the UI
// goroutine, with a caption saying why it does not turn.
func (p *Page) pointCloudStill(it *lib.Item, gen int) fyne.CanvasObject {
	h := p.h
	img := canvas.NewImageFromImage(nil)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(320, 320))
	p.cloud = img
	caption := widget.NewLabelWithStyle("A point cloud (PLY): shown still; Open with… turns it in a 3D viewer.",
		fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	caption.Wrapping = fyne.TextWrapWord
	id := it.ID
	go func() {
		path, err := h.Library().Thumbnail(h.Context(), id, 320)
		var pic image.Image
		if err == nil {
			pic, err = decodeImage(path)
		}
		h.RunOnUI(func() {
			if gen != p.detailGen {
				return
			}
			if err != nil {
				caption.SetText("The point cloud cannot be drawn: " + err.Error())
				return
			}
			img.Image = pic
			img.Refresh()
		})
	}()
	return container.NewVBox(img, caption)
}

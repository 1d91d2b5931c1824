package ui

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
)

const thumbSize = 192

// libraryPage is the gallery: a virtual grid over the ids of the matching items; each cell
// loads its item and thumbnail off the UI goroutine.
type libraryPage struct {
	s      *Studio
	search *widget.Entry
	kind   *widget.Select
	fav    *widget.Check
	sortBy *widget.Select
	count  *widget.Label
	grid   *widget.GridWrap
	ids    []int64
	dirty  bool
	gen    int // bumps with every query, so late answers are dropped

	mu     sync.Mutex
	items  map[int64]*lib.Item
	thumbs map[int64]string
	asked  map[int64]bool
	shown  map[*canvas.Image]int64 // what each cell shows now: loads for cells scrolled past are dropped
	loads  chan struct{}           // bounds the loads in flight

	detail   *fyne.Container
	selected int64
	content  fyne.CanvasObject
	debounce *time.Timer
}

var kindFilters = []string{"All kinds", "image", "video", "speech", "recording", "transcript", "chat", "text"}

func newLibraryPage(s *Studio) *libraryPage {
	p := &libraryPage{s: s, items: map[int64]*lib.Item{}, thumbs: map[int64]string{}, asked: map[int64]bool{},
		shown: map[*canvas.Image]int64{}, loads: make(chan struct{}, 4)}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search prompts, chats and transcripts (Ctrl+F)")
	p.search.OnChanged = func(string) {
		// Search as you type, without a query per keystroke.
		if p.debounce != nil {
			p.debounce.Stop()
		}
		p.debounce = time.AfterFunc(150*time.Millisecond, func() { s.RunOnUI(p.refresh) })
	}
	p.kind = widget.NewSelect(kindFilters, nil)
	p.kind.SetSelectedIndex(0)
	p.fav = widget.NewCheck("Favourites", nil)
	p.sortBy = widget.NewSelect([]string{"Newest", "Oldest", "Cost"}, nil)
	p.sortBy.SetSelectedIndex(0)
	// Wired once every widget exists: a filter change reloads the grid.
	p.kind.OnChanged = func(string) { p.refresh() }
	p.fav.OnChanged = func(bool) { p.refresh() }
	p.sortBy.OnChanged = func(string) { p.refresh() }
	p.count = widget.NewLabel("")
	folder := widget.NewButtonWithIcon("Data folder", theme.FolderOpenIcon(), func() {
		u, _ := url.Parse("file://" + s.lib.Dir())
		if err := s.app.OpenURL(u); err != nil {
			dialog.ShowInformation("Data folder", s.lib.Dir(), s.win)
		}
	})
	p.grid = widget.NewGridWrap(func() int { return len(p.ids) }, p.newCell, p.updateCell)
	p.grid.OnSelected = func(i widget.GridWrapItemID) {
		if i < len(p.ids) {
			p.showDetail(p.ids[i])
		}
	}
	p.detail = container.NewVBox(widget.NewLabel("Select an item to see its details."))
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(p.kind, p.fav, p.sortBy, folder), p.search)
	empty := container.NewCenter(widget.NewLabelWithStyle("Your library is empty — generate something on the Image page.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true}))
	split := container.NewHSplit(container.NewStack(empty, p.grid), container.NewVScroll(container.NewPadded(p.detail)))
	split.Offset = 0.68
	p.content = container.NewBorder(container.NewVBox(bar, p.count), nil, nil, nil, split)
	p.dirty = true
	return p
}

func (p *libraryPage) query() lib.Query {
	q := lib.Query{Text: p.search.Text, Favourite: p.fav.Checked}
	if p.kind.SelectedIndex() > 0 {
		q.Kinds = []lib.Kind{lib.Kind(p.kind.Selected)}
	}
	switch p.sortBy.Selected {
	case "Oldest":
		q.Sort = lib.SortOldest
	case "Cost":
		q.Sort = lib.SortCost
	}
	return q
}

// refresh reloads the matching ids in the background.
func (p *libraryPage) refresh() {
	p.gen++
	gen := p.gen
	q := p.query()
	go func() {
		ids, err := p.s.lib.IDs(p.s.ctx, q)
		p.s.RunOnUI(func() {
			if gen != p.gen {
				return
			}
			if err != nil {
				p.count.SetText("Search failed: " + err.Error())
				return
			}
			p.ids = ids
			p.dirty = false
			p.mu.Lock()
			p.items, p.asked = map[int64]*lib.Item{}, map[int64]bool{}
			p.mu.Unlock()
			p.grid.UnselectAll()
			p.grid.Refresh()
			switch len(ids) {
			case 0:
				p.count.SetText("No items match.")
			case 1:
				p.count.SetText("1 item")
			default:
				p.count.SetText(fmt.Sprintf("%d items", len(ids)))
			}
		})
	}()
}

func (p *libraryPage) newCell() fyne.CanvasObject {
	img := canvas.NewImageFromResource(nil)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(thumbSize*0.8, thumbSize*0.8))
	label := widget.NewLabel("")
	label.Truncation = fyne.TextTruncateEllipsis
	star := widget.NewIcon(nil)
	return container.NewBorder(nil, container.NewBorder(nil, nil, nil, star, label), nil, nil, img)
}

func (p *libraryPage) updateCell(i widget.GridWrapItemID, o fyne.CanvasObject) {
	if i >= len(p.ids) {
		return
	}
	id := p.ids[i]
	c := o.(*fyne.Container)
	img := c.Objects[0].(*canvas.Image)
	bottom := c.Objects[1].(*fyne.Container)
	label := bottom.Objects[0].(*widget.Label)
	star := bottom.Objects[1].(*widget.Icon)
	p.mu.Lock()
	it, thumb := p.items[id], p.thumbs[id]
	need := !p.asked[id]
	p.asked[id] = true
	p.shown[img] = id
	p.mu.Unlock()
	if it != nil {
		label.SetText(shorten(it.Prompt, 40))
		if it.Favourite {
			star.SetResource(theme.ConfirmIcon())
		} else {
			star.SetResource(nil)
		}
	} else {
		label.SetText("…")
		star.SetResource(nil)
	}
	if img.File != thumb {
		img.File = thumb
		img.Refresh()
	}
	if need {
		go p.load(id)
	}
}

// visible reports whether a cell still shows id.
func (p *libraryPage) visible(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.shown {
		if v == id {
			return true
		}
	}
	return false
}

// load reads an item and makes its thumbnail, a few at a time; a cell scrolled out of view
// before its turn costs nothing (it is asked again if it comes back).
func (p *libraryPage) load(id int64) {
	select {
	case p.loads <- struct{}{}:
	case <-p.s.ctx.Done():
		return
	}
	defer func() { <-p.loads }()
	if !p.visible(id) {
		p.mu.Lock()
		delete(p.asked, id)
		p.mu.Unlock()
		return
	}
	it, err := p.s.lib.Item(p.s.ctx, id)
	if err != nil {
		return
	}
	thumb, _ := p.s.lib.Thumbnail(p.s.ctx, id, thumbSize)
	p.mu.Lock()
	p.items[id], p.thumbs[id] = it, thumb
	p.mu.Unlock()
	p.s.RunOnUI(func() {
		for i, v := range p.ids {
			if v == id {
				p.grid.RefreshItem(i)
				break
			}
		}
	})
}

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

func (p *libraryPage) renderDetail(it *lib.Item) {
	s := p.s
	objs := []fyne.CanvasObject{}
	if strings.HasPrefix(it.ContentType, "image/") && it.MediaPath != "" {
		img := canvas.NewImageFromFile(it.MediaPath)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(320, 320))
		objs = append(objs, img)
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
		row("Made from", fmt.Sprintf("item %d (%s)", *it.ParentID, it.Relation))
	}
	if it.Text != "" && it.Kind != "chat" {
		t := widget.NewLabel(shorten(it.Text, 600))
		t.Wrapping = fyne.TextWrapWord
		objs = append(objs, t)
	}
	tags := widget.NewEntry()
	tags.SetText(strings.Join(it.Tags, ", "))
	tags.SetPlaceHolder("tags, separated by commas")
	tags.OnSubmitted = func(text string) {
		it.Tags = strings.Split(text, ",")
		item := *it
		go func() {
			if err := s.lib.UpdateItem(s.ctx, &item); err != nil {
				s.showError(err)
			}
		}()
	}
	favLabel := "Favourite"
	if it.Favourite {
		favLabel = "Unfavourite"
	}
	fav := widget.NewButtonWithIcon(favLabel, theme.ConfirmIcon(), func() {
		id, v := it.ID, !it.Favourite
		go func() {
			if err := s.lib.SetFavourite(s.ctx, id, v); err != nil {
				s.showError(err)
				return
			}
			s.RunOnUI(func() { p.showDetail(id); p.forget(id) })
		}()
	})
	del := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { p.trash(it.ID) })
	save := widget.NewButtonWithIcon("Save as…", theme.DocumentSaveIcon(), func() { saveAs(s, *it) })
	actions := container.NewGridWithColumns(3, fav, save, del)
	if it.Kind == lib.KindImage {
		actions.Add(widget.NewButtonWithIcon("Remix", theme.ViewRefreshIcon(), func() { s.image.remix(*it) }))
		actions.Add(widget.NewButtonWithIcon("Use as reference", theme.ContentAddIcon(), func() { s.image.addRefs([]string{it.MediaPath}); s.Show("image") }))
	}
	if it.Kind == lib.KindSpeech || it.Kind == lib.KindRecording || it.Kind == lib.KindTranscript {
		actions.Add(widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), func() { s.speech.playFile(it.MediaPath) }))
	}
	if it.Kind == lib.KindVideo {
		actions.Add(widget.NewButtonWithIcon("Open in player", theme.MediaVideoIcon(), func() {
			u, _ := url.Parse("file://" + it.MediaPath)
			s.app.OpenURL(u)
		}))
	}
	objs = append(objs, widget.NewForm(widget.NewFormItem("Tags", tags)), actions)
	p.detail.Objects = objs
	p.detail.Refresh()
}

func (p *libraryPage) forget(id int64) {
	p.mu.Lock()
	delete(p.asked, id)
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
			p.refresh()
		})
	}()
}

func (p *libraryPage) undo(id int64) {
	go func() {
		if err := p.s.lib.Restore(p.s.ctx, id); err != nil {
			p.s.showError(err)
			return
		}
		p.s.RunOnUI(func() { p.refresh(); p.showDetail(id) })
	}()
}

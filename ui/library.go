package ui

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // the library keeps what the API returns and what was dropped in
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	fstorage "fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
)

const (
	thumbSize = 192
	// keepEntries bounds the items the gallery keeps: past it, those no cell shows are dropped,
	// so scrolling through 10 000 items holds a few hundred, not all of them.
	keepEntries = 300
	// maxDecodePixels keeps a huge (or hostile) image from being decoded for the detail view.
	maxDecodePixels = 80_000_000
)

var (
	kindFilters = []string{"All kinds", "image", "video", "speech", "recording", "transcript", "chat", "text"}
	dateFilters = []string{"Any time", "Today", "Last 7 days", "Last 30 days", "This year"}
)

const (
	anyModel      = "Any model"
	anyTag        = "Any tag"
	anyCollection = "Any collection"
)

// entry is what the gallery knows of an item: the item (nil when it could not be read) and the
// file of its thumbnail. Decoded thumbnails live only in the cells that show them.
type entry struct {
	item  *lib.Item
	thumb string
}

// libraryPage is the gallery: a virtual grid over the ids of the matching items; each cell
// loads its item and thumbnail off the UI goroutine.
type libraryPage struct {
	s          *Studio
	search     *widget.Entry
	kind       *widget.Select
	model      *widget.Select
	tag        *widget.Select
	collection *widget.Select
	date       *widget.Select
	fav        *widget.Check
	sortBy     *widget.Select
	count      *widget.Label
	empty      *widget.Label // behind the grid: says why it has no cells
	grid       *widget.GridWrap
	ids        []int64
	dirty      bool
	gen        int // bumps with every query, so late answers are dropped
	choiceGen  int // the same for the filters' choices

	mu       sync.Mutex
	entries  map[int64]*entry
	inflight map[int64]uint64  // the load that owns an id; a refresh disowns them all
	token    uint64            // numbers the loads
	cells    map[*libCell]bool // the cells in view (loads ask what they show)
	loads    chan struct{}     // bounds the loads in flight
	swept    bool              // a sweep of the cells is queued (UI goroutine only)
	seq      uint64            // numbers the cell updates (UI goroutine only)

	// Multi-select (UI goroutine only).
	selecting bool
	picked    map[int64]bool
	anchor    int // grid index of the last cell toggled, for Shift-click ranges; -1 for none
	selectB   *widget.Button
	selBar    *fyne.Container
	selCount  *widget.Label
	selAll    *widget.Button
	selOps    []*widget.Button // disabled while nothing is picked
	favB      *widget.Button
	tagB      *widget.Button
	collectB  *widget.Button
	deleteB   *widget.Button
	exportB   *widget.Button

	// The outcome of the last bulk action, with its undo.
	notice *widget.Label
	undoB  *widget.Button
	undoFn func()

	detail    *fyne.Container
	selected  int64
	detailGen int // bumps with every render, so a late picture does not land in another item's view
	picture   *tapImage
	collEntry *widget.SelectEntry // the detail view's "add to a collection"
	collAdd   *widget.Button
	content   fyne.CanvasObject
	debounce  *time.Timer
}

func newLibraryPage(s *Studio) *libraryPage {
	p := &libraryPage{s: s, entries: map[int64]*entry{}, inflight: map[int64]uint64{}, cells: map[*libCell]bool{},
		loads: make(chan struct{}, 4), picked: map[int64]bool{}, anchor: -1}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search prompts, chats and transcripts (Ctrl+F)")
	p.search.OnChanged = func(string) {
		// Search as you type, without a query per keystroke.
		if p.debounce != nil {
			p.debounce.Stop()
		}
		p.debounce = time.AfterFunc(150*time.Millisecond, func() { s.RunOnUI(p.reload) })
	}
	p.kind = widget.NewSelect(kindFilters, nil)
	p.kind.SetSelectedIndex(0)
	p.sortBy = widget.NewSelect([]string{"Newest", "Oldest", "Cost"}, nil)
	p.sortBy.SetSelectedIndex(0)
	// The less-used filters: their width comes from the placeholder, not from the longest name.
	filter := func(first, placeholder string) *widget.Select {
		sel := widget.NewSelect([]string{first}, nil)
		sel.PlaceHolder = placeholder
		sel.SetSelectedIndex(0)
		return sel
	}
	p.model = filter(anyModel, "Any model")
	p.tag = filter(anyTag, "Any tag")
	p.collection = filter(anyCollection, "Any collection")
	p.date = filter(dateFilters[0], "Any time")
	p.date.SetOptions(dateFilters)
	p.fav = widget.NewCheck("Favourites", nil)
	// Wired once every widget exists: a filter change reloads the grid.
	for _, sel := range []*widget.Select{p.kind, p.sortBy, p.model, p.tag, p.collection, p.date} {
		sel.OnChanged = func(string) { p.reload() }
	}
	p.fav.OnChanged = func(bool) { p.reload() }
	clearF := widget.NewButtonWithIcon("Clear filters", theme.ContentClearIcon(), p.clearFilters)
	p.count = widget.NewLabel("")
	folder := widget.NewButtonWithIcon("Data folder", theme.FolderOpenIcon(), func() {
		u, _ := url.Parse("file://" + s.lib.Dir())
		if err := s.app.OpenURL(u); err != nil {
			dialog.ShowInformation("Data folder", s.lib.Dir(), s.win)
		}
	})
	p.selectB = widget.NewButtonWithIcon("Select", theme.CheckButtonCheckedIcon(), func() { p.setSelecting(!p.selecting) })

	p.grid = widget.NewGridWrap(func() int { return len(p.ids) }, p.newCell, p.updateCell)
	p.grid.OnSelected = p.tapped
	p.detail = container.NewVBox(widget.NewLabel("Select an item to see its details."))

	p.notice = widget.NewLabel("")
	p.undoB = widget.NewButtonWithIcon("Undo", theme.ContentUndoIcon(), func() {
		if f := p.undoFn; f != nil {
			p.undoFn = nil
			p.undoB.Hide()
			f()
		}
	})
	p.undoB.Hide()
	p.buildSelectionBar()

	bar := container.NewBorder(nil, nil, nil, container.NewHBox(p.kind, p.sortBy, p.selectB, folder), p.search)
	filters := container.NewBorder(nil, nil, nil, container.NewHBox(p.fav, clearF),
		container.NewGridWithColumns(4, p.model, p.tag, p.collection, p.date))
	status := container.NewHBox(p.count, p.notice, p.undoB)
	p.empty = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	split := container.NewHSplit(container.NewStack(container.NewCenter(p.empty), p.grid), container.NewVScroll(container.NewPadded(p.detail)))
	split.Offset = 0.68
	p.content = container.NewBorder(container.NewVBox(bar, filters, status, p.selBar), nil, nil, nil, split)
	p.dirty = true
	return p
}

func (p *libraryPage) buildSelectionBar() {
	p.selCount = widget.NewLabel("0 selected")
	p.selAll = widget.NewButton("Select all", p.pickAll)
	p.favB = widget.NewButtonWithIcon("Favourite", theme.ConfirmIcon(), p.favouriteSelection)
	p.tagB = widget.NewButtonWithIcon("Tag…", theme.ContentAddIcon(), func() {
		p.askName("Tag the selection", "Tag", p.tag.Options[1:], p.tagSelection)
	})
	p.collectB = widget.NewButtonWithIcon("Add to collection…", theme.FolderNewIcon(), func() {
		p.askName("Add the selection to a collection", "Collection", p.collection.Options[1:], p.collectSelection)
	})
	p.deleteB = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), p.trashSelection)
	p.exportB = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), p.exportDialog)
	clearB := widget.NewButtonWithIcon("Clear selection", theme.ContentClearIcon(), p.clearPicked)
	p.selOps = []*widget.Button{p.favB, p.tagB, p.collectB, p.deleteB, p.exportB, clearB}
	p.selBar = container.NewHBox(p.selCount, p.selAll, p.favB, p.tagB, p.collectB, p.deleteB, p.exportB, clearB)
	p.selBar.Hide()
	p.updateSelBar()
}

// since is where a date filter starts (zero for any time).
func since(choice string, now time.Time) time.Time {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch choice {
	case "Today":
		return day
	case "Last 7 days":
		return day.AddDate(0, 0, -6)
	case "Last 30 days":
		return day.AddDate(0, 0, -29)
	case "This year":
		return time.Date(now.Year(), time.January, 1, 0, 0, 0, 0, now.Location())
	}
	return time.Time{}
}

func (p *libraryPage) query() lib.Query {
	q := lib.Query{Text: p.search.Text, Favourite: p.fav.Checked, From: since(p.date.Selected, time.Now())}
	if p.kind.SelectedIndex() > 0 {
		q.Kinds = []lib.Kind{lib.Kind(p.kind.Selected)}
	}
	// Index 0 is "any"; a name is only ever a filter from index 1.
	if p.model.SelectedIndex() > 0 {
		q.Model = p.model.Selected
	}
	if p.tag.SelectedIndex() > 0 {
		q.Tag = p.tag.Selected
	}
	if p.collection.SelectedIndex() > 0 {
		q.Collection = p.collection.Selected
	}
	switch p.sortBy.Selected {
	case "Oldest":
		q.Sort = lib.SortOldest
	case "Cost":
		q.Sort = lib.SortCost
	}
	return q
}

func (p *libraryPage) clearFilters() {
	// Each reset would reload the grid: silence them and reload once.
	sels := []*widget.Select{p.kind, p.model, p.tag, p.collection, p.date}
	for _, sel := range sels {
		sel.OnChanged = nil
		sel.SetSelectedIndex(0)
	}
	p.fav.OnChanged = nil
	p.fav.SetChecked(false)
	for _, sel := range sels {
		sel.OnChanged = func(string) { p.reload() }
	}
	p.fav.OnChanged = func(bool) { p.reload() }
	p.reload()
}

// refresh reloads the grid and the filters' choices (when the page is shown and after a change).
func (p *libraryPage) refresh() {
	p.loadChoices()
	p.reload()
}

// loadChoices fills the model, tag and collection filters from the library, off the UI goroutine.
func (p *libraryPage) loadChoices() {
	p.choiceGen++
	gen := p.choiceGen
	s := p.s
	go func() {
		models, err1 := s.lib.Models(s.ctx)
		tags, err2 := s.lib.Tags(s.ctx)
		colls, err3 := s.lib.Collections(s.ctx)
		if err := errors.Join(err1, err2, err3); err != nil {
			s.showError(fmt.Errorf("listing the models, tags and collections: %w", err))
			return
		}
		s.RunOnUI(func() {
			if gen != p.choiceGen {
				return
			}
			setChoices(p.model, anyModel, models)
			setChoices(p.tag, anyTag, tags)
			setChoices(p.collection, anyCollection, colls)
		})
	}()
}

// setChoices replaces a filter's options and keeps its choice while it exists; one that is gone
// falls back to "any", which reloads the grid.
func setChoices(sel *widget.Select, anyName string, names []string) {
	opts := append([]string{anyName}, names...)
	keep := slices.Contains(opts, sel.Selected)
	sel.SetOptions(opts)
	if !keep {
		sel.SetSelectedIndex(0)
	}
}

// reload lists the matching ids in the background.
func (p *libraryPage) reload() {
	p.gen++
	gen := p.gen
	q := p.query()
	go func() {
		ids, err := p.s.lib.IDs(p.s.ctx, q)
		listed := make(map[int64]bool, len(ids))
		for _, id := range ids {
			listed[id] = true
		}
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
			p.anchor = -1
			// The selection is what can be seen.
			for id := range p.picked {
				if !listed[id] {
					delete(p.picked, id)
				}
			}
			p.updateSelBar()
			// Items may have changed (favourites, tags): the cells read them again, and loads
			// started before now are disowned.
			p.mu.Lock()
			clear(p.entries)
			clear(p.inflight)
			p.mu.Unlock()
			p.grid.UnselectAll()
			p.grid.Refresh()
			switch {
			case len(ids) > 0:
				p.empty.SetText("")
			case q.Text == "" && len(q.Kinds) == 0 && q.Model == "" && !q.Favourite && q.Tag == "" && q.Collection == "" && q.From.IsZero():
				p.empty.SetText("Your library is empty — generate something on the Image page.")
			default:
				p.empty.SetText("Nothing matches: try other words or clear the filters.")
			}
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

// libCell is one gallery cell. GridWrap makes throwaway cells to measure itself, so a cell is
// only known to the page once it shows something.
type libCell struct {
	widget.BaseWidget
	root  *fyne.Container
	bg    *canvas.Rectangle // tinted when picked
	img   *canvas.Image
	label *widget.Label
	star  *widget.Icon
	mark  *widget.Icon // the multi-select check (no resource outside select mode)
	id    int64        // the item shown (under libraryPage.mu: loads read it)
	index int          // where in the grid (UI goroutine only)
	seq   uint64       // when it was last given an item: of two cells claiming an index, the later is on screen
	drawn int64        // whose thumbnail img holds, 0 for none (under libraryPage.mu)
}

func (c *libCell) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.root) }

func (p *libraryPage) newCell() fyne.CanvasObject {
	c := &libCell{bg: canvas.NewRectangle(color.Transparent), img: canvas.NewImageFromImage(nil), label: widget.NewLabel(""),
		star: widget.NewIcon(nil), mark: widget.NewIcon(nil)}
	c.img.FillMode = canvas.ImageFillContain
	c.img.SetMinSize(fyne.NewSize(thumbSize*0.8, thumbSize*0.8))
	c.label.Truncation = fyne.TextTruncateEllipsis
	corner := container.NewVBox(container.NewHBox(container.NewGridWrap(fyne.NewSquareSize(28), c.mark)))
	c.root = container.NewStack(c.bg, container.NewBorder(nil, container.NewBorder(nil, nil, nil, c.star, c.label), nil, nil,
		container.NewStack(c.img, corner)))
	c.ExtendBaseWidget(c)
	return c
}

func (p *libraryPage) updateCell(i widget.GridWrapItemID, o fyne.CanvasObject) {
	if i >= len(p.ids) {
		return
	}
	id := p.ids[i]
	c := o.(*libCell)
	var tok uint64
	p.mu.Lock()
	p.cells[c] = true
	c.id, c.index = id, i
	p.seq++
	c.seq = p.seq
	e := p.entries[id]
	stale := c.drawn != id
	if stale {
		c.drawn = 0
	}
	if (e == nil || stale) && p.inflight[id] == 0 {
		p.token++
		tok = p.token
		p.inflight[id] = tok
	}
	p.mu.Unlock()
	if stale {
		// Never another item's picture, even for a moment.
		c.img.Image = nil
		c.img.Refresh()
	}
	p.paintCell(c, id, e)
	if tok != 0 {
		go p.load(id, tok)
	}
	if !p.swept {
		p.swept = true
		p.s.RunOnUI(p.sweep)
	}
}

// sweep lets go of the cells GridWrap has put aside for reuse (it does not say which): those
// outside the rows in view drop their pictures and leave p.cells, so loads for what they
// showed are skipped and nothing keeps them alive. Reused, a cell comes back through updateCell.
func (p *libraryPage) sweep() {
	p.swept = false
	first, last := p.inView()
	var gone []*libCell
	at := map[int]*libCell{}
	p.mu.Lock()
	for c := range p.cells {
		if c.index < first || c.index > last || c.index >= len(p.ids) || p.ids[c.index] != c.id {
			gone = append(gone, c)
		} else if other := at[c.index]; other == nil {
			at[c.index] = c
		} else if other.seq < c.seq {
			gone, at[c.index] = append(gone, other), c
		} else {
			gone = append(gone, c)
		}
	}
	for _, c := range gone {
		delete(p.cells, c)
		c.id, c.drawn = 0, 0
	}
	p.mu.Unlock()
	for _, c := range gone {
		c.img.Image = nil
		c.img.Refresh()
	}
}

// inView is the range of grid indexes that may be on screen, with a row to spare each side
// (GridWrap's own arithmetic, so only cells certainly out of view are let go).
func (p *libraryPage) inView() (first, last int) {
	var some *libCell
	p.mu.Lock()
	for c := range p.cells {
		some = c
		break
	}
	p.mu.Unlock()
	if some == nil {
		return 0, -1
	}
	// Measured on a live cell, so a theme's text size counts.
	rowH := some.MinSize().Height + p.grid.Theme().Size(theme.SizeNamePadding)
	cols := p.grid.ColumnCount()
	top := int(p.grid.GetScrollOffset() / rowH)
	rows := int(math.Ceil(float64(p.grid.Size().Height/rowH))) + 1
	return (top - 1) * cols, (top+rows+1)*cols - 1
}

// paintCell shows what is known of an item in a cell (UI goroutine).
func (p *libraryPage) paintCell(c *libCell, id int64, e *entry) {
	switch {
	case e == nil:
		c.label.SetText("…")
		c.star.SetResource(nil)
	case e.item == nil:
		c.label.SetText("(unreadable)")
		c.star.SetResource(nil)
	default:
		c.label.SetText(shorten(e.item.Prompt, 40))
		if e.item.Favourite {
			c.star.SetResource(theme.ConfirmIcon())
		} else {
			c.star.SetResource(nil)
		}
	}
	if p.selecting {
		if p.picked[id] {
			c.mark.SetResource(theme.CheckButtonCheckedIcon())
			c.bg.FillColor = theme.Color(theme.ColorNameSelection)
		} else {
			c.mark.SetResource(theme.CheckButtonIcon())
			c.bg.FillColor = color.Transparent
		}
	} else {
		c.mark.SetResource(nil)
		c.bg.FillColor = color.Transparent
	}
	c.bg.Refresh()
}

// shownLocked reports whether a cell shows id; p.mu is held.
func (p *libraryPage) shownLocked(id int64) bool {
	for c := range p.cells {
		if c.id == id {
			return true
		}
	}
	return false
}

// load reads an item and its thumbnail, a few at a time, and hands them to the cells that show
// it. A cell scrolled out of view before its turn costs nothing (it asks again if it comes
// back); a load disowned by a refresh drops what it read.
func (p *libraryPage) load(id int64, tok uint64) {
	select {
	case p.loads <- struct{}{}:
	case <-p.s.ctx.Done():
		return
	}
	defer func() { <-p.loads }()
	p.mu.Lock()
	if p.inflight[id] != tok {
		p.mu.Unlock()
		return
	}
	if !p.shownLocked(id) {
		delete(p.inflight, id)
		p.mu.Unlock()
		return
	}
	e := p.entries[id]
	p.mu.Unlock()
	if e == nil {
		e = &entry{}
		if it, err := p.s.lib.Item(p.s.ctx, id); err == nil {
			e.item = it
			e.thumb, _ = p.s.lib.Thumbnail(p.s.ctx, id, thumbSize)
		}
	}
	var img image.Image
	if e.thumb != "" {
		img, _ = decodeImage(e.thumb)
	}
	p.mu.Lock()
	if p.inflight[id] != tok {
		p.mu.Unlock()
		return
	}
	delete(p.inflight, id)
	p.entries[id] = e
	if len(p.entries) > keepEntries {
		// Keep what the cells show (the visible ones and the few GridWrap keeps for reuse).
		shown := make(map[int64]bool, len(p.cells))
		for c := range p.cells {
			shown[c.id] = true
		}
		for k := range p.entries {
			if !shown[k] {
				delete(p.entries, k)
			}
		}
	}
	p.mu.Unlock()
	p.s.RunOnUI(func() { p.deliver(id, e, img) })
}

// deliver puts a loaded item in the cells that still show it (UI goroutine).
func (p *libraryPage) deliver(id int64, e *entry, img image.Image) {
	var cells, redraw []*libCell
	p.mu.Lock()
	for c := range p.cells {
		if c.id == id {
			cells = append(cells, c)
			if c.drawn != id {
				c.drawn = id // even with no picture: a broken thumbnail is not retried at every refresh
				redraw = append(redraw, c)
			}
		}
	}
	p.mu.Unlock()
	for _, c := range redraw {
		c.img.Image = img
		c.img.Refresh()
	}
	for _, c := range cells {
		p.paintCell(c, id, e)
	}
}

// decodeImage reads an image file (off the UI goroutine), refusing one too large to hold.
func decodeImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the image: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("reading the image: %w", err)
	}
	if cfg.Width*cfg.Height > maxDecodePixels {
		return nil, fmt.Errorf("the image is too large to show (%d × %d)", cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("reading the image: %w", err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decoding the image: %w", err)
	}
	return img, nil
}

// tapped opens an item, or in select mode (or with Ctrl or Shift held) toggles it.
func (p *libraryPage) tapped(i widget.GridWrapItemID) {
	if i < 0 || i >= len(p.ids) {
		return
	}
	var mods fyne.KeyModifier
	if d, ok := p.s.app.Driver().(desktop.Driver); ok {
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
func (p *libraryPage) pick(i int, extend bool) {
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

func (p *libraryPage) pickAll() {
	for _, id := range p.ids {
		p.picked[id] = true
	}
	p.grid.Refresh()
	p.updateSelBar()
}

func (p *libraryPage) clearPicked() {
	clear(p.picked)
	p.anchor = -1
	p.grid.Refresh()
	p.updateSelBar()
}

// setSelecting enters or leaves select mode; leaving it drops the selection.
func (p *libraryPage) setSelecting(on bool) {
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

func (p *libraryPage) updateSelBar() {
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
func (p *libraryPage) pickedIDs() []int64 {
	ids := make([]int64, 0, len(p.picked))
	for _, id := range p.ids {
		if p.picked[id] {
			ids = append(ids, id)
		}
	}
	return ids
}

// say reports the outcome of an action, with an undo when there is one.
func (p *libraryPage) say(text string, undo func()) {
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
func (p *libraryPage) askName(title, label string, existing []string, done func(string)) {
	e := widget.NewSelectEntry(slices.Clone(existing))
	e.SetPlaceHolder("a new or existing name")
	d := dialog.NewForm(title, "Add", "Cancel", []*widget.FormItem{widget.NewFormItem(label, e)}, func(ok bool) {
		if name := strings.TrimSpace(e.Text); ok && name != "" {
			done(name)
		}
	}, p.s.win)
	d.Resize(fyne.NewSize(380, d.MinSize().Height))
	d.Show()
}

// each runs f on every id off the UI goroutine, stopping at the first error, then reports how
// many it did and reloads the grid and the filters.
func (p *libraryPage) each(ids []int64, f func(int64) error, report func(done int)) {
	s := p.s
	go func() {
		done := 0
		for _, id := range ids {
			if err := f(id); err != nil {
				s.showError(err)
				break
			}
			done++
		}
		s.RunOnUI(func() { report(done); p.refresh() })
	}()
}

// favouriteSelection marks the selection as favourites, or unmarks it when all of it already is.
func (p *libraryPage) favouriteSelection() {
	ids := p.pickedIDs()
	if len(ids) == 0 {
		return
	}
	s := p.s
	go func() {
		items, err := s.lib.Items(s.ctx, ids)
		if err != nil {
			s.showError(err)
			return
		}
		v := slices.ContainsFunc(items, func(it lib.Item) bool { return !it.Favourite })
		p.each(ids, func(id int64) error { return s.lib.SetFavourite(s.ctx, id, v) }, func(n int) {
			if v {
				p.say(fmt.Sprintf("Marked %s as favourites.", plural(n, "item")), nil)
			} else {
				p.say(fmt.Sprintf("Took %s out of the favourites.", plural(n, "item")), nil)
			}
		})
	}()
}

func (p *libraryPage) tagSelection(tag string) {
	ids := p.pickedIDs()
	s := p.s
	p.each(ids, func(id int64) error { return s.lib.AddTag(s.ctx, id, tag) }, func(n int) {
		p.say(fmt.Sprintf("Tagged %s “%s”.", plural(n, "item"), tag), nil)
	})
}

func (p *libraryPage) collectSelection(name string) {
	ids := p.pickedIDs()
	s := p.s
	p.each(ids, func(id int64) error { return s.lib.AddToCollection(s.ctx, id, name) }, func(n int) {
		p.say(fmt.Sprintf("Added %s to “%s”.", plural(n, "item"), name), nil)
	})
}

// trashSelection moves the selection to the trash, with an undo that brings all of it back.
func (p *libraryPage) trashSelection() {
	ids := p.pickedIDs()
	if len(ids) == 0 {
		return
	}
	s := p.s
	go func() {
		if err := s.lib.Trash(s.ctx, ids...); err != nil {
			s.showError(fmt.Errorf("moving %s to the trash: %w", plural(len(ids), "item"), err))
			return
		}
		s.RunOnUI(func() {
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
func (p *libraryPage) restore(ids []int64) {
	s := p.s
	go func() {
		if err := s.lib.Restore(s.ctx, ids...); err != nil {
			s.showError(fmt.Errorf("restoring %s: %w", plural(len(ids), "item"), err))
			return
		}
		s.RunOnUI(func() {
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

func (p *libraryPage) exportDialog() {
	ids := p.pickedIDs()
	if len(ids) == 0 {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			p.s.showError(fmt.Errorf("choosing where to export: %w", err))
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
	}, p.s.win)
	d.SetFileName(fmt.Sprintf("pollinations-%s.zip", strings.ReplaceAll(plural(len(ids), "item"), " ", "-")))
	d.SetFilter(fstorage.NewExtensionFileFilter([]string{".zip"}))
	d.Show()
}

// exportSelection writes a zip of ids to w off the UI goroutine and reports the result; onFail,
// if set, cleans up after a failed export.
func (p *libraryPage) exportSelection(ids []int64, w io.WriteCloser, name string, onFail func()) {
	s := p.s
	go func() {
		err := s.lib.Export(s.ctx, ids, w)
		if cerr := w.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("finishing %s: %w", name, cerr)
		}
		if err != nil {
			if onFail != nil {
				onFail()
			}
			s.showError(fmt.Errorf("exporting to %s: %w", name, err))
			return
		}
		s.RunOnUI(func() { p.say(fmt.Sprintf("Exported %s to %s.", plural(len(ids), "item"), name), nil) })
	}()
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
		actions.Add(widget.NewButtonWithIcon("Open in player", theme.MediaVideoIcon(), func() {
			u, _ := url.Parse("file://" + it.MediaPath)
			s.app.OpenURL(u)
		}))
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

// setTags makes an item's tags the comma-separated list typed, adding and removing one by one
// (so a concurrent change to the item's other fields is not overwritten).
func (p *libraryPage) setTags(id int64, text string) {
	s := p.s
	go func() {
		it, err := s.lib.Item(s.ctx, id)
		if err != nil {
			s.showError(err)
			return
		}
		var want []string
		for _, t := range strings.Split(text, ",") {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(want, t) {
				want = append(want, t)
			}
		}
		for _, t := range want {
			if !slices.Contains(it.Tags, t) {
				if err := s.lib.AddTag(s.ctx, id, t); err != nil {
					s.showError(err)
					return
				}
			}
		}
		for _, t := range it.Tags {
			if !slices.Contains(want, t) {
				if err := s.lib.RemoveTag(s.ctx, id, t); err != nil {
					s.showError(err)
					return
				}
			}
		}
		s.RunOnUI(func() { p.afterEdit(id) })
	}()
}

func (p *libraryPage) collect(id int64, name string) {
	s := p.s
	go func() {
		if err := s.lib.AddToCollection(s.ctx, id, name); err != nil {
			s.showError(err)
			return
		}
		s.RunOnUI(func() { p.afterEdit(id) })
	}()
}

func (p *libraryPage) uncollect(id int64, name string) {
	s := p.s
	go func() {
		if err := s.lib.RemoveFromCollection(s.ctx, id, name); err != nil {
			s.showError(err)
			return
		}
		s.RunOnUI(func() { p.afterEdit(id) })
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

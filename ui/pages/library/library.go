// Package library is the library page: a virtual gallery over the personal library with
// search and filters, an item's details and actions, and multi-select with bulk actions.
package library

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// kindFilters is "All kinds" and then every kind the library holds, so that a new kind has its
// filter the day it exists.
func kindFilters() []string {
	out := []string{"All kinds"}
	for _, k := range lib.Kinds() {
		out = append(out, string(k))
	}
	return out
}

const (
	thumbSize = 192
	// keepEntries bounds the items the gallery keeps: past it, those no cell shows are dropped,
	// so scrolling through 10 000 items holds a few hundred, not all of them.
	keepEntries = 300
	// maxDecodePixels keeps a huge (or hostile) image from being decoded for the detail view.
	maxDecodePixels = 80_000_000
)

var (
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

// Page is the gallery: a virtual grid over the ids of the matching items; each cell
// loads its item and thumbnail off the UI goroutine.
type Page struct {
	h          kit.Host
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
	gen        int // bumps with every query, so late answers are dropped
	choiceGen  int // the same for the filters' choices

	mu       sync.Mutex
	entries  map[int64]*entry
	inflight map[int64]uint64  // the load that owns an id; a refresh disowns them all
	token    uint64            // numbers the loads
	cells    map[*libCell]bool // the cells in view (loads ask what they show)
	queue    []int64           // loads waiting for a worker, newest last (at most queueSize)
	wake     chan struct{}     // tells the workers the queue has work
	workers  sync.Once         // starts the loadWorkers workers at the first load
	gate     chan struct{}     // tests: when set, a worker waits on it before each load
	begun    int               // loads a worker has taken from the queue (tests measure it)
	decodes  int               // loads that read an item and its thumbnail (tests measure it)
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
	cloud     *canvas.Image // the still of a PLY item in the detail view (tests reach it here)
	shown     int64         // the item the detail view shows (selected runs ahead of it while it loads)
	detailGen int           // bumps with every render, so a late picture does not land in another item's view
	picture   *tapImage
	collEntry *widget.SelectEntry // the detail view's "add to a collection"
	collAdd   *widget.Button
	tagsEntry *widget.Entry // the detail view's tags
	m3d       make3D        // the detail view's Make 3D and its dialog (make3d.go)
	content   fyne.CanvasObject
	debounce  *time.Timer
}

// New builds the library page on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h, entries: map[int64]*entry{}, inflight: map[int64]uint64{}, cells: map[*libCell]bool{},
		wake: make(chan struct{}, 1), picked: map[int64]bool{}, anchor: -1}
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search prompts, chats and transcripts (Ctrl+F)")
	p.search.OnChanged = func(string) {
		// Search as you type, without a query per keystroke.
		if p.debounce != nil {
			p.debounce.Stop()
		}
		p.debounce = time.AfterFunc(150*time.Millisecond, func() { h.RunOnUI(p.reload) })
	}
	p.kind = widget.NewSelect(kindFilters(), nil)
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
	folder := widget.NewButtonWithIcon("Data folder", theme.FolderOpenIcon(), func() { h.OpenPath("Library folder", h.Library().Dir()) })
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
	return p
}

func (p *Page) buildSelectionBar() {
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

func (p *Page) query() lib.Query {
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

func (p *Page) clearFilters() {
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
func (p *Page) refresh() {
	p.loadChoices()
	p.reload()
}

// loadChoices fills the model, tag and collection filters from the library, off the UI goroutine.
func (p *Page) loadChoices() {
	p.choiceGen++
	gen := p.choiceGen
	h := p.h
	go func() {
		models, err1 := h.Library().Models(h.Context())
		tags, err2 := h.Library().Tags(h.Context())
		colls, err3 := h.Library().Collections(h.Context())
		if err := errors.Join(err1, err2, err3); err != nil {
			h.ShowError(fmt.Errorf("listing the models, tags and collections: %w", err))
			return
		}
		h.RunOnUI(func() {
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
func (p *Page) reload() {
	p.gen++
	gen := p.gen
	q := p.query()
	go func() {
		ids, err := p.h.Library().IDs(p.h.Context(), q)
		listed := make(map[int64]bool, len(ids))
		for _, id := range ids {
			listed[id] = true
		}
		p.h.RunOnUI(func() {
			if gen != p.gen {
				return
			}
			if err != nil {
				p.count.SetText("Search failed: " + err.Error())
				return
			}
			p.ids = ids
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
			p.queue = p.queue[:0]
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

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Shown reloads the grid and the filters' choices: items may have come in meanwhile.
func (p *Page) Shown() { p.refresh() }

// Navigate opens an item (from a page or the jobs panel), shows an item's details, or puts the
// keyboard in the search box.
func (p *Page) Navigate(v kit.Nav) {
	id := v.ItemID
	if v.Item != nil {
		id = v.Item.ID
	}
	switch v.Action {
	case kit.ActOpen:
		p.open(id)
	case kit.ActShow:
		p.showDetail(id)
	case kit.ActSearch:
		p.h.Window().Canvas().Focus(p.search)
	}
}

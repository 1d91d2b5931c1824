// The gallery's cells: each binds an item, loads it and its thumbnail off the UI goroutine,
// and lets go of what scrolled away.

package library

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // the library keeps what the API returns and what was dropped in
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math"
	"os"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/ui/kit"
)

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
	id    int64        // the item shown (under Page.mu: loads read it)
	index int          // where in the grid (UI goroutine only)
	seq   uint64       // when it was last given an item: of two cells claiming an index, the later is on screen
	drawn int64        // whose thumbnail img holds, 0 for none (under Page.mu)
}

func (c *libCell) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.root) }

func (p *Page) newCell() fyne.CanvasObject {
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

func (p *Page) updateCell(i widget.GridWrapItemID, o fyne.CanvasObject) {
	if i >= len(p.ids) {
		return
	}
	id := p.ids[i]
	c := o.(*libCell)
	var tok uint64
	p.mu.Lock()
	p.cells[c] = true
	if old := c.id; old != id && old != 0 {
		c.id = 0
		p.cancelLocked(old) // the cell shows another item now: its pending load is dropped
	}
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
		p.enqueueLocked(id)
	}
	p.mu.Unlock()
	if stale {
		// Never another item's picture, even for a moment.
		c.img.Image = nil
		c.img.Refresh()
	}
	p.paintCell(c, id, e)
	if tok != 0 {
		p.workers.Do(func() {
			for range loadWorkers {
				go p.loadWorker()
			}
		})
		select {
		case p.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	if !p.swept {
		p.swept = true
		p.h.RunOnUI(p.sweep)
	}
}

// sweep lets go of the cells GridWrap has put aside for reuse (it does not say which): those
// outside the rows in view drop their pictures and leave p.cells, so loads for what they
// showed are skipped and nothing keeps them alive. Reused, a cell comes back through updateCell.
func (p *Page) sweep() {
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
func (p *Page) inView() (first, last int) {
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
func (p *Page) paintCell(c *libCell, id int64, e *entry) {
	switch {
	case e == nil:
		c.label.SetText("…")
		c.star.SetResource(nil)
	case e.item == nil:
		c.label.SetText("(unreadable)")
		c.star.SetResource(nil)
	default:
		c.label.SetText(kit.Shorten(e.item.Prompt, 40))
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
func (p *Page) shownLocked(id int64) bool {
	for c := range p.cells {
		if c.id == id {
			return true
		}
	}
	return false
}

// The thumbnail loads: loadWorkers workers take the newest request first from a queue of at
// most queueSize; past that the oldest request is dropped (its cell has most likely scrolled
// away; it asks again if it comes back, and a cell still on screen is asked for again once the
// queue is empty), and a cell given another item drops its pending one.
// However fast the gallery is scrolled, at most loadWorkers+queueSize loads are pending or
// running, and no goroutine is started per cell.
const (
	loadWorkers = 3
	queueSize   = 64
)

// enqueueLocked queues a load of id (its token is in p.inflight); p.mu is held.
func (p *Page) enqueueLocked(id int64) {
	p.queue = append(p.queue, id)
	if len(p.queue) > queueSize {
		oldest := p.queue[0]
		p.queue = append(p.queue[:0], p.queue[1:]...)
		delete(p.inflight, oldest)
	}
}

// cancelLocked drops the pending load of id when no cell shows it any more; p.mu is held.
func (p *Page) cancelLocked(id int64) {
	if p.shownLocked(id) {
		return
	}
	for i, q := range p.queue {
		if q == id {
			p.queue = append(p.queue[:i], p.queue[i+1:]...)
			delete(p.inflight, id)
			return
		}
	}
}

// requeueShownLocked queues again the cells in view whose load was dropped from a full queue
// and returns the queue's length; p.mu is held.
func (p *Page) requeueShownLocked() int {
	var again []*libCell
	for c := range p.cells {
		if c.id != 0 && p.entries[c.id] == nil && p.inflight[c.id] == 0 {
			again = append(again, c)
		}
	}
	// The latest bound last, so they are taken first.
	slices.SortFunc(again, func(a, b *libCell) int { return cmp.Compare(a.seq, b.seq) })
	for _, c := range again {
		if p.inflight[c.id] == 0 {
			p.token++
			p.inflight[c.id] = p.token
			p.enqueueLocked(c.id)
		}
	}
	return len(p.queue)
}

// loadWorker runs queued loads, newest first, until the window closes.
func (p *Page) loadWorker() {
	done := p.h.Context().Done()
	for {
		p.mu.Lock()
		gate := p.gate
		n := len(p.queue)
		var id int64
		var tok uint64
		if n == 0 && gate == nil {
			n = p.requeueShownLocked()
		}
		if n > 0 && gate == nil {
			id = p.queue[n-1]
			p.queue = p.queue[:n-1]
			tok = p.inflight[id]
			p.begun++
		}
		p.mu.Unlock()
		switch {
		case gate != nil:
			select {
			case <-gate:
				p.mu.Lock()
				if p.gate == gate {
					p.gate = nil
				}
				p.mu.Unlock()
			case <-done:
				return
			}
		case n == 0:
			select {
			case <-p.wake:
			case <-done:
				return
			}
		case tok != 0:
			p.load(id, tok)
		}
	}
}

// load reads an item and its thumbnail and hands them to the cells that show it. A cell
// scrolled out of view before its turn costs nothing (it asks again if it comes back); a load
// disowned by a refresh drops what it read.
func (p *Page) load(id int64, tok uint64) {
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
	p.decodes++
	p.mu.Unlock()
	if e == nil {
		e = &entry{}
		if it, err := p.h.Library().Item(p.h.Context(), id); err == nil {
			e.item = it
			e.thumb, _ = p.h.Library().Thumbnail(p.h.Context(), id, thumbSize)
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
	p.h.RunOnUI(func() { p.deliver(id, e, img) })
}

// deliver puts a loaded item in the cells that still show it (UI goroutine).
func (p *Page) deliver(id int64, e *entry, img image.Image) {
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

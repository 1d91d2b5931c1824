//go:build measure

package library

// Scripting for ui/internal/measure (measure builds only).

// ScrollTo scrolls the gallery to a fraction of its length.
func (p *Page) ScrollTo(frac float32) {
	p.grid.ScrollToOffset(frac * float32(len(p.ids)) / 4 * (thumbSize + 40))
}

// ScrollToBottom scrolls to the last item.
func (p *Page) ScrollToBottom() { p.grid.ScrollToBottom() }

// Len is how many items the grid lists.
func (p *Page) Len() int { return len(p.ids) }

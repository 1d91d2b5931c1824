//go:build measure

package library

import lib "pollinations-studio/storage"

// Scripting for ui/internal/measure (measure builds only).

// ScrollTo scrolls the gallery to a fraction of its length.
func (p *Page) ScrollTo(frac float32) {
	p.grid.ScrollToOffset(frac * float32(len(p.ids)) / 4 * (thumbSize + 40))
}

// ScrollToBottom scrolls to the last item.
func (p *Page) ScrollToBottom() { p.grid.ScrollToBottom() }

// Len is how many items the grid lists.
func (p *Page) Len() int { return len(p.ids) }

// ShowMake3D opens the "Make 3D" dialog on an item.
func (p *Page) ShowMake3D(it lib.Item) { p.showMake3D(it) }

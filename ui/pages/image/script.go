//go:build measure

package image

// Scripting for ui/internal/measure (measure builds only).

// Try types a prompt, picks a number of variations and generates.
func (p *Page) Try(prompt string, variations int) {
	p.prompt.SetText(prompt)
	p.count.SetSelectedIndex(max(0, min(variations, len(p.count.Options))-1))
	p.generate()
}

//go:build measure

package music

// Scripting for ui/internal/measure (measure builds only).

// SetPrompt types a prompt.
func (p *Page) SetPrompt(prompt string) { p.prompt.SetText(prompt) }

// Generate presses Generate.
func (p *Page) Generate() { p.generate() }

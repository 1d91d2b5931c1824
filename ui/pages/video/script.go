//go:build measure

package video

// Scripting for ui/internal/measure (measure builds only).

// SetPrompt types a prompt and shows its cost.
func (p *Page) SetPrompt(prompt string) { p.prompt.SetText(prompt); p.updateCost() }

//go:build measure

package speech

// Scripting for ui/internal/measure (measure builds only).

// SetText types a text.
func (p *Page) SetText(text string) { p.text.SetText(text) }

// Say types a text and presses Speak; it returns the job (0 if none was queued).
func (p *Page) Say(text string) int64 { p.text.SetText(text); p.speak(); return p.jobID }

//go:build measure

package speech

import "pollinations-studio/ui/kit"

// Scripting for ui/internal/measure (measure builds only).

// SetText types a text.
func (p *Page) SetText(text string) { p.text.SetText(text) }

// Say types a text and presses Speak; it returns the job (0 if none was queued).
func (p *Page) Say(text string) int64 { p.text.SetText(text); p.speak(); return p.jobID }

// SelectModel chooses a model by its id, as a person would in the picker.
func (p *Page) SelectModel(id string) {
	for _, o := range p.model.Options {
		if kit.ModelOfLabel(o) == id {
			p.model.SetSelected(o)
		}
	}
}

//go:build measure

package voice

import lib "pollinations-studio/storage"

// Scripting for ui/internal/measure (measure builds only).

// ShowStems shows a separation already in the library: its source, the stems tool and the
// stems on the mixer, with the stem muted (-1: none) as a person would have muted it.
func (p *Page) ShowStems(source lib.Item, stems []lib.Item, muted int) {
	p.setItem(source)
	p.tool.SetSelected(ToolStems)
	p.stems.SetSelected(StemsSix)
	p.mixer.show(stems)
	if muted >= 0 && muted < len(p.mixer.rows) {
		p.mixer.rows[muted].mute.SetChecked(true)
	}
}

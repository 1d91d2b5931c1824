package library

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// addVoiceButton adds "Voice tools…" to the detail view's actions when the item has sound.
func (p *Page) addVoiceButton(actions *fyne.Container, it *lib.Item) {
	if b := p.voiceButton(it); b != nil {
		actions.Add(b)
	}
}

// voiceButton is "Voice tools…" for an item with sound (speech, recording, music, sound,
// video): the Voice tools page takes the item as its source. Nil for other kinds, and for an
// item whose file is not in the library.
func (p *Page) voiceButton(it *lib.Item) fyne.CanvasObject {
	switch it.Kind {
	case lib.KindSpeech, lib.KindRecording, lib.KindMusic, lib.KindSound, lib.KindVideo:
	default:
		return nil
	}
	if it.MediaHash == "" || it.Missing {
		return nil
	}
	return widget.NewButtonWithIcon("Voice tools…", theme.FileAudioIcon(), func() {
		if path := p.mediaPath(it); path != "" {
			c := *it
			c.MediaPath = path
			p.h.Navigate(kit.Nav{Page: kit.PageVoice, Action: kit.ActVoice, Item: &c})
		}
	})
}

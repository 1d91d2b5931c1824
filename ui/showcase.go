package ui

import (
	"os"
	"time"

	lib "pollinations-studio/storage"
)

// showcase, in demo mode with POLLINATIONS_STUDIO_SHOWCASE=1, puts the start page to work the
// way a person would, so that scripts/screenshots.sh shows each page in use rather than empty:
// four image variations, a streamed chat reply, a transcript opened, an item's details.
func (s *Studio) showcase(page string) {
	if s.sim == nil || os.Getenv("POLLINATIONS_STUDIO_SHOWCASE") == "" {
		return
	}
	go func() {
		time.Sleep(1500 * time.Millisecond) // the catalogue loads first
		switch page {
		case "image":
			s.RunOnUI(func() {
				s.image.prompt.SetText("a lighthouse at dawn, oil painting, warm light")
				s.image.count.SetSelected("4")
				s.image.generate()
			})
		case "chat":
			s.RunOnUI(func() {
				s.chat.input.SetText("Explain in a few lines how bees make honey, with a short list.")
				s.chat.send()
			})
		case "speech":
			s.RunOnUI(func() {
				s.speech.text.SetText("Welcome to Pollinations Studio. Type any text here and press Speak: it plays while it downloads and is kept in your library.")
			})
		case "video":
			s.RunOnUI(func() {
				s.video.prompt.SetText("a paper boat drifting down a rainy street, cinematic, slow motion")
				s.video.updateCost()
			})
		case "transcribe":
			page, err := s.lib.Search(s.ctx, lib.Query{Kinds: []lib.Kind{lib.KindTranscript}, Limit: 1})
			if err == nil && len(page.Items) > 0 {
				id := page.Items[0].ID
				s.RunOnUI(func() { s.transcribe.show(id) })
			}
		case "library":
			page, err := s.lib.Search(s.ctx, lib.Query{Kinds: []lib.Kind{lib.KindImage}, Limit: 1})
			if err == nil && len(page.Items) > 0 {
				id := page.Items[0].ID
				s.RunOnUI(func() { s.library.showDetail(id) })
			}
		}
	}()
}

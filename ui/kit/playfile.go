package kit

import (
	"fmt"
	"os"
	"time"

	"pollinations-studio/audio"
)

// PlayFile plays a file of the library on the window's one player, from the given point, and
// returns at once: opening, decoding and playing run off the UI goroutine, and failures are
// shown through the Host. The file stays open until the player is done with it.
func PlayFile(h Host, path string, from time.Duration) {
	player := h.Player()
	if player == nil {
		h.ShowError(audio.ErrNoDevice)
		return
	}
	go func() {
		f, err := os.Open(path)
		if err != nil {
			h.ShowError(err)
			return
		}
		defer f.Close()
		if err := player.Play(h.Context(), f, audio.FormatAuto); err != nil {
			h.ShowError(fmt.Errorf("playing: %w", err))
			return
		}
		if from > 0 {
			if err := player.Seek(from); err != nil {
				h.ShowError(err)
			}
		}
		<-player.Done()
	}()
}

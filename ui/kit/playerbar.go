package kit

import (
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// PlayerBar shows the window's one player (Host.Player) on a page: pause and stop, the time
// played against the length, and a seek bar once the length is known (a sound still
// downloading has none yet; it seeks within what has arrived once it has one).
type PlayerBar struct {
	h       Host
	Pause   *widget.Button
	Stop    *widget.Button
	Elapsed *widget.Label
	Pos     *widget.Slider
	content fyne.CanvasObject

	setting  bool // the bar itself is moving the slider
	dragging bool // the user holds the slider: ticks leave it alone
	seeks    sync.WaitGroup
}

// PlayerState is what the bar shows, read off the UI goroutine.
type PlayerState struct {
	Playing, Paused bool
	Pos, Length     time.Duration
	LengthKnown     bool
}

// NewPlayerBar builds a bar on the host's player.
func NewPlayerBar(h Host) *PlayerBar {
	b := &PlayerBar{h: h}
	b.Pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), b.togglePause)
	b.Stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() {
		if pl := h.Player(); pl != nil {
			pl.Stop()
		}
		b.Refresh()
	})
	b.Elapsed = widget.NewLabel("")
	b.Pos = widget.NewSlider(0, 1)
	b.Pos.Step = 0.001
	b.Pos.OnChanged = func(float64) {
		if !b.setting {
			b.dragging = true
		}
	}
	// Fyne's SetValue fires OnChangeEnded too: only the user's moves seek, or every tick
	// would seek to where playback already is.
	b.Pos.OnChangeEnded = func(v float64) {
		if b.setting {
			return
		}
		b.dragging = false
		b.SeekTo(v)
	}
	b.Pos.Hide()
	b.Pause.Disable()
	b.Stop.Disable()
	b.content = container.NewVBox(container.NewHBox(b.Pause, b.Stop, b.Elapsed), b.Pos)
	return b
}

// Content is the bar's widgets.
func (b *PlayerBar) Content() fyne.CanvasObject { return b.content }

func (b *PlayerBar) togglePause() {
	pl := b.h.Player()
	if pl == nil {
		return
	}
	if pl.Paused() {
		pl.Resume()
	} else {
		pl.Pause()
	}
	b.Refresh()
}

// SeekTo moves playback to a fraction (0–1) of the sound's length, off the UI goroutine.
func (b *PlayerBar) SeekTo(frac float64) {
	pl := b.h.Player()
	if pl == nil {
		return
	}
	d, ok := pl.Duration()
	if !ok || d <= 0 {
		return
	}
	b.seeks.Add(1)
	go func() {
		defer b.seeks.Done()
		if err := pl.Seek(time.Duration(frac * float64(d))); err != nil {
			b.h.ShowError(fmt.Errorf("seeking: %w", err))
		}
	}()
}

// WaitSeeks waits until the seeks the bar has started are done (not on the UI goroutine).
func (b *PlayerBar) WaitSeeks() { b.seeks.Wait() }

// State reads the player (any goroutine).
func (b *PlayerBar) State() PlayerState {
	pl := b.h.Player()
	if pl == nil {
		return PlayerState{}
	}
	d, ok := pl.Duration()
	return PlayerState{Playing: pl.Playing(), Paused: pl.Paused(), Pos: pl.Position(), Length: d, LengthKnown: ok}
}

// Refresh reads the player and shows it (UI goroutine).
func (b *PlayerBar) Refresh() { b.Show(b.State()) }

// Show shows a state read earlier (UI goroutine).
func (b *PlayerBar) Show(s PlayerState) {
	wasShown := b.Pos.Visible()
	defer func() {
		if b.Pos.Visible() != wasShown {
			b.content.Refresh() // place the seek bar, or close its gap
		}
	}()
	SetEnabled(b.Pause, s.Playing)
	SetEnabled(b.Stop, s.Playing)
	if s.Paused {
		b.Pause.SetText("Resume")
		b.Pause.SetIcon(theme.MediaPlayIcon())
	} else if b.Pause.Text != "Pause" {
		b.Pause.SetText("Pause")
		b.Pause.SetIcon(theme.MediaPauseIcon())
	}
	switch {
	case !s.Playing:
		b.Elapsed.SetText("")
		b.Pos.Hide()
	case s.LengthKnown && s.Length > 0:
		b.Elapsed.SetText(fmt.Sprintf("%s / %s", Clock(s.Pos), Clock(s.Length)))
		b.Pos.Show()
		if !b.dragging {
			b.setting = true
			b.Pos.SetValue(min(1, float64(s.Pos)/float64(s.Length)))
			b.setting = false
		}
	default: // still downloading: the length is not known yet
		b.Elapsed.SetText(Clock(s.Pos) + " (downloading)")
		b.Pos.Hide()
	}
}

// Follow keeps the bar up to date until the window closes; run it on its own goroutine (a
// page's Start).
func (b *PlayerBar) Follow() {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.h.Context().Done():
			return
		case <-t.C:
		}
		s := b.State()
		b.h.RunOnUI(func() { b.Show(s) })
	}
}

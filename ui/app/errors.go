package app

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/ui/kit"
)

// ShowError shows an error dialog with the way out: one button per remedy (top up, raise the
// key's budget, allow paid Pollen for the key…) that opens its page when pressed, the price
// for payment errors, what the key may make for a refused model. Safe to call from any
// goroutine.
func (s *Shell) ShowError(err error) {
	if err == nil {
		return
	}
	s.learnQuestOnly(err)
	s.RunOnUI(func() {
		content, msg := kit.ErrorContent(err, kit.AccountOf(s), s.OpenURL)
		d := dialog.NewCustom(kit.ErrorTitle(err), "Close", content, s.win)
		d.Resize(fyne.NewSize(460, 200))
		s.track(d, nil)
		d.Show()
		if e, ok := api.AsError(err); ok && e.Kind == api.KindRateLimited && e.RetryAfter > 0 {
			go s.countdown(msg, e.RetryAfter)
		}
	})
}

// countdown updates a rate-limit message until the wait is over.
func (s *Shell) countdown(l *widget.Label, d time.Duration) {
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			s.RunOnUI(func() { l.SetText("You can try again now.") })
			return
		}
		s.RunOnUI(func() {
			l.SetText(fmt.Sprintf("Too many requests right now. Try again in %d s.", int(left.Seconds()+0.99)))
		})
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// track remembers an open dialog so that Esc can close it; onClosed (may be nil) runs when
// it closes, however it is closed.
func (s *Shell) track(d dialog.Dialog, onClosed func()) {
	s.dialogs = append(s.dialogs, d)
	d.SetOnClosed(func() {
		for i, o := range s.dialogs {
			if o == d {
				s.dialogs = append(s.dialogs[:i], s.dialogs[i+1:]...)
				break
			}
		}
		if onClosed != nil {
			onClosed()
		}
	})
}

// closeTop closes the newest dialog still open; it reports whether there was one.
func (s *Shell) closeTop() bool {
	if n := len(s.dialogs); n > 0 {
		s.dialogs[n-1].Hide() // its OnClosed forgets it
		return true
	}
	return false
}

// learnQuestOnly remembers a Quest-only key from its refusal, so that the balance says so and
// the pickers warn before the next paid-only model is tried.
func (s *Shell) learnQuestOnly(err error) {
	s.mu.Lock()
	n := kit.LearnQuestOnly(s.keyInfo, err)
	if n != nil {
		s.keyInfo = n
	}
	listeners := append([]func(){}, s.listener...)
	s.mu.Unlock()
	if n != nil {
		s.RunOnUI(func() {
			for _, f := range listeners {
				f()
			}
		})
	}
}

package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/jobs"
)

// statusBar shows the account and the job queue at the bottom of the window.
type statusBar struct {
	s       *Studio
	account *widget.Label
	queue   *widget.Button
	content fyne.CanvasObject
	panel   dialog.Dialog
}

func newStatusBar(s *Studio) *statusBar {
	b := &statusBar{s: s, account: widget.NewLabel("No key yet: add one in Settings")}
	b.queue = widget.NewButtonWithIcon("No jobs running", theme.ListIcon(), b.showJobs)
	b.queue.Importance = widget.LowImportance
	refresh := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { s.refreshAccount() })
	refresh.Importance = widget.LowImportance
	left := []fyne.CanvasObject{}
	if s.sim != nil {
		badge := canvas.NewText(" DEMO ", theme.Color(theme.ColorNameForegroundOnPrimary))
		badge.TextStyle.Bold = true
		bg := canvas.NewRectangle(accent)
		bg.CornerRadius = 4
		left = append(left, container.NewStack(bg, container.NewPadded(badge)))
	}
	left = append(left, b.account, refresh)
	b.content = container.NewBorder(widget.NewSeparator(), nil, container.NewHBox(left...), b.queue)
	s.onAccount(b.updateAccount)
	return b
}

func (b *statusBar) updateAccount() {
	info, bal := b.s.account()
	switch {
	case info == nil:
		if c := b.s.Client(); c != nil && c.HasKey() {
			b.account.SetText("Checking the key…")
		} else {
			b.account.SetText("No key yet: add one in Settings")
		}
	case bal == nil:
		b.account.SetText(fmt.Sprintf("%s key · balance hidden for this key", info.Type))
	case bal.HasBreakdown:
		b.account.SetText(fmt.Sprintf("%s key · %.4f pollen (tier %.4f · paid %.4f)", info.Type, bal.Total, bal.Tier, bal.Paid))
	default:
		b.account.SetText(fmt.Sprintf("%s key · %.4f pollen", info.Type, bal.Balance))
	}
}

// update shows the queue's counts. It runs on every job event (a streaming reply sends one
// per chunk), and Button.SetText redraws the button's icon from SVG, so the text is set only
// when it changes.
func (b *statusBar) update() {
	running, queued := b.s.jobs.Counts()
	text := "No jobs running"
	if running+queued > 0 {
		text = fmt.Sprintf("%d running · %d queued", running, queued)
	}
	if b.queue.Text != text {
		b.queue.SetText(text)
	}
}

// showJobs opens the panel that lists every job of this session.
func (b *statusBar) showJobs() {
	s := b.s
	var snap []jobs.Info
	list := widget.NewList(func() int { return len(snap) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("prompt")
			name.Truncation = fyne.TextTruncateEllipsis
			state := widget.NewLabel("state")
			busy := widget.NewProgressBarInfinite()
			bar := widget.NewProgressBar()
			cancel := widget.NewButtonWithIcon("", theme.CancelIcon(), nil)
			retry := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), nil)
			open := widget.NewButtonWithIcon("", theme.SearchIcon(), nil)
			return container.NewBorder(nil, nil, state, container.NewHBox(cancel, retry, open), container.NewVBox(name, container.NewStack(busy, bar)))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(snap) {
				return
			}
			j := snap[i]
			c := o.(*fyne.Container)
			mid := c.Objects[0].(*fyne.Container)
			mid.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s · %s", j.Kind, shorten(j.Prompt, 70)))
			bars := mid.Objects[1].(*fyne.Container).Objects
			busy, bar := bars[0].(*widget.ProgressBarInfinite), bars[1].(*widget.ProgressBar)
			// A determinate bar where the job knows how far it is, a moving one where the
			// server tells nothing (images and video come in one piece), none when it is over.
			switch {
			case j.State == jobs.Running && j.Progress >= 0:
				busy.Stop()
				busy.Hide()
				bar.SetValue(j.Progress)
				bar.Show()
			case j.State == jobs.Running || j.State == jobs.Queued:
				bar.Hide()
				busy.Show()
				busy.Start()
			default:
				busy.Stop()
				busy.Hide()
				bar.Hide()
			}
			st := string(j.State)
			if j.Elapsed > 0 {
				st += " " + j.Elapsed.Round(time.Second).String()
			}
			if j.Bytes > 0 && j.State == jobs.Running {
				st += fmt.Sprintf(" · %.1f MB", float64(j.Bytes)/(1<<20))
			}
			c.Objects[1].(*widget.Label).SetText(st)
			btns := c.Objects[2].(*fyne.Container).Objects
			id := j.ID
			cancel, retry, open := btns[0].(*widget.Button), btns[1].(*widget.Button), btns[2].(*widget.Button)
			cancel.OnTapped = func() { s.jobs.Cancel(id) }
			retry.OnTapped = func() { go s.jobs.Retry(s.ctx, id) }
			open.OnTapped = func() {
				if j.ItemID != nil {
					b.panel.Hide()
					s.Show("library")
					s.library.open(*j.ItemID)
				}
			}
			setEnabled(cancel, j.State == jobs.Running || j.State == jobs.Queued)
			setEnabled(retry, j.State == jobs.Failed || j.State == jobs.Canceled)
			setEnabled(open, j.ItemID != nil)
		})
	reload := func() {
		snap = s.jobs.Snapshot()
		list.Refresh()
	}
	reload()
	empty := widget.NewLabel("Nothing has run yet in this session.")
	content := container.NewStack(list)
	if len(snap) == 0 {
		content.Add(container.NewCenter(empty))
	}
	b.panel = dialog.NewCustom("Jobs", "Close", content, s.win)
	b.panel.Resize(fyne.NewSize(720, 460))
	stop := make(chan struct{})
	s.track(b.panel, func() { close(stop) })
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s.RunOnUI(reload)
			}
		}
	}()
	b.panel.Show()
}

func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// shortcuts: Ctrl+Enter generates on the page shown, Ctrl+F searches the library, Esc closes
// the panel or message on top (when no text field has the keyboard).
func (s *Studio) shortcuts() {
	c := s.win.Canvas()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			s.closeTop()
		}
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		switch s.tabs.Selected() {
		case s.pages["image"]:
			s.image.generate()
		case s.pages["chat"]:
			s.chat.send()
		case s.pages["speech"]:
			s.speech.speak()
		case s.pages["video"]:
			s.video.generate()
		}
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		s.Show("library")
		c.Focus(s.library.search)
	})
}

// track remembers an open dialog so that Esc can close it; onClosed (may be nil) runs when
// it closes, however it is closed.
func (s *Studio) track(d dialog.Dialog, onClosed func()) {
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
func (s *Studio) closeTop() bool {
	if n := len(s.dialogs); n > 0 {
		s.dialogs[n-1].Hide() // its OnClosed forgets it
		return true
	}
	return false
}

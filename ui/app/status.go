package app

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
	"pollinations-studio/ui/kit"
)

// statusBar shows the account and the job queue at the bottom of the window.
type statusBar struct {
	s       *Shell
	account *widget.Label
	queue   *widget.Button
	refresh *widget.Button
	content fyne.CanvasObject
	panel   dialog.Dialog
}

func newStatusBar(s *Shell) *statusBar {
	b := &statusBar{s: s, account: widget.NewLabel("No key yet: add one in Settings")}
	b.queue = widget.NewButtonWithIcon("No jobs running", theme.ListIcon(), b.showJobs)
	b.queue.Importance = widget.LowImportance
	b.refresh = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { s.ReloadAll() })
	b.refresh.Importance = widget.LowImportance
	left := []fyne.CanvasObject{}
	if s.o.Demo {
		badge := canvas.NewText(" DEMO ", theme.Color(theme.ColorNameForegroundOnPrimary))
		badge.TextStyle.Bold = true
		bg := canvas.NewRectangle(accent)
		bg.CornerRadius = 4
		left = append(left, container.NewStack(bg, container.NewPadded(badge)))
	}
	left = append(left, b.account, b.refresh)
	b.content = container.NewBorder(widget.NewSeparator(), nil, container.NewHBox(left...), b.queue)
	s.OnAccount(b.updateAccount)
	return b
}

func (b *statusBar) updateAccount() {
	info, bal := b.s.Account()
	switch {
	case info == nil:
		if b.s.HasKey() {
			b.account.SetText("Checking the key…")
		} else {
			b.account.SetText("No key yet: add one in Settings")
		}
	default:
		// Quest Pollen and paid Pollen by those names, or the key's budget left.
		b.account.SetText(fmt.Sprintf("%s key · %s", info.Type, kit.BalanceText(info, bal)))
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

// jobRow is one row of the jobs panel.
type jobRow struct {
	widget.BaseWidget
	root                *fyne.Container
	name, state         *widget.Label
	busy                *widget.ProgressBarInfinite
	bar                 *widget.ProgressBar
	cancel, retry, open *widget.Button
}

func newJobRow() *jobRow {
	r := &jobRow{name: widget.NewLabel("prompt"), state: widget.NewLabel("state"),
		busy: widget.NewProgressBarInfinite(), bar: widget.NewProgressBar(),
		cancel: widget.NewButtonWithIcon("", theme.CancelIcon(), nil),
		retry:  widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), nil),
		open:   widget.NewButtonWithIcon("", theme.SearchIcon(), nil)}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.root = container.NewBorder(nil, nil, r.state, container.NewHBox(r.cancel, r.retry, r.open),
		container.NewVBox(r.name, container.NewStack(r.busy, r.bar)))
	r.ExtendBaseWidget(r)
	return r
}

func (r *jobRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.root) }

// show puts a job in the row.
func (r *jobRow) show(b *statusBar, j jobs.Info) {
	s := b.s
	r.name.SetText(fmt.Sprintf("%s · %s", j.Kind, kit.Shorten(j.Prompt, 70)))
	// A determinate bar where the job knows how far it is, a moving one where the server
	// tells nothing (images and video come in one piece), none when it is over.
	switch {
	case j.State == jobs.Running && j.Progress >= 0:
		r.busy.Stop()
		r.busy.Hide()
		r.bar.SetValue(j.Progress)
		r.bar.Show()
	case j.State == jobs.Running || j.State == jobs.Queued:
		r.bar.Hide()
		r.busy.Show()
		r.busy.Start()
	default:
		r.busy.Stop()
		r.busy.Hide()
		r.bar.Hide()
	}
	r.state.SetText(jobStateText(j))
	id := j.ID
	r.cancel.OnTapped = func() { s.jobs.Cancel(id) }
	r.retry.OnTapped = func() { go s.jobs.Retry(s.ctx, id) }
	r.open.OnTapped = func() {
		if j.ItemID != nil {
			b.panel.Hide()
			s.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActOpen, ItemID: *j.ItemID})
		}
	}
	kit.SetEnabled(r.cancel, j.State == jobs.Running || j.State == jobs.Queued)
	kit.SetEnabled(r.retry, j.State == jobs.Failed || j.State == jobs.Canceled)
	kit.SetEnabled(r.open, j.ItemID != nil)
}

// showJobs opens the panel that lists every job of this session.
func (b *statusBar) showJobs() {
	s := b.s
	var snap []jobs.Info
	list := widget.NewList(func() int { return len(snap) },
		func() fyne.CanvasObject { return newJobRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(snap) {
				o.(*jobRow).show(b, snap[i])
			}
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

// shortcuts: Ctrl+Enter runs the main action of the page in front, Ctrl+F searches the
// library, Esc closes the panel or message on top, Ctrl+C and Ctrl+V copy and paste pictures
// (these three when no text field has the keyboard).
func (s *Shell) shortcuts() {
	c := s.win.Canvas()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			s.closeTop()
		}
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		if p, ok := s.current().page.(kit.Primary); ok {
			p.Primary()
		}
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		s.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActSearch})
	})
	// Copy and paste reach the canvas only when no text field has the keyboard (a field
	// copies and pastes its text): they go to the page in front (a picture copied, pasted).
	c.AddShortcut(&fyne.ShortcutCopy{}, func(fyne.Shortcut) { s.copyInFront() })
	c.AddShortcut(&fyne.ShortcutPaste{}, func(fyne.Shortcut) { s.pasteInFront() })
}

// jobStateText is a job's state in the panel: its stage while it has one before its request
// ("uploading" a picture for a 3D model), the time it has taken and the bytes moved so far.
func jobStateText(j jobs.Info) string {
	st := string(j.State)
	if j.State == jobs.Running && j.Stage != "" {
		st = j.Stage
	}
	if j.Elapsed > 0 {
		st += " " + j.Elapsed.Round(time.Second).String()
	}
	if j.Bytes > 0 && j.State == jobs.Running {
		st += fmt.Sprintf(" · %.1f MB", float64(j.Bytes)/(1<<20))
		if j.Stage != "" && j.Progress >= 0 {
			st += fmt.Sprintf(" (%d%%)", int(j.Progress*100))
		}
	}
	return st
}

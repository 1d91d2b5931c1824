package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// orphanBanner offers the jobs an earlier run left unfinished (a window that quit or crashed, a
// command that was killed). They are paused: nothing runs, and nothing is paid for, until the
// user clicks Resume; Discard drops one for good. It sits above the pages and hides when empty.
type orphanBanner struct {
	s          *Shell
	content    *fyne.Container
	title      *widget.Label
	note       *widget.Label // what became of a job another process took
	list       *fyne.Container
	resumeAll  *widget.Button
	discardAll *widget.Button
	later      *widget.Button // hides the banner; the jobs stay for the next run
	rows       map[int64]*orphanRow
	order      []int64
}

// orphanRow is one left-over job with its two buttons.
type orphanRow struct {
	job     storage.Job
	content *fyne.Container
	label   *widget.Label
	resume  *widget.Button
	discard *widget.Button
}

// recoverJobs lists what a previous run left unfinished, for the banner to offer. Nothing is
// resumed here: that is the user's decision.
func (s *Shell) recoverJobs() error {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	js, err := s.jobs.Orphans(ctx)
	if err != nil {
		return nil // the window opens anyway; the jobs stay in the library for the next run
	}
	s.leftOver = js
	return nil
}

func newOrphanBanner(s *Shell, jobs []storage.Job) *orphanBanner {
	b := &orphanBanner{s: s, rows: map[int64]*orphanRow{}}
	b.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	b.note = widget.NewLabel("")
	b.note.Wrapping = fyne.TextWrapWord
	b.note.Hide()
	b.list = container.NewVBox()
	b.resumeAll = widget.NewButtonWithIcon("Resume all", theme.MediaPlayIcon(), func() { b.act(b.order, true) })
	b.discardAll = widget.NewButtonWithIcon("Discard all", theme.DeleteIcon(), func() { b.act(b.order, false) })
	b.later = widget.NewButtonWithIcon("", theme.CancelIcon(), func() { b.content.Hide() })
	for _, j := range jobs {
		b.add(j)
	}
	b.content = container.NewVBox(container.NewBorder(nil, nil, b.title, b.later, container.NewHBox(b.resumeAll, b.discardAll)), b.list, b.note, widget.NewSeparator())
	b.refresh()
	return b
}

func (b *orphanBanner) add(j storage.Job) {
	r := &orphanRow{job: j}
	what := string(j.Kind)
	if j.Prompt != "" {
		what += ": " + kit.Shorten(j.Prompt, 80)
	}
	r.label = widget.NewLabel(what + " (paused, " + j.CreatedAt.Local().Format("2 Jan 15:04") + ")")
	id := j.ID
	r.resume = widget.NewButtonWithIcon("Resume", theme.MediaPlayIcon(), func() { b.act([]int64{id}, true) })
	r.discard = widget.NewButtonWithIcon("Discard", theme.DeleteIcon(), func() { b.act([]int64{id}, false) })
	r.content = container.NewBorder(nil, nil, nil, container.NewHBox(r.resume, r.discard), r.label)
	b.rows[id] = r
	b.order = append(b.order, id)
	b.list.Add(r.content)
}

// act resumes or discards jobs, off the UI goroutine; each row goes once its job is settled.
func (b *orphanBanner) act(ids []int64, resume bool) {
	ids = append([]int64(nil), ids...)
	for _, id := range ids {
		if r := b.rows[id]; r != nil {
			r.resume.Disable() // one click, one request
			r.discard.Disable()
		}
	}
	go func() {
		for _, id := range ids {
			ctx, cancel := context.WithTimeout(b.s.ctx, 10*time.Second)
			var err error
			if resume {
				err = b.s.jobs.Resume(ctx, id)
			} else {
				err = b.s.jobs.Discard(ctx, id)
			}
			cancel()
			b.s.RunOnUI(func() { b.settled(id, resume, err) })
		}
	}()
}

// settled removes a row whose job was resumed, discarded or taken by another process; any
// other failure leaves it to try again.
func (b *orphanBanner) settled(id int64, resume bool, err error) {
	r := b.rows[id]
	if r == nil {
		return
	}
	switch {
	case err == nil:
	case errors.Is(err, storage.ErrJobTaken):
		b.note.SetText(fmt.Sprintf("Job %d was already taken up by another Pollinations Studio process, so it is not run here.", id))
		b.note.Show()
	default:
		r.resume.Enable()
		r.discard.Enable()
		verb := "discarding"
		if resume {
			verb = "resuming"
		}
		b.s.ShowError(fmt.Errorf("%s a left-over job: %w", verb, err))
		return
	}
	delete(b.rows, id)
	for i, o := range b.order {
		if o == id {
			b.order = append(b.order[:i], b.order[i+1:]...)
			break
		}
	}
	b.list.Remove(r.content)
	b.refresh()
}

func (b *orphanBanner) refresh() {
	n := len(b.order)
	switch {
	case n == 0 && !b.note.Visible():
		b.content.Hide()
		return
	case n == 0:
		b.title.SetText("Unfinished jobs")
		b.resumeAll.Hide()
		b.discardAll.Hide()
	case n == 1:
		b.title.SetText("Unfinished jobs: 1 left from an earlier session, paused")
	default:
		b.title.SetText(fmt.Sprintf("Unfinished jobs: %d left from an earlier session, paused", n))
	}
	b.content.Show()
	b.content.Refresh()
}

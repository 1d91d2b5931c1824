package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
)

// transcribePage: dropped files and recordings become transcripts with timed segments.
type transcribePage struct {
	s        *Studio
	rows     []transcribeRow
	list     *widget.List
	text     *widget.Label
	segs     []lib.Segment
	selected int
	recordB  *widget.Button
	level    *widget.ProgressBar
	rec      *audio.Recorder
	recStop  chan struct{} // ends the level meter
	recPath  string
	content  fyne.CanvasObject
}

type transcribeRow struct {
	job    int64
	name   string
	state  string
	itemID int64
}

func newTranscribePage(s *Studio) *transcribePage {
	p := &transcribePage{s: s, selected: -1}
	choose := widget.NewButtonWithIcon("Choose files…", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			p.addFiles([]string{r.URI().Path()})
		}, s.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".wav", ".webm"}))
		d.Show()
	})
	p.recordB = widget.NewButtonWithIcon("Record", theme.MediaRecordIcon(), p.toggleRecord)
	if s.audio == nil {
		p.recordB.Disable()
	}
	p.level = widget.NewProgressBar()
	p.level.TextFormatter = func() string { return "" }
	p.level.Hide()
	p.list = widget.NewList(func() int { return len(p.rows) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewLabel("state"), widget.NewLabel("name"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(p.rows[i].name)
			c.Objects[1].(*widget.Label).SetText(p.rows[i].state)
		})
	p.list.OnSelected = func(i widget.ListItemID) { p.selected = i; p.show(p.rows[i].itemID) }
	p.text = widget.NewLabel("Pick a transcript to read it here with its timings.")
	p.text.Wrapping = fyne.TextWrapWord
	exports := container.NewHBox()
	for _, f := range []string{"txt", "srt", "vtt", "json"} {
		format := f
		exports.Add(widget.NewButton("Export "+format, func() { p.export(format) }))
	}
	hint := widget.NewLabelWithStyle("Drop audio or video files (mp3, mp4, m4a, wav, webm) anywhere on the window, or record from the microphone.", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	hint.Wrapping = fyne.TextWrapWord
	left := container.NewBorder(container.NewVBox(heading("Transcribe"), hint, container.NewHBox(choose, p.recordB), p.level), nil, nil, nil, p.list)
	right := container.NewBorder(nil, exports, nil, nil, container.NewVScroll(p.text))
	split := container.NewHSplit(left, container.NewPadded(right))
	split.Offset = 0.4
	p.content = container.NewPadded(split)

	return p
}

// loadPast lists the transcripts already in the library.
func (p *transcribePage) loadPast() {
	page, err := p.s.lib.Search(p.s.ctx, lib.Query{Kinds: []lib.Kind{lib.KindTranscript}, Limit: 100})
	if err != nil {
		return
	}
	var rows []transcribeRow
	for _, it := range page.Items {
		rows = append(rows, transcribeRow{name: it.Prompt, state: it.CreatedAt.Local().Format("2 Jan 15:04"), itemID: it.ID})
	}
	p.s.RunOnUI(func() {
		p.rows = append(p.rows, rows...)
		p.list.Refresh()
	})
}

// addFiles checks each file and queues a transcription job for the good ones.
func (p *transcribePage) addFiles(paths []string) {
	for _, path := range paths {
		if err := api.CheckTranscribable(path); err != nil {
			p.s.showError(err)
			continue
		}
		p.queue(path, nil)
	}
}

func (p *transcribePage) queue(path string, parent *int64) {
	id, ok := p.s.submit(jobs.Request{Transcribe: &api.TranscribeRequest{File: path, Format: "verbose_json"}, ParentID: parent})
	if !ok {
		return
	}
	p.rows = append([]transcribeRow{{job: id, name: filepath.Base(path), state: "queued"}}, p.rows...)
	p.list.Refresh()
}

func (p *transcribePage) onJob(ev jobs.Event) {
	for i := range p.rows {
		if p.rows[i].job != ev.ID {
			continue
		}
		p.rows[i].state = string(ev.State)
		if ev.State == jobs.Done && ev.ItemID != nil {
			p.rows[i].itemID = *ev.ItemID
			if p.selected < 0 || p.selected == i {
				p.list.Select(i)
			}
		}
		if ev.State == jobs.Failed {
			p.s.showError(ev.Err)
		}
		p.list.RefreshItem(i)
	}
}

func (p *transcribePage) show(itemID int64) {
	if itemID == 0 {
		return
	}
	go func() {
		segs, err := p.s.lib.Segments(p.s.ctx, itemID)
		if err != nil {
			return
		}
		var text string
		for _, sg := range segs {
			text += fmt.Sprintf("[%s]  %s\n", (time.Duration(sg.Start * float64(time.Second))).Round(time.Second), sg.Text)
		}
		p.s.RunOnUI(func() { p.segs = segs; p.text.SetText(text) })
	}()
}

func (p *transcribePage) export(format string) {
	if len(p.segs) == 0 {
		return
	}
	segs := p.segs
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		go func() {
			defer w.Close()
			if err := lib.ExportTranscript(segs, format, w); err != nil {
				p.s.showError(err)
			}
		}()
	}, p.s.win)
	d.SetFileName("transcript." + format)
	d.Show()
}

// toggleRecord starts or stops a microphone recording; stopping transcribes it.
func (p *transcribePage) toggleRecord() {
	s := p.s
	if p.rec != nil {
		rec, path := p.rec, p.recPath
		p.rec = nil
		close(p.recStop)
		p.recordB.SetText("Record")
		p.level.Hide()
		go func() {
			info, err := rec.Stop()
			if err != nil {
				s.showError(err)
				return
			}
			f, err := os.Open(path)
			if err != nil {
				s.showError(err)
				return
			}
			hash, err := s.lib.PutMedia(s.ctx, f, ".wav")
			f.Close()
			if err != nil {
				s.showError(err)
				return
			}
			it := &lib.Item{Kind: lib.KindRecording, Prompt: "Recording " + time.Now().Format("2 Jan 15:04"), MediaHash: hash,
				ContentType: "audio/wav", DurationSec: info.Duration}
			if _, err := s.lib.AddItem(s.ctx, it); err != nil {
				s.showError(err)
				return
			}
			s.RunOnUI(func() { p.queue(s.lib.MediaPath(hash), &it.ID) })
		}()
		return
	}
	opts := audio.RecorderOptions{MaxDuration: time.Hour}
	if s.o.RecordSource != nil {
		opts.Source = s.o.RecordSource()
	}
	rec, err := s.audio.NewRecorder(opts)
	if err == nil {
		p.recPath = filepath.Join(os.TempDir(), fmt.Sprintf("pollinations-recording-%d.wav", time.Now().UnixNano()))
		err = rec.Start(p.recPath)
	}
	if err != nil {
		s.showError(fmt.Errorf("cannot record: %w", err))
		return
	}
	p.rec = rec
	stop := make(chan struct{})
	p.recStop = stop
	p.recordB.SetText("Stop and transcribe")
	p.level.Show()
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			_, peak := rec.Level()
			el := rec.Elapsed()
			s.RunOnUI(func() {
				if p.rec != rec {
					return // stopped meanwhile: keep the button as Stop left it
				}
				p.level.SetValue(peak)
				p.recordB.SetText(fmt.Sprintf("Stop and transcribe (%s)", el.Round(time.Second)))
			})
		}
	}()
}

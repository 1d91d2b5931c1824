// Package transcribe is the transcription page: dropped files and recordings become
// transcripts with timed segments, played from any segment and corrected in place.
package transcribe

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
	"pollinations-studio/ui/kit"
)

// Page: dropped files and recordings become transcripts with timed segments.
type Page struct {
	h        kit.Host
	rows     []transcribeRow
	list     *widget.List
	text     *widget.Label
	segList  *widget.List
	edit     *widget.Entry
	editIdx  int
	itemID   int64
	media    string
	segs     []lib.Segment
	selected int
	recordB  *widget.Button
	level    *widget.ProgressBar
	rec      *audio.Recorder
	recStop  chan struct{} // ends the level meter
	recPath  string
	model    *widget.Select
	language *widget.Entry
	hint     *widget.Entry
	// isolate runs the voice isolator before transcribing (one job): for noisy recordings.
	isolate *widget.Check
	content fyne.CanvasObject

	// speakers asks for a diarized transcript ("off", "detect" or how many people speak),
	// shown for the models that can tell speakers apart.
	speakers    *widget.Select
	speakersRow *fyne.Container
	// Renaming a speaker relabels all its segments: the speaker as stored, the new name.
	renameFrom *widget.Select
	renameTo   *widget.Entry
	renameB    *widget.Button
	renameRow  *fyne.Container
	speakerIDs map[string]string // label shown → the speaker as stored
}

// Speaker choices besides a number of people.
const (
	speakersOff    = "off"
	speakersDetect = "detect"
)

// diarizes reports whether a transcription model can tell speakers apart (diarized_json). The
// catalogue has no capability for it: a diarization price variant says so, and ElevenLabs
// Scribe is the model known to [inferred from the service's list of accepted formats].
func diarizes(m api.Model) bool {
	if m.HasCapability("diarization") {
		return true
	}
	for k := range m.PricingVariants {
		if strings.Contains(strings.ToLower(k), "diariz") {
			return true
		}
	}
	for _, n := range append([]string{m.Name}, m.Aliases...) {
		if strings.Contains(strings.ToLower(n), "scribe") {
			return true
		}
	}
	return false
}

type transcribeRow struct {
	job     int64
	name    string
	state   string
	itemID  int64
	isolate bool // the voice is isolated first
}

// fileRow is a file or recording in the list, with its state.
type fileRow struct {
	widget.BaseWidget
	root        *fyne.Container
	name, state *widget.Label
}

func newFileRow() *fileRow {
	r := &fileRow{name: widget.NewLabel("name"), state: widget.NewLabel("state")}
	r.root = container.NewBorder(nil, nil, nil, r.state, r.name)
	r.ExtendBaseWidget(r)
	return r
}

func (r *fileRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.root) }

// New builds the transcription page on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h, selected: -1}
	choose := widget.NewButtonWithIcon("Choose files…", theme.FolderOpenIcon(), func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			r.Close()
			p.addFiles([]string{r.URI().Path()})
		}, h.Window())
		d.SetFilter(storage.NewExtensionFileFilter([]string{".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".wav", ".webm"}))
		d.Show()
	})
	p.recordB = widget.NewButtonWithIcon("Record", theme.MediaRecordIcon(), p.toggleRecord)
	if !h.HasSound() {
		p.recordB.Disable()
	}
	p.level = widget.NewProgressBar()
	p.level.TextFormatter = func() string { return "" }
	p.level.Hide()
	p.list = widget.NewList(func() int { return len(p.rows) },
		func() fyne.CanvasObject { return newFileRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := o.(*fileRow)
			r.name.SetText(p.rows[i].name)
			r.state.SetText(p.rows[i].state)
		})
	p.list.OnSelected = func(i widget.ListItemID) { p.selected = i; p.show(p.rows[i].itemID) }
	p.text = widget.NewLabel("Pick a transcript to read it here with its timings.")
	p.text.Wrapping = fyne.TextWrapWord
	p.editIdx = -1
	p.segList = widget.NewList(func() int { return len(p.segs) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("segment")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(p.segs) {
				sg := p.segs[i]
				o.(*widget.Label).SetText(segmentText(sg))
				p.segList.SetItemHeight(i, o.MinSize().Height)
			}
		})
	// Clicking a segment plays the audio from there and opens it for editing.
	p.segList.OnSelected = func(i widget.ListItemID) {
		if i >= len(p.segs) {
			return
		}
		p.editIdx = i
		p.edit.SetText(p.segs[i].Text)
		p.playFrom(p.segs[i].Start)
	}
	p.edit = widget.NewEntry()
	p.edit.SetPlaceHolder("Select a segment to correct its text")
	p.edit.OnSubmitted = func(string) { p.saveEdit() }
	copyB := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), p.copyText)
	exports := container.NewHBox(copyB)
	for _, f := range []string{"txt", "srt", "vtt", "json"} {
		format := f
		exports.Add(widget.NewButton("Export "+format, func() { p.export(format) }))
	}
	p.speakers = widget.NewSelect([]string{speakersOff, speakersDetect, "2", "3", "4", "5", "6"}, nil)
	p.speakers.SetSelected(speakersOff)
	p.speakersRow = container.NewBorder(nil, nil, widget.NewLabel("Speakers"), nil, p.speakers)
	p.speakersRow.Hide()
	p.model = widget.NewSelect(nil, func(string) { p.modelChanged() })
	p.renameFrom = widget.NewSelect(nil, nil)
	p.renameFrom.PlaceHolder = "Speaker"
	p.renameTo = widget.NewEntry()
	p.renameTo.SetPlaceHolder("their name")
	p.renameTo.OnSubmitted = func(string) { p.renameSelected() }
	p.renameB = widget.NewButton("Rename", p.renameSelected)
	p.renameRow = container.NewBorder(nil, nil, p.renameFrom, p.renameB, p.renameTo)
	p.renameRow.Hide()
	p.language = widget.NewEntry()
	p.language.SetPlaceHolder("auto (or en, fr, de…)")
	p.hint = widget.NewEntry()
	p.hint.SetPlaceHolder("names or words to expect (optional)")
	h.OnAccount(func() {
		models := h.Models("transcription")
		var names []string
		for _, m := range models {
			names = append(names, m.Name)
		}
		p.model.Options = names
		if p.model.Selected == "" && len(names) > 0 {
			sel := names[0]
			// Names stored before (an alias, an older id) are matched through the catalogue.
			if m, ok := api.FindModel(models, "whisper"); ok {
				sel = m.Name
			}
			if m, ok := api.FindModel(models, kit.DefaultModel(h.Preferences(), "transcription", "")); ok {
				sel = m.Name
			}
			p.model.SetSelected(sel)
		}
		p.model.Refresh()
		p.modelChanged()
	})
	p.isolate = widget.NewCheck("Isolate the voice first (noisy recordings)", nil)
	opts := widget.NewForm(widget.NewFormItem("Model", p.model), widget.NewFormItem("Language", p.language), widget.NewFormItem("Prompt", p.hint))
	hint := widget.NewLabelWithStyle("Drop audio or video files (mp3, mp4, m4a, wav, webm) anywhere on the window, or record from the microphone.", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	hint.Wrapping = fyne.TextWrapWord
	left := container.NewBorder(container.NewVBox(kit.Heading("Transcribe"), hint, opts, p.isolate, p.speakersRow, container.NewHBox(choose, p.recordB), p.level), nil, nil, nil, p.list)
	save := widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), p.saveEdit)
	right := container.NewBorder(p.text, container.NewVBox(container.NewBorder(nil, nil, nil, save, p.edit), p.renameRow, exports), nil, nil, p.segList)
	split := container.NewHSplit(left, container.NewPadded(right))
	split.Offset = 0.4
	p.content = container.NewPadded(split)
	h.OnJob(p.onJob)

	return p
}

// Start lists the transcripts already in the library.
func (p *Page) Start() {
	page, err := p.h.Library().Search(p.h.Context(), lib.Query{Kinds: []lib.Kind{lib.KindTranscript}, Limit: 100})
	if err != nil {
		return
	}
	var rows []transcribeRow
	for _, it := range page.Items {
		rows = append(rows, transcribeRow{name: it.Prompt, state: it.CreatedAt.Local().Format("2 Jan 15:04"), itemID: it.ID})
	}
	p.h.RunOnUI(func() {
		p.rows = append(p.rows, rows...)
		p.list.Refresh()
	})
}

// addFiles checks each file and queues a transcription job for the good ones. A WAV over the
// size limit is queued too: its job sends it in parts and keeps one transcript of the whole.
// Other files the route will not take are refused with the reason and the way out, never sent.
func (p *Page) addFiles(paths []string) {
	for _, path := range paths {
		if p.isolate.Checked {
			// The isolator takes the whole file and answers MP3, which is transcribed: its own
			// limits (50 MB, at least 4.6 s) are the ones that count.
			if _, err := (jobs.VoiceTool{Tool: jobs.ToolIsolate, File: path}).Check(); err != nil {
				p.h.ShowError(isolateRefusal(err))
				continue
			}
			p.queue(path, nil)
			continue
		}
		err := jobs.CheckTranscribable(path)
		switch {
		case err == nil:
			p.queue(path, nil)
		case api.IsKind(err, api.KindTooLarge):
			e, _ := api.AsError(err)
			p.h.ShowError(&api.Error{Kind: api.KindTooLarge, Message: e.Message +
				". Compress it (for example to mp3) or cut it into shorter files, then drop those.", Err: err})
		default:
			p.h.ShowError(err)
		}
	}
}

// isolateRefusal is why a file cannot be isolated, with the way out.
func isolateRefusal(err error) error {
	e, ok := api.AsError(err)
	if !ok {
		return err
	}
	c := *e
	c.Message = e.Message + `. Untick "Isolate the voice first" to transcribe it as it is.`
	return &c
}

func (p *Page) queue(path string, parent *int64) {
	name := filepath.Base(path)
	isolate := p.isolate.Checked
	if isolate && parent != nil {
		// A recording is already kept: one too short to isolate is transcribed as it is.
		if _, err := (jobs.VoiceTool{Tool: jobs.ToolIsolate, File: path}).Check(); err != nil {
			isolate = false
			name += " (too short to isolate the voice)"
		}
	}
	lang := strings.ToLower(strings.TrimSpace(p.language.Text))
	if lang == "auto" {
		lang = ""
	}
	if lang != "" && (len(lang) != 2 || strings.Trim(lang, "abcdefghijklmnopqrstuvwxyz") != "") {
		p.h.ShowError(fmt.Errorf("the language is a two-letter code such as en or fr (or empty to detect it)"))
		return
	}
	req := &api.TranscribeRequest{File: path, Format: "verbose_json",
		Model: p.model.Selected, Language: lang, Prompt: strings.TrimSpace(p.hint.Text), IsolateFirst: isolate}
	if p.speakersRow.Visible() && p.speakers.Selected != speakersOff {
		req.Format = "diarized_json"
		if n, err := strconv.Atoi(p.speakers.Selected); err == nil {
			req.SpeakersExpected = n
		}
	}
	id, ok := p.h.Submit(jobs.Request{Transcribe: req, ParentID: parent})
	if !ok {
		return
	}
	p.rows = append([]transcribeRow{{job: id, name: name, state: "queued", isolate: isolate}}, p.rows...)
	p.list.Refresh()
}

func (p *Page) onJob(ev jobs.Event) {
	for i := range p.rows {
		if p.rows[i].job != ev.ID {
			continue
		}
		p.rows[i].state = string(ev.State)
		if ev.State == jobs.Running && p.rows[i].isolate {
			p.rows[i].state = "isolating the voice, then transcribing"
		}
		if ev.State == jobs.Running && ev.Parts > 1 {
			p.rows[i].state = fmt.Sprintf("part %d of %d", ev.Part, ev.Parts)
		}
		if ev.State == jobs.Done && ev.ItemID != nil {
			p.rows[i].itemID = *ev.ItemID
			if p.selected < 0 || p.selected == i {
				p.list.Select(i)
			}
		}
		if ev.State == jobs.Failed {
			p.h.ShowError(ev.Err)
		}
		p.list.RefreshItem(i)
	}
}

func (p *Page) show(itemID int64) {
	if itemID == 0 {
		return
	}
	go func() {
		segs, err := p.h.Library().Segments(p.h.Context(), itemID)
		if err != nil {
			return
		}
		it, err := p.h.Library().Item(p.h.Context(), itemID)
		if err != nil {
			return
		}
		p.h.RunOnUI(func() {
			p.segs, p.itemID, p.media, p.editIdx = segs, itemID, it.MediaPath, -1
			count := fmt.Sprintf("%d segments", len(segs))
			if len(segs) == 1 {
				count = "1 segment"
			}
			p.text.SetText(fmt.Sprintf("%s · %s · click one to play from there", it.Prompt, count))
			p.edit.SetText("")
			p.segList.Refresh()
			p.fillSpeakers()
		})
	}()
}

// copyText puts the transcript's text on the clipboard, as the TXT export has it.
func (p *Page) copyText() {
	if len(p.segs) == 0 {
		return
	}
	var b strings.Builder
	if err := lib.ExportTranscript(p.segs, "txt", &b); err != nil {
		p.h.ShowError(err)
		return
	}
	p.h.Clipboard().SetContent(b.String())
}

func (p *Page) export(format string) {
	if len(p.segs) == 0 {
		return
	}
	segs := append([]lib.Segment(nil), p.segs...) // with the speakers' names as they are now
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		go func() {
			defer w.Close()
			if err := lib.ExportTranscript(segs, format, w); err != nil {
				p.h.ShowError(err)
			}
		}()
	}, p.h.Window())
	d.SetFileName("transcript." + format)
	d.Show()
}

// toggleRecord starts or stops a microphone recording; stopping transcribes it.
func (p *Page) toggleRecord() {
	h := p.h
	if p.rec != nil {
		rec, path := p.rec, p.recPath
		p.rec = nil
		close(p.recStop)
		p.recordB.SetText("Record")
		p.level.Hide()
		go func() {
			info, err := rec.Stop()
			if err != nil {
				h.ShowError(err)
				return
			}
			f, err := os.Open(path)
			if err != nil {
				h.ShowError(err)
				return
			}
			hash, err := h.Library().PutMedia(h.Context(), f, ".wav")
			f.Close()
			if err != nil {
				h.ShowError(err)
				return
			}
			it := &lib.Item{Kind: lib.KindRecording, Prompt: "Recording " + time.Now().Format("2 Jan 15:04"), MediaHash: hash,
				ContentType: "audio/wav", DurationSec: info.Duration}
			if _, err := h.Library().AddItem(h.Context(), it); err != nil {
				h.ShowError(err)
				return
			}
			h.RunOnUI(func() { p.queue(h.Library().MediaPath(hash), &it.ID) })
		}()
		return
	}
	rec, err := h.NewRecorder(audio.RecorderOptions{MaxDuration: time.Hour, DeviceID: h.Preferences().String(kit.PrefInput)})
	if err == nil {
		p.recPath = filepath.Join(os.TempDir(), fmt.Sprintf("pollinations-recording-%d.wav", time.Now().UnixNano()))
		err = rec.Start(p.recPath)
	}
	if err != nil {
		h.ShowError(fmt.Errorf("cannot record: %w", err))
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
			h.RunOnUI(func() {
				if p.rec != rec {
					return // stopped meanwhile: keep the button as Stop left it
				}
				p.level.SetValue(peak)
				p.recordB.SetText(fmt.Sprintf("Stop and transcribe (%s)", el.Round(time.Second)))
			})
		}
	}()
}

func stampOf(sec float64) string { return kit.Clock(time.Duration(sec * float64(time.Second))) }

// playFrom plays the transcript's audio from a point.
func (p *Page) playFrom(sec float64) {
	if p.h.Player() == nil || p.media == "" {
		return
	}
	kit.PlayFile(p.h, p.media, time.Duration(sec*float64(time.Second)))
}

// saveEdit keeps a corrected segment in the library.
func (p *Page) saveEdit() {
	if p.editIdx < 0 || p.editIdx >= len(p.segs) || p.itemID == 0 {
		return
	}
	p.segs[p.editIdx].Text = strings.TrimSpace(p.edit.Text)
	p.segList.RefreshItem(p.editIdx)
	segs, id := append([]lib.Segment(nil), p.segs...), p.itemID
	go func() {
		if err := p.h.Library().SetSegments(p.h.Context(), id, segs); err != nil {
			p.h.ShowError(err)
		}
	}()
}

// segmentText is a segment as the list shows it: its time, its speaker's label, its words.
func segmentText(sg lib.Segment) string {
	if l := lib.SpeakerLabel(sg.Speaker); l != "" {
		return fmt.Sprintf("[%s]  %s: %s", stampOf(sg.Start), l, sg.Text)
	}
	return fmt.Sprintf("[%s]  %s", stampOf(sg.Start), sg.Text)
}

// modelChanged offers speakers only with a model that can tell them apart.
func (p *Page) modelChanged() {
	m, ok := api.FindModel(p.h.Models("transcription"), p.model.Selected)
	if ok && diarizes(m) {
		p.speakersRow.Show()
	} else {
		p.speakersRow.Hide()
	}
}

// fillSpeakers lists the open transcript's speakers for renaming (hidden when it has none).
func (p *Page) fillSpeakers() {
	p.speakerIDs = map[string]string{}
	var labels []string
	for _, sg := range p.segs {
		l := lib.SpeakerLabel(sg.Speaker)
		if l == "" {
			continue
		}
		if _, seen := p.speakerIDs[l]; !seen {
			p.speakerIDs[l] = sg.Speaker
			labels = append(labels, l)
		}
	}
	p.renameFrom.Options = labels
	if !slices.Contains(labels, p.renameFrom.Selected) {
		p.renameFrom.Selected = ""
		if len(labels) > 0 {
			p.renameFrom.Selected = labels[0]
		}
	}
	p.renameFrom.Refresh()
	if len(labels) > 0 {
		p.renameRow.Show()
	} else {
		p.renameRow.Hide()
	}
}

func (p *Page) renameSelected() {
	p.renameSpeaker(p.renameFrom.Selected, p.renameTo.Text)
}

// renameSpeaker gives the speaker shown as label a name: every one of its segments is
// relabelled and kept so in the library, and the exports carry the name.
func (p *Page) renameSpeaker(label, name string) {
	name = strings.Join(strings.Fields(name), " ")
	from, ok := p.speakerIDs[label]
	if !ok || name == "" || p.itemID == 0 {
		return
	}
	for i := range p.segs {
		if p.segs[i].Speaker == from {
			p.segs[i].Speaker = name
		}
	}
	p.renameTo.SetText("")
	p.segList.Refresh()
	p.fillSpeakers()
	p.renameFrom.SetSelected(lib.SpeakerLabel(name))
	segs, id := append([]lib.Segment(nil), p.segs...), p.itemID
	go func() {
		if err := p.h.Library().SetSegments(p.h.Context(), id, segs); err != nil {
			p.h.ShowError(fmt.Errorf("renaming the speaker: %w", err))
		}
	}()
}

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Navigate transcribes files (dropped on the window) or opens a transcript.
func (p *Page) Navigate(v kit.Nav) {
	switch v.Action {
	case kit.ActAddFiles:
		p.addFiles(v.Paths)
	case kit.ActShow:
		p.show(v.ItemID)
	}
}

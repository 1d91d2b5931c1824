// Package voice is the Voice tools page: on any audio or video file (dropped on the window,
// chosen from disk or picked from the library) it isolates the voice, says it again in another
// voice, or splits music into stems, which play together on a mixer with a mute per stem. The
// service's limits (audio or video, at most 50 MB, at least 4.6 s to isolate) are checked
// before anything is sent.
package voice

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// The tools as the choice names them.
const (
	ToolIsolate = "Isolate the voice"
	ToolRevoice = "Change the voice"
	ToolStems   = "Split into stems"
)

// The stem separations.
const (
	StemsTwo = "Two: vocals and the rest"
	StemsSix = "Six: vocals, drums, bass, piano, guitar, other"
)

// sourceKinds are the library items the tools take.
var sourceKinds = []lib.Kind{lib.KindSpeech, lib.KindRecording, lib.KindMusic, lib.KindSound, lib.KindVideo}

// Page: the voice tools.
type Page struct {
	h kit.Host

	source  *widget.Label // what the tools will work on
	srcPath string
	srcItem *lib.Item // the library item the file is, nil for a file from disk
	srcSecs float64   // the file's length when it could be measured (WAV, MP3), else 0
	chooseB *widget.Button
	pickB   *widget.Button
	picker  *libraryPicker // the open "Pick from library" dialog, if any

	tool     *widget.RadioGroup
	voice    *widget.Select
	voiceRow *fyne.Container
	stems    *widget.RadioGroup
	stemsRow *fyne.Container
	price    *widget.Label

	note     *widget.Label // a refusal before sending
	runB     *widget.Button
	cancelB  *widget.Button
	progress *widget.ProgressBarInfinite
	state    *widget.Label

	result *resultRow // an isolated or changed voice
	mixer  *mixer     // stems
	bar    *kit.PlayerBar
	body   *fyne.Container

	jobID   int64
	jobTool string // the jobs.Tool* of the job running or last finished
	content fyne.CanvasObject
}

// resultRow is the isolated or changed voice: its name, Play and Open in library.
type resultRow struct {
	box   *fyne.Container
	name  *widget.Label
	play  *widget.Button
	open  *widget.Button
	item  lib.Item
	valid bool
}

// New builds the page on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h}
	p.source = widget.NewLabel("No file yet: drop an audio or video file on the window, choose one, or pick one from the library.")
	p.source.Wrapping = fyne.TextWrapWord
	p.chooseB = widget.NewButtonWithIcon("Choose file…", theme.FolderOpenIcon(), p.chooseFile)
	p.pickB = widget.NewButtonWithIcon("Pick from library", theme.StorageIcon(), p.pickFromLibrary)

	p.tool = widget.NewRadioGroup([]string{ToolIsolate, ToolRevoice, ToolStems}, func(string) { p.followTool() })
	p.tool.Required = true
	p.tool.Horizontal = true
	p.voice = widget.NewSelect(nil, func(string) { p.note.Hide() })
	p.voice.PlaceHolder = "Choose a voice"
	p.voiceRow = container.NewBorder(nil, nil, widget.NewLabel("New voice"), nil, p.voice)
	p.stems = widget.NewRadioGroup([]string{StemsTwo, StemsSix}, func(string) { p.updatePrice() })
	p.stems.Required = true
	p.stems.Horizontal = true
	p.stemsRow = container.NewBorder(nil, nil, widget.NewLabel("Stems"), nil, p.stems)
	p.price = widget.NewLabel("")
	p.price.Wrapping = fyne.TextWrapWord

	p.note = widget.NewLabel("")
	p.note.Importance = widget.DangerImportance
	p.note.Wrapping = fyne.TextWrapWord
	p.note.Hide()
	p.runB = widget.NewButtonWithIcon("Run", theme.MediaPlayIcon(), p.run)
	p.runB.Importance = widget.HighImportance
	p.cancelB = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if p.jobID != 0 {
			h.Jobs().Cancel(p.jobID)
		}
	})
	p.cancelB.Hide()
	p.progress = widget.NewProgressBarInfinite()
	p.progress.Stop()
	p.progress.Hide()
	p.state = widget.NewLabel("")
	p.state.Wrapping = fyne.TextWrapWord

	p.result = &resultRow{name: widget.NewLabel("")}
	p.result.play = widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), func() {
		if p.result.valid {
			p.playItem(p.result.item)
		}
	})
	p.result.open = widget.NewButtonWithIcon("Open in library", theme.StorageIcon(), func() {
		if p.result.valid {
			h.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActShow, ItemID: p.result.item.ID})
		}
	})
	p.result.box = container.NewBorder(nil, nil, nil, container.NewHBox(p.result.play, p.result.open), p.result.name)
	p.result.box.Hide()
	p.mixer = newMixer(p)
	p.bar = kit.NewPlayerBar(h)
	if h.Player() == nil {
		p.result.play.Disable()
	}

	hint := widget.NewLabelWithStyle("Audio or video (mp3, wav, m4a, aac, ogg, opus, flac, webm, mp4, mov), up to 50 MB; the voice isolator needs at least 4.6 s.",
		fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	hint.Wrapping = fyne.TextWrapWord
	p.body = container.NewVBox(kit.Heading("Voice tools"), hint, p.source, container.NewHBox(p.chooseB, p.pickB),
		p.tool, p.voiceRow, p.stemsRow, p.price, p.note,
		container.NewHBox(p.runB, p.cancelB), p.progress, p.state,
		p.result.box, p.mixer.content, p.bar.Content())
	p.content = container.NewPadded(container.NewVScroll(p.body))
	p.stems.SetSelected(StemsSix)
	p.tool.SetSelected(ToolIsolate)
	h.OnAccount(p.fillVoices)
	h.OnJob(p.onJob)
	return p
}

// voices are the catalogue's voices for the voice changer: those of the ElevenLabs models
// (the changer is ElevenLabs'), else every speech model's [I: the catalogue lists no voices
// for the changer itself].
func voices(h kit.Host) []string {
	var eleven, all []string
	for _, m := range h.Models("") {
		for _, v := range m.Voices {
			if m.Kind == api.KindAudioTool || strings.Contains(strings.ToLower(m.Name), "elevenlabs") {
				if !slices.Contains(eleven, v) {
					eleven = append(eleven, v)
				}
			}
			if !slices.Contains(all, v) {
				all = append(all, v)
			}
		}
	}
	if len(eleven) > 0 {
		return eleven
	}
	return all
}

// fillVoices fills the voice picker, keeping the choice.
func (p *Page) fillVoices() {
	vs := voices(p.h)
	p.voice.Options = vs
	if p.voice.Selected != "" && !slices.Contains(vs, p.voice.Selected) {
		p.voice.ClearSelected()
	}
	if p.voice.Selected == "" && len(vs) > 0 {
		p.voice.SetSelected(vs[0])
	}
	p.voice.Refresh()
}

// followTool shows the chosen tool's options.
func (p *Page) followTool() {
	p.voiceRow.Hide()
	p.stemsRow.Hide()
	switch p.tool.Selected {
	case ToolRevoice:
		p.voiceRow.Show()
	case ToolStems:
		p.stemsRow.Show()
	}
	p.note.Hide()
	p.updatePrice()
	p.relayout()
}

func (p *Page) relayout() {
	if p.body != nil {
		p.body.Refresh()
	}
}

// request is the form as a job, or why it cannot be sent (the file itself is checked apart).
func (p *Page) request() (jobs.VoiceTool, error) {
	if p.srcPath == "" {
		return jobs.VoiceTool{}, fmt.Errorf("choose an audio or video file first")
	}
	v := jobs.VoiceTool{File: p.srcPath}
	switch p.tool.Selected {
	case ToolIsolate:
		v.Tool = jobs.ToolIsolate
	case ToolRevoice:
		v.Tool = jobs.ToolRevoice
		v.Voice = p.voice.Selected
		if v.Voice == "" {
			return v, fmt.Errorf("choose the new voice first")
		}
	case ToolStems:
		v.Tool = jobs.ToolStems
		v.Two = p.stems.Selected == StemsTwo
	default:
		return v, fmt.Errorf("choose a tool first")
	}
	return v, nil
}

// updatePrice says what the tool costs per minute of input, and in all when the length is known.
func (p *Page) updatePrice() {
	v, err := p.request()
	if v.Tool == "" && err != nil {
		p.price.SetText("")
		return
	}
	model, variant := api.VoiceIsolatorModel, ""
	switch v.Tool {
	case jobs.ToolRevoice:
		model = api.DefaultVoiceChangerModel
	case jobs.ToolStems:
		model, variant = api.StemSeparationModel, api.StemsSix
		if v.Two {
			variant = api.StemsTwo
		}
	}
	per, _ := api.VoiceToolPerMinute(model, variant)
	text := fmt.Sprintf("%s pollen per minute of the file (paid Pollen)", kit.Pollen(per))
	if p.srcSecs > 0 {
		text += fmt.Sprintf(": about %s pollen for this %s file", kit.Pollen(per*p.srcSecs/60), kit.Clock(time.Duration(p.srcSecs*float64(time.Second))))
	}
	p.price.SetText(text + ".")
}

// measure finds the source's length off the UI goroutine, for the price.
func (p *Page) measure(path string) {
	p.srcSecs = 0
	p.updatePrice()
	go func() {
		in, err := api.CheckVoiceToolFile(path, 0)
		if err != nil || !in.Known {
			return
		}
		p.h.RunOnUI(func() {
			if p.srcPath == path {
				p.srcSecs = in.Seconds
				p.updatePrice()
			}
		})
	}()
}

// refuse shows why nothing was sent.
func (p *Page) refuse(err error) {
	msg := err.Error()
	if e, ok := api.AsError(err); ok && e.Message != "" {
		msg = e.Message
	}
	p.note.SetText(msg)
	p.note.Show()
	p.relayout()
}

// run checks the file against the service's limits (off the UI goroutine: it reads the file)
// and queues the job.
func (p *Page) run() {
	if p.jobID != 0 || p.runB.Disabled() { // running, or the file is being checked (Ctrl+Enter twice)
		return
	}
	v, err := p.request()
	if err != nil {
		p.refuse(err)
		return
	}
	p.note.Hide()
	var parent *int64
	if p.srcItem != nil {
		id := p.srcItem.ID
		parent = &id
	}
	p.runB.Disable()
	p.state.SetText("Checking the file…")
	go func() {
		_, err := v.Check()
		p.h.RunOnUI(func() {
			p.runB.Enable()
			p.state.SetText("")
			if err != nil {
				p.refuse(err)
				return
			}
			id, ok := p.h.Submit(jobs.Request{Voice: &v, ParentID: parent})
			if !ok {
				return
			}
			p.jobID, p.jobTool = id, v.Tool
			p.runB.Disable()
			p.cancelB.Show()
			p.progress.Show()
			p.progress.Start()
			p.result.box.Hide()
			p.mixer.clear()
			p.state.SetText("Queued…")
			p.relayout()
		})
	}()
}

func (p *Page) onJob(ev jobs.Event) {
	if ev.ID == 0 || ev.ID != p.jobID {
		return
	}
	switch ev.State {
	case jobs.Running:
		p.state.SetText("Sending the file and waiting for the service…")
		if ev.Bytes > 0 {
			p.state.SetText(fmt.Sprintf("Downloading the result… %d KB", ev.Bytes/1024))
		}
	case jobs.Done, jobs.Failed, jobs.Canceled:
		p.jobID = 0
		p.runB.Enable()
		p.cancelB.Hide()
		p.progress.Stop()
		p.progress.Hide()
		switch ev.State {
		case jobs.Done:
			p.state.SetText(fmt.Sprintf("Saved to the library, linked to its source (made in %s).", kit.Clock(ev.Elapsed)))
			if ev.ItemID != nil {
				go p.loadResults(*ev.ItemID, p.jobTool)
			}
			p.h.RefreshAccount() // the balance changed
		case jobs.Failed:
			p.state.SetText("")
			p.h.ShowError(ev.Err)
		default:
			p.state.SetText("Canceled.")
		}
	}
	p.relayout()
}

// loadResults reads the job's results from the library (any goroutine): the one item, or for
// stems every stem the job made, found as the source's children.
func (p *Page) loadResults(first int64, tool string) {
	ctx := p.h.Context()
	it, err := p.h.Library().Item(ctx, first)
	if err != nil {
		p.h.ShowError(fmt.Errorf("finding the result in the library: %w", err))
		return
	}
	if tool != jobs.ToolStems || it.ParentID == nil {
		p.h.RunOnUI(func() { p.showResult(*it) })
		return
	}
	all, err := p.h.Library().Children(ctx, *it.ParentID)
	if err != nil {
		p.h.ShowError(fmt.Errorf("finding the stems in the library: %w", err))
		return
	}
	var stems []lib.Item
	seen := map[string]bool{}
	for _, s := range all {
		if s.ID < it.ID || s.Relation != jobs.RelationStem || seen[stemName(s)] {
			continue // an earlier separation of the same source
		}
		seen[stemName(s)] = true
		stems = append(stems, s)
	}
	p.h.RunOnUI(func() { p.mixer.show(stems) })
}

// stemName is a stem item's name ("vocals"), as its job kept it.
func stemName(it lib.Item) string {
	var pr struct {
		Stem string `json:"stem"`
	}
	if json.Unmarshal(it.Params, &pr) != nil || pr.Stem == "" {
		return fmt.Sprintf("stem %d", it.ID)
	}
	return pr.Stem
}

func (p *Page) showResult(it lib.Item) {
	p.result.item, p.result.valid = it, true
	p.result.name.SetText(it.Prompt)
	p.result.box.Show()
	p.relayout()
}

// playItem plays a library item's own file on the window's player.
func (p *Page) playItem(it lib.Item) {
	path, err := p.h.Library().ItemMediaPath(&it)
	if err != nil {
		p.h.ShowError(err)
		return
	}
	kit.PlayFile(p.h, path, 0)
}

// isToolFile reports a file the tools take, by its extension.
func isToolFile(path string) bool {
	return slices.Contains(api.VoiceToolExtensions, strings.ToLower(filepath.Ext(path)))
}

// setFile makes a file from disk the source.
func (p *Page) setFile(path string) {
	p.srcPath, p.srcItem = path, nil
	p.measure(path)
	p.source.SetText("File: " + filepath.Base(path))
	p.note.Hide()
	p.relayout()
}

// setItem makes a library item the source: its own file in the library, nothing else.
func (p *Page) setItem(it lib.Item) {
	path, err := p.h.Library().ItemMediaPath(&it)
	if err != nil {
		p.refuse(fmt.Errorf("this item has no sound file in the library: %w", err))
		return
	}
	p.srcPath, p.srcItem = path, &it
	p.measure(path)
	name := it.Prompt
	if name == "" {
		name = fmt.Sprintf("item %d", it.ID)
	}
	p.source.SetText(fmt.Sprintf("From the library: %s (%s)", kit.Shorten(name, 80), it.Kind))
	p.note.Hide()
	p.relayout()
}

func (p *Page) chooseFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		p.setFile(r.URI().Path())
	}, p.h.Window())
	d.SetFilter(storage.NewExtensionFileFilter(api.VoiceToolExtensions))
	d.Show()
}

// TakeDrop takes the audio and video files dropped while the page is in front: the first is
// the source (the tools work on one file at a time, and the others are not sent elsewhere to be
// paid for unasked); the rest of the files go where they would from any page.
func (p *Page) TakeDrop(paths []string) (rest []string) {
	var taken []string
	for _, path := range paths {
		if isToolFile(path) {
			taken = append(taken, path)
			continue
		}
		rest = append(rest, path)
	}
	if len(taken) > 0 {
		p.setFile(taken[0])
	}
	if len(taken) > 1 {
		p.state.SetText(fmt.Sprintf("One file at a time: %s is the source, the %d others were left aside.", filepath.Base(taken[0]), len(taken)-1))
	}
	return rest
}

// Navigate takes a library item (or a file) as the source (kit.ActVoice).
func (p *Page) Navigate(v kit.Nav) {
	if v.Action != kit.ActVoice {
		return
	}
	switch {
	case v.Item != nil:
		p.setItem(*v.Item)
	case v.ItemID != 0:
		id := v.ItemID
		go func() {
			it, err := p.h.Library().Item(p.h.Context(), id)
			if err != nil {
				p.h.ShowError(fmt.Errorf("finding the item in the library: %w", err))
				return
			}
			p.h.RunOnUI(func() { p.setItem(*it) })
		}()
	case len(v.Paths) > 0:
		p.setFile(v.Paths[0])
	}
}

// Start keeps the player bar up to date (on its own goroutine, until the window closes).
func (p *Page) Start() { p.bar.Follow() }

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Primary runs the chosen tool (Ctrl+Enter).
func (p *Page) Primary() { p.run() }

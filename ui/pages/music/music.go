// Package music is the music and sound-effects page: a prompt, the model's own length and
// options, the price in the model's unit, and the result played through the window's player
// as it downloads, then kept in the library (kind music or sound).
package music

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// The two modes of the switch.
const (
	ModeMusic = "Music"
	ModeSound = "Sound effect"
)

// Steps' "let the model choose".
const stepsDefault = "Model default"

// Page: music and sound effects.
type Page struct {
	h      kit.Host
	mode   *widget.RadioGroup
	prompt *widget.Entry
	model  *widget.Select
	names  map[string]string // picker label → model id
	chosen map[string]string // mode → the label last chosen in it

	duration     *widget.Entry
	durRange     *widget.Label // "3–300 s"
	noDuration   *widget.Label // Lyria: the length goes in the prompt
	instrumental *widget.Check
	loop         *widget.Check
	influence    *widget.Slider
	influenceVal *widget.Label
	steps        *widget.Select
	rows         map[string]formRow // by control: duration, length, instrumental, loop, influence, steps, reference
	ref          *refAudio          // ElevenLabs music's reference audio (refaudio.go)

	cost      *widget.Label
	note      *widget.Label // a refusal before sending (a duration out of range…)
	modelNote *kit.ModelNote
	generateB *widget.Button
	cancelB   *widget.Button
	state     *widget.Label
	openB     *widget.Button // the last result in the library
	playB     *widget.Button // the last result again, from the library (seekable)
	bar       *kit.PlayerBar
	form      *fyne.Container
	body      *fyne.Container

	jobID   int64
	itemID  int64
	busy    bool // fillModels is setting the picker: not the user's choice
	content fyne.CanvasObject
}

// formRow is one labelled control, hidden with its label when the model does not take it.
type formRow struct {
	label *widget.Label
	obj   fyne.CanvasObject
}

func (r formRow) show(on bool) {
	if on {
		r.label.Show()
		r.obj.Show()
	} else {
		r.label.Hide()
		r.obj.Hide()
	}
}

// New builds the page on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h, names: map[string]string{}, chosen: map[string]string{}, rows: map[string]formRow{}}
	p.prompt = widget.NewMultiLineEntry()
	p.prompt.SetPlaceHolder("Describe the music or the sound… (Ctrl+Enter generates)")
	p.prompt.Wrapping = fyne.TextWrapWord
	p.prompt.SetMinRowsVisible(4)
	p.mode = widget.NewRadioGroup([]string{ModeMusic, ModeSound}, func(string) { p.fillModels() })
	p.mode.Horizontal = true
	p.mode.Required = true
	p.model = widget.NewSelect(nil, func(l string) {
		if !p.busy {
			p.chosen[p.mode.Selected] = l
		}
		p.followModel()
	})
	p.duration = widget.NewEntry()
	p.duration.Validator = func(string) error { _, err := p.seconds(); return err }
	p.duration.OnChanged = func(string) {
		if p.note.Visible() {
			p.note.Hide()
			p.relayout()
		}
		p.updateCost()
	}
	p.durRange = widget.NewLabel("")
	p.noDuration = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	p.noDuration.Wrapping = fyne.TextWrapWord
	p.instrumental = widget.NewCheck("Instrumental (no vocals)", nil)
	p.loop = widget.NewCheck("Loop seamlessly", nil)
	p.influence = widget.NewSlider(0, 1)
	p.influence.Step = 0.05
	p.influenceVal = widget.NewLabel("")
	p.influence.OnChanged = func(v float64) { p.influenceVal.SetText(strconv.FormatFloat(v, 'f', 2, 64)) }
	p.influence.SetValue(0.3) // ElevenLabs' own default
	p.steps = widget.NewSelect([]string{stepsDefault, "4", "5", "6", "7", "8"}, nil)
	p.steps.SetSelected(stepsDefault)

	form := container.New(layout.NewFormLayout())
	p.form = form
	add := func(key, label string, obj fyne.CanvasObject) {
		r := formRow{label: widget.NewLabel(label), obj: obj}
		p.rows[key] = r
		form.Add(r.label)
		form.Add(obj)
	}
	add("model", "Model", p.model)
	add("duration", "Duration", container.NewBorder(nil, nil, nil, p.durRange, p.duration))
	add("length", "Length", p.noDuration)
	add("instrumental", "", p.instrumental)
	add("loop", "", p.loop)
	add("influence", "Prompt influence", container.NewBorder(nil, nil, nil, p.influenceVal, p.influence))
	add("steps", "Steps", p.steps)
	p.ref = p.newRefAudio()
	add("reference", "Reference audio", p.ref.row)

	p.cost = widget.NewLabel("")
	p.cost.Wrapping = fyne.TextWrapWord
	p.note = widget.NewLabel("")
	p.note.Importance = widget.DangerImportance
	p.note.Wrapping = fyne.TextWrapWord
	p.note.Hide()
	p.modelNote = kit.NewModelNote(h) // a paid-only model without paid Pollen: the way to pay, at once
	p.generateB = widget.NewButtonWithIcon("Generate", theme.MediaMusicIcon(), p.generate)
	p.generateB.Importance = widget.HighImportance
	p.cancelB = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if p.ref.cancel != nil {
			p.ref.cancel()
		}
		if p.jobID != 0 {
			h.Jobs().Cancel(p.jobID)
		}
	})
	p.cancelB.Hide()
	p.state = widget.NewLabel("")
	p.state.Wrapping = fyne.TextWrapWord
	p.openB = widget.NewButtonWithIcon("Open in library", theme.StorageIcon(), func() {
		if p.itemID != 0 {
			h.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActShow, ItemID: p.itemID})
		}
	})
	p.playB = widget.NewButtonWithIcon("Play again", theme.MediaPlayIcon(), p.playAgain)
	p.openB.Hide()
	p.playB.Hide()
	p.bar = kit.NewPlayerBar(h)
	if !h.HasSound() {
		p.state.SetText("No sound device: results are saved to the library and can be played later.")
	} else if h.Player() == nil {
		p.state.SetText("Sound output unavailable: results are saved to the library and can be played later.")
	}

	p.body = container.NewVBox(kit.Heading("Music & sound"), p.mode, p.prompt, form,
		p.modelNote, p.cost, p.note, container.NewHBox(p.generateB, p.cancelB, p.openB, p.playB),
		p.state, p.bar.Content())
	p.content = container.NewPadded(p.body)
	p.mode.SetSelected(ModeMusic)
	h.OnAccount(p.fillModels)
	h.OnJob(p.onJob)
	return p
}

// models is the catalogue's models of the chosen mode: sound effects, or every other music
// model (Stable Audio makes both, and is kept as music).
func (p *Page) models() []api.Model {
	sound := p.mode.Selected == ModeSound
	var out []api.Model
	for _, m := range kit.PickerModels(p.h, api.KindMusic) { // paid-only ones too, marked
		if api.MusicSpecFor(m.Name, &m).Sound == sound {
			out = append(out, m)
		}
	}
	return kit.PickerOrder(out, p.h.Allowed)
}

// fillModels fills the picker with the mode's models, keeping the choice made in that mode.
func (p *Page) fillModels() {
	p.busy = true
	defer func() { p.busy = false }()
	p.names = map[string]string{}
	var labels []string
	want := p.chosen[p.mode.Selected]
	fallback := ""
	def := kit.DefaultModel(p.h.Preferences(), api.KindMusic, api.DefaultMusicModel)
	if p.mode.Selected == ModeSound {
		def = api.DefaultSoundModel
	}
	models := p.models()
	for _, m := range models {
		l := kit.ModelLabel(m, p.h.Allowed)
		labels = append(labels, l)
		p.names[l] = m.Name
		if api.SameModel(models, m.Name, def) {
			fallback = l
		}
	}
	if _, ok := p.names[want]; !ok {
		want = fallback
		if want == "" && len(labels) > 0 {
			want = labels[0]
		}
	}
	p.model.Options = labels
	if want != p.model.Selected {
		p.model.SetSelected(want) // calls followModel
	} else {
		p.followModel()
	}
	p.model.Refresh()
	p.relayout()
}

// current is the chosen model's catalogue entry.
func (p *Page) current() (api.Model, bool) {
	name, ok := p.names[p.model.Selected]
	if !ok {
		return api.Model{}, false
	}
	return api.FindModel(p.h.Models(api.KindMusic), name)
}

// followModel shows only the controls the chosen model takes.
func (p *Page) followModel() {
	m, ok := p.current()
	if !ok {
		for k, r := range p.rows {
			r.show(k == "model")
		}
		p.cost.SetText("")
		return
	}
	p.modelNote.SetModel(m.Name)
	spec := api.MusicSpecFor(m.Name, &m)
	p.rows["duration"].show(spec.Field != "")
	p.durRange.SetText(fmt.Sprintf("%g–%g s", spec.Min, spec.Max))
	if m.DefaultDuration > 0 {
		p.duration.SetPlaceHolder(fmt.Sprintf("default %g", m.DefaultDuration))
	} else {
		p.duration.SetPlaceHolder("the model's default")
	}
	p.rows["length"].show(spec.Field == "")
	p.noDuration.SetText(modelTitle(m) + " takes no duration: say the length in the prompt (\"a two-minute song\"); otherwise it makes a 30-second clip.")
	p.rows["instrumental"].show(takesInstrumental(spec))
	p.rows["loop"].show(spec.Sound)
	p.rows["influence"].show(spec.Sound)
	p.rows["steps"].show(spec.Steps)
	p.rows["reference"].show(takesReference(spec))
	p.note.Hide()
	p.duration.Validate()
	p.updateCost()
	p.relayout()
}

// relayout places the page again after controls were shown or hidden: a row swapped for one
// of the same height changes no minimum size, so nothing else would move them.
func (p *Page) relayout() {
	if p.body == nil {
		return // still being built
	}
	p.form.Refresh()
	p.body.Refresh()
}

// takesInstrumental reports ElevenLabs music [I: the catalogue has no field for it]: the
// models that take a duration and are not sound effects.
func takesInstrumental(s api.MusicSpec) bool { return s.Field == "duration" && !s.Sound }

func modelTitle(m api.Model) string {
	if m.Title != "" {
		return m.Title
	}
	return m.Name
}

// seconds is the duration asked (0: the model's default), refused when the model takes none
// or it is outside the model's range.
func (p *Page) seconds() (float64, error) {
	t := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p.duration.Text), "s"))
	if t == "" {
		return 0, nil
	}
	m, ok := p.current()
	if !ok {
		return 0, nil
	}
	spec := api.MusicSpecFor(m.Name, &m)
	if spec.Field == "" {
		return 0, nil // the field is hidden: whatever it holds is not sent
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", "."), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("the duration is a number of seconds, like 5 or 2.5 (not %q)", t)
	}
	if v < spec.Min || v > spec.Max {
		return 0, fmt.Errorf("%s makes %g to %g seconds; %g was asked", modelTitle(m), spec.Min, spec.Max, v)
	}
	return v, nil
}

// updateCost shows the price in the model's own unit: per second of output (with the total for
// the duration asked), or flat per clip.
func (p *Page) updateCost() {
	m, ok := p.current()
	if !ok {
		p.cost.SetText("")
		return
	}
	secs, err := p.seconds()
	if err != nil {
		secs = 0
	}
	if secs == 0 {
		secs = m.DefaultDuration
	}
	ref := 0.0
	if p.ref != nil && p.ref.file != "" && takesReference(api.MusicSpecFor(m.Name, &m)) {
		ref = math.Round(p.ref.secs)
	}
	est := jobs.Estimate(m, jobs.EstimateParams{Seconds: secs, RefSeconds: ref}, nil)
	per, _ := m.EstimateCost(1) // per second, or the clip's price
	switch {
	case est.Known && est.Unit == "second" && ref > 0:
		p.cost.SetText(fmt.Sprintf("Estimated cost: about %s pollen (%s pollen per second × %g s, and %g s of reference audio)",
			kit.Pollen(est.Amount), kit.Pollen(per), secs, ref))
	case est.Known && est.Unit == "second":
		p.cost.SetText(fmt.Sprintf("Estimated cost: about %s pollen (%s pollen per second × %g s)", kit.Pollen(est.Amount), kit.Pollen(per), secs))
	case est.Known:
		p.cost.SetText(fmt.Sprintf("Estimated cost: %s pollen per %s, whatever its length", kit.Pollen(est.Amount), est.Unit))
	case kit.PriceLabel(m) != "":
		p.cost.SetText("Priced per second of output: " + kit.PriceLabel(m) + ". Give a duration to see the total.")
	default:
		p.cost.SetText("No price in the catalogue for " + m.Name + ".")
	}
}

// request is the form as a request, or why it cannot be sent.
func (p *Page) request() (api.MusicRequest, error) {
	prompt := strings.TrimSpace(p.prompt.Text)
	if prompt == "" {
		return api.MusicRequest{}, fmt.Errorf("describe the music or the sound first")
	}
	m, ok := p.current()
	if !ok {
		return api.MusicRequest{}, fmt.Errorf("choose a model first")
	}
	secs, err := p.seconds()
	if err != nil {
		return api.MusicRequest{}, err
	}
	spec := api.MusicSpecFor(m.Name, &m)
	r := api.MusicRequest{Prompt: prompt, Model: m.Name, Duration: secs, Format: "mp3", Entry: &m}
	if takesInstrumental(spec) {
		r.Instrumental = p.instrumental.Checked
	}
	if spec.Sound {
		r.Loop = p.loop.Checked
		v := p.influence.Value
		r.PromptInfluence = &v
	}
	if spec.Steps && p.steps.Selected != stepsDefault {
		r.Steps, _ = strconv.Atoi(p.steps.Selected)
	}
	return r, nil
}

func (p *Page) generate() {
	r, err := p.request()
	if err != nil {
		p.note.SetText(err.Error())
		p.note.Show()
		p.relayout()
		return
	}
	p.note.Hide()
	if p.ref.cancel != nil {
		return // the reference is still going up; this request is sent once it is
	}
	if m, ok := p.current(); ok && p.ref.file != "" && takesReference(api.MusicSpecFor(m.Name, &m)) {
		p.uploadRef(r)
		return
	}
	p.submit(r)
}

// submit queues the request once its reference audio is an address.
func (p *Page) submit(r api.MusicRequest) {
	id, ok := p.h.Submit(jobs.Request{Music: &r})
	if !ok {
		return
	}
	p.jobID, p.itemID = id, 0
	p.openB.Hide()
	p.playB.Hide()
	p.cancelB.Show()
	what := "music"
	if api.IsSoundModel(r.Model) {
		what = "the sound effect"
	}
	p.state.SetText("Generating " + what + "… it plays as it arrives.")
	p.relayout()
}

func (p *Page) onJob(ev jobs.Event) {
	if ev.ID != p.jobID || ev.ID == 0 {
		return
	}
	switch ev.State {
	case jobs.Running:
		if ev.Bytes > 0 {
			p.state.SetText(fmt.Sprintf("Downloading… %d KB", ev.Bytes/1024))
		}
	case jobs.Done:
		p.jobID = 0
		p.cancelB.Hide()
		p.state.SetText(fmt.Sprintf("Saved to the library (made in %s).", kit.Clock(ev.Elapsed)))
		if ev.ItemID != nil {
			p.itemID = *ev.ItemID
			p.openB.Show()
			p.playB.Show()
		}
		p.h.RefreshAccount() // the balance changed
	case jobs.Failed, jobs.Canceled:
		p.jobID = 0
		p.cancelB.Hide()
		p.state.SetText("")
		if ev.State == jobs.Failed {
			p.h.ShowError(ev.Err)
		} else {
			p.state.SetText("Canceled.")
		}
	}
	p.relayout()
}

// playAgain plays the last result from its library file, which seeks anywhere.
func (p *Page) playAgain() {
	id := p.itemID
	go func() {
		it, err := p.h.Library().Item(p.h.Context(), id)
		if err != nil {
			p.h.ShowError(fmt.Errorf("finding the result in the library: %w", err))
			return
		}
		p.playItem(it)
	}()
}

// playItem plays a library item's sound (any goroutine): only its own file in the library.
func (p *Page) playItem(it *lib.Item) {
	path, err := p.h.Library().ItemMediaPath(it)
	if err != nil {
		p.h.ShowError(err)
		return
	}
	kit.PlayFile(p.h, path, 0)
}

// Navigate plays a music or sound item (kit.ActPlay), showing its bar and "Open in library",
// or takes one as the reference audio (kit.ActUseRef).
func (p *Page) Navigate(v kit.Nav) {
	if v.Action == kit.ActUseRef {
		p.useReference(v)
		return
	}
	if v.Action != kit.ActPlay {
		return
	}
	switch {
	case v.Item != nil:
		it := *v.Item
		p.itemID = it.ID
		p.openB.Show()
		p.playB.Show()
		p.relayout()
		go p.playItem(&it)
	case v.ItemID != 0:
		p.itemID = v.ItemID
		p.openB.Show()
		p.playB.Show()
		p.relayout()
		p.playAgain()
	case len(v.Paths) > 0:
		kit.PlayFile(p.h, v.Paths[0], 0)
	}
}

// Start keeps the player bar up to date (on its own goroutine, until the window closes).
func (p *Page) Start() { p.bar.Follow() }

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Primary generates (Ctrl+Enter).
func (p *Page) Primary() { p.generate() }

// Package speech is the speech page: text read aloud, played while it downloads, kept in the
// library.
package speech

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/ui/kit"
)

// Page: text to speech, played while it downloads.
type Page struct {
	h      kit.Host
	text   *widget.Entry
	model  *widget.Select
	voice  *widget.Select
	format *widget.Select
	speakB *widget.Button
	bar    *kit.PlayerBar
	state  *widget.Label
	// remedy replaces Speak for a paid-only model on an account without paid Pollen: the
	// refusal it would meet, said before anything is sent, with the way out.
	remedy     *fyne.Container
	remedyText *widget.Label
	remedyLink *widget.Hyperlink
	jobID      int64
	content    fyne.CanvasObject
}

// New builds the speech page on its host.
func New(h kit.Host) *Page {
	p := &Page{h: h}
	p.text = widget.NewMultiLineEntry()
	p.text.SetPlaceHolder("Text to read aloud… (Ctrl+Enter speaks)")
	p.text.Wrapping = fyne.TextWrapWord
	p.text.SetMinRowsVisible(8)
	p.model = widget.NewSelect(nil, func(string) { p.fillVoices(); p.checkPaid() })
	p.voice = widget.NewSelect(nil, nil)
	p.format = widget.NewSelect([]string{"mp3", "wav"}, nil)
	p.format.SetSelected("mp3")
	p.speakB = widget.NewButtonWithIcon("Speak", theme.VolumeUpIcon(), p.speak)
	p.speakB.Importance = widget.HighImportance
	p.bar = kit.NewPlayerBar(h) // pause, stop, time and a seek bar on the window's player
	p.state = widget.NewLabel("")
	if !h.HasSound() {
		p.state.SetText("No sound device: speech is saved to the library and can be played later.")
	} else if h.Player() == nil {
		p.state.SetText("Sound output unavailable: speech is saved to the library and can be played later.")
	}
	p.remedyText = widget.NewLabel("")
	p.remedyText.Wrapping = fyne.TextWrapWord
	p.remedyLink = widget.NewHyperlink("Top up pollen at enter.pollinations.ai", kit.TopUpURL)
	p.remedy = container.NewVBox(p.remedyText, p.remedyLink)
	p.remedy.Hide()
	form := widget.NewForm(widget.NewFormItem("Model", p.model), widget.NewFormItem("Voice", p.voice), widget.NewFormItem("Format", p.format))
	p.content = container.NewPadded(container.NewVBox(kit.Heading("Speech"), p.text, form,
		p.remedy, container.NewHBox(p.speakB, p.bar.Pause, p.bar.Stop, p.bar.Elapsed), p.bar.Pos, p.state))
	h.OnAccount(p.fillModels)
	h.OnJob(p.onJob)

	return p
}

// models are the catalogue's voices: what reads text aloud (openai-audio, a chat model that
// can answer aloud, is the Chat page's; music and voice tools are not speech).
func (p *Page) models() []api.Model {
	var out []api.Model
	for _, m := range p.h.Models("audio") {
		if m.Page() == kit.PageSpeech {
			out = append(out, m)
		}
	}
	return out
}

// keysURL is where a key's settings (paid Pollen allowed or not) are changed.
var keysURL, _ = url.Parse("https://enter.pollinations.ai/keys")

// paid reports whether this key can spend paid Pollen: the account has some and the key is not
// limited to Quest Pollen. questOnly tells which of the two is missing. An unknown balance
// counts as none, so a free account is never started on a model it cannot pay for.
// [The shell's Host has Account(); kit.Host does not declare it yet.]
func (p *Page) paid() (paid, questOnly bool) {
	a, ok := p.h.(interface {
		Account() (*api.KeyInfo, *api.Balance)
	})
	if !ok {
		return false, false
	}
	info, bal := a.Account()
	questOnly = info != nil && info.QuestPollenOnly != nil && *info.QuestPollenOnly
	return bal != nil && bal.Paid > 0 && !questOnly, questOnly
}

func (p *Page) fillModels() {
	models := p.models()
	var labels []string
	byName := map[string]string{}
	for _, m := range kit.PickerOrder(models, p.h.Allowed) {
		l := kit.ModelLabel(m, p.h.Allowed) // name, title, paid-only, price, allowed, as on the other pages
		labels = append(labels, l)
		byName[m.Name] = l
	}
	p.model.Options = labels
	if p.model.Selected == "" && len(labels) > 0 {
		sel := labels[0]
		paid, _ := p.paid()
		if m, ok := api.StartSpeechModel(models, paid); ok {
			sel = byName[m.Name] // openai/tts-1, or the first voice the account can pay for
		}
		// The default chosen in Settings, under whatever name it was stored, when the account
		// can use it.
		if m, ok := api.FindModel(models, kit.DefaultModel(p.h.Preferences(), "audio", "")); ok && (paid || !m.PaidOnly) {
			sel = byName[m.Name]
		}
		p.model.SetSelected(sel)
	}
	p.model.Refresh()
	p.checkPaid()
}

// checkPaid shows the way to pay instead of Speak when the chosen model needs paid Pollen
// and the account has none.
func (p *Page) checkPaid() {
	m, ok := api.FindModel(p.models(), p.modelName())
	paid, questOnly := p.paid()
	if !ok || !m.PaidOnly || paid {
		p.remedy.Hide()
		kit.SetEnabled(p.speakB, true)
		return
	}
	if questOnly {
		p.remedyText.SetText(fmt.Sprintf("%s needs paid Pollen, and this key only spends Quest Pollen. Allow paid Pollen for this key, or pick a model that is not marked paid.", m.Name))
		p.remedyLink.SetText("Allow paid Pollen for this key at enter.pollinations.ai")
		p.remedyLink.SetURL(keysURL)
	} else {
		p.remedyText.SetText(fmt.Sprintf("%s needs paid Pollen, and this account has none: Quest Pollen cannot pay for it. Top up, or pick a model that is not marked paid.", m.Name))
		p.remedyLink.SetText("Top up pollen at enter.pollinations.ai")
		p.remedyLink.SetURL(kit.TopUpURL)
	}
	p.remedy.Show()
	kit.SetEnabled(p.speakB, false)
}

// modelName is the chosen model's name (the picker shows labels).
func (p *Page) modelName() string { return kit.ModelOfLabel(p.model.Selected) }

func (p *Page) fillVoices() {
	m, ok := api.FindModel(p.models(), p.modelName())
	if !ok {
		return
	}
	p.voice.Options = m.Voices
	if len(m.Voices) > 0 && !slices.Contains(m.Voices, p.voice.Selected) {
		p.voice.SetSelected(m.Voices[0])
	}
	p.voice.Refresh()
}

func (p *Page) speak() {
	text := strings.TrimSpace(p.text.Text)
	if text == "" || p.remedy.Visible() {
		return // nothing to read, or a refusal waiting: the remedy says what to do instead
	}
	req := api.SpeechRequest{Text: text, Model: p.modelName(), Voice: p.voice.Selected, Format: p.format.Selected}
	// A text over what the model reads at once goes in parts, played and saved as one clip;
	// only what cannot be one clip is refused, before anything is sent.
	parts, err := jobs.SpeechParts(req)
	if err != nil {
		p.h.ShowError(err)
		return
	}
	id, ok := p.h.Submit(jobs.Request{Speech: &req})
	if ok {
		p.jobID = id
		if len(parts) > 1 {
			p.state.SetText(fmt.Sprintf("Generating speech in %d parts…", len(parts)))
		} else {
			p.state.SetText("Generating speech…")
		}
	}
}

func (p *Page) onJob(ev jobs.Event) {
	if ev.ID != p.jobID {
		return
	}
	switch ev.State {
	case jobs.Running:
		if ev.Parts > 1 {
			p.state.SetText(fmt.Sprintf("Part %d of %d…", ev.Part, ev.Parts))
		}
	case jobs.Done:
		p.state.SetText("Saved to the library.")
	case jobs.Failed:
		p.state.SetText("")
		p.h.ShowError(ev.Err)
	}
}

// Start keeps the player bar up to date while something plays, until the window closes.
func (p *Page) Start() { p.bar.Follow() }

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// Primary speaks (Ctrl+Enter).
func (p *Page) Primary() { p.speak() }

// Navigate plays an item's sound (or a file) from the library.
func (p *Page) Navigate(v kit.Nav) {
	if v.Action != kit.ActPlay {
		return
	}
	switch {
	case v.Item != nil:
		kit.PlayFile(p.h, v.Item.MediaPath, 0)
	case len(v.Paths) > 0:
		kit.PlayFile(p.h, v.Paths[0], 0)
	}
}

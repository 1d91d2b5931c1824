package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
)

// speechPage: text to speech, played while it downloads.
type speechPage struct {
	s       *Studio
	text    *widget.Entry
	model   *widget.Select
	voice   *widget.Select
	format  *widget.Select
	elapsed *widget.Label
	speakB  *widget.Button
	pauseB  *widget.Button
	state   *widget.Label
	pos     *widget.Slider
	player  *audio.Player
	jobID   int64
	content fyne.CanvasObject
}

func newSpeechPage(s *Studio) *speechPage {
	p := &speechPage{s: s}
	p.text = widget.NewMultiLineEntry()
	p.text.SetPlaceHolder("Text to read aloud… (Ctrl+Enter speaks)")
	p.text.Wrapping = fyne.TextWrapWord
	p.text.SetMinRowsVisible(8)
	p.model = widget.NewSelect(nil, func(string) { p.fillVoices() })
	p.voice = widget.NewSelect(nil, nil)
	p.format = widget.NewSelect([]string{"mp3", "wav"}, nil)
	p.format.SetSelected("mp3")
	p.elapsed = widget.NewLabel("")
	p.speakB = widget.NewButtonWithIcon("Speak", theme.VolumeUpIcon(), p.speak)
	p.speakB.Importance = widget.HighImportance
	p.pauseB = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), func() {
		if p.player == nil {
			return
		}
		if p.player.Paused() {
			p.player.Resume()
			p.pauseB.SetText("Pause")
		} else {
			p.player.Pause()
			p.pauseB.SetText("Resume")
		}
	})
	stop := widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() {
		if p.player != nil {
			p.player.Stop()
		}
	})
	p.state = widget.NewLabel("")
	p.pos = widget.NewSlider(0, 1)
	p.pos.Step = 0.001
	p.pos.Hide() // shown while something plays
	p.pos.OnChangeEnded = func(v float64) {
		if p.player == nil {
			return
		}
		if d, ok := p.player.Duration(); ok {
			go func() {
				if err := p.player.Seek(time.Duration(v * float64(d))); err != nil {
					p.s.showError(err)
				}
			}()
		}
	}
	if s.audio != nil {
		p.useOutput(s.outputDevice())
	} else {
		p.state.SetText("No sound device: speech is saved to the library and can be played later.")
	}
	form := widget.NewForm(widget.NewFormItem("Model", p.model), widget.NewFormItem("Voice", p.voice), widget.NewFormItem("Format", p.format))
	p.content = container.NewPadded(container.NewVBox(heading("Speech"), p.text, form,
		container.NewHBox(p.speakB, p.pauseB, stop, p.elapsed), p.pos, p.state))
	s.onAccount(p.fillModels)

	return p
}

func (p *speechPage) fillModels() {
	var labels []string
	byName := map[string]string{}
	for _, m := range p.s.Models("audio") {
		l := p.s.modelLabel(m) // name, title, paid-only, price, allowed, as on the other pages
		labels = append(labels, l)
		byName[m.Name] = l
	}
	p.model.Options = labels
	if p.model.Selected == "" && len(labels) > 0 {
		sel := labels[0]
		if l, ok := byName["elevenlabs"]; ok {
			sel = l // the service's default voice model
		}
		if l, ok := byName[p.s.defaultModel("audio", "")]; ok {
			sel = l
		}
		p.model.SetSelected(sel)
	}
	p.model.Refresh()
}

// modelName is the chosen model's name (the picker shows labels).
func (p *speechPage) modelName() string { return modelOfLabel(p.model.Selected) }

func (p *speechPage) fillVoices() {
	m, ok := api.FindModel(p.s.Models("audio"), p.modelName())
	if !ok {
		return
	}
	p.voice.Options = m.Voices
	if len(m.Voices) > 0 && !containsString(m.Voices, p.voice.Selected) {
		p.voice.SetSelected(m.Voices[0])
	}
	p.voice.Refresh()
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func (p *speechPage) speak() {
	text := strings.TrimSpace(p.text.Text)
	if text == "" {
		return
	}
	req := api.SpeechRequest{Text: text, Model: p.modelName(), Voice: p.voice.Selected, Format: p.format.Selected}
	// A text over what the model reads at once goes in parts, played and saved as one clip;
	// only what cannot be one clip is refused, before anything is sent.
	parts, err := jobs.SpeechParts(req)
	if err != nil {
		p.s.showError(err)
		return
	}
	id, ok := p.s.submit(jobs.Request{Speech: &req})
	if ok {
		p.jobID = id
		if len(parts) > 1 {
			p.state.SetText(fmt.Sprintf("Generating speech in %d parts…", len(parts)))
		} else {
			p.state.SetText("Generating speech…")
		}
	}
}

// liveAudio starts playback as the download starts (called off the UI goroutine).
func (p *speechPage) liveAudio(ev jobs.Event) {
	if p.player == nil {
		return
	}
	if err := p.player.Play(context.Background(), ev.Audio, audio.FormatAuto); err != nil {
		p.s.showError(fmt.Errorf("playing: %w", err))
	}
}

func (p *speechPage) onJob(ev jobs.Event) {
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
		p.s.showError(ev.Err)
	}
}

// playFile plays a clip from the library.
func (p *speechPage) playFile(path string) {
	if p.player == nil {
		p.s.showError(audio.ErrNoDevice)
		return
	}
	go func() {
		f, err := os.Open(path)
		if err != nil {
			p.s.showError(err)
			return
		}
		if err := p.player.Play(context.Background(), f, audio.FormatAuto); err != nil {
			f.Close()
			p.s.showError(fmt.Errorf("playing: %w", err))
			return
		}
		<-p.player.Done()
		f.Close()
	}()
}

// tick moves the progress bar while something plays.
func (p *speechPage) tick() {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.s.ctx.Done():
			return
		case <-t.C:
		}
		if p.player == nil {
			continue
		}
		pos := p.player.Position()
		d, ok := p.player.Duration()
		p.s.RunOnUI(func() {
			if ok && d > 0 && pos < d {
				p.pos.Show()
				p.pos.SetValue(float64(pos) / float64(d))
				p.elapsed.SetText(fmt.Sprintf("%s / %s", clock(pos), clock(d)))
			} else if pos > 0 && !ok {
				p.elapsed.SetText(clock(pos)) // still downloading: length not known yet
			} else if p.pos.Visible() {
				p.pos.Hide()
				p.elapsed.SetText("")
			}
		})
	}
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// useOutput plays through a device chosen in Settings ("" = the system default); a device that
// is not connected any more falls back to the default.
func (p *speechPage) useOutput(device string) {
	if p.s.audio == nil {
		return
	}
	if p.player != nil {
		p.player.Stop()
	}
	pl, err := p.s.audio.NewPlayer(audio.PlayerOptions{DeviceID: device})
	if errors.Is(err, audio.ErrDeviceNotFound) {
		pl, err = p.s.audio.NewPlayer(audio.PlayerOptions{})
	}
	if err != nil {
		p.state.SetText("Sound output unavailable: " + err.Error())
		return
	}
	p.player = pl
}

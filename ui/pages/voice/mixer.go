package voice

import (
	"errors"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// mixer plays the stems of one separation together on the window's player (audio.Mix), with a
// Mute per stem changeable while it plays and Play alone (a solo, so the mix stays in time).
type mixer struct {
	p       *Page
	content *fyne.Container
	title   *widget.Label
	rows    []*stemRow
	list    *fyne.Container
	playAll *widget.Button
	stop    *widget.Button
	open    *widget.Button
	note    *widget.Label // no sound output, or what went wrong

	items   []lib.Item
	mix     *audio.Mix // the mix last started (UI goroutine only)
	playing bool
	gen     int // counts the mixes started, so a late end of an old one changes nothing
}

// stemRow is one stem: its name, Mute and Play alone.
type stemRow struct {
	box   *fyne.Container
	name  *widget.Label
	mute  *widget.Check
	alone *widget.Button
}

func newMixer(p *Page) *mixer {
	m := &mixer{p: p, title: kit.Heading("Stems"), list: container.NewVBox(), note: widget.NewLabel("")}
	m.note.Wrapping = fyne.TextWrapWord
	m.note.Hide()
	m.playAll = widget.NewButtonWithIcon("Play all", theme.MediaPlayIcon(), func() { m.play(-1) })
	m.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), m.stopPlaying)
	m.open = widget.NewButtonWithIcon("Open source in library", theme.StorageIcon(), func() {
		if len(m.items) > 0 && m.items[0].ParentID != nil {
			p.h.Navigate(kit.Nav{Page: kit.PageLibrary, Action: kit.ActShow, ItemID: *m.items[0].ParentID})
		}
	})
	m.content = container.NewVBox(container.NewHBox(m.title, m.playAll, m.stop, m.open), m.note, m.list)
	m.content.Hide()
	return m
}

// clear forgets the stems shown (a new job started).
func (m *mixer) clear() {
	m.stopPlaying()
	m.gen++
	m.playing = false
	m.items, m.rows, m.mix = nil, nil, nil
	m.list.RemoveAll()
	m.content.Hide()
}

// show lists the stems, one row each.
func (m *mixer) show(items []lib.Item) {
	m.clear()
	m.items = items
	for i, it := range items {
		i := i
		r := &stemRow{name: widget.NewLabel(stemName(it))}
		r.mute = widget.NewCheck("Mute", func(on bool) {
			if m.mix != nil {
				m.mix.SetMuted(i, on)
			}
		})
		r.alone = widget.NewButtonWithIcon("Play alone", theme.MediaPlayIcon(), func() { m.play(i) })
		r.box = container.NewBorder(nil, nil, nil, container.NewHBox(r.mute, r.alone), r.name)
		m.rows = append(m.rows, r)
		m.list.Add(r.box)
	}
	m.title.SetText(fmt.Sprintf("Stems (%d)", len(items)))
	if m.p.h.Player() == nil {
		m.say("No sound output on this machine: the stems are kept in the library, linked to their source.")
		m.playAll.Disable()
		for _, r := range m.rows {
			r.alone.Disable()
		}
	} else {
		m.playAll.Enable()
		m.say("")
	}
	m.content.Show()
	m.p.relayout()
}

// play plays the stems together, or stem solo alone (-1: all that are not muted). While the
// mix plays, it only changes what is heard.
func (m *mixer) play(solo int) {
	if m.playing && m.mix != nil {
		m.mix.SetSolo(solo)
		m.sayPlaying(solo)
		return
	}
	player := m.p.h.Player()
	if player == nil || len(m.items) == 0 {
		return
	}
	var paths []string
	for i := range m.items {
		path, err := m.p.h.Library().ItemMediaPath(&m.items[i])
		if err != nil {
			m.p.h.ShowError(err)
			return
		}
		paths = append(paths, path)
	}
	muted := make([]bool, len(m.rows))
	for i, r := range m.rows {
		muted[i] = r.mute.Checked
	}
	m.playing = true
	m.gen++
	gen := m.gen
	m.sayPlaying(solo)
	go func() {
		mix, files, err := openMix(paths)
		if err == nil {
			for i, on := range muted {
				mix.SetMuted(i, on)
			}
			mix.SetSolo(solo)
			err = player.PlayStream(m.p.h.Context(), mix)
		}
		if err != nil {
			closeAll(files)
			alone := errors.Is(err, audio.ErrMixRates) && solo >= 0
			m.p.h.RunOnUI(func() {
				if m.gen != gen {
					return
				}
				m.playing = false
				m.say("")
				if alone { // stems that cannot be mixed still play one by one
					m.say("The stems differ in sample rate, so they play one at a time, not mixed.")
				}
			})
			if alone {
				kit.PlayFile(m.p.h, paths[solo], 0)
				return
			}
			m.p.h.ShowError(fmt.Errorf("playing the stems: %w", err))
			return
		}
		done := player.Done()
		m.p.h.RunOnUI(func() {
			if m.gen != gen {
				return
			}
			m.mix = mix
			for i, r := range m.rows { // a box ticked while the files were opening
				mix.SetMuted(i, r.mute.Checked)
			}
		})
		<-done
		closeAll(files)
		m.p.h.RunOnUI(func() {
			if m.gen == gen {
				m.playing = false
				m.say("")
			}
		})
	}()
}

// say shows a line under the mixer's buttons, or hides it.
func (m *mixer) say(text string) {
	m.note.SetText(text)
	if text == "" {
		m.note.Hide()
	} else {
		m.note.Show()
	}
	m.p.relayout()
}

// sayPlaying says what is heard.
func (m *mixer) sayPlaying(solo int) {
	if solo >= 0 && solo < len(m.rows) {
		m.say("Playing " + m.rows[solo].name.Text + " alone.")
		return
	}
	m.say("Playing the stems together; Mute takes one out while they play.")
}

func (m *mixer) stopPlaying() {
	if m.playing {
		if pl := m.p.h.Player(); pl != nil {
			pl.Stop()
		}
	}
}

// openMix decodes each stem's file and mixes them (any goroutine); the files stay open while
// the mix plays.
func openMix(paths []string) (*audio.Mix, []*os.File, error) {
	var files []*os.File
	var srcs []audio.Stream
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, files, err
		}
		files = append(files, f)
		s, err := audio.Decode(f, audio.FormatAuto) // MP3 from the service; WAV plays too
		if err != nil {
			return nil, files, fmt.Errorf("%s: %w", path, err)
		}
		srcs = append(srcs, s)
	}
	mix, err := audio.NewMix(srcs...)
	return mix, files, err
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

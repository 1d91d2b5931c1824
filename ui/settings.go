package ui

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
)

// Preference names.
const (
	prefBaseURL     = "apiBaseURL"
	prefOutput      = "audioOutput" // a device name; "" = the system default
	prefInput       = "audioInput"
	systemDefault   = "System default"
	prefModelPrefix = "defaultModel."
)

// modelKinds are the catalogue kinds that have a default model, with the fallback.
var modelKinds = []struct{ kind, label, fallback string }{
	{"image", "Image", "flux"}, {"text", "Chat", "openai"}, {"audio", "Speech", "elevenlabs"},
	{"transcription", "Transcription", "whisper"}, {"video", "Video", ""},
}

// settingsPage: the key (paste or sign in), theme, default models, library folder, sound
// devices, and the API address under Advanced.
type settingsPage struct {
	s        *Studio
	key      *widget.Entry
	note     *widget.Label
	info     *widget.Label
	signIn   *widget.Button
	defaults map[string]*widget.Select // kind → picker of the default model
	output   *widget.Select
	input    *widget.Select
	base     *widget.Entry
	baseNote *widget.Label
	content  fyne.CanvasObject
}

func newSettingsPage(s *Studio) *settingsPage {
	p := &settingsPage{s: s}
	p.key = widget.NewPasswordEntry()
	p.key.SetPlaceHolder("sk_… or pk_… from enter.pollinations.ai/keys")
	p.note = widget.NewLabel("")
	p.note.Wrapping = fyne.TextWrapWord
	p.info = widget.NewLabel("")
	p.info.Wrapping = fyne.TextWrapWord
	save := widget.NewButtonWithIcon("Check and save", theme.ConfirmIcon(), func() { p.saveKey(p.key.Text) })
	save.Importance = widget.HighImportance
	p.signIn = widget.NewButtonWithIcon("Sign in with Pollinations", theme.LoginIcon(), p.deviceSignIn)
	signOut := widget.NewButtonWithIcon("Sign out", theme.LogoutIcon(), p.signOut)
	keysURL, _ := url.Parse("https://enter.pollinations.ai/keys")

	themeSel := widget.NewSelect([]string{"system", "light", "dark"}, func(v string) {
		s.app.Preferences().SetString(prefTheme, v)
		applyTheme(s.app, v)
	})
	themeSel.SetSelected(s.app.Preferences().StringWithFallback(prefTheme, "system"))
	folder := widget.NewLabel(s.lib.Dir())
	folder.Wrapping = fyne.TextWrapBreak
	openFolder := widget.NewButtonWithIcon("Open", theme.FolderOpenIcon(), func() { s.openPath("Library folder", s.lib.Dir()) })
	p.defaults = map[string]*widget.Select{}
	defaultsForm := widget.NewForm()
	for _, k := range modelKinds {
		sel := widget.NewSelect(nil, nil)
		sel.PlaceHolder = "Loading models…"
		kind := k.kind
		sel.OnChanged = func(v string) {
			if v != "" {
				s.app.Preferences().SetString(prefModelPrefix+kind, modelOfLabel(v))
			}
		}
		p.defaults[kind] = sel
		defaultsForm.Append(k.label, sel)
	}
	p.output = widget.NewSelect(nil, func(v string) {
		s.app.Preferences().SetString(prefOutput, deviceOfLabel(v))
		s.speech.useOutput(deviceOfLabel(v))
	})
	p.input = widget.NewSelect(nil, func(v string) { s.app.Preferences().SetString(prefInput, deviceOfLabel(v)) })
	sound := []*widget.FormItem{widget.NewFormItem("Speakers", p.output), widget.NewFormItem("Microphone", p.input)}
	if s.audio == nil {
		none := widget.NewLabel("No sound device found: speech can still be saved and played later.")
		none.Wrapping = fyne.TextWrapWord
		sound = []*widget.FormItem{widget.NewFormItem("Sound", none)}
	}
	p.base = widget.NewEntry()
	p.base.SetText(s.baseURL())
	p.baseNote = widget.NewLabel("")
	p.baseNote.Wrapping = fyne.TextWrapWord
	applyBase := widget.NewButtonWithIcon("Apply", theme.ConfirmIcon(), func() { p.setBaseURL(p.base.Text) })
	switch {
	case s.sim != nil:
		p.base.Disable()
		applyBase.Disable()
		p.baseNote.SetText("Demo mode uses its built-in simulator.")
	case s.o.BaseURL != "":
		p.base.Disable()
		applyBase.Disable()
		p.baseNote.SetText("Set by --base-url or POLLINATIONS_BASE_URL for this run.")
	}
	advanced := widget.NewAccordion(widget.NewAccordionItem("Advanced", widget.NewForm(
		widget.NewFormItem("API address", container.NewVBox(container.NewBorder(nil, nil, nil, applyBase, p.base), p.baseNote)),
	)))
	keyBox := container.NewVBox(
		heading("Your Pollinations key"),
		widget.NewLabel("The key is kept in your system keychain and sent only to the Pollinations API."),
		container.NewBorder(nil, nil, nil, save, p.key),
		container.NewHBox(p.signIn, signOut, widget.NewHyperlink("Get a key", keysURL)),
		p.info, p.note,
	)
	other := widget.NewForm(append([]*widget.FormItem{
		widget.NewFormItem("Theme", themeSel),
		widget.NewFormItem("Library folder", container.NewBorder(nil, nil, nil, openFolder, folder)),
	}, sound...)...)
	p.content = container.NewVScroll(container.NewPadded(container.NewVBox(keyBox, widget.NewSeparator(),
		heading("Preferences"), other, widget.NewSeparator(), heading("Default models"), defaultsForm, widget.NewSeparator(), advanced)))
	s.onAccount(p.showInfo)
	s.onAccount(p.fillDefaults)
	if s.sim != nil {
		p.setNote("Demo mode: the app talks to its built-in simulator with a demo key. Nothing leaves this computer.")
	}
	return p
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *settingsPage) setNote(t string) { p.note.SetText(t) }

func (p *settingsPage) showInfo() {
	info, bal := p.s.account()
	if info == nil {
		p.info.SetText("")
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Key: %s (%s)", info.Type, orText(info.Name, "unnamed"))
	if info.ExpiresAt != nil {
		fmt.Fprintf(&b, " · expires %s", info.ExpiresAt.Local().Format("2 Jan 2006"))
	}
	if info.AllowedModels != nil {
		fmt.Fprintf(&b, "\nAllowed models: %s", strings.Join(info.AllowedModels, ", "))
	}
	if info.PollenBudget != nil {
		fmt.Fprintf(&b, "\nKey budget: %.4f pollen", *info.PollenBudget)
	}
	if bal != nil && bal.HasBreakdown {
		fmt.Fprintf(&b, "\nBalance: %.4f pollen (tier %.4f, paid %.4f)", bal.Total, bal.Tier, bal.Paid)
	}
	p.info.SetText(b.String())
}

// saveKey validates a pasted key with /account/key, then stores it in the keychain.
func (p *settingsPage) saveKey(key string) {
	key = strings.TrimSpace(key)
	if err := api.ValidateKey(key); err != nil {
		p.setNote(err.Error())
		return
	}
	p.setNote("Checking the key…")
	s := p.s
	go func() {
		c, err := s.newClient(key)
		if err == nil {
			ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
			_, err = c.KeyInfo(ctx)
			cancel()
		}
		if err != nil {
			s.RunOnUI(func() { p.setNote("This key was not accepted: " + friendly(err)) })
			return
		}
		kerr := s.o.Keychain.Set(s.ctx, key)
		s.setClient(c)
		s.RunOnUI(func() {
			p.key.SetText("")
			if kerr != nil {
				p.setNote("The key works and is used for this session, but the system keychain could not keep it (" + kerr.Error() + "); you will need to paste it again next time.")
			} else {
				p.setNote("Key " + api.MaskKey(key) + " saved in the system keychain.")
			}
		})
	}()
}

// deviceSignIn runs the device-code flow: show the code, open the page, wait for approval.
func (p *settingsPage) deviceSignIn() {
	s := p.s
	p.signIn.Disable()
	go func() {
		defer s.RunOnUI(p.signIn.Enable)
		c, err := s.newClient("")
		if err != nil {
			s.showError(err)
			return
		}
		ctx, cancel := context.WithTimeout(s.ctx, 15*time.Minute)
		defer cancel()
		dc, err := c.StartDeviceLogin(ctx, "")
		if err != nil {
			s.RunOnUI(func() { p.setNote("Sign-in could not start: " + friendly(err)) })
			return
		}
		s.RunOnUI(func() {
			p.setNote(fmt.Sprintf("Enter the code %s at %s to approve Pollinations Studio. Waiting…", dc.UserCode, dc.VerificationURI))
			if u, err := url.Parse(orText(dc.VerificationURIComplete, dc.VerificationURI)); err == nil {
				s.app.OpenURL(u)
			}
		})
		key, err := c.WaitDeviceToken(ctx, dc)
		if err != nil {
			s.RunOnUI(func() { p.setNote("Sign-in did not finish: " + friendly(err)) })
			return
		}
		s.RunOnUI(func() { p.saveKey(key) })
	}()
}

func (p *settingsPage) signOut() {
	s := p.s
	go func() {
		err := s.o.Keychain.Delete(s.ctx)
		c, _ := s.newClient("")
		if c != nil {
			s.setClient(c)
		}
		s.RunOnUI(func() {
			if err != nil {
				p.setNote("Signed out for this session; the keychain could not be cleared: " + err.Error())
			} else {
				p.setNote("Signed out: the key was removed from the keychain.")
			}
			p.info.SetText("")
		})
	}()
}

// modelOfLabel is the model name at the start of a picker label ("flux — Flux Schnell · …").
func modelOfLabel(l string) string {
	name, _, _ := strings.Cut(l, " ")
	return name
}

// defaultModel is the model chosen in Settings for a kind, or fallback.
func (s *Studio) defaultModel(kind, fallback string) string {
	return s.app.Preferences().StringWithFallback(prefModelPrefix+kind, fallback)
}

// fillDefaults fills the default-model pickers from the catalogue.
func (p *settingsPage) fillDefaults() {
	for _, k := range modelKinds {
		sel := p.defaults[k.kind]
		want := p.s.defaultModel(k.kind, k.fallback)
		var labels []string
		chosen := ""
		for _, m := range p.s.Models(k.kind) {
			l := p.s.modelLabel(m)
			labels = append(labels, l)
			if m.Name == want {
				chosen = l
			}
		}
		if chosen == "" && len(labels) > 0 {
			chosen = labels[0] // what the page starts on when nothing is chosen
		}
		sel.Options = labels
		sel.PlaceHolder = "Choose a model"
		if chosen != "" && sel.Selected != chosen {
			showQuietly(sel, chosen) // only a choice the user makes is saved
		}
		sel.Refresh()
	}
}

// showQuietly selects v without calling the select's OnChanged: the page shows a saved or
// default choice, which is not a choice the user just made.
func showQuietly(sel *widget.Select, v string) {
	onChanged := sel.OnChanged
	sel.OnChanged = nil
	sel.SetSelected(v)
	sel.OnChanged = onChanged
}

func deviceOfLabel(l string) string {
	if l == systemDefault {
		return ""
	}
	return l
}

// loadDevices lists the sound devices off the UI goroutine and shows the saved choice; a saved
// device that is not connected now shows as the system default (and is used as such).
func (p *settingsPage) loadDevices() {
	if p.s.audio == nil {
		return
	}
	outs, errOut := p.s.audio.PlaybackDevices()
	ins, errIn := p.s.audio.CaptureDevices()
	names := func(ds []audio.Device) []string {
		out := []string{systemDefault}
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	p.s.RunOnUI(func() {
		prefs := p.s.app.Preferences()
		for _, c := range []struct {
			sel  *widget.Select
			ds   []audio.Device
			err  error
			pref string
			what string
		}{{p.output, outs, errOut, prefOutput, "Output"}, {p.input, ins, errIn, prefInput, "Microphone"}} {
			c.sel.Options = names(c.ds)
			c.sel.PlaceHolder = c.what
			if c.err != nil {
				c.sel.PlaceHolder = c.what + ": " + c.err.Error()
				c.sel.Disable()
			}
			saved := prefs.String(c.pref)
			shown := systemDefault
			for _, d := range c.ds {
				if saved != "" && d.Name == saved {
					shown = d.Name
				}
			}
			showQuietly(c.sel, shown)
			c.sel.Refresh()
		}
	})
}

// outputDevice and inputDevice are the devices chosen in Settings ("" = the system default).
func (s *Studio) outputDevice() string { return s.app.Preferences().String(prefOutput) }
func (s *Studio) inputDevice() string  { return s.app.Preferences().String(prefInput) }

// baseURL is the API address: the command line's, else the one saved under Advanced, else the
// real service.
func (s *Studio) baseURL() string {
	if s.o.BaseURL != "" {
		return s.o.BaseURL
	}
	return s.app.Preferences().StringWithFallback(prefBaseURL, api.DefaultBaseURL)
}

// setBaseURL switches the API address (checked first) and keeps it for the next start.
func (p *settingsPage) setBaseURL(u string) {
	s := p.s
	u = strings.TrimSpace(u)
	if u == "" {
		u = api.DefaultBaseURL
	}
	var c *api.Client
	var err error
	if cur := s.Client(); cur != nil {
		c, err = cur.WithBaseURL(u)
	} else {
		c, err = api.New(api.Options{BaseURL: u, EnterURL: s.o.EnterURL, UserAgent: userAgent})
	}
	if err != nil {
		p.baseNote.SetText("Not an API address: " + err.Error())
		return
	}
	s.app.Preferences().SetString(prefBaseURL, c.BaseURL())
	p.base.SetText(c.BaseURL())
	p.baseNote.SetText("Using " + c.BaseURL() + ".")
	s.setClient(c)
}

// openPath opens a folder in the file manager or a file in its default program, and shows
// the path where the system cannot (a url.URL, so spaces and '#' in the path stay the path).
func (s *Studio) openPath(what, path string) {
	if err := s.app.OpenURL(&url.URL{Scheme: "file", Path: path}); err != nil {
		dialog.ShowInformation(what, path, s.win)
	}
}

// Package settings is the settings page: the key (pasted or by sign-in), theme, default
// models, library folder, sound devices and, under Advanced, the API address.
package settings

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/keychain"
	"pollinations-studio/ui/kit"
)

// systemDefault is the device pickers' first choice.
const systemDefault = "System default"

// Host is what Settings needs beyond what every page has: the account and key, the API
// address, the theme and the sound devices.
type Host interface {
	kit.Host
	// Client is the API client in use (nil until a key or the catalogue is known); NewClient
	// makes one for a key at the current address; UseClient switches to one and reloads the
	// account and catalogue.
	Client() *api.Client
	NewClient(key string) (*api.Client, error)
	UseClient(c *api.Client)
	Keychain() keychain.Store
	// BaseURL is the API address in use; BaseURLFixed says why it cannot be changed here
	// ("" when it can).
	BaseURL() string
	BaseURLFixed() string
	// Demo reports demo mode (the built-in simulator and a demo key).
	Demo() bool
	ApplyTheme(choice string)
	// UseOutput plays through a device ("" = the system default).
	UseOutput(device string)
	// Audio is the sound engine (nil without a sound device).
	Audio() *audio.Engine
}

// modelKinds are the catalogue kinds that have a default model, with the fallback.
var modelKinds = []struct{ kind, label, fallback string }{
	{"image", "Image", "flux"}, {"text", "Chat", "openai"}, {"audio", "Speech", api.DefaultSpeechModelID},
	{"transcription", "Transcription", "whisper"}, {"video", "Video", ""},
}

// Page: the key (paste or sign in), theme, default models, library folder, sound
// devices, and the API address under Advanced.
type Page struct {
	h    Host
	key  *widget.Entry
	note *widget.Label
	info *widget.Label
	// raise opens the key's page on the dashboard, where its budget and expiry are raised
	// (shown for a key with either).
	raise     *widget.Button
	community *widget.Check
	signIn    *widget.Button
	// userCode is the device sign-in's code being waited for ("" when none).
	userCode string
	defaults map[string]*widget.Select // kind → picker of the default model
	output   *widget.Select
	input    *widget.Select
	base     *widget.Entry
	baseNote *widget.Label
	content  fyne.CanvasObject
}

// New builds the settings page on its host.
func New(h Host) *Page {
	p := &Page{h: h}
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
	p.raise = widget.NewButtonWithIcon("Raise this key's budget or expiry", theme.ComputerIcon(), func() {
		h.OpenURL(kit.KeyPageURL(""))
	})
	p.raise.Hide()
	p.community = widget.NewCheck("Show community models", func(on bool) {
		if on == kit.ShowCommunity(h.Preferences()) {
			return
		}
		h.Preferences().SetBool(kit.PrefCommunity, on)
		h.RefreshAccount() // every picker refills on the account's listeners
	})
	p.community.SetChecked(kit.ShowCommunity(h.Preferences()))

	themeSel := widget.NewSelect([]string{"system", "light", "dark"}, func(v string) {
		h.Preferences().SetString(kit.PrefTheme, v)
		h.ApplyTheme(v)
	})
	themeSel.SetSelected(h.Preferences().StringWithFallback(kit.PrefTheme, "system"))
	folder := widget.NewLabel(h.Library().Dir())
	folder.Wrapping = fyne.TextWrapBreak
	openFolder := widget.NewButtonWithIcon("Open", theme.FolderOpenIcon(), func() { h.OpenPath("Library folder", h.Library().Dir()) })
	p.defaults = map[string]*widget.Select{}
	defaultsForm := widget.NewForm()
	for _, k := range modelKinds {
		sel := widget.NewSelect(nil, nil)
		sel.PlaceHolder = "Loading models…"
		kind := k.kind
		sel.OnChanged = func(v string) {
			if v != "" {
				h.Preferences().SetString(kit.PrefModelPrefix+kind, kit.ModelOfLabel(v))
			}
		}
		p.defaults[kind] = sel
		defaultsForm.Append(k.label, sel)
	}
	p.output = widget.NewSelect(nil, func(v string) {
		h.Preferences().SetString(kit.PrefOutput, deviceOfLabel(v))
		h.UseOutput(deviceOfLabel(v))
	})
	p.input = widget.NewSelect(nil, func(v string) { h.Preferences().SetString(kit.PrefInput, deviceOfLabel(v)) })
	sound := []*widget.FormItem{widget.NewFormItem("Speakers", p.output), widget.NewFormItem("Microphone", p.input)}
	if h.Audio() == nil {
		none := widget.NewLabel("No sound device found: speech can still be saved and played later.")
		none.Wrapping = fyne.TextWrapWord
		sound = []*widget.FormItem{widget.NewFormItem("Sound", none)}
	}
	p.base = widget.NewEntry()
	p.base.SetText(h.BaseURL())
	p.baseNote = widget.NewLabel("")
	p.baseNote.Wrapping = fyne.TextWrapWord
	applyBase := widget.NewButtonWithIcon("Apply", theme.ConfirmIcon(), func() { p.setBaseURL(p.base.Text) })
	if why := h.BaseURLFixed(); why != "" {
		p.base.Disable()
		applyBase.Disable()
		p.baseNote.SetText(why)
	}
	advanced := widget.NewAccordion(widget.NewAccordionItem("Advanced", widget.NewForm(
		widget.NewFormItem("API address", container.NewVBox(container.NewBorder(nil, nil, nil, applyBase, p.base), p.baseNote)),
	)))
	keyBox := container.NewVBox(
		kit.Heading("Your Pollinations key"),
		widget.NewLabel("The key is kept in your system keychain and sent only to the Pollinations API."),
		container.NewBorder(nil, nil, nil, save, p.key),
		container.NewHBox(p.signIn, signOut, widget.NewHyperlink("Get a key", kit.KeysURL)),
		p.info, container.NewHBox(p.raise), p.note,
	)
	other := widget.NewForm(append([]*widget.FormItem{
		widget.NewFormItem("Theme", themeSel),
		widget.NewFormItem("Library folder", container.NewBorder(nil, nil, nil, openFolder, folder)),
	}, sound...)...)
	p.content = container.NewVScroll(container.NewPadded(container.NewVBox(keyBox, widget.NewSeparator(),
		kit.Heading("Preferences"), other, widget.NewSeparator(), kit.Heading("Default models"), defaultsForm, p.community, widget.NewSeparator(), advanced)))
	h.OnAccount(p.showInfo)
	h.OnAccount(p.fillDefaults)
	if h.Demo() {
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

func (p *Page) setNote(t string) { p.note.SetText(t) }

func (p *Page) showInfo() {
	info, bal := p.h.Account()
	if info == nil {
		p.info.SetText("")
		p.raise.Hide()
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Key: %s (%s)", info.Type, orText(info.Name, "unnamed"))
	if l := kit.KeyLimits(info, time.Now()); l != "" {
		b.WriteString("\n" + l)
	}
	if scope := kit.KeyScope(info, kit.AccountOf(p.h).Models); scope != "" {
		b.WriteString("\n" + scope)
	}
	b.WriteString("\nBalance: " + kit.BalanceText(info, bal))
	p.info.SetText(b.String())
	if info.ExpiresAt != nil || info.PollenBudget != nil {
		p.raise.Show()
	} else {
		p.raise.Hide()
	}
}

// saveKey validates a pasted key with /account/key, then stores it in the keychain.
func (p *Page) saveKey(key string) {
	key = strings.TrimSpace(key)
	if err := api.ValidateKey(key); err != nil {
		p.setNote(err.Error())
		return
	}
	p.setNote("Checking the key…")
	h := p.h
	go func() {
		c, err := h.NewClient(key)
		if err == nil {
			ctx, cancel := context.WithTimeout(h.Context(), 30*time.Second)
			_, err = c.KeyInfo(ctx)
			cancel()
		}
		if err != nil {
			h.RunOnUI(func() { p.setNote("This key was not accepted: " + kit.Friendly(err)) })
			return
		}
		kerr := h.Keychain().Set(h.Context(), key)
		h.UseClient(c)
		h.RunOnUI(func() {
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
func (p *Page) deviceSignIn() {
	h := p.h
	p.signIn.Disable()
	go func() {
		defer h.RunOnUI(p.signIn.Enable)
		c, err := h.NewClient("")
		if err != nil {
			h.ShowError(err)
			return
		}
		ctx, cancel := context.WithTimeout(h.Context(), 15*time.Minute)
		defer cancel()
		dc, err := c.StartDeviceLogin(ctx, "")
		if err != nil {
			h.RunOnUI(func() { p.setNote("Sign-in could not start: " + kit.Friendly(err)) })
			return
		}
		h.RunOnUI(func() {
			p.userCode = dc.UserCode
			p.setNote(fmt.Sprintf("Enter the code %s at %s to approve Pollinations Studio. Waiting…", dc.UserCode, dc.VerificationURI))
			if u, err := url.Parse(orText(dc.VerificationURIComplete, dc.VerificationURI)); err == nil {
				h.OpenURL(u)
			}
		})
		key, err := c.WaitDeviceToken(ctx, dc)
		h.RunOnUI(func() { p.userCode = "" })
		if err != nil {
			h.RunOnUI(func() { p.setNote("Sign-in did not finish: " + kit.Friendly(err)) })
			return
		}
		// The new key's expiry and budget show with the key's information once it is
		// checked; the button beside them leads to where both are raised.
		h.RunOnUI(func() { p.saveKey(key) })
	}()
}

func (p *Page) signOut() {
	h := p.h
	go func() {
		err := h.Keychain().Delete(h.Context())
		c, _ := h.NewClient("")
		if c != nil {
			h.UseClient(c)
		}
		h.RunOnUI(func() {
			if err != nil {
				p.setNote("Signed out for this session; the keychain could not be cleared: " + err.Error())
			} else {
				p.setNote("Signed out: the key was removed from the keychain.")
			}
			p.info.SetText("")
		})
	}()
}

// fillDefaults fills the default-model pickers from the catalogue. A stored choice is found by
// id or alias ("flux" is black-forest-labs/flux-schnell).
func (p *Page) fillDefaults() {
	for _, k := range modelKinds {
		sel := p.defaults[k.kind]
		want := kit.DefaultModel(p.h.Preferences(), k.kind, k.fallback)
		models, labels := kit.PickerLabels(p.h, k.kind)
		chosen := kit.LabelOf(models, labels, want)
		if chosen == "" && len(labels) > 0 {
			chosen = labels[0] // what the page starts on when nothing is chosen
		}
		sel.Options = labels
		sel.PlaceHolder = "Choose a model"
		if len(labels) == 0 {
			sel.PlaceHolder = "No models of this kind"
		}
		if chosen != "" && sel.Selected != chosen {
			kit.ShowQuietly(sel, chosen) // only a choice the user makes is saved
		}
		sel.Refresh()
	}
}

func deviceOfLabel(l string) string {
	if l == systemDefault {
		return ""
	}
	return l
}

// Start lists the sound devices off the UI goroutine and shows the saved choice; a saved
// device that is not connected now shows as the system default (and is used as such).
func (p *Page) Start() {
	if p.h.Audio() == nil {
		return
	}
	outs, errOut := p.h.Audio().PlaybackDevices()
	ins, errIn := p.h.Audio().CaptureDevices()
	names := func(ds []audio.Device) []string {
		out := []string{systemDefault}
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	p.h.RunOnUI(func() {
		prefs := p.h.Preferences()
		for _, c := range []struct {
			sel  *widget.Select
			ds   []audio.Device
			err  error
			pref string
			what string
		}{{p.output, outs, errOut, kit.PrefOutput, "Output"}, {p.input, ins, errIn, kit.PrefInput, "Microphone"}} {
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
			kit.ShowQuietly(c.sel, shown)
			c.sel.Refresh()
		}
	})
}

// setBaseURL switches the API address (checked first) and keeps it for the next start.
func (p *Page) setBaseURL(u string) {
	h := p.h
	u = strings.TrimSpace(u)
	if u == "" {
		u = api.DefaultBaseURL
	}
	var c *api.Client
	var err error
	cur := h.Client()
	if cur == nil {
		cur, err = h.NewClient("")
	}
	if err == nil {
		c, err = cur.WithBaseURL(u)
	}
	if err != nil {
		p.baseNote.SetText("Not an API address: " + err.Error())
		return
	}
	h.Preferences().SetString(kit.PrefBaseURL, c.BaseURL())
	p.base.SetText(c.BaseURL())
	p.baseNote.SetText("Using " + c.BaseURL() + ".")
	h.UseClient(c)
}

// Content is the page's widgets.
func (p *Page) Content() fyne.CanvasObject { return p.content }

// SetNote shows a note under the key (the shell's word on the key it found or could not use).
func (p *Page) SetNote(t string) { p.setNote(t) }

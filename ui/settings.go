package ui

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

	"pollinations-studio/backend/api"
)

// settingsPage: the key (paste or sign in), theme, library folder, API address.
type settingsPage struct {
	s       *Studio
	key     *widget.Entry
	note    *widget.Label
	info    *widget.Label
	signIn  *widget.Button
	content fyne.CanvasObject
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
	base := widget.NewLabel(orText(s.o.BaseURL, api.DefaultBaseURL))
	devices := widget.NewLabel("No sound device found: speech can still be saved and played later.")
	if s.audio != nil {
		if ds, err := s.audio.PlaybackDevices(); err == nil && len(ds) > 0 {
			out := ds[0]
			for _, d := range ds {
				if d.Default {
					out = d
				}
			}
			devices.SetText(fmt.Sprintf("Output: %s (%d devices available)", out.Name, len(ds)))
		}
	}
	devices.Wrapping = fyne.TextWrapWord
	keyBox := container.NewVBox(
		heading("Your Pollinations key"),
		widget.NewLabel("The key is kept in your system keychain and sent only to the Pollinations API."),
		container.NewBorder(nil, nil, nil, save, p.key),
		container.NewHBox(p.signIn, signOut, widget.NewHyperlink("Get a key", keysURL)),
		p.info, p.note,
	)
	other := widget.NewForm(
		widget.NewFormItem("Theme", themeSel),
		widget.NewFormItem("Library folder", folder),
		widget.NewFormItem("Sound", devices),
		widget.NewFormItem("API address", base),
	)
	p.content = container.NewVScroll(container.NewPadded(container.NewVBox(keyBox, widget.NewSeparator(), heading("Preferences"), other)))
	s.onAccount(p.showInfo)
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

package kit

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
)

// ModelAdvice is what to tell the user who picks a model, before anything is sent: a model
// the key may not use, a paid-only model the account cannot pay for (with the way to pay:
// paid Pollen for a Quest-only key, a top-up for an account without paid Pollen) and a model
// failing lately. It returns "" when there is nothing to say.
func ModelAdvice(m api.Model, a Account) (string, []api.Remedy) {
	name := m.Name
	if m.Title != "" {
		name = m.Title
	}
	var text string
	var rs []api.Remedy
	remedy := func(act api.RemedyAction) api.Remedy {
		return api.Remedy{Action: act, Label: act.Label(), URL: defaultRemedyURL(act)}
	}
	switch {
	case !KeyAllows(a.Info, a.Models, m.Name):
		text = "This key may not use " + name + "."
		rs = append(rs, remedy(api.RemedyAllowForKey))
	case m.PaidOnly && a.questOnly():
		text = name + " needs paid Pollen, and this key only spends Quest Pollen."
		rs = append(rs, remedy(api.RemedyAllowPaidPollen))
	case m.PaidOnly && a.Balance != nil && a.Balance.HasBreakdown && a.Balance.Paid <= 0:
		text = name + " needs paid Pollen; Quest Pollen cannot pay for it, and this account has no paid Pollen."
		rs = append(rs, remedy(api.RemedyTopUp))
	case m.PaidOnly && a.Balance != nil && !a.Balance.HasBreakdown:
		text = name + " is paid with paid Pollen only; Quest Pollen does not count."
	}
	if m.Degraded() {
		d := name + " has been failing lately"
		if m.Health != nil && m.Health.SuccessRate > 0 {
			d += fmt.Sprintf(" (%d%% of requests succeeded)", int(m.Health.SuccessRate*100+0.5))
		}
		d += "."
		if text != "" {
			text += " "
		}
		text += d
	}
	return text, rs
}

// ModelNote is the line under a model picker that says, as soon as a model is chosen, what
// stands in the way of using it and offers the way out (buttons that open the dashboard on
// a press). Pages put it under their picker and call SetModel from the picker's OnChanged.
type ModelNote struct {
	widget.BaseWidget
	Text    *widget.Label
	Buttons []*widget.Button // the current remedies' buttons
	Links   []api.Remedy     // their remedies, in order
	row     *fyne.Container
	box     *fyne.Container
	h       Host
}

// NewModelNote makes an empty (hidden) note.
func NewModelNote(h Host) *ModelNote {
	n := &ModelNote{h: h, Text: widget.NewLabel(""), row: container.NewHBox()}
	n.Text.Wrapping = fyne.TextWrapWord
	n.box = container.NewVBox(n.Text, n.row)
	n.ExtendBaseWidget(n)
	n.Hide()
	return n
}

// CreateRenderer draws the note.
func (n *ModelNote) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(n.box) }

// SetModel shows the advice for a model by a stored name (an id or an alias; a label is
// accepted too); an unknown model hides the note.
func (n *ModelNote) SetModel(name string) {
	a := AccountOf(n.h)
	m, ok := api.FindModel(a.Models, name)
	if !ok {
		m, ok = api.FindModel(a.Models, ModelOfLabel(name))
	}
	text := ""
	n.Links = nil
	if ok {
		text, n.Links = ModelAdvice(m, a)
	}
	n.Buttons = nil
	n.row.RemoveAll()
	for _, r := range n.Links {
		b := RemedyButton(r, n.h.OpenURL)
		n.Buttons = append(n.Buttons, b)
		n.row.Add(b)
	}
	n.Text.SetText(text)
	if text == "" {
		n.Hide()
	} else {
		n.Show()
	}
	n.Refresh()
}

package kit

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
)

// TopUpURL is where paid Pollen is bought.
var TopUpURL, _ = url.Parse(api.DefaultEnterURL + "/top-up")

// KeysURL is the dashboard's list of keys (budgets, expiry, permissions).
var KeysURL, _ = url.Parse(api.DefaultEnterURL + "/keys")

// ErrNoKey is what a generation without a key is refused with.
var ErrNoKey = errors.New("add your Pollinations key in Settings first")

// categoryWords say what a key closed to a category may not do.
var categoryWords = map[string]string{
	"text": "write text", "image": "make images", "audio": "make audio", "video": "make videos",
	"3d": "make 3D models", "embedding": "make embeddings", "realtime": "hold realtime sessions",
}

// Friendly says what went wrong in the user's words. The ways out (top up, raise the key's
// budget…) are buttons beside it (ErrorView), so the words do not repeat them.
func Friendly(err error) string {
	var de *api.DeviceError
	if errors.As(err, &de) {
		return deviceWords(de)
	}
	e, ok := api.AsError(err)
	if !ok {
		return err.Error()
	}
	model := "this model"
	if e.Model != "" {
		model = e.Model
	}
	switch e.Kind {
	case api.KindPaymentRequired:
		switch e.Payment {
		case api.PaymentQuestPollenOnly:
			if e.PaidOnly {
				return fmt.Sprintf("%s needs paid Pollen, and this key only spends Quest Pollen.", model)
			}
			return "This key only spends Quest Pollen, and there is not enough Quest Pollen left for this generation."
		case api.PaymentPaidOnly:
			return fmt.Sprintf("%s needs paid Pollen; Quest Pollen cannot pay for it, and there is not enough paid Pollen.", model)
		case api.PaymentKeyBudgetExhausted:
			return "This key has spent its Pollen budget. Topping up the wallet does not raise a key's budget."
		}
		return "Not enough Pollen for this generation."
	case api.KindForbidden:
		if w := categoryWords[e.Category]; w != "" {
			return "This key may not " + w + " at all."
		}
		if e.Model != "" {
			return fmt.Sprintf("This key may not use %s. Pick another model, or allow it for the key.", e.Model)
		}
		return "This key is not allowed to do that: " + e.Message
	case api.KindRateLimited:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("Too many requests right now. Try again in %s.", e.RetryAfter.Round(time.Second))
		}
		return "Too many requests right now. Try again in a moment."
	case api.KindModerated:
		if strings.EqualFold(e.Code, "content_blocked") || strings.Contains(strings.ToLower(e.Message), "safety filter") {
			return "The prompt was blocked by the safety filter. Your prompt is kept: rephrase it and try again."
		}
		return "The prompt was refused by content moderation. Your prompt is kept: rephrase it and try again."
	case api.KindUnauthorized:
		return "The key was not accepted (it may be expired or revoked). Check it in Settings."
	case api.KindUpstream:
		return "The Pollinations service had a problem (" + e.Message + "). Your prompt is kept: try again in a little while."
	case api.KindNetwork:
		return "Cannot reach the Pollinations service. Check your connection; your prompt is kept."
	case api.KindTimeout:
		return "The service took too long to answer. Your prompt is kept: try again."
	case api.KindBadRequest:
		return "The request was refused: " + e.Message
	case api.KindIncomplete:
		return "The answer was cut short. What arrived is kept; try again for the rest."
	}
	return e.Error()
}

// deviceWords say how a sign-in ended without a key.
func deviceWords(e *api.DeviceError) string {
	switch {
	case errors.Is(e, api.ErrDeviceExpired):
		return "The sign-in code expired before it was approved. Press Sign in to get a new code."
	case errors.Is(e, api.ErrDeviceDenied):
		return "The sign-in was refused in the browser. Press Sign in to try again."
	case errors.Is(e, api.ErrDeviceInvalidGrant):
		return "The sign-in code is unknown or was used already. Press Sign in to get a new code."
	}
	return e.Message
}

// ErrorTitle is an error dialog's title.
func ErrorTitle(err error) string {
	if e, ok := api.AsError(err); ok {
		switch e.Kind {
		case api.KindPaymentRequired:
			return "Pollen needed"
		case api.KindForbidden:
			return "Not allowed for this key"
		case api.KindRateLimited:
			return "Please wait"
		case api.KindModerated:
			return "Prompt refused"
		case api.KindUpstream, api.KindNetwork, api.KindTimeout:
			return "Service problem"
		}
	}
	return "Something went wrong"
}

// Account is what the window knows of the key, its balance and the catalogue, for the words
// and buttons of an error or a model's note. Every field may be nil.
type Account struct {
	Info    *api.KeyInfo
	Balance *api.Balance
	Models  []api.Model
}

// AccountOf gathers a host's account and catalogue.
func AccountOf(h Host) Account {
	info, bal := h.Account()
	return Account{Info: info, Balance: bal, Models: h.Models("")} // every kind, known or not
}

// questOnly reports a key known to spend only Quest Pollen.
func (a Account) questOnly() bool {
	return a.Info != nil && a.Info.QuestPollenOnly != nil && *a.Info.QuestPollenOnly
}

// defaultRemedyURL is where an action is done when the service gave no link.
func defaultRemedyURL(a api.RemedyAction) string {
	switch a {
	case api.RemedyTopUp:
		return TopUpURL.String()
	case api.RemedyCompleteQuest:
		return api.DefaultEnterURL + "/quests"
	}
	return KeysURL.String()
}

// Remedies are the ways out of a refusal, each with an https link: the service's, else the
// dashboard page that does it. A key that spends only Quest Pollen is never sent to top up
// (paid Pollen it may not spend would not help): it is offered paid Pollen for the key and a
// quest instead.
func Remedies(err error, a Account) []api.Remedy {
	e, ok := api.AsError(err)
	if !ok || e.Kind != api.KindPaymentRequired && e.Kind != api.KindForbidden {
		return nil
	}
	rs := append([]api.Remedy(nil), e.Remedies...)
	if len(rs) == 0 {
		var act api.RemedyAction
		switch {
		case e.Kind == api.KindForbidden:
			act = api.RemedyAllowForKey
		case e.Payment == api.PaymentKeyBudgetExhausted:
			act = api.RemedyRaiseKeyBudget
		case e.Payment == api.PaymentQuestPollenOnly:
			act = api.RemedyAllowPaidPollen
		default:
			act = api.RemedyTopUp
		}
		rs = []api.Remedy{{Action: act, Label: act.Label()}}
	}
	if a.questOnly() || e.Payment == api.PaymentQuestPollenOnly {
		var kept []api.Remedy
		hasPaid := false
		for _, r := range rs {
			if r.Action == api.RemedyTopUp {
				continue
			}
			hasPaid = hasPaid || r.Action == api.RemedyAllowPaidPollen
			kept = append(kept, r)
		}
		if !hasPaid {
			kept = append([]api.Remedy{{Action: api.RemedyAllowPaidPollen, Label: api.RemedyAllowPaidPollen.Label()}}, kept...)
		}
		rs = kept
	}
	for i := range rs {
		if rs[i].Label == "" {
			rs[i].Label = rs[i].Action.Label()
		}
		if u, err := url.Parse(rs[i].URL); rs[i].URL == "" || err != nil || u.Scheme != "https" {
			rs[i].URL = defaultRemedyURL(rs[i].Action)
		}
	}
	return rs
}

// RemedyButton is a button that opens a remedy's page when (and only when) it is pressed;
// only https links are opened.
func RemedyButton(r api.Remedy, open func(*url.URL) error) *widget.Button {
	b := widget.NewButton(r.Label, func() {
		if u, err := url.Parse(r.URL); err == nil && u.Scheme == "https" && open != nil {
			open(u)
		}
	})
	b.Importance = widget.HighImportance
	return b
}

// ErrorView is an error's content: the message and one button per way out.
type ErrorView struct {
	Content  fyne.CanvasObject
	Message  *widget.Label // updated by a rate limit's countdown
	Price    *widget.Label // what the refused model costs (nil when unknown)
	Remedies []*widget.Button
	Links    []api.Remedy // the buttons' remedies, in order
}

// NewErrorView builds an error's content for a dialog or a banner; open opens a remedy's page
// (Host.OpenURL).
func NewErrorView(err error, a Account, open func(*url.URL) error) *ErrorView {
	v := &ErrorView{Message: widget.NewLabel(Friendly(err))}
	v.Message.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(v.Message)
	if e, ok := api.AsError(err); ok && e.Kind == api.KindPaymentRequired && e.Model != "" {
		if m, ok := api.FindModel(a.Models, e.Model); ok {
			if price := PriceLabel(m); price != "" {
				v.Price = widget.NewLabel(e.Model + " costs " + price + ".")
				box.Add(v.Price)
			}
		}
	}
	if e, ok := api.AsError(err); ok && e.Kind == api.KindForbidden && e.Category == "" && a.Info != nil {
		if scope := KeyScope(a.Info, a.Models); scope != "" {
			l := widget.NewLabel(scope)
			l.Wrapping = fyne.TextWrapWord
			box.Add(l)
		}
	}
	v.Links = Remedies(err, a)
	if len(v.Links) > 0 {
		row := container.NewHBox()
		for _, r := range v.Links {
			b := RemedyButton(r, open)
			v.Remedies = append(v.Remedies, b)
			row.Add(b)
		}
		box.Add(row)
	}
	v.Content = box
	return v
}

// ErrorContent is an error dialog's content and its message label (for a rate limit's
// countdown); see NewErrorView.
func ErrorContent(err error, a Account, open func(*url.URL) error) (fyne.CanvasObject, *widget.Label) {
	v := NewErrorView(err, a, open)
	return v.Content, v.Message
}

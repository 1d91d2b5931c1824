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

// TopUpURL is where pollen is bought.
var TopUpURL, _ = url.Parse("https://enter.pollinations.ai")

// ErrNoKey is what a generation without a key is refused with.
var ErrNoKey = errors.New("add your Pollinations key in Settings first")

// Friendly says what went wrong in the user's words, with the way out.
func Friendly(err error) string {
	e, ok := api.AsError(err)
	if !ok {
		return err.Error()
	}
	switch e.Kind {
	case api.KindPaymentRequired:
		switch e.Payment {
		case api.PaymentPaidOnly:
			return "This model needs paid pollen; your free (tier) pollen cannot pay for it. Top up, or pick a model that is not marked paid-only."
		case api.PaymentKeyBudgetExhausted:
			return "This key has spent its pollen budget. Raise the key's budget or create a new key at enter.pollinations.ai."
		}
		return "Not enough pollen for this generation. " + e.Message + " Top up at enter.pollinations.ai."
	case api.KindForbidden:
		if e.Model != "" {
			return fmt.Sprintf("This key may not use %s. Pick another model, or allow it for the key at enter.pollinations.ai/keys.", e.Model)
		}
		return "This key is not allowed to do that: " + e.Message
	case api.KindRateLimited:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("Too many requests right now. Try again in %s.", e.RetryAfter.Round(time.Second))
		}
		return "Too many requests right now. Try again in a moment."
	case api.KindModerated:
		return "The prompt was refused by content moderation. Rephrase it and try again."
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

// ErrorTitle is an error dialog's title.
func ErrorTitle(err error) string {
	if e, ok := api.AsError(err); ok {
		switch e.Kind {
		case api.KindPaymentRequired:
			return "Pollen needed"
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

// ErrorContent is an error dialog's content: the message (returned too, for a rate limit's
// countdown) and the way out: a top-up link and the price for payment errors, the models the
// key may use for a refused model. models is the catalogue and allowed the key's models (nil:
// any).
func ErrorContent(err error, models []api.Model, allowed []string) (fyne.CanvasObject, *widget.Label) {
	msg := widget.NewLabel(Friendly(err))
	msg.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(msg)
	if api.IsKind(err, api.KindPaymentRequired) {
		// Say what the generation costs, from the catalogue, beside the way to pay for it.
		if e, _ := api.AsError(err); e != nil && e.Model != "" {
			if m, ok := api.FindModel(models, e.Model); ok {
				if price := PriceLabel(m); price != "" {
					content.Add(widget.NewLabel(e.Model + " costs " + price + "."))
				}
			}
		}
		content.Add(widget.NewHyperlink("Top up pollen at enter.pollinations.ai", TopUpURL))
	}
	if api.IsKind(err, api.KindForbidden) && len(allowed) > 0 {
		l := widget.NewLabel("This key may use: " + strings.Join(allowed, ", ") + ".")
		l.Wrapping = fyne.TextWrapWord
		content.Add(l)
	}
	return content, msg
}

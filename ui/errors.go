package ui

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
)

var topUpURL, _ = url.Parse("https://enter.pollinations.ai")

// friendly says what went wrong in the user's words, with the way out.
func friendly(err error) string {
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

// showError shows an error dialog with the way out (a top-up link for payment errors). Safe to
// call from any goroutine.
func (s *Studio) showError(err error) {
	if err == nil {
		return
	}
	s.RunOnUI(func() {
		msg := widget.NewLabel(friendly(err))
		msg.Wrapping = fyne.TextWrapWord
		content := container.NewVBox(msg)
		if api.IsKind(err, api.KindPaymentRequired) {
			// Say what the generation costs, from the catalogue, beside the way to pay for it.
			if e, _ := api.AsError(err); e != nil && e.Model != "" {
				if price := s.priceOf(e.Model); price != "" {
					content.Add(widget.NewLabel(e.Model + " costs " + price + "."))
				}
			}
			content.Add(widget.NewHyperlink("Top up pollen at enter.pollinations.ai", topUpURL))
		}
		if api.IsKind(err, api.KindForbidden) {
			// Offer the way out: the models this key may use.
			if info, _ := s.account(); info != nil && len(info.AllowedModels) > 0 {
				allowed := widget.NewLabel("This key may use: " + strings.Join(info.AllowedModels, ", ") + ".")
				allowed.Wrapping = fyne.TextWrapWord
				content.Add(allowed)
			}
		}
		d := dialog.NewCustom(title(err), "Close", content, s.win)
		d.Resize(fyne.NewSize(460, 200))
		s.track(d, nil)
		d.Show()
		if e, ok := api.AsError(err); ok && e.Kind == api.KindRateLimited && e.RetryAfter > 0 {
			go countdown(s, msg, e.RetryAfter)
		}
	})
}

func title(err error) string {
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

// countdown updates a rate-limit message until the wait is over.
func countdown(s *Studio, l *widget.Label, d time.Duration) {
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			s.RunOnUI(func() { l.SetText("You can try again now.") })
			return
		}
		s.RunOnUI(func() {
			l.SetText(fmt.Sprintf("Too many requests right now. Try again in %d s.", int(left.Seconds()+0.99)))
		})
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

var errNoKey = errors.New("add your Pollinations key in Settings first")

// priceOf is a model's catalogue price as the pickers show it ("" when unknown).
func (s *Studio) priceOf(model string) string {
	s.mu.Lock()
	models := s.models
	s.mu.Unlock()
	if m, ok := api.FindModel(models, model); ok {
		return priceLabel(m)
	}
	return ""
}

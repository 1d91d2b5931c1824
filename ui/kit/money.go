package kit

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
)

// BalanceText is the balance for a person, with Quest Pollen and paid Pollen by those names
// ("Quest Pollen 0.60 · paid Pollen 25.00"), or "key budget left 3.50" for a key that sees only
// its budget. A budgeted key that also sees the account's Pollen shows both.
func BalanceText(info *api.KeyInfo, b *api.Balance) string {
	if b == nil {
		return "balance hidden for this key"
	}
	s := b.String()
	if b.HasBreakdown && b.KeyBudget {
		s = fmt.Sprintf("key budget left %.2f · %s", b.Balance, s)
	}
	if info != nil && info.QuestPollenOnly != nil && *info.QuestPollenOnly {
		s += " · this key spends Quest Pollen only"
	}
	return s
}

// KeyScope says in words what a key may make: "This key may write text and make images.", "This
// key may use only Flux Schnell and GPT-5.4 Nano." ("" when it may make anything).
func KeyScope(info *api.KeyInfo, models []api.Model) string {
	if info == nil {
		return ""
	}
	if info.AllowedCategories != nil {
		var what []string
		for _, c := range info.AllowedCategories {
			if w := categoryWords[c]; w != "" {
				what = append(what, w)
			} else {
				what = append(what, "use "+c+" models") // a category this version does not know
			}
		}
		if len(what) == 0 {
			return "This key may not make anything: allow it some kinds of generation at enter.pollinations.ai."
		}
		s := "This key may " + joinAnd(what) + "."
		if len(info.AllowedModels) > 0 {
			s += " Also: " + joinAnd(modelTitles(info.AllowedModels, models)) + "."
		}
		return s
	}
	if info.AllowedModels != nil {
		if len(info.AllowedModels) == 0 {
			return "This key may not use any model."
		}
		return "This key may use only " + joinAnd(modelTitles(info.AllowedModels, models)) + "."
	}
	return ""
}

// modelTitles names stored model ids as people know them: "Flux Schnell (flux)".
func modelTitles(names []string, models []api.Model) []string {
	var out []string
	for _, n := range names {
		m, ok := api.FindModel(models, n)
		switch {
		case !ok:
			out = append(out, n)
		case m.Title != "" && len(m.Aliases) > 0:
			out = append(out, m.Title+" ("+m.Aliases[0]+")")
		case m.Title != "":
			out = append(out, m.Title)
		default:
			out = append(out, m.Name)
		}
	}
	return out
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// KeyAllows reports whether a key may use a model: its category among the key's categories,
// or the model (by id or alias) in an older key's list of models. Unknown while info is nil.
func KeyAllows(info *api.KeyInfo, models []api.Model, name string) bool {
	if info == nil {
		return true
	}
	m, known := api.FindModel(models, name)
	for _, a := range info.AllowedModels {
		if api.SameModel(models, a, name) {
			return true
		}
	}
	if info.AllowedCategories == nil {
		return info.AllowedModels == nil
	}
	if !known {
		return true // the catalogue decides; the service refuses with a remedy if not
	}
	cat := m.Category
	if cat == "" {
		cat = m.Kind
	}
	switch cat {
	case "transcription", api.KindMusic, api.KindAudioTool:
		cat = "audio"
	}
	return info.MayMake(cat)
}

// KeyPageURL is the dashboard page where a key's budget, expiry and permissions are changed:
// the key's own edit page when its id is known, else the list of keys.
func KeyPageURL(keyID string) *url.URL {
	if keyID == "" {
		return KeysURL
	}
	u, _ := url.Parse(api.DefaultEnterURL + "/edit-key")
	u.RawQuery = url.Values{"id": {keyID}}.Encode()
	return u
}

// KeyLimits says when a key expires and what is left of its budget ("" for neither).
func KeyLimits(info *api.KeyInfo, now time.Time) string {
	if info == nil {
		return ""
	}
	var parts []string
	if info.ExpiresAt != nil {
		left := info.ExpiresAt.Sub(now)
		days := int((left + 12*time.Hour) / (24 * time.Hour))
		switch {
		case left <= 0:
			parts = append(parts, "this key has expired")
		case days >= 1:
			parts = append(parts, fmt.Sprintf("expires %s (in %d days)", info.ExpiresAt.Local().Format("2 Jan 2006"), days))
		default:
			parts = append(parts, fmt.Sprintf("expires %s (in %s)", info.ExpiresAt.Local().Format("2 Jan 15:04"), left.Round(time.Minute)))
		}
	}
	if info.PollenBudget != nil {
		parts = append(parts, fmt.Sprintf("budget %s Pollen", Pollen(*info.PollenBudget)))
	}
	if len(parts) == 0 {
		return ""
	}
	s := strings.Join(parts, " · ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// EstimateText says what a generation will probably cost, honest about its unit: a known
// figure with its unit, or why there is none before the call.
func EstimateText(e jobs.CostEstimate) string {
	if !e.Known {
		if e.Label == "" {
			return "Cost: not known before it is made"
		}
		return "Cost: " + e.Label + ", known after it is made"
	}
	return "Estimate: " + e.Label
}

// CostText is what a generation cost beside its estimate: "cost 0.0040 Pollen (estimate
// ≈0.004)".
func CostText(cost float64, e jobs.CostEstimate) string {
	s := "cost " + Pollen(cost) + " Pollen"
	switch {
	case e.Known:
		s += " (estimate " + Pollen(e.Amount) + ")"
	case e.Label != "":
		s += " (no estimate: " + e.Label + ")"
	}
	return s
}

// EstimateLabel shows a generation's estimate before it is sent and its cost after.
type EstimateLabel struct {
	*widget.Label
	est jobs.CostEstimate
}

// NewEstimateLabel makes an empty estimate line.
func NewEstimateLabel() *EstimateLabel {
	l := &EstimateLabel{Label: widget.NewLabel("")}
	l.Wrapping = fyne.TextWrapWord
	return l
}

// SetEstimate shows the estimate of the request as it now stands.
func (l *EstimateLabel) SetEstimate(e jobs.CostEstimate) {
	l.est = e
	l.SetText(EstimateText(e))
}

// SetCost shows what the generation cost, beside the estimate shown before it.
func (l *EstimateLabel) SetCost(cost float64) { l.SetText(CostText(cost, l.est)) }

// Estimate is the estimate last shown.
func (l *EstimateLabel) Estimate() jobs.CostEstimate { return l.est }

// LearnQuestOnly reads from a refusal what /account/key does not say: a QUEST_POLLEN_ONLY
// refusal means the key spends only Quest Pollen. It returns the key's information with that
// known, or nil when the refusal teaches nothing new.
func LearnQuestOnly(info *api.KeyInfo, err error) *api.KeyInfo {
	e, ok := api.AsError(err)
	if !ok || info == nil || e.Payment != api.PaymentQuestPollenOnly || info.QuestPollenOnly != nil {
		return nil
	}
	n := *info
	yes := true
	n.QuestPollenOnly = &yes
	return &n
}

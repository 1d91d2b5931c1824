package kit

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/widget"

	"pollinations-studio/backend/api"
)

// ModelLabel shows a model with what matters for choosing it: its title, "paid Pollen" for a
// model Quest Pollen cannot pay for, its price, a degraded health, and whether the key may use
// it; allowed is Host.Allowed.
func ModelLabel(m api.Model, allowed func(string) bool) string {
	// The title first: a narrow picker cuts the end, and "Flux Schnell — black-forest-…"
	// still says which model it is where "black-forest-labs/flux-sch…" hardly does.
	l := m.Name
	if m.Title != "" {
		l = m.Title + " — " + m.Name
	}
	if m.Community {
		l += " · community"
	}
	if m.PaidOnly {
		l += " · paid Pollen"
	}
	if price := PriceLabel(m); price != "" {
		l += " · " + price
	}
	if m.Degraded() {
		if m.Health != nil && m.Health.SuccessRate > 0 {
			l += fmt.Sprintf(" · degraded %d%%", int(m.Health.SuccessRate*100+0.5))
		} else {
			l += " · degraded"
		}
	}
	if allowed != nil && !allowed(m.Name) {
		l += " · not allowed for this key"
	}
	return l
}

// PickerModels is the catalogue a page's model picker shows for a kind: community models only
// when the user turned them on in Settings, in PickerOrder.
func PickerModels(h Host, kind string) []api.Model {
	show := ShowCommunity(h.Preferences())
	var out []api.Model
	for _, m := range h.Models(kind) {
		if m.Community && !show {
			continue
		}
		out = append(out, m)
	}
	return PickerOrder(out, h.Allowed)
}

// PickerLabels is PickerModels with their labels, in the same order.
func PickerLabels(h Host, kind string) ([]api.Model, []string) {
	models := PickerModels(h, kind)
	labels := make([]string, len(models))
	for i, m := range models {
		labels[i] = ModelLabel(m, h.Allowed)
	}
	return models, labels
}

// LabelOf is the label of the model a stored name means (an id or an alias: "flux" is
// black-forest-labs/flux-schnell), or "" when the picker does not hold it.
func LabelOf(models []api.Model, labels []string, stored string) string {
	for i, m := range models {
		if i < len(labels) && api.SameModel(models, m.Name, stored) {
			return labels[i]
		}
	}
	return ""
}

// SameModel reports whether two stored model names mean one model of the host's catalogue.
func SameModel(h Host, a, b string) bool {
	return api.SameModel(AccountOf(h).Models, a, b)
}

// Canonical is the catalogue's id for a stored model name (unknown names stay as they are).
func Canonical(h Host, name string) string { return api.Canonical(AccountOf(h).Models, name) }

// ModelOfLabel is the model name in a picker label: after the title when there is one ("Flux
// Schnell — black-forest-labs/flux-schnell · …"), else at its start ("flux · …").
func ModelOfLabel(l string) string {
	if i := strings.LastIndex(l, " — "); i >= 0 {
		l = l[i+len(" — "):]
	}
	name, _, _ := strings.Cut(l, " ")
	return name
}

// PickerOrder groups a catalogue for a picker: what the key may use first, free before
// paid-only, each group by name (the catalogue arrives sorted by name).
func PickerOrder(models []api.Model, allowed func(string) bool) []api.Model {
	group := func(m api.Model) int {
		switch {
		case allowed != nil && !allowed(m.Name):
			return 2
		case m.PaidOnly:
			return 1
		}
		return 0
	}
	out := append([]api.Model(nil), models...)
	sort.SliceStable(out, func(i, j int) bool { return group(out[i]) < group(out[j]) })
	return out
}

// PriceLabel is a model's catalogue price in the unit a person thinks in: per image, per second
// of video or music, per music clip, per thousand characters read aloud, per minute
// transcribed ("" for text models, priced by tokens, and where the catalogue gives no price).
func PriceLabel(m api.Model) string {
	if m.Kind == api.KindMusic {
		// Per second of output, or flat per clip, as the model is priced.
		if api.MusicSpecFor(m.Name, &m).PerSecond {
			if v, ok := api.MusicCost(m, 1); ok {
				return Pollen(v) + " pollen/s"
			}
		} else if v, ok := api.MusicCost(m, 0); ok {
			return Pollen(v) + " pollen/clip"
		}
		return ""
	}
	per := map[string]struct {
		units float64
		unit  string
	}{"image": {1, "image"}, "video": {1, "s"}, "audio": {1000, "1k chars"}, "transcription": {60, "min"}}[m.Kind]
	if per.unit == "" {
		return ""
	}
	est, ok := m.EstimateCost(per.units)
	if !ok {
		return ""
	}
	return Pollen(est) + " pollen/" + per.unit
}

// Pollen prints an amount with as many digits as small prices need.
func Pollen(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 0.001:
		return strconv.FormatFloat(v, 'g', 2, 64) // 2.5e-05 rather than 0.0000
	case v < 0.01:
		return strconv.FormatFloat(v, 'f', 4, 64)
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// LoadCatalogue lists every model for the pickers. With a key the service lists only what the
// key may use now, leaving out paid-only models for an account without paid Pollen; the
// pickers show those too, marked, with the way to pay. So the keyed list is read (the client
// learns its prices from it) and then the public one, and the union is returned by name.
func LoadCatalogue(ctx context.Context, c *api.Client) ([]api.Model, error) {
	models, err := c.Models(ctx, "")
	if err != nil {
		return nil, err
	}
	if c.HasKey() {
		if pub, perr := c.WithKey(""); perr == nil {
			if all, perr := pub.Models(ctx, ""); perr == nil {
				seen := map[string]bool{}
				for _, m := range models {
					seen[m.Name] = true
				}
				for _, m := range all {
					if !seen[m.Name] {
						models = append(models, m)
					}
				}
			}
		}
	}
	sort.SliceStable(models, func(i, j int) bool { return models[i].Name < models[j].Name })
	return models, nil
}

// SelectStored selects in a model picker the model a stored name means (an id or any alias:
// a remix's, a default's, a conversation's), given the picker's label → id map. It reports
// false, leaving the picker as it is, when the catalogue no longer lists that model.
func SelectStored(picker *widget.Select, ids map[string]string, models []api.Model, stored string) bool {
	for _, l := range picker.Options {
		if api.SameModel(models, ids[l], stored) {
			if picker.Selected != l {
				picker.SetSelected(l)
			}
			return true
		}
	}
	return false
}

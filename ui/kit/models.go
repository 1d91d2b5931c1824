package kit

import (
	"sort"
	"strconv"
	"strings"

	"pollinations-studio/backend/api"
)

// ModelLabel shows a model with what matters for choosing it; allowed says whether the key may
// use a model (Host.Allowed).
func ModelLabel(m api.Model, allowed func(string) bool) string {
	l := m.Name
	if m.Title != "" {
		l += " — " + m.Title
	}
	if m.PaidOnly {
		l += " · paid"
	}
	if price := PriceLabel(m); price != "" {
		l += " · " + price
	}
	if !allowed(m.Name) {
		l += " · not allowed for this key"
	}
	return l
}

// ModelOfLabel is the model name at the start of a picker label ("flux — Flux Schnell · …").
func ModelOfLabel(l string) string {
	name, _, _ := strings.Cut(l, " ")
	return name
}

// PickerOrder groups a catalogue for a picker: what the key may use first, free before
// paid-only, each group by name (the catalogue arrives sorted by name).
func PickerOrder(models []api.Model, allowed func(string) bool) []api.Model {
	group := func(m api.Model) int {
		switch {
		case !allowed(m.Name):
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

package api

import (
	"fmt"
	"strings"
)

// Image sizes a person may ask for. The service takes any width and height ≥ 0 but its models
// clamp or snap them (the self-hosted flux/zimage backend to about 2.36 MP), so the client only
// refuses what no model can make and reads the real size off the returned image.
const (
	MinImageSide = 64
	MaxImageSide = 4096
)

// sixteenOnly are the models that need both sides to be multiples of 16.
var sixteenOnly = map[string]bool{"flux-2-pro": true, "flux-2-flex": true}

// FitImageSize checks a custom size for a model and snaps it where the model needs it (to a
// multiple of 16 for flux-2-pro and flux-2-flex). The error says what is allowed.
func FitImageSize(model string, w, h int) (int, int, error) {
	for _, s := range []struct {
		name string
		v    int
	}{{"width", w}, {"height", h}} {
		if s.v < MinImageSide || s.v > MaxImageSide {
			return 0, 0, fmt.Errorf("the %s must be from %d to %d pixels (got %d)", s.name, MinImageSide, MaxImageSide, s.v)
		}
	}
	if sixteenOnly[shortID(model)] {
		snap := func(v int) int { return max(MinImageSide, min(MaxImageSide, (v+8)/16*16)) }
		w, h = snap(w), snap(h)
	}
	return w, h, nil
}

// shortID is a model id without its publisher and with dots as dashes, so that
// "black-forest-labs/flux.2-pro" and the older "flux-2-pro" are one name in the tables here.
func shortID(model string) string {
	model = strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	return strings.ReplaceAll(model, ".", "-")
}

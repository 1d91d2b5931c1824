package kit

import "fyne.io/fyne/v2"

// Preference names shared by Settings and the pages that read them.
const (
	PrefTheme       = "theme"
	PrefBaseURL     = "apiBaseURL"
	PrefOutput      = "audioOutput" // a device name; "" = the system default
	PrefInput       = "audioInput"
	PrefModelPrefix = "defaultModel."
)

// DefaultModel is the model chosen in Settings for a kind, or fallback.
func DefaultModel(prefs fyne.Preferences, kind, fallback string) string {
	return prefs.StringWithFallback(PrefModelPrefix+kind, fallback)
}

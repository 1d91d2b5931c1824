package kit

import "fyne.io/fyne/v2"

// Preference names shared by Settings and the pages that read them.
const (
	PrefTheme       = "theme"
	PrefBaseURL     = "apiBaseURL"
	PrefOutput      = "audioOutput" // a device name; "" = the system default
	PrefInput       = "audioInput"
	PrefModelPrefix = "defaultModel."
	// PrefCommunity shows community models in the pickers (off: official models only).
	PrefCommunity = "showCommunityModels"
)

// ShowCommunity reports whether the pickers list community models.
func ShowCommunity(prefs fyne.Preferences) bool { return prefs.BoolWithFallback(PrefCommunity, false) }

// DefaultModel is the model chosen in Settings for a kind, or fallback: a stored id or alias,
// to be matched with api.FindModel or LabelOf, never compared as a string.
func DefaultModel(prefs fyne.Preferences, kind, fallback string) string {
	return prefs.StringWithFallback(PrefModelPrefix+kind, fallback)
}

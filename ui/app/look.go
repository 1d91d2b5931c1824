package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// studioTheme is Fyne's theme with the app's accent colour, in light, dark or the system's
// variant.
type studioTheme struct {
	variant fyne.ThemeVariant
	fixed   bool
}

var accent = color.NRGBA{0xb0, 0x26, 0xe8, 0xff}

func (t studioTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.fixed {
		v = t.variant
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameFocus:
		if n == theme.ColorNameFocus {
			return color.NRGBA{accent.R, accent.G, accent.B, 0x66}
		}
		return accent
	case theme.ColorNameSelection:
		return color.NRGBA{accent.R, accent.G, accent.B, 0x40}
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t studioTheme) Font(s fyne.TextStyle) fyne.Resource     { return theme.DefaultTheme().Font(s) }
func (t studioTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }
func (t studioTheme) Size(n fyne.ThemeSizeName) float32       { return theme.DefaultTheme().Size(n) }

// applyTheme follows the system ("system") or forces "light" or "dark".
func applyTheme(a fyne.App, choice string) {
	switch choice {
	case "light":
		a.Settings().SetTheme(studioTheme{variant: theme.VariantLight, fixed: true})
	case "dark":
		a.Settings().SetTheme(studioTheme{variant: theme.VariantDark, fixed: true})
	default:
		a.Settings().SetTheme(studioTheme{})
	}
}

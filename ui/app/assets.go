package app

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed assets/icon.png
var iconPNG []byte

// appIcon is the window and taskbar icon (the same artwork as Icon.png at the top level).
var appIcon = fyne.NewStaticResource("icon.png", iconPNG)

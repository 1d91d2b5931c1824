//go:build measure

package app

import (
	"os"

	"fyne.io/fyne/v2/container"

	"pollinations-studio/ui/internal/firstframe"
	"pollinations-studio/ui/internal/measure"
)

// measureHooks, in a build with the measure tag (scripts/measure-ui.sh, scripts/screenshots.sh),
// gives the window the first-frame probe and, in demo mode, starts the measuring and showcase
// runs the POLLINATIONS_STUDIO_* variables ask for. The product build has none of this
// (nomeasure.go).
func measureHooks(s *Shell) {
	if p := firstframe.Probe(); p != nil {
		s.content = container.NewBorder(nil, p, nil, nil, s.content)
	}
	if !s.o.Demo {
		return
	}
	if page := os.Getenv("POLLINATIONS_STUDIO_PAGE"); page != "" {
		s.Show(page)
	}
	measure.Start(s)
}

// Quit ends a measuring run by closing the window, which ends the app as the user's close
// would. Not app.Quit: when Fyne could not watch its settings file (no inotify instance left),
// Quit dereferences the watcher it never got and panics (Fyne 2.8.1, app/settings_desktop.go).
func (s *Shell) Quit() { s.win.Close() }

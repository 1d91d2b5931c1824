// Command emptywindow is the baseline for scripts/measure-ui.sh: an empty Fyne window built
// with the same toolkit, tags and X server as the app, with the same first-frame probe.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/ui/internal/firstframe"
)

func main() {
	a := app.NewWithID("ai.pollinations.studio.baseline")
	w := a.NewWindow("Baseline")
	var content fyne.CanvasObject = widget.NewLabel("An empty Fyne window")
	if p := firstframe.Probe(); p != nil {
		content = container.NewBorder(nil, p, nil, nil, content)
	}
	w.SetContent(content)
	w.Resize(fyne.NewSize(1180, 780))
	w.ShowAndRun()
}

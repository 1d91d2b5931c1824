// Command emptywindow is the baseline for scripts/measure-ui.sh: an empty Fyne window built
// with the same toolkit, tags and X server as the app.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("ai.pollinations.studio.baseline")
	w := a.NewWindow("Baseline")
	w.SetContent(widget.NewLabel("An empty Fyne window"))
	w.Resize(fyne.NewSize(1180, 780))
	w.ShowAndRun()
}

// Package firstframe tells how long a window took to draw its first frame, for
// scripts/measure-ui.sh: the script puts the time it launched the program in
// POLLINATIONS_STUDIO_LAUNCHED_NS, and a one-pixel raster reports, the first time the painter
// asks it for pixels, how long after that launch the frame was being drawn. The app and the
// empty baseline window use the same probe, so both are measured the same way.
package firstframe

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// EnvLaunched is the variable holding the launch time, in nanoseconds since the Unix epoch.
const EnvLaunched = "POLLINATIONS_STUDIO_LAUNCHED_NS"

// Probe returns the raster to put in the window, or nil when no launch time is set (it then
// costs nothing).
func Probe() fyne.CanvasObject {
	ns, err := strconv.ParseInt(os.Getenv(EnvLaunched), 10, 64)
	if err != nil {
		return nil
	}
	launched := time.Unix(0, ns)
	var once sync.Once
	r := canvas.NewRaster(func(w, h int) image.Image {
		once.Do(func() {
			fmt.Fprintf(os.Stderr, "MEASURE first-frame-ms %.0f\n", float64(time.Since(launched).Microseconds())/1000)
		})
		img := image.NewNRGBA(image.Rect(0, 0, max(1, w), max(1, h)))
		img.Set(0, 0, color.Transparent)
		return img
	})
	r.SetMinSize(fyne.NewSize(1, 1))
	return r
}

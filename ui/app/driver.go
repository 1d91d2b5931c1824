package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
)

// NoWindowError says the graphics driver gave the app no window: no OpenGL 2.1 (an old or
// missing display driver, a virtual machine, a remote desktop), or no display at all. The
// command line does not need one.
type NoWindowError struct {
	Detail string // what the driver said, for a bug report
}

func (e *NoWindowError) Error() string {
	d := e.Detail
	if r := []rune(d); len(r) > 120 {
		d = string(r[:120]) + "…"
	}
	return "Pollinations Studio could not open its window: the graphics system gave it no " +
		"window with OpenGL 2.1 (no display, a missing or old graphics driver, a virtual machine " +
		"or a remote desktop can cause this; the driver said: " + d + "). Update the graphics " +
		"driver or use the computer's own screen. The command line still works: pollinations-studio help"
}

// showAndRun shows w and runs the app until it quits, like w.ShowAndRun, but a driver that
// gives no window is an error instead of a Go panic (GLFW panics on its first call after a
// failed start) or an app that runs on without any window (Fyne only logs a failed window).
func showAndRun(a fyne.App, w fyne.Window) error {
	err := guardWindow(w.Show, func() bool { return hasNativeWindow(w) }, a.Run)
	if err != nil {
		tellWithoutConsole(err)
	}
	return err
}

// guardWindow runs show, then run if opened says a window exists. A panic from the driver
// while the window is being made becomes a NoWindowError; any other panic, and any panic once
// the window is up, is left alone: it is a bug, and its trace is wanted.
func guardWindow(show func(), opened func() bool, run func()) (err error) {
	up := false
	defer func() {
		if !up {
			driverPanic(recover(), &err)
		}
	}()
	show()
	if !opened() {
		return &NoWindowError{Detail: "it made no window"}
	}
	up = true
	run()
	return nil
}

// newWindow is a.NewWindow, where the driver starts: on Windows a GLFW that could not start
// (Wine without a display: "Failed to create helper window") panics already here.
func newWindow(a fyne.App, title string) (w fyne.Window, err error) {
	defer func() {
		if driverPanic(recover(), &err); err != nil {
			tellWithoutConsole(err)
		}
	}()
	return a.NewWindow(title), nil
}

// driverPanic turns a recovered panic of the graphics driver into a NoWindowError in *err and
// passes any other panic on.
func driverPanic(r any, err *error) {
	if r == nil {
		return
	}
	msg := fmt.Sprint(r)
	if !driverFailure(msg) {
		panic(r)
	}
	*err = &NoWindowError{Detail: msg}
}

// driverFailure tells a panic of the graphics stack from one of ours.
func driverFailure(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"glfw", "opengl", "glx", "wgl", "egl", "window", "display", "platform"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// hasNativeWindow says whether the driver made a window for w: Fyne's desktop driver hands
// a zero handle when creating it failed. A driver without native windows (the test driver)
// counts as having one.
func hasNativeWindow(w fyne.Window) bool {
	nw, ok := w.(driver.NativeWindow)
	if !ok {
		return true
	}
	has := true
	nw.RunNative(func(ctx any) {
		switch c := ctx.(type) {
		case driver.X11WindowContext:
			has = c.WindowHandle != 0
		case driver.WaylandWindowContext:
			has = c.WaylandSurface != 0
		case driver.WindowsWindowContext:
			has = c.HWND != 0
		case driver.MacWindowContext:
			has = c.NSWindow != 0
		}
	})
	return has
}

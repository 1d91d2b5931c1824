package app

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// glfwError stands for the value go-gl/glfw panics with (a *glfw.Error prints like this).
type glfwError struct{}

func (glfwError) Error() string { return "NotInitialized: The GLFW library is not initialized" }

func TestGuardWindow(t *testing.T) {
	for _, c := range []struct {
		name      string
		show, run func()
		opened    bool
		wantErr   bool
		wantPanic string
		wantRun   bool
	}{
		{name: "a window", show: func() {}, opened: true, wantRun: true},
		{name: "GLFW did not start", show: func() { panic(glfwError{}) }, wantErr: true},
		{name: "Wine's helper window", show: func() { panic("PlatformError: Win32: Failed to create helper window") }, wantErr: true},
		{name: "no window made", show: func() {}, opened: false, wantErr: true},
		{name: "a bug of ours while showing", show: func() { panic("index out of range [3] with length 2") }, wantPanic: "index out of range"},
		{name: "a panic once the window is up", show: func() {}, opened: true,
			run: func() { panic("GLFW: a window callback") }, wantPanic: "GLFW: a window callback"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ran := false
			run := func() {
				ran = true
				if c.run != nil {
					c.run()
				}
			}
			var err error
			got := func() (p any) {
				defer func() { p = recover() }()
				err = guardWindow(c.show, func() bool { return c.opened }, run)
				return nil
			}()
			switch {
			case c.wantPanic != "":
				if got == nil || !strings.Contains(strings.ToLower(errorText(got)), strings.ToLower(c.wantPanic)) {
					t.Fatalf("panic %v, want it passed on (%q)", got, c.wantPanic)
				}
				return
			case got != nil:
				t.Fatalf("panicked: %v", got)
			}
			var nw *NoWindowError
			if c.wantErr != errors.As(err, &nw) {
				t.Fatalf("error %v, want a NoWindowError: %v", err, c.wantErr)
			}
			if c.wantErr && !strings.Contains(err.Error(), "pollinations-studio help") {
				t.Errorf("the message does not point to the command line: %s", err)
			}
			if ran != c.wantRun {
				t.Errorf("the event loop ran: %v, want %v", ran, c.wantRun)
			}
		})
	}
}

func errorText(v any) string {
	if e, ok := v.(error); ok {
		return e.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// The message fits the command line's 500-character limit with a long driver message, and
// says what happened in words.
func TestNoWindowErrorText(t *testing.T) {
	msg := (&NoWindowError{Detail: strings.Repeat("GLX: BadMatch ", 40)}).Error()
	if len(msg) > 480 {
		t.Errorf("%d characters: %s", len(msg), msg)
	}
	for _, want := range []string{"could not open its window", "OpenGL 2.1", "GLX: BadMatch"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q is missing from %s", want, msg)
		}
	}
}

// The test driver's windows are not native: they count as open.
func TestHasNativeWindowOnTestDriver(t *testing.T) {
	a := test.NewTempApp(t)
	if !hasNativeWindow(a.NewWindow("x")) {
		t.Error("a test window counted as no window")
	}
}

// A driver that panics while the window is being made (GLFW on Windows without a display)
// gives a NoWindowError; the test driver gives a window.
func TestNewWindowRecoversDriverPanic(t *testing.T) {
	var nw *NoWindowError
	if _, err := newWindow(panickyApp{test.NewTempApp(t)}, "x"); !errors.As(err, &nw) {
		t.Fatalf("got %v, want a NoWindowError", err)
	}
	if w, err := newWindow(test.NewTempApp(t), "x"); err != nil || w == nil {
		t.Fatalf("test driver: %v, %v", w, err)
	}
}

type panickyApp struct{ fyne.App }

func (panickyApp) NewWindow(string) fyne.Window {
	panic("NotInitialized: The GLFW library is not initialized")
}

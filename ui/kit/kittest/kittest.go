// Package kittest is a Host for building one page alone in a test: a Fyne test window, the
// simulator (backend/sim, in process), a library in a temporary folder, the job service and a
// silent audio engine, without the rest of the window. Widget changes from background
// goroutines and from the test go through one goroutine that plays the UI thread.
package kittest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/keychain"
	"pollinations-studio/backend/sim"
	"pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// Host is a kit.Host (and the larger Host Settings needs) for one page under test.
type Host struct {
	T    *testing.T
	Sim  *sim.Server
	Keys *keychain.Memory
	App  fyne.App
	Win  fyne.Window
	Lib  *storage.Library
	// Images is the image clipboard, in memory.
	Images *MemClipboard

	jobs   *jobs.Service
	engine *audio.Engine
	queue  chan func()
	ctx    context.Context

	mu       sync.Mutex
	client   *api.Client
	models   []api.Model
	keyInfo  *api.KeyInfo
	balance  *api.Balance
	account  []func()
	onJob    []func(jobs.Event)
	player   *audio.Player
	navs     []kit.Nav
	errs     []error
	views    []*kit.ErrorView
	opened   []string
	output   string
	themeSet string
}

// New starts a host on a fresh simulator with a key of the simulator's kind ("" for none:
// the catalogue still loads).
func New(t *testing.T, keyKind string) *Host {
	t.Helper()
	return NewWithSim(t, keyKind, sim.Options{TimeScale: 0.001})
}

// NewWithSim is New on a simulator started with the given options (a sign-in that waits to be
// approved, …).
func NewWithSim(t *testing.T, keyKind string, opts sim.Options) *Host {
	t.Helper()
	srv, err := sim.Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{T: t, Sim: srv, Keys: keychain.NewMemory(), Images: &MemClipboard{}, queue: make(chan func(), 100000), ctx: ctx}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case f := <-h.queue:
				f()
			case <-stop:
				return
			}
		}
	}()
	h.App = test.NewTempApp(t)
	h.Win = test.NewTempWindow(t, nil)
	h.Lib, err = storage.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if e, err := audio.NewEngine(audio.EngineOptions{Null: true}); err == nil {
		h.engine = e
		h.player, _ = e.NewPlayer(audio.PlayerOptions{})
	}
	h.jobs = jobs.New(jobs.Config{Library: h.Lib})
	if err := h.jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	events, unsubscribe := h.jobs.Subscribe()
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		for ev := range events {
			if pl := h.Player(); ev.Audio != nil && pl != nil { // UseOutput replaces it meanwhile
				pl.Play(context.Background(), ev.Audio, audio.FormatAuto)
			}
			h.mu.Lock()
			ls := slices.Clone(h.onJob)
			h.mu.Unlock()
			h.RunOnUI(func() {
				for _, f := range ls {
					f(ev)
				}
			})
		}
	}()
	// Cleanups run last-first: the services stop, then the UI goroutine.
	t.Cleanup(func() { close(stop); <-stopped })
	t.Cleanup(func() {
		cancel()
		unsubscribe()
		h.jobs.Close()
		if h.engine != nil {
			h.engine.Close()
		}
		h.Lib.Close()
	})
	key := ""
	if keyKind != "" {
		key = srv.Key(keyKind)
		h.Keys.Set(ctx, key)
	}
	c, err := h.NewClient(key)
	if err != nil {
		t.Fatal(err)
	}
	h.UseClient(c)
	return h
}

// Show puts a page's content in the window, at the size people use.
func (h *Host) Show(content fyne.CanvasObject) {
	h.UI(func() {
		h.Win.SetContent(content)
		h.Win.Resize(fyne.NewSize(1200, 800))
	})
}

// UI runs f on the UI goroutine and waits for it.
func (h *Host) UI(f func()) {
	done := make(chan struct{})
	h.queue <- func() { defer close(done); f() }
	<-done
}

// HangGuard ends a wait that a broken page would make last for ever, so that a failing test
// fails in minutes, not at go test's -timeout. It is a guard against hangs, not a figure: the
// waits it bounds take milliseconds.
const HangGuard = 2 * time.Minute

// Eventually waits until cond (run on the UI goroutine) holds: the page's work runs on
// goroutines it does not expose, so the test polls the widgets' state. It sets no time limit
// of its own; when go test's -timeout is near it fails, naming what never came.
func (h *Host) Eventually(what string, cond func() bool) {
	h.T.Helper()
	deadline, limited := h.T.Deadline()
	if guard := time.Now().Add(HangGuard); !limited || guard.Before(deadline) {
		deadline, limited = guard, true
	}
	for {
		ok := false
		h.UI(func() { ok = cond() })
		if ok {
			return
		}
		if limited && time.Until(deadline) < 5*time.Second {
			h.T.Fatalf("never came: %s (errors shown: %v)", what, h.Errors())
		}
		time.Sleep(5 * time.Millisecond) // between polls, not a wait for something
	}
}

// Navs is what the page asked the shell to navigate to.
func (h *Host) Navs() []kit.Nav {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.navs)
}

// Errors is what the page showed as errors.
func (h *Host) Errors() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.errs)
}

// TopText is the text of the dialog or menu on top of the window ("" for none).
func (h *Host) TopText() string {
	var s string
	h.UI(func() {
		if top := h.Win.Canvas().Overlays().Top(); top != nil {
			s = Text(top)
		}
	})
	return s
}

// CloseOverlays removes every dialog and menu on the window.
func (h *Host) CloseOverlays() {
	h.UI(func() {
		for top := h.Win.Canvas().Overlays().Top(); top != nil; top = h.Win.Canvas().Overlays().Top() {
			h.Win.Canvas().Overlays().Remove(top)
		}
	})
}

// Text is the text of the labels, links and texts under o.
func Text(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, c := range test.LaidOutObjects(o) {
		switch v := c.(type) {
		case *widget.Label:
			b.WriteString(v.Text + " ")
		case *widget.Hyperlink:
			b.WriteString(v.Text + " ")
		case *canvas.Text:
			b.WriteString(v.Text + " ")
		}
	}
	return b.String()
}

// Buttons lists the shown buttons under o that match.
func Buttons(o fyne.CanvasObject, match func(*widget.Button) bool) []*widget.Button {
	var out []*widget.Button
	for _, c := range test.LaidOutObjects(o) {
		if b, ok := c.(*widget.Button); ok && b.Visible() && match(b) {
			out = append(out, b)
		}
	}
	return out
}

// ToneWAV is a 440 Hz tone as a 16 kHz mono WAV.
func ToneWAV(secs int) []byte {
	const rate = 16000
	var b bytes.Buffer
	n := rate * secs
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n*2))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, []uint32{16})
	binary.Write(&b, binary.LittleEndian, []uint16{1, 1})
	binary.Write(&b, binary.LittleEndian, []uint32{rate, rate * 2})
	binary.Write(&b, binary.LittleEndian, []uint16{2, 16})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n*2))
	for i := 0; i < n; i++ {
		binary.Write(&b, binary.LittleEndian, int16(8000*math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}

// kit.Host

func (h *Host) RunOnUI(f func())                   { h.queue <- f }
func (h *Host) Context() context.Context           { return h.ctx }
func (h *Host) Window() fyne.Window                { return h.Win }
func (h *Host) Clipboard() fyne.Clipboard          { return h.App.Clipboard() }
func (h *Host) ImageClipboard() kit.ImageClipboard { return h.Images }
func (h *Host) Preferences() fyne.Preferences      { return h.App.Preferences() }
func (h *Host) Library() *storage.Library          { return h.Lib }
func (h *Host) Jobs() *jobs.Service                { return h.jobs }
func (h *Host) HasSound() bool                     { return h.engine != nil }
func (h *Host) OpenPath(what, path string)         {}

// ShowError records the error and shows the dialog the window would.
func (h *Host) ShowError(err error) {
	if err == nil {
		return
	}
	h.mu.Lock()
	h.errs = append(h.errs, err)
	if n := kit.LearnQuestOnly(h.keyInfo, err); n != nil {
		h.keyInfo = n // as the window does
	}
	h.mu.Unlock()
	h.RunOnUI(func() {
		v := kit.NewErrorView(err, kit.AccountOf(h), h.OpenURL)
		h.mu.Lock()
		h.views = append(h.views, v)
		h.mu.Unlock()
		dialog.NewCustom(kit.ErrorTitle(err), "Close", v.Content, h.Win).Show()
	})
}

// ErrorViews are the contents of the error dialogs shown, oldest first.
func (h *Host) ErrorViews() []*kit.ErrorView {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.views)
}

// Opened is the web pages opened through OpenURL, oldest first.
func (h *Host) Opened() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.opened)
}

func (h *Host) Submit(r jobs.Request) (int64, bool) {
	if !h.HasKey() {
		h.ShowError(kit.ErrNoKey)
		return 0, false
	}
	id, err := h.jobs.Submit(h.ctx, r)
	if err != nil {
		h.ShowError(err)
		return 0, false
	}
	return id, true
}

func (h *Host) OnJob(f func(jobs.Event)) {
	h.mu.Lock()
	h.onJob = append(h.onJob, f)
	h.mu.Unlock()
}

func (h *Host) HasKey() bool {
	c := h.Client()
	return c != nil && c.HasKey()
}

func (h *Host) Models(kind string) []api.Model {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []api.Model
	for _, m := range h.models {
		if kind == "" || m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func (h *Host) Allowed(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return kit.KeyAllows(h.keyInfo, h.models, name)
}

func (h *Host) OnAccount(f func()) {
	h.mu.Lock()
	h.account = append(h.account, f)
	h.mu.Unlock()
	h.RunOnUI(f) // the catalogue may be known already
}

// RefreshAccount reloads the key's information, balance and catalogue.
func (h *Host) RefreshAccount() {
	c := h.Client()
	go func() {
		var info *api.KeyInfo
		var bal *api.Balance
		if c.HasKey() {
			if i, err := c.KeyInfo(h.ctx); err == nil {
				info = i
				bal, _ = c.Balance(h.ctx)
			}
		}
		models, err := kit.LoadCatalogue(h.ctx, c)
		h.mu.Lock()
		if h.client == c {
			h.keyInfo, h.balance = info, bal
			if err == nil {
				h.models = models
			}
		}
		ls := slices.Clone(h.account)
		h.mu.Unlock()
		if bal != nil {
			h.jobs.SetPaid(bal.Paid > 0)
		}
		h.RunOnUI(func() {
			for _, f := range ls {
				f()
			}
		})
	}()
}

func (h *Host) Player() *audio.Player {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.player
}

// NewRecorder records two seconds of a tone instead of a microphone.
func (h *Host) NewRecorder(o audio.RecorderOptions) (*audio.Recorder, error) {
	if h.engine == nil {
		return nil, audio.ErrNoDevice
	}
	o.Source = bytes.NewReader(ToneWAV(2)[44:])
	o.DeviceID = ""
	return h.engine.NewRecorder(o)
}

// Navigate records the value (no other page exists here).
func (h *Host) Navigate(v kit.Nav) {
	h.mu.Lock()
	h.navs = append(h.navs, v)
	h.mu.Unlock()
}

// What Settings needs besides.

func (h *Host) Account() (*api.KeyInfo, *api.Balance) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keyInfo, h.balance
}

func (h *Host) Client() *api.Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.client
}

func (h *Host) NewClient(key string) (*api.Client, error) {
	return api.New(api.Options{BaseURL: h.BaseURL(), EnterURL: h.Sim.URL(), MediaURL: h.Sim.URL(), Key: key})
}

func (h *Host) UseClient(c *api.Client) {
	h.mu.Lock()
	h.client, h.keyInfo, h.balance = c, nil, nil
	h.mu.Unlock()
	if c.HasKey() {
		h.jobs.SetClient(c)
	}
	h.RefreshAccount()
}

func (h *Host) Keychain() keychain.Store { return h.Keys }

func (h *Host) BaseURL() string {
	if c := h.Client(); c != nil {
		return c.BaseURL()
	}
	return h.Sim.URL()
}

func (h *Host) BaseURLFixed() string { return "" }
func (h *Host) Demo() bool           { return false }

func (h *Host) ApplyTheme(choice string) {
	h.mu.Lock()
	h.themeSet = choice
	h.mu.Unlock()
}

// UseOutput records the device and makes a player on it.
func (h *Host) UseOutput(device string) {
	h.mu.Lock()
	h.output = device
	h.mu.Unlock()
	if h.engine == nil {
		return
	}
	pl, err := h.engine.NewPlayer(audio.PlayerOptions{DeviceID: device})
	if errors.Is(err, audio.ErrDeviceNotFound) {
		pl, err = h.engine.NewPlayer(audio.PlayerOptions{})
	}
	if err == nil {
		h.mu.Lock()
		h.player = pl
		h.mu.Unlock()
	}
}

// Output is the device last chosen through UseOutput.
func (h *Host) Output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.output
}

func (h *Host) Audio() *audio.Engine { return h.engine }

// OpenURL records the address instead of opening a browser.
func (h *Host) OpenURL(u *url.URL) error {
	h.mu.Lock()
	h.opened = append(h.opened, u.String())
	h.mu.Unlock()
	return nil
}

var _ kit.Host = (*Host)(nil)

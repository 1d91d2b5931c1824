// Package ui is Pollinations Studio's window: one file per page, on the services of backend/,
// storage/ and audio/. It only draws and reacts: requests, files, decoding and sound run off the
// UI goroutine and come back through fyne.Do.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/keychain"
	"pollinations-studio/backend/sim"
	"pollinations-studio/storage"
	"pollinations-studio/ui/internal/firstframe"
)

// AppID identifies the app to the OS (preferences, notifications).
const AppID = "ai.pollinations.studio"

// Options tell the window how to start.
type Options struct {
	DataDir           string
	Demo              bool
	BaseURL, EnterURL string
	Keychain          keychain.Store
	// RunOnUI replaces fyne.Do (tests run widget updates in step with themselves).
	RunOnUI func(func())
	// SilentAudio plays and records on the null backend (tests, machines without sound).
	SilentAudio bool
	// RecordSource, when set, feeds the recorder instead of the microphone (16-bit mono PCM
	// at 16 kHz), for tests and demos.
	RecordSource func() io.Reader
}

// Run opens the window and returns when it is closed.
func Run(o Options) error {
	a := app.NewWithID(AppID)
	a.SetIcon(appIcon)
	applyTheme(a, a.Preferences().StringWithFallback(prefTheme, "system"))
	w := a.NewWindow("Pollinations Studio")
	w.SetIcon(appIcon)
	s, err := NewStudio(a, w, o)
	if err != nil {
		return err
	}
	defer s.Close()
	w.SetContent(s.Content())
	w.Resize(fyne.NewSize(1180, 780))
	w.CenterOnScreen()
	if p := startPage(o); p != "" {
		s.Show(p)
		s.showcase(p)
	}
	w.ShowAndRun()
	return nil
}

// Studio is the window's state: the services and the pages.
type Studio struct {
	app fyne.App
	win fyne.Window
	o   Options

	lib   *storage.Library
	jobs  *jobs.Service
	audio *audio.Engine // nil when the machine has no sound device
	sim   *sim.Server   // the built-in simulator in demo mode

	// RunOnUI applies a change to the widgets from any goroutine (fyne.Do in the app; tests
	// replace it to stay in step).
	RunOnUI func(func())

	mu       sync.Mutex
	client   *api.Client
	models   []api.Model
	keyInfo  *api.KeyInfo
	balance  *api.Balance
	listener []func() // told when the account or catalogue changes

	content fyne.CanvasObject
	dialogs []dialog.Dialog // open dialogs, newest last (Esc closes the newest)
	away    atomic.Bool     // the window is in the background (notifications are sent then)
	tabs    *container.AppTabs
	pages   map[string]*container.TabItem
	status  *statusBar

	image      *imagePage
	library    *libraryPage
	chat       *chatPage
	speech     *speechPage
	transcribe *transcribePage
	video      *videoPage
	settings   *settingsPage

	ctx    context.Context
	cancel context.CancelFunc
}

// NewStudio builds the window's content on a (real or test) app.
func NewStudio(a fyne.App, w fyne.Window, o Options) (*Studio, error) {
	s := &Studio{app: a, win: w, o: o, RunOnUI: fyne.Do}
	if o.RunOnUI != nil {
		s.RunOnUI = o.RunOnUI
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if o.Keychain == nil {
		o.Keychain = keychain.NewMemory()
		s.o.Keychain = o.Keychain
	}
	dir := o.DataDir
	if dir == "" {
		d, err := storage.DefaultDir()
		if err != nil {
			return nil, fmt.Errorf("finding the library folder: %w", err)
		}
		dir = d
	}
	lib, err := storage.Open(s.ctx, dir)
	if err != nil {
		return nil, err
	}
	s.lib = lib
	if o.Demo {
		srv, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.05, DeviceApproveAfter: 3 * time.Second})
		if err != nil {
			lib.Close()
			return nil, fmt.Errorf("starting the demo simulator: %w", err)
		}
		s.sim = srv
		s.o.BaseURL, s.o.EnterURL = srv.URL(), srv.URL()
	}
	if e, err := audio.NewEngine(audio.EngineOptions{Null: o.SilentAudio}); err == nil {
		s.audio = e
	}
	s.jobs = jobs.New(jobs.Config{Library: lib})
	if err := s.jobs.Start(s.ctx); err != nil {
		return nil, err
	}
	s.build()
	// Background work starts once every widget exists.
	go s.loadKey()
	go s.followJobs()
	go s.transcribe.loadPast()
	go s.chat.loadChats()
	go s.speech.tick()
	go s.video.tick()
	go s.settings.loadDevices()
	s.measureStall()
	s.measureScroll()
	s.measureChat()
	s.demoSpeak()
	return s, nil
}

// Close stops the services.
func (s *Studio) Close() {
	s.cancel()
	s.jobs.Close()
	if s.audio != nil {
		s.audio.Close()
	}
	if s.sim != nil {
		s.sim.Close()
	}
	s.lib.Close()
}

// Content is the window's content.
func (s *Studio) Content() fyne.CanvasObject { return s.content }

// Show switches to a page by name.
func (s *Studio) Show(name string) {
	if it, ok := s.pages[name]; ok {
		s.tabs.Select(it)
	}
}

func (s *Studio) build() {
	s.image = newImagePage(s)
	s.library = newLibraryPage(s)
	s.chat = newChatPage(s)
	s.speech = newSpeechPage(s)
	s.transcribe = newTranscribePage(s)
	s.video = newVideoPage(s)
	s.settings = newSettingsPage(s)
	type page struct {
		name, title string
		icon        fyne.Resource
		content     fyne.CanvasObject
	}
	list := []page{
		{"image", "Image", theme.MediaPhotoIcon(), s.image.content},
		{"chat", "Chat", theme.MailComposeIcon(), s.chat.content},
		{"speech", "Speech", theme.VolumeUpIcon(), s.speech.content},
		{"transcribe", "Transcribe", theme.DocumentIcon(), s.transcribe.content},
		{"video", "Video", theme.MediaVideoIcon(), s.video.content},
		{"library", "Library", theme.StorageIcon(), s.library.content},
		{"settings", "Settings", theme.SettingsIcon(), s.settings.content},
	}
	s.pages = map[string]*container.TabItem{}
	var items []*container.TabItem
	for _, p := range list {
		it := container.NewTabItemWithIcon(p.title, p.icon, p.content)
		s.pages[p.name] = it
		items = append(items, it)
	}
	// All pages at once: each Append lays out every page added so far again (≈100 ms of
	// start-up for seven pages).
	s.tabs = container.NewAppTabs(items...)
	s.tabs.SetTabLocation(container.TabLocationLeading)
	s.tabs.OnSelected = func(it *container.TabItem) {
		if it == s.pages["library"] {
			s.library.refresh()
		}
	}
	s.status = newStatusBar(s)
	s.content = container.NewBorder(nil, s.status.content, nil, nil, s.tabs)
	if p := firstframe.Probe(); p != nil { // only when scripts/measure-ui.sh asks
		s.content = container.NewBorder(nil, p, nil, nil, s.content)
	}
	s.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { s.HandleDrop(uris) })
	s.shortcuts()
	s.app.Lifecycle().SetOnExitedForeground(func() { s.away.Store(true) })
	s.app.Lifecycle().SetOnEnteredForeground(func() { s.away.Store(false) })
}

// Client is the API client for the current key (nil until a key is known).
func (s *Studio) Client() *api.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

const userAgent = "pollinations-studio-desktop"

func (s *Studio) newClient(key string) (*api.Client, error) {
	return api.New(api.Options{BaseURL: s.baseURL(), EnterURL: s.o.EnterURL, Key: key, UserAgent: userAgent})
}

// loadKey finds the key (demo key, keychain) and loads the account and catalogue.
func (s *Studio) loadKey() {
	var key string
	if s.sim != nil {
		key = s.sim.Key("secret")
	} else if k, err := s.o.Keychain.Get(s.ctx); err == nil {
		key = k
	} else if !errors.Is(err, keychain.ErrNotFound) {
		s.RunOnUI(func() {
			s.settings.setNote("The system keychain is not available (" + err.Error() + "). You can still paste a key for this session.")
		})
	}
	if key == "" {
		// The catalogue is public: pickers fill even before sign-in.
		if c, err := s.newClient(""); err == nil {
			s.setClient(c)
		}
		s.RunOnUI(func() { s.Show("settings") })
		return
	}
	c, err := s.newClient(key)
	if err != nil {
		s.RunOnUI(func() { s.settings.setNote(err.Error()) })
		return
	}
	s.setClient(c)
}

// setClient switches to a client and reloads what depends on the key.
func (s *Studio) setClient(c *api.Client) {
	s.mu.Lock()
	s.client = c
	s.keyInfo, s.balance = nil, nil
	s.mu.Unlock()
	if c.HasKey() {
		s.jobs.SetClient(c)
	}
	s.refreshAccount()
}

// refreshAccount reloads key info, balance and the catalogue, off the UI goroutine.
func (s *Studio) refreshAccount() {
	c := s.Client()
	if c == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		defer cancel()
		var info *api.KeyInfo
		var bal *api.Balance
		var accErr error
		if c.HasKey() {
			info, accErr = c.KeyInfo(ctx)
			if accErr == nil {
				bal, _ = c.Balance(ctx)
			}
		}
		models, modErr := c.Models(ctx, "")
		s.mu.Lock()
		if s.client == c {
			s.keyInfo, s.balance = info, bal
			if modErr == nil {
				sort.SliceStable(models, func(i, j int) bool { return models[i].Name < models[j].Name })
				s.models = models
			}
		}
		listeners := append([]func(){}, s.listener...)
		s.mu.Unlock()
		if bal != nil {
			s.jobs.SetPaid(bal.Paid > 0)
		}
		s.RunOnUI(func() {
			if accErr != nil {
				s.settings.setNote("This key was not accepted: " + friendly(accErr))
			}
			for _, f := range listeners {
				f()
			}
		})
	}()
}

// onAccount registers a UI refresh for when the account or catalogue changes.
func (s *Studio) onAccount(f func()) {
	s.mu.Lock()
	s.listener = append(s.listener, f)
	s.mu.Unlock()
}

// Models returns the catalogue's models of a kind.
func (s *Studio) Models(kind string) []api.Model {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []api.Model
	for _, m := range s.models {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// allowed reports whether the key may use a model.
func (s *Studio) allowed(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyInfo == nil || s.keyInfo.AllowedModels == nil {
		return true
	}
	for _, m := range s.keyInfo.AllowedModels {
		if m == name {
			return true
		}
	}
	return false
}

// account returns what is known of the key and balance.
func (s *Studio) account() (*api.KeyInfo, *api.Balance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyInfo, s.balance
}

// submit queues a generation, saying why when it cannot.
func (s *Studio) submit(r jobs.Request) (int64, bool) {
	if c := s.Client(); c == nil || !c.HasKey() {
		s.showError(errors.New("add your Pollinations key in Settings first"))
		s.Show("settings")
		return 0, false
	}
	id, err := s.jobs.Submit(s.ctx, r)
	if err != nil {
		s.showError(err)
		return 0, false
	}
	return id, true
}

// followJobs hands job events to the pages and the status bar, on the UI goroutine.
func (s *Studio) followJobs() {
	events, stop := s.jobs.Subscribe()
	defer stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Audio != nil {
				s.speech.liveAudio(ev)
			}
			s.RunOnUI(func() {
				s.status.update()
				s.image.onJob(ev)
				s.chat.onJob(ev)
				s.video.onJob(ev)
				s.transcribe.onJob(ev)
				s.speech.onJob(ev)
				if ev.State == jobs.Done || ev.State == jobs.Failed {
					s.library.dirty = true
					s.notifyIfAway(ev)
				}
			})
		}
	}
}

// notifyIfAway sends a desktop notification when a long job ends while the window is in the
// background (in front, the page shows the result itself).
func (s *Studio) notifyIfAway(ev jobs.Event) {
	if ev.Elapsed < 20*time.Second || !s.away.Load() {
		return
	}
	title := strings.ToUpper(string(ev.Kind[:1])) + string(ev.Kind[1:]) + " ready"
	body := shorten(ev.Prompt, 80)
	if ev.State == jobs.Failed {
		title = strings.ToUpper(string(ev.Kind[:1])) + string(ev.Kind[1:]) + " failed"
	}
	s.app.SendNotification(fyne.NewNotification(title, body))
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// HandleDrop routes dropped files: audio and video to Transcribe, images to the image
// studio's references.
func (s *Studio) HandleDrop(uris []fyne.URI) {
	if s.tabs.Selected() == s.pages["chat"] {
		// On the chat page, images (and audio the model takes) become attachments of the next
		// message; other files are handled as on any page.
		var rest []fyne.URI
		for _, u := range uris {
			if s.chat.wantsDrop(u.Path()) {
				s.chat.addAttachment(u.Path())
			} else {
				rest = append(rest, u)
			}
		}
		uris = rest
	}
	var audioFiles, images []string
	var refused []string
	for _, u := range uris {
		if u.Scheme() != "file" {
			continue
		}
		p := u.Path()
		switch strings.ToLower(u.Extension()) {
		case ".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".wav", ".webm":
			audioFiles = append(audioFiles, p)
		case ".png", ".jpg", ".jpeg", ".webp", ".gif":
			images = append(images, p)
		default:
			refused = append(refused, u.Name())
		}
	}
	if len(audioFiles) > 0 {
		s.Show("transcribe")
		s.transcribe.addFiles(audioFiles)
	}
	if len(images) > 0 {
		s.Show("image")
		s.image.addRefs(images)
	}
	if len(refused) > 0 {
		s.showError(fmt.Errorf("%s: drop audio or video (mp3, mp4, m4a, wav, webm) to transcribe it, or images to use as references", strings.Join(refused, ", ")))
	}
}

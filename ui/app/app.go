// Package app is Pollinations Studio's window: the shell around the pages. It owns the
// window, the navigation between pages, the status bar and jobs panel, the shortcuts, dialogs
// and drop routing, the account and catalogue, and the one audio player, and it implements the
// Host the pages are built on (ui/kit). Requests, files, decoding and sound run off the UI
// goroutine and come back through RunOnUI.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/keychain"
	"pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/pages/chat"
	"pollinations-studio/ui/pages/image"
	"pollinations-studio/ui/pages/library"
	"pollinations-studio/ui/pages/music"
	"pollinations-studio/ui/pages/settings"
	"pollinations-studio/ui/pages/speech"
	"pollinations-studio/ui/pages/transcribe"
	"pollinations-studio/ui/pages/video"
	"pollinations-studio/ui/pages/voice"
)

// AppID identifies the app to the OS (preferences, notifications).
const AppID = "ai.pollinations.studio"

const userAgent = "pollinations-studio-desktop"

// Options tell the window how to start.
type Options struct {
	// DataDir is the library folder ("" = the user's library; in demo mode a temporary one).
	DataDir string
	Demo    bool
	// DemoAccount is the simulated account a demo signs in with: paid (the default), free
	// (Quest Pollen only), quest (a key that spends only Quest Pollen) or budgeted.
	DemoAccount       string
	BaseURL, EnterURL string
	// MediaURL is where uploads go ("" = the real media host; the demo's simulator takes them).
	MediaURL string
	Keychain keychain.Store
	// RunOnUI replaces fyne.Do (tests run widget updates in step with themselves).
	RunOnUI func(func())
	// SilentAudio plays and records on the null backend (tests, machines without sound).
	SilentAudio bool
	// OpenURL, when set, opens web pages instead of the system (tests record them).
	OpenURL func(*url.URL) error
	// RecordSource, when set, feeds the recorder instead of the microphone (16-bit mono PCM
	// at 16 kHz), for tests and demos.
	RecordSource func() io.Reader
	// ImageClipboard, when set, carries pictures instead of the system's clipboard (tests).
	ImageClipboard kit.ImageClipboard
}

// Run opens the window and returns when it is closed. In demo mode it first starts the
// simulator, a demo key and (without an explicit DataDir) a temporary library.
func Run(o Options) error {
	o, stopDemo, err := startDemo(o)
	if err != nil {
		return err
	}
	defer stopDemo()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(appIcon)
	applyTheme(a, a.Preferences().StringWithFallback(kit.PrefTheme, "system"))
	w, err := newWindow(a, "Pollinations Studio") // a driver that cannot start is an error
	if err != nil {
		return err
	}
	w.SetIcon(appIcon)
	s, err := New(a, w, o)
	if errors.Is(err, storage.ErrAlreadyOpen) {
		showAlreadyOpen(a, w)
		return err
	}
	if err != nil {
		return err
	}
	defer s.Close()
	measureHooks(s) // nothing, unless built with the measure tag
	w.SetContent(s.Content())
	w.Resize(fyne.NewSize(1180, 780))
	w.CenterOnScreen()
	return showAndRun(a, w) // a driver that gives no window is an error, not a panic
}

// showAlreadyOpen tells the user, in a small window of its own, that another window has this
// library; Quit ends the run (the caller then exits non-zero with the same words).
func showAlreadyOpen(a fyne.App, w fyne.Window) {
	w.SetTitle("Pollinations Studio")
	msg := widget.NewLabel(storage.ErrAlreadyOpen.Error() + ".\nSwitch to that window, or quit it before opening this one.")
	quit := widget.NewButton("Quit", a.Quit)
	quit.Importance = widget.HighImportance
	w.SetContent(container.NewPadded(container.NewVBox(msg, container.NewCenter(quit))))
	w.CenterOnScreen()
	w.ShowAndRun()
}

// page is one tab: its name, its title and the page.
type page struct {
	name, title string
	icon        fyne.Resource
	page        kit.Page
	tab         *container.TabItem
}

// Shell is the window's state: the services, the pages and what joins them.
type Shell struct {
	app fyne.App
	win fyne.Window
	o   Options

	lock  *storage.WindowLock // one window per library, released on Close
	lib   *storage.Library
	jobs  *jobs.Service
	audio *audio.Engine // nil when the machine has no sound device
	// images is the system's image clipboard, started on first use.
	images systemImages

	runOnUI func(func())

	mu     sync.Mutex
	client *api.Client
	models []api.Model
	// catalogueOf and catalogueAt say whose catalogue models is and when it came: a
	// generation refreshes the balance, not the catalogue (two listings, several requests).
	catalogueOf *api.Client
	catalogueAt time.Time
	keyInfo     *api.KeyInfo
	balance     *api.Balance
	listener    []func()           // told when the account or catalogue changes
	player      *audio.Player      // the one player (nil without sound)
	onJob       []func(jobs.Event) // told of every job event, on the UI goroutine

	content fyne.CanvasObject
	dialogs []dialog.Dialog // open dialogs, newest last (Esc closes the newest)
	away    atomic.Bool     // the window is in the background (notifications are sent then)
	tabs    *container.AppTabs
	pages   []*page
	status  *statusBar
	// leftOver is what an earlier run left unfinished (recoverJobs); orphans offers it.
	leftOver []storage.Job
	orphans  *orphanBanner

	// Settings is the one page the shell speaks to directly (notes about the key it found).
	settings *settings.Page

	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
}

// New builds the window's content on a (real or test) app.
func New(a fyne.App, w fyne.Window, o Options) (*Shell, error) {
	s := &Shell{app: a, win: w, o: o, runOnUI: fyne.Do}
	if o.RunOnUI != nil {
		s.runOnUI = o.RunOnUI
	}
	if o.Keychain == nil {
		s.o.Keychain = keychain.NewMemory()
	}
	dir := o.DataDir
	if dir == "" {
		d, err := storage.DefaultDir()
		if err != nil {
			return nil, fmt.Errorf("finding the library folder: %w", err)
		}
		dir = d
	}
	// Two windows on one library would each run and reconcile its queue: the second is
	// refused before it opens anything.
	lock, err := storage.LockWindow(dir)
	if err != nil {
		return nil, err
	}
	s.lock = lock
	s.ctx, s.cancel = context.WithCancel(context.Background())
	lib, err := storage.Open(s.ctx, dir)
	if err != nil {
		s.cancel()
		lock.Unlock()
		return nil, err
	}
	s.lib = lib
	if e, err := audio.NewEngine(audio.EngineOptions{Null: o.SilentAudio}); err == nil {
		s.audio = e
		s.useOutput(a.Preferences().String(kit.PrefOutput)) // failing, Speech says so

	}
	s.jobs = jobs.New(jobs.Config{Library: lib})
	if err := s.startJobs(); err != nil {
		s.cancel()
		lib.Close()
		lock.Unlock()
		return nil, err
	}
	s.build()
	// Background work starts once every widget exists.
	go s.loadKey()
	go s.followJobs()
	for _, p := range s.pages {
		if st, ok := p.page.(kit.Starter); ok {
			go st.Start()
		}
	}
	return s, nil
}

// startJobs starts the job service and then, as its own step, lists the jobs a previous run
// left queued or running; they are offered, paused, until the user resumes or discards them.
func (s *Shell) startJobs() error {
	if err := s.jobs.Start(s.ctx); err != nil {
		return fmt.Errorf("starting the job service: %w", err)
	}
	return s.recoverJobs()
}

// Close stops the services and lets another window open the library (once; later calls do
// nothing).
func (s *Shell) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		s.jobs.Close()
		if s.audio != nil {
			s.audio.Close()
		}
		s.lib.Close()
		s.lock.Unlock()
	})
}

// Content is the window's content.
func (s *Shell) Content() fyne.CanvasObject { return s.content }

// Show brings a page to the front by name.
func (s *Shell) Show(name string) {
	if p := s.page(name); p != nil {
		s.tabs.Select(p.tab)
	}
}

// Page is a page by name (nil for none), for the measuring build and tests.
func (s *Shell) Page(name string) kit.Page {
	if p := s.page(name); p != nil {
		return p.page
	}
	return nil
}

func (s *Shell) page(name string) *page {
	for _, p := range s.pages {
		if p.name == name {
			return p
		}
	}
	return nil
}

// current is the page in front.
func (s *Shell) current() *page {
	sel := s.tabs.Selected()
	for _, p := range s.pages {
		if p.tab == sel {
			return p
		}
	}
	return nil
}

func (s *Shell) build() {
	s.settings = settings.New(s)
	s.pages = []*page{
		{name: kit.PageImage, title: "Image", icon: theme.MediaPhotoIcon(), page: image.New(s)},
		{name: kit.PageChat, title: "Chat", icon: theme.MailComposeIcon(), page: chat.New(s)},
		{name: kit.PageSpeech, title: "Speech", icon: theme.VolumeUpIcon(), page: speech.New(s)},
		{name: kit.PageTranscribe, title: "Transcribe", icon: theme.DocumentIcon(), page: transcribe.New(s)},
		{name: kit.PageVideo, title: "Video", icon: theme.MediaVideoIcon(), page: video.New(s)},
		{name: kit.PageMusic, title: "Music & sound", icon: theme.MediaMusicIcon(), page: music.New(s)},
		{name: kit.PageVoice, title: "Voice tools", icon: theme.FileAudioIcon(), page: voice.New(s)},
		{name: kit.PageLibrary, title: "Library", icon: theme.StorageIcon(), page: library.New(s)},
		{name: kit.PageSettings, title: "Settings", icon: theme.SettingsIcon(), page: s.settings},
	}
	var items []*container.TabItem
	for _, p := range s.pages {
		p.tab = container.NewTabItemWithIcon(p.title, p.icon, p.page.Content())
		items = append(items, p.tab)
	}
	// All pages at once: each Append lays out every page added so far again (≈100 ms of
	// start-up for seven pages).
	s.tabs = container.NewAppTabs(items...)
	s.tabs.SetTabLocation(container.TabLocationLeading)
	s.tabs.OnSelected = func(*container.TabItem) {
		if sh, ok := s.current().page.(kit.Shower); ok {
			sh.Shown()
		}
	}
	s.status = newStatusBar(s)
	s.OnJob(func(ev jobs.Event) { s.status.update(); s.onJobEnded(ev) })
	s.orphans = newOrphanBanner(s, s.leftOver)
	s.content = container.NewBorder(s.orphans.content, s.status.content, nil, nil, s.tabs)
	s.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { s.HandleDrop(uris) })
	s.shortcuts()
	s.app.Lifecycle().SetOnExitedForeground(func() { s.away.Store(true) })
	s.app.Lifecycle().SetOnEnteredForeground(func() { s.away.Store(false) })
}

// Navigate shows a navigation value's page (unless it is quiet) and hands the value to it.
func (s *Shell) Navigate(v kit.Nav) {
	p := s.page(v.Page)
	if p == nil {
		return
	}
	if !v.Quiet {
		s.tabs.Select(p.tab)
	}
	if n, ok := p.page.(kit.Navigator); ok {
		n.Navigate(v)
	}
}

// Client is the API client for the current key (nil until a key is known).
func (s *Shell) Client() *api.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// NewClient makes a client for a key at the current address.
func (s *Shell) NewClient(key string) (*api.Client, error) {
	return api.New(api.Options{BaseURL: s.BaseURL(), EnterURL: s.o.EnterURL, MediaURL: s.o.MediaURL, Key: key, UserAgent: userAgent})
}

// loadKey finds the key in the keychain and loads the account and catalogue.
func (s *Shell) loadKey() {
	var key string
	if k, err := s.o.Keychain.Get(s.ctx); err == nil {
		key = k
	} else if !errors.Is(err, keychain.ErrNotFound) {
		s.RunOnUI(func() {
			s.settings.SetNote("The system keychain is not available (" + err.Error() + "). You can still paste a key for this session.")
		})
	}
	if key == "" {
		// The catalogue is public: pickers fill even before sign-in.
		if c, err := s.NewClient(""); err == nil {
			s.UseClient(c)
		}
		s.RunOnUI(func() { s.Show(kit.PageSettings) })
		return
	}
	c, err := s.NewClient(key)
	if err != nil {
		s.RunOnUI(func() { s.settings.SetNote(err.Error()) })
		return
	}
	s.UseClient(c)
}

// UseClient switches to a client and reloads what depends on the key.
func (s *Shell) UseClient(c *api.Client) {
	s.mu.Lock()
	s.client = c
	s.keyInfo, s.balance = nil, nil
	s.mu.Unlock()
	if c.HasKey() {
		s.jobs.SetClient(c)
	}
	s.RefreshAccount()
}

// catalogueMaxAge is how long a loaded catalogue is used before a refresh loads it again.
const catalogueMaxAge = 10 * time.Minute

// RefreshAccount reloads key info and balance, and the catalogue when it is older than
// catalogueMaxAge or another key's, off the UI goroutine.
func (s *Shell) RefreshAccount() { s.refreshAccount(false) }

// ReloadAll reloads key info, balance and the catalogue (the status bar's refresh button).
func (s *Shell) ReloadAll() { s.refreshAccount(true) }

func (s *Shell) refreshAccount(catalogue bool) {
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
		s.mu.Lock()
		load := catalogue || s.catalogueOf != c || time.Since(s.catalogueAt) > catalogueMaxAge
		s.mu.Unlock()
		var models []api.Model
		var modErr error
		if load {
			models, modErr = kit.LoadCatalogue(ctx, c)
		}
		s.mu.Lock()
		if s.client == c {
			s.keyInfo, s.balance = info, bal
			if load && modErr == nil {
				s.models, s.catalogueOf, s.catalogueAt = models, c, time.Now()
			}
		}
		listeners := append([]func(){}, s.listener...)
		s.mu.Unlock()
		if bal != nil {
			s.jobs.SetPaid(bal.Paid > 0)
		}
		s.RunOnUI(func() {
			if accErr != nil {
				s.settings.SetNote("This key was not accepted: " + kit.Friendly(accErr))
			}
			for _, f := range listeners {
				f()
			}
		})
	}()
}

// followJobs hands job events to the listeners, on the UI goroutine. Live audio goes to the
// player at once, off the UI goroutine, so that speech starts as its download starts.
func (s *Shell) followJobs() {
	events, stop := s.jobs.Subscribe()
	defer stop()
	live := map[int64]io.Reader{} // what plays as it downloads, by job
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Audio != nil && s.playLive(ev) {
				live[ev.ID] = ev.Audio
			}
			if src, ok := live[ev.ID]; ok && ev.State != jobs.Running && ev.State != jobs.Queued {
				delete(live, ev.ID)
				if ev.State == jobs.Done && ev.ItemID != nil {
					go s.learnLength(src, *ev.ItemID)
				}
			}
			s.mu.Lock()
			listeners := append([]func(jobs.Event){}, s.onJob...)
			s.mu.Unlock()
			s.RunOnUI(func() {
				for _, f := range listeners {
					f(ev)
				}
			})
		}
	}
}

// playLive starts playing a job's sound as it downloads (called off the UI goroutine) and
// reports whether it plays.
func (s *Shell) playLive(ev jobs.Event) bool {
	p := s.Player()
	if p == nil {
		return false
	}
	if err := p.Play(context.Background(), ev.Audio, audio.FormatAuto); err != nil {
		if errors.Is(err, audio.ErrNoDevice) {
			// Playing as it downloads is a courtesy nobody asked for: without a sound device
			// the result is still saved and the page says so; no dialog interrupts the user.
			return false
		}
		s.ShowError(fmt.Errorf("playing: %w", err))
		return false
	}
	return true
}

// learnLength tells the player the length of a sound still playing as it downloaded, measured
// on the saved file: an MP3 stream says nothing of its length, and the seek bar waits for it.
func (s *Shell) learnLength(src io.Reader, itemID int64) {
	p := s.Player()
	if p == nil {
		return
	}
	it, err := s.lib.Item(s.ctx, itemID)
	if err != nil {
		return
	}
	path, err := s.lib.ItemMediaPath(it)
	if err != nil {
		return
	}
	if info, err := audio.Probe(path); err == nil && info.Duration > 0 {
		p.LearnLength(src, time.Duration(info.Duration*float64(time.Second)))
	}
}

// onJobEnded tells the user of a long job that ended while the window was in the background.
func (s *Shell) onJobEnded(ev jobs.Event) {
	if ev.State == jobs.Done || ev.State == jobs.Failed {
		s.notifyIfAway(ev)
	}
}

// notifyIfAway sends a desktop notification when a long job ends while the window is in the
// background (in front, the page shows the result itself).
func (s *Shell) notifyIfAway(ev jobs.Event) {
	if ev.Elapsed < 20*time.Second || !s.away.Load() {
		return
	}
	title := strings.ToUpper(string(ev.Kind[:1])) + string(ev.Kind[1:]) + " ready"
	body := kit.Shorten(ev.Prompt, 80)
	if ev.State == jobs.Failed {
		title = strings.ToUpper(string(ev.Kind[:1])) + string(ev.Kind[1:]) + " failed"
	}
	s.app.SendNotification(fyne.NewNotification(title, body))
}

// HandleDrop routes dropped files: the page in front takes what it wants (chat: attachments);
// audio and video go to Transcribe, images to the image studio's references.
func (s *Shell) HandleDrop(uris []fyne.URI) {
	var paths []string
	var refused []string
	for _, u := range uris {
		if u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	if t, ok := s.current().page.(kit.DropTaker); ok {
		paths = t.TakeDrop(paths)
	}
	var audioFiles, images []string
	for _, p := range paths {
		switch strings.ToLower(fileExt(p)) {
		case ".mp3", ".mp4", ".mpeg", ".mpga", ".m4a", ".wav", ".webm":
			audioFiles = append(audioFiles, p)
		case ".png", ".jpg", ".jpeg", ".webp", ".gif":
			images = append(images, p)
		default:
			refused = append(refused, fileName(p))
		}
	}
	if len(audioFiles) > 0 {
		s.Navigate(kit.Nav{Page: kit.PageTranscribe, Action: kit.ActAddFiles, Paths: audioFiles})
	}
	if len(images) > 0 {
		s.Navigate(kit.Nav{Page: kit.PageImage, Action: kit.ActUseRef, Paths: images})
	}
	if len(refused) > 0 {
		s.ShowError(fmt.Errorf("%s: drop audio or video (mp3, mp4, m4a, wav, webm) to transcribe it, or images to use as references", strings.Join(refused, ", ")))
	}
}

// OpenURL opens an address with the system.
func (s *Shell) OpenURL(u *url.URL) error {
	if s.o.OpenURL != nil {
		return s.o.OpenURL(u)
	}
	return s.app.OpenURL(u)
}

// OpenPath opens a folder in the file manager or a file in its default program, and shows
// the path where the system cannot (a url.URL, so spaces and '#' in the path stay the path).
func (s *Shell) OpenPath(what, path string) {
	if err := s.app.OpenURL(&url.URL{Scheme: "file", Path: path}); err != nil {
		dialog.ShowInformation(what, path, s.win)
	}
}

// Package kit is what the window's pages share: the Host interface a page is built on, the
// navigation value that carries a request from one page to another through the shell, and the
// small widgets and helpers more than one page uses (model picker labels, headings, clock,
// safe file names, the words errors are shown in). A page imports kit and nothing of another
// page; the shell (ui/app) implements Host.
package kit

import (
	"context"
	"net/url"

	"fyne.io/fyne/v2"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/storage"
)

// Page names, as navigation values and the shell's tabs know them.
const (
	PageImage      = "image"
	PageChat       = "chat"
	PageSpeech     = "speech"
	PageTranscribe = "transcribe"
	PageVideo      = "video"
	PageMusic      = "music"
	PageVoice      = "voice"
	PageLibrary    = "library"
	PageSettings   = "settings"
)

// Navigation actions.
const (
	ActOpen     = "open"      // library: clear the search and show the item
	ActShow     = "show"      // library: show the item's details; transcribe: open the transcript
	ActSearch   = "search"    // library: put the keyboard in the search box
	ActRemix    = "remix"     // image: make the item again with a new seed
	ActUseRef   = "use-ref"   // image: add the item (or Paths) as reference images; music: as reference audio
	ActUseSeed  = "use-seed"  // image: reuse the item's seed, locked
	ActPlay     = "play"      // speech, music: play the item's (or Paths[0]'s) sound
	ActAddFiles = "add-files" // transcribe: transcribe Paths
	ActVoice    = "voice"     // voice: take the item (or Paths[0]) as the voice tools' source
	ActAnimate  = "animate"   // video: the item (or Paths[0]) becomes the start frame
)

// Nav asks the shell to take the user to a page and hand it something to do there.
type Nav struct {
	Page   string
	Action string
	Item   *storage.Item // the item acted on, when there is one
	ItemID int64         // or only its id
	Paths  []string      // files, for actions on files
	// Quiet routes the value without bringing the page to the front (a finished video opens
	// in the library's detail view while the user stays where they are).
	Quiet bool
}

// Host is what a page may ask of the window around it. Every method may be called from the
// UI goroutine; RunOnUI, ShowError, Library, Client, Jobs, Context, Models, Allowed, Player and
// ImageClipboard from any.
type Host interface {
	// RunOnUI applies a change to the widgets from any goroutine.
	RunOnUI(f func())
	// ShowError shows an error with the way out.
	ShowError(err error)
	// Context ends when the window closes.
	Context() context.Context
	Window() fyne.Window
	Clipboard() fyne.Clipboard
	// ImageClipboard carries pictures through the system clipboard (Clipboard carries text).
	ImageClipboard() ImageClipboard
	Preferences() fyne.Preferences
	Library() *storage.Library
	// Client is the API client of the key in use (uploads a page makes itself go through it).
	Client() *api.Client
	// Jobs is the job service (cancel, retry, wait); Submit queues a generation, saying why
	// when it cannot (no key yet).
	Jobs() *jobs.Service
	Submit(r jobs.Request) (id int64, ok bool)
	// OnJob registers f for every job event, on the UI goroutine.
	OnJob(f func(jobs.Event))
	// HasKey reports whether a key is set (the catalogue loads without one).
	HasKey() bool
	// Models is the catalogue's models of a kind ("" for every kind); Allowed whether the key
	// may use a model.
	Models(kind string) []api.Model
	Allowed(model string) bool
	// OnAccount registers f for when the account or catalogue changes (UI goroutine);
	// RefreshAccount reloads them (after a generation, the balance changed).
	OnAccount(f func())
	RefreshAccount()
	// Account is what is known of the key and its balance (nil until loaded, and the balance
	// when the key may not see it).
	Account() (*api.KeyInfo, *api.Balance)
	// OpenURL opens a web page with the system; pages call it only when the user presses a
	// button or link.
	OpenURL(u *url.URL) error
	// Player is the window's one audio player (nil without a sound device).
	Player() *audio.Player
	// HasSound reports whether the machine has a sound device; NewRecorder records from the
	// microphone chosen in Settings.
	HasSound() bool
	NewRecorder(o audio.RecorderOptions) (*audio.Recorder, error)
	// Navigate takes the user to another page with something to do there.
	Navigate(v Nav)
	// OpenPath opens a folder or file with the system, or shows its path.
	OpenPath(what, path string)
}

// Page is one of the window's pages.
type Page interface {
	Content() fyne.CanvasObject
}

// Optional page behaviour the shell looks for.
type (
	// Navigator takes navigation values addressed to the page.
	Navigator interface{ Navigate(v Nav) }
	// Primary is the page's main action (Ctrl+Enter).
	Primary interface{ Primary() }
	// Shower is told when the page is brought to the front.
	Shower interface{ Shown() }
	// Starter starts the page's background work once every page exists (run on its own goroutine).
	Starter interface{ Start() }
	// Copier copies what the page shows (Ctrl+C when no text field has the keyboard).
	Copier interface{ Copy() }
	// Paster pastes into the page (Ctrl+V when no text field has the keyboard).
	Paster interface{ Paste() }
	// DropTaker takes files dropped while the page is in front; it returns those it did not
	// take, which the shell routes as on any page.
	DropTaker interface {
		TakeDrop(paths []string) (rest []string)
	}
)

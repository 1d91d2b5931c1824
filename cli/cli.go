// Package cli is Pollinations Studio's command-line face: every generation, the catalogue, the
// account, the key, the library and the simulator, for scripting and for tests. It draws
// nothing: the window is opened through Env.OpenWindow, so this package does not import Fyne.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/keychain"
)

// Exit codes: distinct per class of failure, so scripts can tell them apart.
const (
	ExitOK         = 0
	ExitFailure    = 1 // anything else (disk, keychain, internal)
	ExitUsage      = 2 // bad command line or input file
	ExitAPI        = 3 // the API answered with an error
	ExitNetwork    = 4 // the API could not be reached, or timed out
	ExitIncomplete = 5 // the answer was cut short (a stream that ended without its end marker)
	ExitCanceled   = 130
)

// DemoAccounts are the simulated accounts a demo can sign in with: what a paying user, a free
// user, a Quest-Pollen-only key and a budgeted key each see.
func DemoAccounts() []string { return []string{"paid", "free", "quest", "budgeted"} }

// WindowOptions tells the window how to start.
type WindowOptions struct {
	DataDir           string
	Demo              bool
	DemoAccount       string // which simulated account a demo signs in with (DemoAccounts)
	BaseURL, EnterURL string
}

// Env is everything the command line touches outside itself.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Keychain       keychain.Store
	// OpenWindow opens the desktop window; nil in builds or tests without one.
	OpenWindow func(WindowOptions) error
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// incompleteError marks output that was cut short.
type incompleteError struct{ err error }

func (e *incompleteError) Error() string { return e.err.Error() }
func (e *incompleteError) Unwrap() error { return e.err }

// fileError is a failure to read or write one of the user's files: exit 1, never taken for a
// network failure.
type fileError struct{ err error }

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// isNetError says whether err came from the network. A bare syscall.Errno also satisfies
// net.Error (it has Timeout and Temporary), so a disk error must not count: only errors that
// the network stack or the HTTP client made do.
func isNetError(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	var ue *url.Error
	if errors.As(err, &op) || errors.As(err, &dns) || errors.As(err, &ue) {
		return true
	}
	var ne net.Error
	var errno syscall.Errno
	var pe *fs.PathError
	var le *os.LinkError
	return errors.As(err, &ne) && !errors.As(err, &errno) && !errors.As(err, &pe) && !errors.As(err, &le)
}

// globals are the flags that come before the subcommand.
type globals struct {
	dataDir, baseURL, enterURL string
	demo                       bool
	demoAccount                string
}

const usageText = `Pollinations Studio: images, text, speech, music, transcription and video from the Pollinations API.

Usage:
  pollinations-studio [--demo [--demo-account A]] [--data-dir DIR]  open the window
  pollinations-studio [global flags] COMMAND [flags]

Generation (each result is saved to the library; --json prints the saved item as JSON on stdout):
  image PROMPT -o FILE [--model M] [--width W] [--height H] [--seed S] [--quality Q] [--transparent] [--no-cache] [--ref FILE|URL]... [--json]
  text PROMPT [--model M] [--system S] [--json]      stream the reply to stdout (--json: the item at the end instead)
  speak TEXT -o FILE [--model M] [--voice V] [--format mp3|wav|pcm] [--play] [--json]
  music PROMPT -o FILE [--model M] [--duration S] [--instrumental] [--play] [--json]
  sound PROMPT -o FILE [--model M] [--duration S] [--loop] [--play] [--json]
  transcribe FILE [--model M] [--language L] [--prompt P] [--format json|text|srt|vtt|verbose_json|diarized_json] [--speakers N] [--isolate] [--json]
  isolate FILE -o OUT [--json]                       the voice alone (audio or video, at least 4.6 s)
  revoice FILE --voice V -o OUT [--model M] [--format mp3|opus|aac|wav|pcm] [--json]
  stems FILE -o DIR [--two] [--json]                 DIR/<stem>.mp3 for each stem (--json: an array of items)
  video PROMPT -o FILE [--model M] [--duration N] [--aspect 16:9] [--audio] [--seed S] [--start-frame URL] [--end-frame URL] [--json]
  model3d [PROMPT] --image FILE|URL -o OUT.glb [--model M] [--resolution low|medium|high] [--seed S] [--json]
                                                     a 3D model of a picture (a PROMPT alone for models that take text)

Catalogue, account and key:
  models [--type image|text|audio|video|transcription] [--json]
  account [--json]                                   key type, expiry, scope, balance
  key set [KEY] | key show | key clear               the key kept in the OS keychain

Library:
  library list [--kind K] [--model M] [--tag T] [--favourites] [--trashed] [--limit N] [--json]
  library search TEXT [same filters] [--json]
  library show ID... [--json]
  library export [ID...] -o FILE.zip | library import FILE.zip [--json]
  library trash ID... | library restore ID... | library empty-trash | library path

Sound and the simulator:
  play FILE | record -o FILE.wav [--seconds N] [--rate HZ] | devices
  sim [--addr HOST:PORT] [--fast]                    run the API simulator
  help                                               this text

Global flags (before the command):
  --base-url URL    API base (env POLLINATIONS_BASE_URL, default https://gen.pollinations.ai)
  --enter-url URL   sign-in host (env POLLINATIONS_ENTER_URL, default https://enter.pollinations.ai)
  --data-dir DIR    library folder (env POLLINATIONS_STUDIO_DATA)
  --demo            the window against the built-in simulator, with a demo key
  --demo-account A  the demo's account: paid (default), free (Quest Pollen only), quest (a key
                    that spends only Quest Pollen), budgeted (a key with a budget)

The key comes from POLLINATIONS_API_KEY or the OS keychain ("key set").
Data goes to stdout (a reply, a transcript, JSON); progress and errors go to stderr.
Exit codes: 0 ok, 1 failure, 2 usage, 3 API error, 4 network error, 5 incomplete answer, 130 interrupted.
Full reference: docs/cli.md.
`

// Run runs the command line and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	err := run(ctx, args, env)
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	fmt.Fprintln(env.Stderr, "pollinations-studio:", termMessage(api.Redact(err.Error())))
	printRemedies(env.Stderr, err)
	return exitCode(ctx, err)
}

// printRemedies adds what the user can do about a refusal, with the dashboard link when the
// service gave one: "To fix: Top up: https://enter.pollinations.ai/top-up?…".
func printRemedies(w io.Writer, err error) {
	e, ok := api.AsError(err)
	if !ok {
		return
	}
	for _, r := range e.Remedies {
		if r.URL != "" {
			fmt.Fprintf(w, "To fix: %s: %s\n", r.Label, termMessage(api.Redact(r.URL)))
		} else {
			fmt.Fprintf(w, "To fix: %s\n", termMessage(r.Label))
		}
	}
}

func exitCode(ctx context.Context, err error) int {
	var ue *usageError
	var ie *incompleteError
	var fe *fileError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &ie), api.IsKind(err, api.KindIncomplete):
		return ExitIncomplete
	case ctx.Err() != nil, api.IsKind(err, api.KindCanceled):
		return ExitCanceled
	case errors.As(err, &fe):
		return ExitFailure
	case api.IsKind(err, api.KindNetwork), api.IsKind(err, api.KindTimeout), isNetError(err):
		return ExitNetwork
	}
	if _, ok := api.AsError(err); ok {
		return ExitAPI
	}
	return ExitFailure
}

func run(ctx context.Context, args []string, env Env) error {
	var g globals
	fs := newFlagSet("pollinations-studio", env)
	fs.StringVar(&g.dataDir, "data-dir", "", "library folder")
	fs.StringVar(&g.baseURL, "base-url", "", "API base URL")
	fs.StringVar(&g.enterURL, "enter-url", "", "sign-in host URL")
	fs.BoolVar(&g.demo, "demo", false, "open the window against the built-in simulator")
	fs.StringVar(&g.demoAccount, "demo-account", "paid", "the demo's account: "+strings.Join(DemoAccounts(), ", "))
	fs.Usage = func() { fmt.Fprint(env.Stderr, usageText) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if g.baseURL == "" {
		g.baseURL = env.Getenv("POLLINATIONS_BASE_URL")
	}
	if g.enterURL == "" {
		g.enterURL = env.Getenv("POLLINATIONS_ENTER_URL")
	}
	// A demo opens on a library of its own unless --data-dir names one: the variable may
	// point at the user's real library.
	windowDir := g.dataDir
	if g.dataDir == "" {
		g.dataDir = env.Getenv("POLLINATIONS_STUDIO_DATA")
	}
	if !g.demo {
		windowDir = g.dataDir
	}
	if !slices.Contains(DemoAccounts(), g.demoAccount) {
		return usagef("--demo-account is one of %s, not %q", strings.Join(DemoAccounts(), ", "), g.demoAccount)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		if env.OpenWindow == nil {
			return usagef("no command given, and this build has no window (try --help)")
		}
		return env.OpenWindow(WindowOptions{DataDir: windowDir, Demo: g.demo, DemoAccount: g.demoAccount, BaseURL: g.baseURL, EnterURL: g.enterURL})
	}
	c := &command{ctx: ctx, env: env, g: g}
	name, cargs := rest[0], rest[1:]
	if cmd, ok := commands[name]; ok {
		return cmd(c, cargs)
	}
	return usagef("unknown command %q (try --help)", name)
}

// commands are the subcommands by name. usageText and docs/cli.md list each one with its
// flags (a test holds the three together).
var commands = map[string]func(*command, []string) error{
	"image":      (*command).image,
	"text":       (*command).text,
	"speak":      (*command).speak,
	"music":      (*command).music,
	"sound":      (*command).sound,
	"transcribe": (*command).transcribe,
	"video":      (*command).video,
	"model3d":    (*command).model3d,
	"isolate":    (*command).isolate,
	"revoice":    (*command).revoice,
	"stems":      (*command).stems,
	"models":     (*command).models,
	"account":    (*command).account,
	"key":        (*command).key,
	"sim":        (*command).sim,
	"library":    (*command).library,
	"play":       (*command).play,
	"record":     (*command).record,
	"devices":    (*command).devices,
	"help":       (*command).help,
}

func (c *command) help([]string) error {
	_, err := fmt.Fprint(c.env.Stdout, usageText)
	return err
}

// command carries what every subcommand needs.
type command struct {
	ctx context.Context
	env Env
	g   globals
}

func (c *command) progress(format string, args ...any) {
	fmt.Fprintf(c.env.Stderr, format+"\n", args...)
}

// apiKey finds the key: the environment first (scripts, CI), then the keychain.
func (c *command) apiKey() (string, error) {
	if k := strings.TrimSpace(c.env.Getenv("POLLINATIONS_API_KEY")); k != "" {
		return k, nil
	}
	if c.env.Keychain == nil {
		return "", errors.New("no key: set POLLINATIONS_API_KEY")
	}
	k, err := c.env.Keychain.Get(c.ctx)
	switch {
	case errors.Is(err, keychain.ErrNotFound):
		return "", errors.New("no key: run \"pollinations-studio key set\" or set POLLINATIONS_API_KEY (get a key at https://enter.pollinations.ai)")
	case err != nil:
		return "", fmt.Errorf("reading the key from the keychain: %w (set POLLINATIONS_API_KEY instead)", err)
	}
	return k, nil
}

// client builds an API client; withKey=false for the routes that need none (models).
func (c *command) client(withKey bool) (*api.Client, error) {
	opts := api.Options{BaseURL: c.g.baseURL, EnterURL: c.g.enterURL, UserAgent: "pollinations-studio-cli",
		MediaURL: c.env.Getenv("POLLINATIONS_MEDIA_URL")}
	if withKey {
		k, err := c.apiKey()
		if err != nil {
			return nil, err
		}
		opts.Key = k
	} else if k, err := c.apiKey(); err == nil {
		opts.Key = k // an authenticated catalogue is filtered to what the key may use
	}
	cl, err := api.New(opts)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return cl, nil
}

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
	"net"
	"os"
	"strings"

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

// WindowOptions tells the window how to start.
type WindowOptions struct {
	DataDir           string
	Demo              bool
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

// globals are the flags that come before the subcommand.
type globals struct {
	dataDir, baseURL, enterURL string
	demo                       bool
}

const usageText = `Pollinations Studio: images, text, speech, transcription and video from the Pollinations API.

Usage:
  pollinations-studio [--demo] [--data-dir DIR]      open the window
  pollinations-studio [global flags] COMMAND [flags]

Commands:
  image PROMPT -o FILE [--model M] [--width W] [--height H] [--seed S] [--quality Q] [--transparent] [--ref FILE|URL]...
  text PROMPT [--model M] [--system S]              stream the reply to stdout
  speak TEXT -o FILE [--model M] [--voice V] [--format mp3|wav] [--play]
  music PROMPT -o FILE [--model M] [--duration S] [--instrumental] [--play]
  sound PROMPT -o FILE [--duration S] [--loop] [--play]
  transcribe FILE [--model M] [--language L] [--format json|text|srt|vtt|verbose_json]
  video PROMPT -o FILE [--model M] [--duration N] [--aspect 16:9] [--audio] [--start-frame F] [--end-frame F]
  models [--type image|text|audio|video] [--json]
  account [--json]                                   key type, expiry, scope, balance
  key set|show|clear                                 the key kept in the OS keychain
  library list|search|show|export|import|trash       the personal library
  play FILE | record -o FILE.wav [--seconds N] | devices
  sim [--addr HOST:PORT] [--fast]                    run the API simulator

Global flags:
  --base-url URL    API base (env POLLINATIONS_BASE_URL, default https://gen.pollinations.ai)
  --enter-url URL   sign-in host (env POLLINATIONS_ENTER_URL, default https://enter.pollinations.ai)
  --data-dir DIR    library folder (env POLLINATIONS_STUDIO_DATA)
  --demo            the window against the built-in simulator, with a demo key

The key comes from POLLINATIONS_API_KEY or the OS keychain ("key set").
Exit codes: 0 ok, 1 failure, 2 usage, 3 API error, 4 network error, 5 incomplete answer.
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
	fmt.Fprintln(env.Stderr, "pollinations-studio:", api.Redact(err.Error()))
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
			fmt.Fprintf(w, "To fix: %s: %s\n", r.Label, api.Redact(r.URL))
		} else {
			fmt.Fprintf(w, "To fix: %s\n", r.Label)
		}
	}
}

func exitCode(ctx context.Context, err error) int {
	var ue *usageError
	var ie *incompleteError
	var ne net.Error
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &ie), api.IsKind(err, api.KindIncomplete):
		return ExitIncomplete
	case ctx.Err() != nil, api.IsKind(err, api.KindCanceled):
		return ExitCanceled
	case api.IsKind(err, api.KindNetwork), api.IsKind(err, api.KindTimeout), errors.As(err, &ne):
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
	if g.dataDir == "" {
		g.dataDir = env.Getenv("POLLINATIONS_STUDIO_DATA")
	}
	rest := fs.Args()
	if len(rest) == 0 {
		if env.OpenWindow == nil {
			return usagef("no command given, and this build has no window (try --help)")
		}
		return env.OpenWindow(WindowOptions{DataDir: g.dataDir, Demo: g.demo, BaseURL: g.baseURL, EnterURL: g.enterURL})
	}
	c := &command{ctx: ctx, env: env, g: g}
	name, cargs := rest[0], rest[1:]
	switch name {
	case "image":
		return c.image(cargs)
	case "text":
		return c.text(cargs)
	case "speak":
		return c.speak(cargs)
	case "music":
		return c.music(cargs)
	case "sound":
		return c.sound(cargs)
	case "transcribe":
		return c.transcribe(cargs)
	case "video":
		return c.video(cargs)
	case "models":
		return c.models(cargs)
	case "account":
		return c.account(cargs)
	case "key":
		return c.key(cargs)
	case "sim":
		return c.sim(cargs)
	case "library":
		return c.library(cargs)
	case "play":
		return c.play(cargs)
	case "record":
		return c.record(cargs)
	case "devices":
		return c.devices(cargs)
	case "help":
		fmt.Fprint(env.Stdout, usageText)
		return nil
	}
	return usagef("unknown command %q (try --help)", name)
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
	opts := api.Options{BaseURL: c.g.baseURL, EnterURL: c.g.enterURL, UserAgent: "pollinations-studio-cli"}
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

// Pollinations Studio: a desktop app for the Pollinations AI API with a personal library.
// main only wires the pieces together: the command line decides what to run, and the window is
// handed to it as a function so that the command line never imports Fyne.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"pollinations-studio/backend/keychain"
	"pollinations-studio/ui"
	"pollinations-studio/ui/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Keychain: keychain.NewOS(),
		OpenWindow: func(o cli.WindowOptions) error {
			return ui.Run(ui.Options{DataDir: o.DataDir, Demo: o.Demo, BaseURL: o.BaseURL, EnterURL: o.EnterURL, Keychain: keychain.NewOS()})
		},
	})
	stop()
	os.Exit(code)
}

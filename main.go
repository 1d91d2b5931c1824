// Pollinations Studio: a desktop app for the Pollinations AI API with a personal library.
// main only wires the pieces together: the command line decides what to run, and the window is
// handed to it as a function so that the command line never imports Fyne. --demo opens the
// window on the built-in simulator with a demo key and, without --data-dir, a temporary library
// (ui/app starts them).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"pollinations-studio/backend/keychain"
	"pollinations-studio/cli"
	"pollinations-studio/ui/app"
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
			return app.Run(app.Options{DataDir: o.DataDir, Demo: o.Demo, DemoAccount: o.DemoAccount, BaseURL: o.BaseURL, EnterURL: o.EnterURL, Keychain: keychain.NewOS()})
		},
	})
	stop()
	os.Exit(code)
}

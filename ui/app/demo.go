package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"pollinations-studio/backend/keychain"
	"pollinations-studio/backend/sim"
)

// startDemo, in demo mode, starts the built-in simulator, points the window at it with a demo
// key kept in memory, and, unless a library folder was given, uses a temporary one: a demo
// never touches the user's library or keychain. stop ends what it started and removes the
// temporary folder.
func startDemo(o Options) (_ Options, stop func(), err error) {
	if !o.Demo {
		return o, func() {}, nil
	}
	srv, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.05, DeviceApproveAfter: 3 * time.Second})
	if err != nil {
		return o, nil, fmt.Errorf("starting the demo simulator: %w", err)
	}
	tmp := ""
	if o.DataDir == "" {
		tmp, err = os.MkdirTemp("", "pollinations-studio-demo-")
		if err != nil {
			srv.Close()
			return o, nil, fmt.Errorf("making the demo library's folder: %w", err)
		}
		o.DataDir = tmp
	}
	o.BaseURL, o.EnterURL, o.MediaURL = srv.URL(), srv.URL(), srv.URL()
	keys := keychain.NewMemory()
	kind := map[string]string{"": "secret", "paid": "secret", "free": "free", "quest": "quest", "budgeted": "budgeted"}[o.DemoAccount]
	if kind == "" {
		srv.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return o, nil, fmt.Errorf("no demo account %q (paid, free, quest, budgeted)", o.DemoAccount)
	}
	if err := keys.Set(context.Background(), srv.Key(kind)); err != nil {
		srv.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return o, nil, fmt.Errorf("keeping the demo key: %w", err)
	}
	o.Keychain = keys
	return o, func() {
		srv.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}, nil
}

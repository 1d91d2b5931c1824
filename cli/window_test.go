package cli

import (
	"context"
	"io"
	"testing"
)

// The window gets the library folder the user named: in demo mode only --data-dir names it
// (POLLINATIONS_STUDIO_DATA may be the user's real library, which a demo must not touch).
func TestWindowLibraryFolder(t *testing.T) {
	env := map[string]string{"POLLINATIONS_STUDIO_DATA": "/home/someone/library"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "/home/someone/library"},
		{[]string{"--data-dir", "/tmp/x"}, "/tmp/x"},
		{[]string{"--demo"}, ""},
		{[]string{"--demo", "--data-dir", "/tmp/x"}, "/tmp/x"},
	} {
		var got *WindowOptions
		code := Run(context.Background(), tc.args, Env{Stdout: io.Discard, Stderr: io.Discard,
			Getenv:     func(k string) string { return env[k] },
			OpenWindow: func(o WindowOptions) error { got = &o; return nil }})
		if code != ExitOK || got == nil || got.DataDir != tc.want {
			t.Errorf("%v: exit %d, window %+v, want the folder %q", tc.args, code, got, tc.want)
		}
	}
}

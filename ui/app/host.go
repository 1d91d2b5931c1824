package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/backend/keychain"
	"pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/pages/settings"
)

// The shell is every page's host, and Settings' larger one.
var (
	_ kit.Host      = (*Shell)(nil)
	_ settings.Host = (*Shell)(nil)
)

// RunOnUI applies a change to the widgets from any goroutine (fyne.Do in the app; tests
// replace it to stay in step).
func (s *Shell) RunOnUI(f func()) { s.runOnUI(f) }

func (s *Shell) Context() context.Context      { return s.ctx }
func (s *Shell) Window() fyne.Window           { return s.win }
func (s *Shell) Clipboard() fyne.Clipboard     { return s.app.Clipboard() }
func (s *Shell) Preferences() fyne.Preferences { return s.app.Preferences() }
func (s *Shell) Library() *storage.Library     { return s.lib }
func (s *Shell) Jobs() *jobs.Service           { return s.jobs }
func (s *Shell) Keychain() keychain.Store      { return s.o.Keychain }
func (s *Shell) Demo() bool                    { return s.o.Demo }
func (s *Shell) ApplyTheme(choice string)      { applyTheme(s.app, choice) }

// Audio is the sound engine (nil without a sound device).
func (s *Shell) Audio() *audio.Engine { return s.audio }

// HasSound reports whether the machine has a sound device.
func (s *Shell) HasSound() bool { return s.audio != nil }

// Submit queues a generation, saying why when it cannot.
func (s *Shell) Submit(r jobs.Request) (int64, bool) {
	if !s.HasKey() {
		s.ShowError(kit.ErrNoKey)
		s.Show(kit.PageSettings)
		return 0, false
	}
	id, err := s.jobs.Submit(s.ctx, r)
	if err != nil {
		s.ShowError(err)
		return 0, false
	}
	return id, true
}

// OnJob registers f for every job event, on the UI goroutine.
func (s *Shell) OnJob(f func(jobs.Event)) {
	s.mu.Lock()
	s.onJob = append(s.onJob, f)
	s.mu.Unlock()
}

// HasKey reports whether a key is set.
func (s *Shell) HasKey() bool {
	c := s.Client()
	return c != nil && c.HasKey()
}

// OnAccount registers a UI refresh for when the account or catalogue changes.
func (s *Shell) OnAccount(f func()) {
	s.mu.Lock()
	s.listener = append(s.listener, f)
	s.mu.Unlock()
}

// Models returns the catalogue's models of a kind.
func (s *Shell) Models(kind string) []api.Model {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []api.Model
	for _, m := range s.models {
		if kind == "" || m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// Allowed reports whether the key may use a model.
func (s *Shell) Allowed(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return kit.KeyAllows(s.keyInfo, s.models, name)
}

// Account returns what is known of the key and balance.
func (s *Shell) Account() (*api.KeyInfo, *api.Balance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyInfo, s.balance
}

// BaseURL is the API address: the command line's, else the one saved under Advanced, else the
// real service.
func (s *Shell) BaseURL() string {
	if s.o.BaseURL != "" {
		return s.o.BaseURL
	}
	return s.app.Preferences().StringWithFallback(kit.PrefBaseURL, api.DefaultBaseURL)
}

// BaseURLFixed says why the API address cannot be changed in Settings ("" when it can).
func (s *Shell) BaseURLFixed() string {
	switch {
	case s.o.Demo:
		return "Demo mode uses its built-in simulator."
	case s.o.BaseURL != "":
		return "Set by --base-url or POLLINATIONS_BASE_URL for this run."
	}
	return ""
}

// Player is the window's one audio player (nil without sound).
func (s *Shell) Player() *audio.Player {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.player
}

// UseOutput plays through a device chosen in Settings ("" = the system default); a device that
// is not connected any more falls back to the default.
func (s *Shell) UseOutput(device string) {
	if err := s.useOutput(device); err != nil {
		s.ShowError(fmt.Errorf("sound output unavailable: %w", err))
	}
}

// useOutput makes the player; without one, the Speech page says sound is unavailable.
func (s *Shell) useOutput(device string) error {
	if s.audio == nil {
		return audio.ErrNoDevice
	}
	if old := s.Player(); old != nil {
		old.Stop()
	}
	pl, err := s.audio.NewPlayer(audio.PlayerOptions{DeviceID: device})
	if errors.Is(err, audio.ErrDeviceNotFound) {
		pl, err = s.audio.NewPlayer(audio.PlayerOptions{})
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.player = pl
	s.mu.Unlock()
	return nil
}

// NewRecorder records from a microphone (the test's source when one is set); a chosen
// microphone that is gone falls back to the system default.
func (s *Shell) NewRecorder(o audio.RecorderOptions) (*audio.Recorder, error) {
	if s.audio == nil {
		return nil, audio.ErrNoDevice
	}
	if s.o.RecordSource != nil {
		o.Source = s.o.RecordSource()
	}
	rec, err := s.audio.NewRecorder(o)
	if errors.Is(err, audio.ErrDeviceNotFound) {
		o.DeviceID = ""
		rec, err = s.audio.NewRecorder(o)
	}
	return rec, err
}

func fileExt(p string) string  { return filepath.Ext(p) }
func fileName(p string) string { return filepath.Base(p) }

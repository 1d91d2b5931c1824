package audio

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gen2brain/malgo"
)

// BackendNull is miniaudio's null backend (silent, real-time). malgo.BackendNull is off by one
// in malgo v0.11.26: it names miniaudio's custom backend, so the number is given here.
const BackendNull = malgo.Backend(14)

// ErrNoDevice means there is no sound device to use.
var ErrNoDevice = errors.New("audio: no sound device is available")

// EngineOptions choose the backends.
type EngineOptions struct {
	// Null uses the silent null backend (tests, machines without sound).
	Null bool
	// Backends overrides the automatic choice (PulseAudio, then ALSA, …).
	Backends []malgo.Backend
}

// Engine is the app's one miniaudio context.
type Engine struct {
	ctx *malgo.AllocatedContext

	mu      sync.Mutex
	current *Player // the player that has the speakers (exclusive playback)
	devices map[*malgo.Device]struct{}
	closed  bool
}

// NewEngine opens the audio system.
func NewEngine(opts EngineOptions) (*Engine, error) {
	backends := opts.Backends
	if opts.Null {
		backends = []malgo.Backend{BackendNull}
	}
	ctx, err := malgo.InitContext(backends, malgo.ContextConfig{}, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	return &Engine{ctx: ctx, devices: map[*malgo.Device]struct{}{}}, nil
}

// Close stops every device and releases the audio system.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	devs := make([]*malgo.Device, 0, len(e.devices))
	for d := range e.devices {
		devs = append(devs, d)
	}
	e.devices = nil
	e.mu.Unlock()
	stuck := false
	for _, d := range devs {
		// Devices before the context, as miniaudio requires.
		if !uninit(d) {
			stuck = true
		}
	}
	if stuck {
		// Freeing the context under a device that did not stop would crash: leave both to the
		// process's exit instead.
		return errors.New("audio: a sound device did not stop in time")
	}
	err := e.ctx.Uninit()
	e.ctx.Free()
	return err
}

// uninitTimeout bounds the wait for miniaudio to stop a device; its null backend was seen to
// hang here now and then (UI tests), and the app must be able to quit all the same.
const uninitTimeout = 3 * time.Second

// uninit stops and frees a device, and reports whether it did so in time.
func uninit(d *malgo.Device) bool {
	done := make(chan struct{})
	go func() { d.Uninit(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(uninitTimeout):
		return false
	}
}

// ErrClosed means the engine was closed (the app is quitting).
var ErrClosed = errors.New("audio: the engine is closed")

// startDevice opens and starts a device on the engine's context, unless the engine is closed.
// Both happen under the engine's lock: Close must neither free the context while a device is
// being made on it nor uninitialise a device that is still starting (miniaudio hangs there;
// found by the UI tests).
func (e *Engine) startDevice(cfg malgo.DeviceConfig, cb malgo.DeviceCallbacks) (*malgo.Device, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	d, err := malgo.InitDevice(e.ctx.Context, cfg, cb)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDevice, err)
	}
	if err := d.Start(); err != nil {
		d.Uninit()
		return nil, fmt.Errorf("audio: starting the device: %w", err)
	}
	e.devices[d] = struct{}{}
	return d, nil
}

func (e *Engine) untrack(d *malgo.Device) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.devices[d]; !ok {
		return false
	}
	delete(e.devices, d)
	return true
}

// Device is a sound device.
type Device struct {
	ID      string
	Name    string
	Default bool
	id      malgo.DeviceID
}

func (e *Engine) list(kind malgo.DeviceType) ([]Device, error) {
	infos, err := e.ctx.Devices(kind)
	if err != nil {
		return nil, fmt.Errorf("audio: listing devices: %w", err)
	}
	out := make([]Device, 0, len(infos))
	for _, in := range infos {
		out = append(out, Device{ID: in.ID.String(), Name: in.Name(), Default: in.IsDefault != 0, id: in.ID})
	}
	return out, nil
}

// PlaybackDevices lists the outputs.
func (e *Engine) PlaybackDevices() ([]Device, error) { return e.list(malgo.Playback) }

// CaptureDevices lists the inputs.
func (e *Engine) CaptureDevices() ([]Device, error) { return e.list(malgo.Capture) }

// findDevice returns the ID of a device chosen by ID or name ("" = the system default).
func (e *Engine) findDevice(kind malgo.DeviceType, want string) (*malgo.DeviceID, error) {
	if want == "" {
		return nil, nil
	}
	ds, err := e.list(kind)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.ID == want || d.Name == want {
			id := d.id
			return &id, nil
		}
	}
	return nil, fmt.Errorf("audio: the device %q is not connected", want)
}

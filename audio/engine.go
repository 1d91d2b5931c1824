package audio

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// Backend is a sound system miniaudio can use.
type Backend = malgo.Backend

// Backends callers may ask for by name (EngineOptions.Backends).
const (
	BackendPulseAudio = malgo.BackendPulseaudio
	BackendALSA       = malgo.BackendAlsa
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
	Backends []Backend
}

// Engine is the app's one miniaudio context.
type Engine struct {
	ctx *malgo.AllocatedContext

	closing atomic.Bool    // Close has begun: a device stopping now is not "lost"
	stuck   atomic.Bool    // a device did not stop when told to (see uninit)
	pending sync.WaitGroup // uninitLater calls still running

	mu      sync.Mutex
	current *Player                   // the player that has the speakers (exclusive playback)
	devices map[*malgo.Device]func()  // each open device and what ends its user at Close
	ids     map[string]unsafe.Pointer // C copies of chosen device IDs, made once each
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
	return &Engine{ctx: ctx, devices: map[*malgo.Device]func(){}, ids: map[string]unsafe.Pointer{}}, nil
}

// Close stops every device and releases the audio system.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.closing.Store(true)
	devs := make([]*malgo.Device, 0, len(e.devices))
	ends := make([]func(), 0, len(e.devices))
	for d, end := range e.devices {
		devs = append(devs, d)
		ends = append(ends, end)
	}
	e.devices = nil
	e.mu.Unlock()
	for _, d := range devs {
		e.uninit(d) // devices before the context, as miniaudio requires
	}
	e.pending.Wait()
	for _, end := range ends {
		end() // players and recorders learn that the engine is gone
	}
	if e.stuck.Load() {
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

// uninit stops and frees a device, and reports whether it did so in time. A device that did
// not is remembered: the context under it must then never be freed.
func (e *Engine) uninit(d *malgo.Device) bool {
	done := make(chan struct{})
	go func() { d.Uninit(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(uninitTimeout):
		e.stuck.Store(true)
		return false
	}
}

// uninitLater frees an untracked device in the background; Close waits for it.
func (e *Engine) uninitLater(d *malgo.Device) {
	e.mu.Lock()
	closed := e.closed
	if !closed {
		e.pending.Add(1) // before Close's Wait: Close sets closed under the same lock
	}
	e.mu.Unlock()
	if closed {
		e.uninit(d)
		return
	}
	go func() {
		defer e.pending.Done()
		e.uninit(d)
	}()
}

// ErrClosed means the engine was closed (the app is quitting).
var ErrClosed = errors.New("audio: the engine is closed")

// startDevice opens and starts a device on the engine's context, unless the engine is closed.
// Both happen under the engine's lock: Close must neither free the context while a device is
// being made on it nor uninitialise a device that is still starting (miniaudio hangs there;
// found by the UI tests).
// onClose is called (once, not on the audio thread) if Close stops the device.
func (e *Engine) startDevice(cfg malgo.DeviceConfig, cb malgo.DeviceCallbacks, onClose func()) (*malgo.Device, error) {
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
		e.uninit(d)
		return nil, fmt.Errorf("audio: starting the device: %w", err)
	}
	e.devices[d] = onClose
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
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	infos, err := e.ctx.Devices(kind) // under the lock: Close must not free the context meanwhile
	e.mu.Unlock()
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

// ErrDeviceNotFound means a chosen device is not connected (any more); the caller may fall back
// to the default ("").
var ErrDeviceNotFound = errors.New("audio: the chosen sound device is not connected")

// findDevice returns the miniaudio ID of a device chosen by ID or name, nil for "" (the system
// default). The ID is copied to C memory once per device and kept until the process ends: a
// Go pointer must not be handed to miniaudio, and malgo offers no way to free the copy.
func (e *Engine) findDevice(kind malgo.DeviceType, want string) (unsafe.Pointer, error) {
	if want == "" {
		return nil, nil
	}
	ds, err := e.list(kind)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.ID == want || d.Name == want {
			e.mu.Lock()
			defer e.mu.Unlock()
			ptr, ok := e.ids[d.ID]
			if !ok {
				ptr = d.id.Pointer()
				e.ids[d.ID] = ptr
			}
			return ptr, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrDeviceNotFound, want)
}

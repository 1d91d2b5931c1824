package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gen2brain/malgo"
)

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	DeviceID    string        // a Device's ID or Name; "" = the system default microphone
	SampleRate  int           // default 16000 (what speech models like)
	MaxDuration time.Duration // 0 = no limit; the recording stops itself (Done) at this length
	// Source, when set, is read instead of a device: 16-bit mono little-endian PCM at
	// SampleRate, paced in real time. UI tests and demos record from it without a microphone;
	// the file writing and the level meter are the same code.
	Source io.Reader

	unpaced bool // tests: read Source as fast as the disk takes it
}

// captureStall is how long a capture device may deliver nothing before it counts as lost.
// Generous: PulseAudio delivers little in its first second.
const captureStall = 3 * time.Second

// Recorder captures mono 16-bit audio into a WAV file as it records: memory stays flat however
// long it runs, the header is kept current every second, and a file cut short by a crash is
// repaired by RepairWAV.
type Recorder struct {
	e    *Engine
	opts RecorderOptions

	mu      sync.Mutex // Start and Stop
	dev     *malgo.Device
	f       *os.File
	w       *bufio.Writer
	path    string
	ring    *ring
	scratch []int16 // callback
	quit    chan struct{}
	done    chan struct{}
	doneOne sync.Once
	wg      sync.WaitGroup
	err     error // set by the writer goroutine, read after wg.Wait

	frames   atomic.Int64 // samples written to the file
	dropped  atomic.Int64
	calls    atomic.Int64 // capture callbacks, for the stall watchdog
	lost     atomic.Bool  // the device stopped by itself
	closed   atomic.Bool  // the engine closed under the recording
	rmsBits  atomic.Uint64
	peakBits atomic.Uint64
	paused   atomic.Bool
	running  atomic.Bool
}

// NewRecorder returns a recorder on the engine. A DeviceID that is not connected is
// ErrDeviceNotFound.
func (e *Engine) NewRecorder(opts RecorderOptions) (*Recorder, error) {
	if opts.SampleRate == 0 {
		opts.SampleRate = 16000
	}
	if opts.SampleRate < 8000 || opts.SampleRate > 192000 {
		return nil, fmt.Errorf("audio: sample rate %d is out of range (8000–192000)", opts.SampleRate)
	}
	if opts.MaxDuration < 0 {
		return nil, fmt.Errorf("audio: negative maximum length %v", opts.MaxDuration)
	}
	if opts.Source == nil {
		if _, err := e.findDevice(malgo.Capture, opts.DeviceID); err != nil {
			return nil, err
		}
	}
	return &Recorder{e: e, opts: opts}, nil
}

// Start begins recording into path (created or replaced).
func (r *Recorder) Start(path string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running.Load() {
		return errors.New("audio: already recording")
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("audio: creating the recording: %w", err)
	}
	if _, err := f.Write(wavHeader(r.opts.SampleRate, 1, 0)); err != nil {
		f.Close()
		return fmt.Errorf("audio: writing %s: %w", path, err)
	}
	r.f, r.w, r.path = f, bufio.NewWriterSize(f, 64<<10), path
	r.ring = newRing(r.opts.SampleRate * 4)
	r.scratch = make([]int16, r.opts.SampleRate)
	r.frames.Store(0)
	r.dropped.Store(0)
	r.calls.Store(0)
	r.lost.Store(false)
	r.closed.Store(false)
	r.paused.Store(false)
	r.quit, r.done = make(chan struct{}), make(chan struct{})
	r.doneOne = sync.Once{}
	r.err = nil
	r.running.Store(true)
	r.wg.Add(1)
	go r.writer()
	if r.opts.Source != nil {
		r.wg.Add(1)
		go r.fromSource()
		return nil
	}
	devID, err := r.e.findDevice(malgo.Capture, r.opts.DeviceID)
	if err != nil {
		r.abort()
		return err
	}
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = 1
	cfg.SampleRate = uint32(r.opts.SampleRate)
	cfg.PeriodSizeInMilliseconds = 20
	cfg.Capture.DeviceID = devID
	dev, err := r.e.startDevice(cfg, malgo.DeviceCallbacks{Data: r.callback, Stop: r.deviceStopped},
		func() { r.closed.Store(true); r.finishOnce() })
	if err != nil {
		r.abort()
		return err
	}
	r.dev = dev
	return nil
}

// abort undoes a Start that could not open its device.
func (r *Recorder) abort() {
	r.running.Store(false)
	close(r.quit)
	r.wg.Wait()
	r.f.Close()
	os.Remove(r.path)
}

// callback runs on the audio thread: convert, measure, hand over; nothing else.
func (r *Recorder) callback(_, in []byte, frames uint32) {
	r.calls.Add(1)
	n := min(int(frames), len(r.scratch), len(in)/2)
	for i := 0; i < n; i++ {
		r.scratch[i] = int16(binary.LittleEndian.Uint16(in[i*2:]))
	}
	r.process(r.scratch[:n])
}

func (r *Recorder) deviceStopped() {
	if r.running.Load() && !r.e.closing.Load() {
		r.lost.Store(true)
		r.finishOnce() // Done tells the UI; Stop then reports ErrDeviceLost
	}
}

// process measures the level and queues the samples (both capture paths end here). It
// reports how many samples the ring took.
func (r *Recorder) process(s []int16) int {
	if r.paused.Load() || !r.running.Load() {
		r.rmsBits.Store(0)
		r.peakBits.Store(0)
		return len(s)
	}
	var sum float64
	peak := 0
	for _, v := range s {
		a := int(v)
		if a < 0 {
			a = -a
		}
		peak = max(peak, a)
		sum += float64(v) * float64(v)
	}
	if len(s) > 0 {
		r.rmsBits.Store(math.Float64bits(math.Sqrt(sum/float64(len(s))) / 32768))
		r.peakBits.Store(math.Float64bits(float64(peak) / 32768))
	}
	w := r.ring.write(s)
	if w < len(s) && !r.opts.unpaced {
		r.dropped.Add(int64(len(s) - w))
	}
	return w
}

// fromSource paces a fixture source in real time, 20 ms at a time.
func (r *Recorder) fromSource() {
	defer r.wg.Done()
	per := r.opts.SampleRate / 50
	buf := make([]byte, per*2)
	s := make([]int16, per)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if !r.opts.unpaced {
			select {
			case <-r.quit:
				return
			case <-tick.C:
			}
		}
		n, err := io.ReadFull(r.opts.Source, buf)
		for i := 0; i < n/2; i++ {
			s[i] = int16(binary.LittleEndian.Uint16(buf[i*2:]))
		}
		for rest := s[:n/2]; ; {
			rest = rest[r.process(rest):]
			if len(rest) == 0 || !r.opts.unpaced {
				break
			}
			select { // unpaced: wait for the writer instead of dropping
			case <-r.quit:
				return
			case <-tick.C:
			}
		}
		if err != nil {
			r.finishOnce() // the source ended: like pressing stop
			return
		}
	}
}

// writer drains the ring to the file and keeps the header close to the truth.
func (r *Recorder) writer() {
	defer r.wg.Done()
	buf := make([]int16, 8192)
	bytesBuf := make([]byte, len(buf)*2)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	lastHeader := time.Now()
	lastCalls, lastMove := int64(-1), time.Now()
	limit := int64(r.opts.MaxDuration.Seconds() * float64(r.opts.SampleRate))
	drain := func() error {
		for {
			n := r.ring.read(buf)
			if n == 0 {
				return nil
			}
			if limit > 0 && r.frames.Load()+int64(n) >= limit {
				n = int(limit - r.frames.Load())
				r.finishOnce()
			}
			for i := 0; i < n; i++ {
				binary.LittleEndian.PutUint16(bytesBuf[i*2:], uint16(buf[i]))
			}
			if _, err := r.w.Write(bytesBuf[:n*2]); err != nil {
				return err
			}
			r.frames.Add(int64(n))
			if n < len(buf) {
				return nil
			}
		}
	}
	for {
		select {
		case <-r.quit:
			if err := drain(); err != nil {
				r.err = fmt.Errorf("audio: writing the recording (is the disk full?): %w", err)
			}
			return
		case now := <-tick.C:
			if err := drain(); err != nil {
				r.err = fmt.Errorf("audio: writing the recording (is the disk full?): %w", err)
				r.finishOnce()
				return
			}
			if now.Sub(lastHeader) > time.Second {
				// A crash now loses at most a second of the header's count (RepairWAV
				// recovers the rest from the file's length).
				lastHeader = now
				if err := r.w.Flush(); err == nil {
					r.f.WriteAt(wavHeader(r.opts.SampleRate, 1, uint32(r.frames.Load()*2)), 0)
				}
			}
			if r.opts.Source == nil {
				if c := r.calls.Load(); c != lastCalls {
					lastCalls, lastMove = c, now
				} else if now.Sub(lastMove) > captureStall {
					r.lost.Store(true)
					r.finishOnce()
				}
			}
		}
	}
}

func (r *Recorder) finishOnce() { r.doneOne.Do(func() { close(r.done) }) }

// Done is closed when the recording stops by itself (maximum length, end of source, lost
// device, disk error); Stop then completes the file and says why.
func (r *Recorder) Done() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return r.done
}

// Pause stops taking sound in without ending the file; Resume continues.
func (r *Recorder) Pause() { r.paused.Store(true) }

// Resume continues after Pause.
func (r *Recorder) Resume() { r.paused.Store(false) }

// Paused reports whether the recording is paused.
func (r *Recorder) Paused() bool { return r.paused.Load() }

// Level is the latest loudness (over the last ~20 ms), RMS and peak, 0..1.
func (r *Recorder) Level() (rms, peak float64) {
	return math.Float64frombits(r.rmsBits.Load()), math.Float64frombits(r.peakBits.Load())
}

// Elapsed is the length recorded so far (written to the file; at most ~20 ms behind).
func (r *Recorder) Elapsed() time.Duration {
	return framesToDuration(r.frames.Load(), r.opts.SampleRate)
}

// Stop ends the recording and completes the file. The file is complete even when an error
// (ErrDeviceLost, a disk error) is returned with the Info.
func (r *Recorder) Stop() (Info, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running.Load() {
		return Info{}, errors.New("audio: not recording")
	}
	r.running.Store(false)
	stuck := false
	if r.dev != nil {
		if r.e.untrack(r.dev) {
			if r.lost.Load() {
				r.e.uninitLater(r.dev) // a vanished device can take seconds to let go
			} else {
				stuck = !r.e.uninit(r.dev)
			}
		}
		r.dev = nil
	}
	close(r.quit)
	r.wg.Wait()
	r.finishOnce()
	err := r.err
	switch {
	case err != nil:
	case r.closed.Load():
		err = ErrClosed // the file is still completed below
	case r.lost.Load() || stuck:
		err = ErrDeviceLost
	}
	if ferr := r.w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("audio: writing the recording: %w", ferr)
	}
	frames := r.frames.Load()
	if _, werr := r.f.WriteAt(wavHeader(r.opts.SampleRate, 1, uint32(frames*2)), 0); err == nil && werr != nil {
		err = fmt.Errorf("audio: writing the WAV header: %w", werr)
	}
	if serr := r.f.Sync(); err == nil && serr != nil {
		err = fmt.Errorf("audio: syncing the recording: %w", serr)
	}
	if cerr := r.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("audio: closing the recording: %w", cerr)
	}
	info := Info{Format: FormatWAV, SampleRate: r.opts.SampleRate, Channels: 1, Duration: float64(frames) / float64(r.opts.SampleRate)}
	if err != nil {
		return info, fmt.Errorf("audio: recording %s: %w", r.path, err)
	}
	return info, nil
}

// Dropped counts samples lost because the disk could not keep up.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

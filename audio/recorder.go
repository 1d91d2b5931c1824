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
	DeviceID    string        // "" = the system default microphone
	SampleRate  int           // default 16000 (what speech models like)
	MaxDuration time.Duration // 0 = no limit
	// Source, when set, is read instead of a device: 16-bit mono little-endian PCM at
	// SampleRate, paced in real time. Tests and demos record from it.
	Source io.Reader
}

// Recorder captures mono 16-bit audio into a WAV file as it records: memory stays flat however
// long it runs, and a file cut short by a crash is repaired by RepairWAV.
type Recorder struct {
	e    *Engine
	opts RecorderOptions

	mu      sync.Mutex
	dev     *malgo.Device
	f       *os.File
	w       *bufio.Writer
	path    string
	ring    *ring
	scratch []int16
	frames  atomic.Int64
	dropped atomic.Int64
	rmsBits atomic.Uint64
	peakBit atomic.Uint64
	paused  atomic.Bool
	running atomic.Bool
	quit    chan struct{}
	done    chan struct{}
	doneOne sync.Once
	wg      sync.WaitGroup
	err     error
}

// NewRecorder returns a recorder on the engine.
func (e *Engine) NewRecorder(opts RecorderOptions) (*Recorder, error) {
	if opts.SampleRate == 0 {
		opts.SampleRate = 16000
	}
	if opts.SampleRate < 8000 || opts.SampleRate > 192000 {
		return nil, fmt.Errorf("audio: sample rate %d is out of range", opts.SampleRate)
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
		return fmt.Errorf("audio: creating %s: %w", path, err)
	}
	if _, err := f.Write(wavHeader(r.opts.SampleRate, 1, 0)); err != nil {
		f.Close()
		return fmt.Errorf("audio: writing %s: %w", path, err)
	}
	r.f, r.w, r.path = f, bufio.NewWriterSize(f, 64<<10), path
	r.ring = newRing(r.opts.SampleRate * 4)
	r.scratch = make([]int16, r.opts.SampleRate)
	r.frames.Store(0)
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
	if devID != nil {
		cfg.Capture.DeviceID = devID.Pointer()
	}
	dev, err := r.e.startDevice(cfg, malgo.DeviceCallbacks{Data: r.callback})
	if err != nil {
		r.abort()
		return err
	}
	r.dev = dev
	return nil
}

func (r *Recorder) abort() {
	r.running.Store(false)
	close(r.quit)
	r.wg.Wait()
	r.f.Close()
}

// callback runs on the audio thread: convert, measure, hand over; nothing else.
func (r *Recorder) callback(_, in []byte, frames uint32) {
	n := min(int(frames), len(r.scratch), len(in)/2)
	for i := 0; i < n; i++ {
		r.scratch[i] = int16(binary.LittleEndian.Uint16(in[i*2:]))
	}
	r.process(r.scratch[:n])
}

// process measures the level and queues the samples (both capture paths end here).
func (r *Recorder) process(s []int16) {
	if r.paused.Load() || !r.running.Load() {
		r.rmsBits.Store(0)
		r.peakBit.Store(0)
		return
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
		r.peakBit.Store(math.Float64bits(float64(peak) / 32768))
	}
	if w := r.ring.write(s); w < len(s) {
		r.dropped.Add(int64(len(s) - w))
	}
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
		select {
		case <-r.quit:
			return
		case <-tick.C:
		}
		n, err := io.ReadFull(r.opts.Source, buf)
		for i := 0; i < n/2; i++ {
			s[i] = int16(binary.LittleEndian.Uint16(buf[i*2:]))
		}
		r.process(s[:n/2])
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
	lastHeader := time.Now()
	max := int64(r.opts.MaxDuration.Seconds() * float64(r.opts.SampleRate))
	drain := func() error {
		for {
			n := r.ring.read(buf)
			if n == 0 {
				return nil
			}
			if max > 0 && r.frames.Load()+int64(n) > max {
				n = int(max - r.frames.Load())
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
				r.err = err
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		if err := drain(); err != nil {
			r.err = fmt.Errorf("audio: writing the recording (is the disk full?): %w", err)
			r.finishOnce()
			return
		}
		if time.Since(lastHeader) > time.Second {
			lastHeader = time.Now()
			r.w.Flush()
			r.f.WriteAt(wavHeader(r.opts.SampleRate, 1, uint32(r.frames.Load()*2)), 0)
		}
	}
}

func (r *Recorder) finishOnce() { r.doneOne.Do(func() { close(r.done) }) }

// Done is closed when the recording stops by itself (maximum length, end of source, error).
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

// Level is the latest loudness, RMS and peak, 0..1.
func (r *Recorder) Level() (rms, peak float64) {
	return math.Float64frombits(r.rmsBits.Load()), math.Float64frombits(r.peakBit.Load())
}

// Elapsed is the length recorded so far.
func (r *Recorder) Elapsed() time.Duration {
	return time.Duration(float64(r.frames.Load()+int64(r.ring.len())) / float64(r.opts.SampleRate) * float64(time.Second))
}

// Stop ends the recording and completes the file.
func (r *Recorder) Stop() (Info, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.running.Load() {
		return Info{}, errors.New("audio: not recording")
	}
	if r.dev != nil {
		if r.e.untrack(r.dev) {
			uninit(r.dev)
		}
		r.dev = nil
	}
	r.running.Store(false)
	close(r.quit)
	r.wg.Wait()
	r.finishOnce()
	err := r.err
	if ferr := r.w.Flush(); err == nil {
		err = ferr
	}
	frames := r.frames.Load()
	if _, werr := r.f.WriteAt(wavHeader(r.opts.SampleRate, 1, uint32(frames*2)), 0); err == nil {
		err = werr
	}
	if serr := r.f.Sync(); err == nil {
		err = serr
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	info := Info{Format: FormatWAV, SampleRate: r.opts.SampleRate, Channels: 1, Duration: float64(frames) / float64(r.opts.SampleRate)}
	if err != nil {
		return info, fmt.Errorf("audio: finishing %s: %w", r.path, err)
	}
	return info, nil
}

// Dropped counts samples lost because the disk could not keep up.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

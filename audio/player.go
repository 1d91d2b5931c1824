package audio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gen2brain/malgo"
)

// PlayerOptions configure a Player.
type PlayerOptions struct {
	DeviceID string // "" = the system default
	// Shared lets this player sound together with others; by default starting one stops the
	// one that was playing, so two sounds never talk over each other.
	Shared bool
}

// PlayStats tell how playback went.
type PlayStats struct {
	Started       time.Time // Play was called
	FirstSampleAt time.Time // the first decoded sample was handed to the device
	Underruns     int64     // callbacks that found the buffer empty mid-stream
}

// ErrNotSeekable means the source is a stream that cannot go back.
var ErrNotSeekable = errors.New("audio: this sound is streaming and cannot be seeked")

// Player plays one sound at a time, streaming from a reader.
type Player struct {
	e    *Engine
	opts PlayerOptions

	mu     sync.Mutex
	run    *playback
	volume atomic.Uint32 // float32 bits
}

// NewPlayer returns a player on the engine.
func (e *Engine) NewPlayer(opts PlayerOptions) (*Player, error) {
	if _, err := e.findDevice(malgo.Playback, opts.DeviceID); err != nil {
		return nil, err
	}
	p := &Player{e: e, opts: opts}
	p.volume.Store(math.Float32bits(1))
	return p, nil
}

// playback is one Play: its device, decoder and state.
type playback struct {
	p      *Player
	devMu  sync.Mutex
	dev    *malgo.Device
	ring   *ring
	stream Stream
	src    io.Reader
	rate   int
	ch     int

	paused    atomic.Bool
	eof       atomic.Bool
	stopping  atomic.Bool
	played    atomic.Int64 // frames handed to the device
	skipped   int64        // frames skipped by a seek (added to the position)
	firstNS   atomic.Int64
	underruns atomic.Int64
	started   time.Time
	scratch   []int16
	finished  chan struct{} // signalled (non-blocking) by the callback at the end
	quit      chan struct{}
	decoded   chan struct{} // closed when the decoder goroutine has returned
	done      chan struct{}
	err       error
	once      sync.Once
}

// Play starts playing r and returns once playback has started (or failed). Audio that is
// still downloading plays as it arrives.
func (p *Player) Play(ctx context.Context, r io.Reader, hint Format) error {
	p.Stop()
	if !p.opts.Shared {
		p.e.mu.Lock()
		prev := p.e.current
		p.e.current = p
		p.e.mu.Unlock()
		if prev != nil && prev != p {
			prev.Stop()
		}
	}
	started := time.Now()
	s, err := decodeCtx(ctx, r, hint)
	if err != nil {
		return err
	}
	return p.start(s, r, started, 0)
}

// decodeCtx opens the stream, giving up when ctx ends (a download that never sends a byte).
func decodeCtx(ctx context.Context, r io.Reader, hint Format) (Stream, error) {
	type res struct {
		s   Stream
		err error
	}
	ch := make(chan res, 1)
	go func() { s, err := Decode(r, hint); ch <- res{s, err} }()
	select {
	case v := <-ch:
		return v.s, v.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Player) start(s Stream, src io.Reader, started time.Time, skipped int64) error {
	rate, ch := s.SampleRate(), s.Channels()
	if rate <= 0 || ch <= 0 || ch > 8 {
		return fmt.Errorf("audio: cannot play %d channels at %d Hz", ch, rate)
	}
	pb := &playback{p: p, ring: newRing(rate * ch * 2), stream: s, src: src, rate: rate, ch: ch, started: started,
		skipped: skipped, scratch: make([]int16, rate*ch), finished: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{}), decoded: make(chan struct{})}
	devID, err := p.e.findDevice(malgo.Playback, p.opts.DeviceID)
	if err != nil {
		return err
	}
	cfg := malgo.DefaultDeviceConfig(malgo.Playback)
	cfg.Playback.Format = malgo.FormatS16
	cfg.Playback.Channels = uint32(ch)
	cfg.SampleRate = uint32(rate)
	cfg.PeriodSizeInMilliseconds = 20
	if devID != nil {
		cfg.Playback.DeviceID = devID.Pointer()
	}
	// Decoding starts before the device, so the first period already has sound.
	go pb.decode()
	p.mu.Lock()
	p.run = pb
	p.mu.Unlock()
	dev, err := p.e.startDevice(cfg, malgo.DeviceCallbacks{Data: pb.callback, Stop: pb.deviceStopped})
	if err != nil {
		pb.finish(err)
		return err
	}
	pb.setDevice(dev)
	go pb.watch()
	return nil
}

// decode fills the ring from the stream; it waits (not the callback) when the ring is full.
func (pb *playback) decode() {
	defer close(pb.decoded)
	buf := make([]int16, 4096*pb.ch)
	for {
		n, err := pb.stream.ReadSamples(buf)
		rest := buf[:n]
		for len(rest) > 0 {
			w := pb.ring.write(rest)
			rest = rest[w:]
			if len(rest) > 0 {
				select {
				case <-pb.quit:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		if err == io.EOF {
			pb.eof.Store(true)
			return
		}
		if err != nil {
			pb.finish(fmt.Errorf("audio: decoding: %w", err))
			return
		}
		select {
		case <-pb.quit:
			return
		default:
		}
	}
}

// callback runs on the audio thread: no locks, no allocation, no blocking.
func (pb *playback) callback(out, _ []byte, frames uint32) {
	need := int(frames) * pb.ch
	if pb.paused.Load() || pb.stopping.Load() {
		clear(out)
		return
	}
	vol := math.Float32frombits(pb.p.volume.Load())
	done := 0
	for done < need {
		chunk := min(need-done, len(pb.scratch))
		n := pb.ring.read(pb.scratch[:chunk])
		for i := 0; i < n; i++ {
			v := pb.scratch[i]
			if vol != 1 {
				v = int16(max(-32768, min(32767, float32(v)*vol)))
			}
			binary.LittleEndian.PutUint16(out[(done+i)*2:], uint16(v))
		}
		if n > 0 && pb.firstNS.Load() == 0 {
			pb.firstNS.Store(time.Now().UnixNano())
		}
		done += n
		if n < chunk {
			break
		}
	}
	clear(out[done*2 : need*2])
	pb.played.Add(int64(done / pb.ch))
	if done < need {
		if pb.eof.Load() && pb.ring.len() == 0 {
			select {
			case pb.finished <- struct{}{}:
			default:
			}
		} else if pb.firstNS.Load() != 0 {
			pb.underruns.Add(1)
		}
	}
}

func (pb *playback) deviceStopped() {
	if !pb.stopping.Load() {
		// Not asked for: the device went away (unplugged, server gone).
		go pb.finish(errors.New("audio: the sound device stopped"))
	}
}

func (pb *playback) watch() {
	select {
	case <-pb.finished:
		pb.finish(nil)
	case <-pb.quit:
	}
}

// setDevice records the device; a playback that finished while it was starting stops it.
func (pb *playback) setDevice(d *malgo.Device) {
	pb.devMu.Lock()
	pb.dev = d
	finished := pb.stopping.Load()
	pb.devMu.Unlock()
	if finished && pb.p.e.untrack(d) {
		uninit(d)
	}
}

// finish ends the playback once, from any goroutine but the audio thread.
func (pb *playback) finish(err error) {
	pb.once.Do(func() {
		pb.devMu.Lock()
		pb.stopping.Store(true)
		dev := pb.dev
		pb.devMu.Unlock()
		pb.err = err
		close(pb.quit)
		if dev != nil && pb.p.e.untrack(dev) {
			uninit(dev)
		}
		close(pb.done)
	})
}

func (p *Player) current() *playback {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.run
}

// Stop ends playback.
func (p *Player) Stop() {
	if pb := p.current(); pb != nil {
		pb.finish(nil)
	}
}

// Pause holds playback where it is; Resume continues.
func (p *Player) Pause() {
	if pb := p.current(); pb != nil {
		pb.paused.Store(true)
	}
}

// Resume continues after Pause.
func (p *Player) Resume() {
	if pb := p.current(); pb != nil {
		pb.paused.Store(false)
	}
}

// Paused reports whether playback is paused.
func (p *Player) Paused() bool {
	pb := p.current()
	return pb != nil && pb.paused.Load()
}

// SetVolume sets the gain, 0 (silent) to 1 (as recorded), up to 2.
func (p *Player) SetVolume(v float64) {
	p.volume.Store(math.Float32bits(float32(math.Max(0, math.Min(2, v)))))
}

// Position is how far playback has got.
func (p *Player) Position() time.Duration {
	pb := p.current()
	if pb == nil {
		return 0
	}
	return time.Duration(float64(pb.played.Load()+pb.skipped) / float64(pb.rate) * float64(time.Second))
}

// Duration is the sound's length, when known.
func (p *Player) Duration() (time.Duration, bool) {
	pb := p.current()
	if pb == nil {
		return 0, false
	}
	f := pb.stream.Frames()
	if f < 0 {
		return 0, false
	}
	return time.Duration(float64(f+pb.skipped) / float64(pb.rate) * float64(time.Second)), true
}

// Done is closed when playback ends.
func (p *Player) Done() <-chan struct{} {
	if pb := p.current(); pb != nil {
		return pb.done
	}
	c := make(chan struct{})
	close(c)
	return c
}

// Wait blocks until playback ends and returns why it ended early, if it did.
func (p *Player) Wait() error {
	pb := p.current()
	if pb == nil {
		return nil
	}
	<-pb.done
	return pb.err
}

// Stats report the current playback.
func (p *Player) Stats() PlayStats {
	pb := p.current()
	if pb == nil {
		return PlayStats{}
	}
	st := PlayStats{Started: pb.started, Underruns: pb.underruns.Load()}
	if ns := pb.firstNS.Load(); ns != 0 {
		st.FirstSampleAt = time.Unix(0, ns)
	}
	return st
}

// Seek moves to a position; the source must be seekable (a file, not a download).
func (p *Player) Seek(to time.Duration) error {
	pb := p.current()
	if pb == nil {
		return errors.New("audio: nothing is playing")
	}
	rs, ok := pb.src.(io.ReadSeeker)
	if !ok {
		return ErrNotSeekable
	}
	paused := pb.paused.Load()
	pb.finish(nil)
	<-pb.decoded // the source is ours again
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("audio: seeking: %w", err)
	}
	s, err := Decode(rs, FormatAuto)
	if err != nil {
		return err
	}
	// Decode and drop up to the target: exact for every format, fast enough for speech clips.
	skip := int64(to.Seconds()*float64(s.SampleRate())) * int64(s.Channels())
	buf := make([]int16, 8192)
	var skipped int64
	for skipped < skip {
		n, err := s.ReadSamples(buf[:min(int64(len(buf)), skip-skipped)])
		skipped += int64(n)
		if err != nil {
			break
		}
	}
	if err := p.start(s, rs, time.Now(), skipped/int64(s.Channels())); err != nil {
		return err
	}
	if paused {
		p.Pause()
	}
	return nil
}

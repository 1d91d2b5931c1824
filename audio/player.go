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
	DeviceID string // a Device's ID or Name; "" = the system default
	// Shared lets this player sound together with others; by default starting one stops the
	// one that was playing, so two sounds never talk over each other.
	Shared bool
}

// PlayStats tell how playback went.
type PlayStats struct {
	Started       time.Time // Play was called
	FirstSampleAt time.Time // the first decoded sample was handed to the device
	// FirstSampleLatency is FirstSampleAt − Started (0 until a sample has gone out).
	FirstSampleLatency time.Duration
	Underruns          int64 // callbacks that found the buffer empty mid-stream (silence was written)
	Frames             int64 // frames handed to the device since the start or the last seek
}

// ErrNotSeekable means the source is a stream that cannot go back (or went past what is kept).
var ErrNotSeekable = errors.New("audio: this sound is streaming and cannot be seeked")

// ErrDeviceLost means the sound device went away (unplugged, sound server gone) or stopped
// asking for sound.
var ErrDeviceLost = errors.New("audio: the sound device stopped responding")

// Timing of the playback machinery; variables of the playback, not globals, so tests can
// shorten them.
const (
	stallTimeout  = 2 * time.Second        // no callback for this long: the device is gone
	settleTimeout = 500 * time.Millisecond // Pause/Seek wait this long for the callback to notice
	rampFrames    = 64                     // fade length around an underrun (~1.5 ms), so it does not click
	prerollMS     = 60                     // sound buffered before playing starts or resumes after running dry
	prebufferWait = 250 * time.Millisecond // the longest Play waits for the preroll (a slow download)
	maxTape       = 64 << 20               // bytes of a stream kept for Seek
)

// Player plays one sound at a time, streaming from a reader.
type Player struct {
	e    *Engine
	opts PlayerOptions

	mu     sync.Mutex
	run    *playback
	volume atomic.Uint32 // float32 bits
}

// NewPlayer returns a player on the engine. A DeviceID that is not connected is
// ErrDeviceNotFound (the caller may fall back to the default).
func (e *Engine) NewPlayer(opts PlayerOptions) (*Player, error) {
	if _, err := e.findDevice(malgo.Playback, opts.DeviceID); err != nil {
		return nil, err
	}
	p := &Player{e: e, opts: opts}
	p.volume.Store(math.Float32bits(1))
	return p, nil
}

// playback is one Play: its device, decoder and state. The callback owns the ring's read side
// and the fields marked "callback"; the decoder of the current generation owns the write side,
// under prodMu.
type playback struct {
	p       *Player
	rate    int
	ch      int
	ring    *ring
	started time.Time
	stall   time.Duration

	src  io.Reader // what Play was given
	hint Format    // and how to read it
	tape *tape     // the bytes of a stream that cannot seek, kept for Seek

	seekMu  sync.Mutex // one Seek at a time
	prodMu  sync.Mutex // guards gen, stream, decoded and writes to the ring
	gen     uint64
	stream  Stream
	decoded chan struct{} // closed when the current generation's decoder returns

	base        atomic.Int64  // frames before the current generation (the seek target)
	total       atomic.Int64  // the sound's length in frames, -1 until known
	played      atomic.Int64  // frames handed to the device since base
	calls       atomic.Uint64 // callbacks begun
	firstCallNS atomic.Int64
	firstNS     atomic.Int64
	underruns   atomic.Int64
	paused      atomic.Bool
	hold        atomic.Bool // a seek is swapping the ring: the callback plays silence
	eof         atomic.Bool
	primed      atomic.Bool // the callback has enough buffered to play (see prerollMS)
	fresh       atomic.Bool // nothing played yet since the start or the last seek
	stopping    atomic.Bool

	scratch []int16 // callback
	rampIn  int     // callback: frames of fade-in left after an underrun

	devMu    sync.Mutex
	dev      *malgo.Device
	finished chan struct{} // signalled (non-blocking) by the callback at the end
	quit     chan struct{}
	done     chan struct{}
	err      error
	once     sync.Once
}

// Play starts playing r and returns once playback has started (or failed). Audio that is
// still downloading plays as it arrives. Cancelling ctx stops playback (Wait returns ctx's
// error).
func (p *Player) Play(ctx context.Context, r io.Reader, hint Format) error {
	p.takeSpeakers()
	started := time.Now()
	var t *tape
	src := r
	if _, ok := r.(io.ReadSeeker); !ok {
		t = &tape{r: r}
		src = t
	}
	s, err := decodeCtx(ctx, src, hint)
	if err != nil {
		return err
	}
	return p.start(ctx, s, r, t, hint, started)
}

// PlayStream plays an already opened stream (raw PCM at a chosen rate, for instance). It
// cannot be seeked.
func (p *Player) PlayStream(ctx context.Context, s Stream) error {
	p.takeSpeakers()
	return p.start(ctx, s, nil, nil, FormatAuto, time.Now())
}

// takeSpeakers stops this player and, unless it is shared, the one that was playing.
func (p *Player) takeSpeakers() {
	p.Stop()
	if p.opts.Shared {
		return
	}
	p.e.mu.Lock()
	prev := p.e.current
	p.e.current = p
	p.e.mu.Unlock()
	if prev != nil && prev != p {
		prev.Stop()
	}
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
		return nil, fmt.Errorf("audio: waiting for the first sound: %w", ctx.Err())
	}
}

func (p *Player) start(ctx context.Context, s Stream, src io.Reader, t *tape, hint Format, started time.Time) error {
	rate, ch := s.SampleRate(), s.Channels()
	if rate <= 0 || ch <= 0 || ch > 8 {
		return fmt.Errorf("audio: cannot play %d channels at %d Hz", ch, rate)
	}
	pb := &playback{p: p, rate: rate, ch: ch, ring: newRing(rate * ch * 2), started: started, stall: stallTimeout,
		src: src, tape: t, hint: hint, scratch: make([]int16, rate*ch/2), finished: make(chan struct{}, 1),
		quit: make(chan struct{}), done: make(chan struct{})}
	pb.total.Store(s.Frames())
	pb.fresh.Store(true)
	devID, err := p.e.findDevice(malgo.Playback, p.opts.DeviceID)
	if err != nil {
		return err
	}
	cfg := malgo.DefaultDeviceConfig(malgo.Playback)
	cfg.Playback.Format = malgo.FormatS16
	cfg.Playback.Channels = uint32(ch)
	cfg.SampleRate = uint32(rate)
	cfg.PeriodSizeInMilliseconds = 20
	cfg.Playback.DeviceID = devID
	// Decoding starts before the device, so the first period already has sound.
	pb.prodMu.Lock()
	pb.startDecoder(s, 0)
	pb.prodMu.Unlock()
	p.mu.Lock()
	p.run = pb
	p.mu.Unlock()
	pb.prebuffer(ctx)
	dev, err := p.e.startDevice(cfg, malgo.DeviceCallbacks{Data: pb.callback, Stop: pb.deviceStopped},
		func() { pb.finish(ErrClosed) })
	if err != nil {
		pb.finish(err)
		return err
	}
	pb.setDevice(dev)
	go pb.watch(ctx)
	return nil
}

// prebuffer waits a little for the preroll before the device starts, so its first callback
// has sound to give (PulseAudio may not call a second time for most of a second).
func (pb *playback) prebuffer(ctx context.Context) {
	want := pb.rate * pb.ch * prerollMS / 1000
	deadline := time.Now().Add(prebufferWait)
	for pb.ring.len() < want && !pb.eof.Load() && time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-pb.quit: // a decoding error ended it already
			return
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// startDecoder begins a new generation: s fills the ring from frame skip on. Called under prodMu.
func (pb *playback) startDecoder(s Stream, skip int64) {
	pb.gen++
	pb.stream = s
	pb.decoded = make(chan struct{})
	go pb.decode(s, pb.gen, skip, pb.decoded)
}

// decode fills the ring from the stream; it waits (not the callback) when the ring is full.
// A decoder whose generation was replaced by a seek returns at its next write.
func (pb *playback) decode(s Stream, gen uint64, skip int64, decoded chan struct{}) {
	defer close(decoded)
	buf := make([]int16, 4096*pb.ch)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var frames int64
	skip *= int64(pb.ch) // in samples from here on
	if fs, ok := s.(interface{ seekFrame(int64) error }); ok && skip > 0 {
		if fs.seekFrame(skip/int64(pb.ch)) == nil {
			frames, skip = skip/int64(pb.ch), 0
		}
	}
	for {
		n, err := s.ReadSamples(buf)
		frames += int64(n / pb.ch)
		rest := buf[:n]
		if skip > 0 { // decode and drop up to a seek's target
			d := min(skip, int64(len(rest)))
			skip -= d
			rest = rest[d:]
		}
		for first := true; len(rest) > 0 || first; first = false {
			pb.prodMu.Lock()
			if pb.gen != gen {
				pb.prodMu.Unlock()
				return
			}
			w := pb.ring.write(rest)
			if len(rest) == w && err == io.EOF {
				pb.total.Store(frames) // a stream's length is known once it has all arrived
				pb.eof.Store(true)
			}
			pb.prodMu.Unlock()
			rest = rest[w:]
			if len(rest) > 0 {
				timer.Reset(10 * time.Millisecond)
				select {
				case <-pb.quit:
					return
				case <-timer.C:
				}
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			pb.prodMu.Lock()
			current := pb.gen == gen
			pb.prodMu.Unlock()
			if current {
				go pb.finish(fmt.Errorf("audio: decoding: %w", err))
			}
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
	if pb.calls.Add(1) == 1 {
		pb.firstCallNS.Store(time.Now().UnixNano())
	}
	need := min(int(frames)*pb.ch, len(out)/2)
	if pb.paused.Load() || pb.stopping.Load() || pb.hold.Load() {
		clear(out)
		return
	}
	done := 0 // samples written to out
	if !pb.primed.Load() {
		// Buffer a little before playing, so sound resumes cleanly after running dry instead
		// of in crumbs. The first callback of a play or seek takes whatever has arrived,
		// though: PulseAudio may not call again for most of a second.
		avail, eof := pb.ring.len(), pb.eof.Load()
		want := min(max(need, pb.rate*pb.ch*prerollMS/1000), len(pb.ring.buf)/2)
		if avail == 0 || (avail < want && !eof && !pb.fresh.Load()) {
			clear(out)
			if avail == 0 && eof {
				pb.signalFinished()
			}
			return
		}
		pb.primed.Store(true)
		pb.fresh.Store(false)
		if avail < need && !eof {
			// Silence first, then the sound: it then runs on into the next callback
			// without a gap.
			done = (need - avail) / pb.ch * pb.ch
			clear(out[:done*2])
		}
	}
	start := done
	vol := math.Float32frombits(pb.p.volume.Load())
	for done < need {
		chunk := min(need-done, len(pb.scratch))
		n := pb.ring.read(pb.scratch[:chunk])
		if n == 0 {
			break
		}
		pb.put(out[done*2:], pb.scratch[:n], vol)
		done += n
		if n < chunk {
			break
		}
	}
	if done > start && pb.firstNS.Load() == 0 {
		pb.firstNS.Store(time.Now().UnixNano())
	}
	clear(out[done*2 : need*2])
	pb.played.Add(int64((done - start) / pb.ch))
	if done < need {
		pb.fadeOut(out[start*2 : done*2])
		if pb.eof.Load() && pb.ring.len() == 0 {
			pb.signalFinished()
		} else {
			// Ran dry mid-stream (a slow download): count it, fade, and buffer again.
			pb.underruns.Add(1)
			pb.primed.Store(false)
			pb.rampIn = rampFrames
		}
	}
}

func (pb *playback) signalFinished() {
	select {
	case pb.finished <- struct{}{}:
	default:
	}
}

// put writes samples to the device's buffer with the volume and any fade-in after an underrun.
func (pb *playback) put(out []byte, s []int16, vol float32) {
	for i, v := range s {
		g := vol
		if pb.rampIn > 0 {
			g *= float32(rampFrames-pb.rampIn) / rampFrames
			if (i+1)%pb.ch == 0 {
				pb.rampIn--
			}
		}
		if g != 1 {
			v = int16(max(-32768, min(32767, float32(v)*g)))
		}
		binary.LittleEndian.PutUint16(out[i*2:], uint16(v))
	}
}

// fadeOut ramps the last frames before a gap down to silence, so the gap does not click.
func (pb *playback) fadeOut(b []byte) {
	frames := len(b) / 2 / pb.ch
	n := min(frames, rampFrames)
	for f := 0; f < n; f++ {
		g := float32(f) / float32(n) // 0 at the last frame
		for c := 0; c < pb.ch; c++ {
			i := ((frames-1-f)*pb.ch + c) * 2
			v := int16(binary.LittleEndian.Uint16(b[i:]))
			binary.LittleEndian.PutUint16(b[i:], uint16(int16(float32(v)*g)))
		}
	}
}

func (pb *playback) deviceStopped() {
	if !pb.stopping.Load() {
		// Not asked for: the device went away (unplugged, server gone), or the app is quitting.
		err := ErrDeviceLost
		if pb.p.e.closing.Load() {
			err = ErrClosed
		}
		go pb.finish(err)
	}
}

// watch ends the playback at the end of the sound, when ctx ends, or when the device stops
// calling back (a device that vanished must end the play with an error, not hang it).
func (pb *playback) watch(ctx context.Context) {
	tick := time.NewTicker(pb.stall / 8)
	defer tick.Stop()
	lastCalls, lastMove := pb.calls.Load(), time.Now()
	for {
		select {
		case <-pb.quit:
			return
		case <-ctx.Done():
			pb.finish(ctx.Err())
			return
		case <-pb.finished:
			// A seek may have refilled the ring since the callback signalled.
			if pb.eof.Load() && pb.ring.len() == 0 && !pb.hold.Load() {
				pb.finish(nil)
				return
			}
		case now := <-tick.C:
			limit := pb.stall
			if lastCalls == 0 {
				limit *= 2 // a PulseAudio null sink was seen to take 1.7 s to ask for the first sound
			}
			if c := pb.calls.Load(); c != lastCalls {
				lastCalls, lastMove = c, now
			} else if now.Sub(lastMove) > limit {
				pb.finish(ErrDeviceLost)
				return
			}
		}
	}
}

// setDevice records the device; a playback that finished while it was starting stops it.
func (pb *playback) setDevice(d *malgo.Device) {
	pb.devMu.Lock()
	pb.dev = d
	finished := pb.stopping.Load()
	pb.devMu.Unlock()
	if finished && pb.p.e.untrack(d) {
		pb.p.e.uninit(d)
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
		if dev == nil || !pb.p.e.untrack(dev) {
			close(pb.done)
			return
		}
		if errors.Is(err, ErrDeviceLost) {
			// A vanished device can take a while to let go (PulseAudio gone: until the
			// uninit timeout): report the loss now.
			close(pb.done)
			pb.p.e.uninitLater(dev)
			return
		}
		if !pb.p.e.uninit(dev) && pb.err == nil {
			pb.err = ErrDeviceLost
		}
		close(pb.done)
	})
}

// settle waits until a whole callback has run since the caller changed a flag the callback
// reads, so that nothing started before the change is still in flight. It reports false
// when the device did not call back in time.
func (pb *playback) settle() bool {
	c := pb.calls.Load()
	deadline := time.Now().Add(settleTimeout)
	for pb.calls.Load() < c+2 {
		if pb.stopping.Load() || time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
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

// Pause holds playback where it is; once it returns, the position no longer moves.
func (p *Player) Pause() {
	if pb := p.current(); pb != nil && !pb.paused.Swap(true) {
		pb.settle()
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

// Playing reports whether a sound is playing or paused (not yet ended).
func (p *Player) Playing() bool {
	pb := p.current()
	return pb != nil && !pb.stopping.Load()
}

// SetVolume sets the gain, 0 (silent) to 1 (as recorded), up to 2.
func (p *Player) SetVolume(v float64) {
	if math.IsNaN(v) {
		v = 1
	}
	p.volume.Store(math.Float32bits(float32(math.Max(0, math.Min(2, v)))))
}

// Volume is the gain SetVolume set.
func (p *Player) Volume() float64 { return float64(math.Float32frombits(p.volume.Load())) }

// Position is how far playback has got.
func (p *Player) Position() time.Duration {
	pb := p.current()
	if pb == nil {
		return 0
	}
	return framesToDuration(pb.base.Load()+pb.played.Load(), pb.rate)
}

func framesToDuration(f int64, rate int) time.Duration {
	return time.Duration(float64(f) / float64(rate) * float64(time.Second))
}

// Duration is the sound's length: known at once for files and WAV/MP3 with a length, and
// for a stream once it has all arrived.
func (p *Player) Duration() (time.Duration, bool) {
	pb := p.current()
	if pb == nil {
		return 0, false
	}
	f := pb.total.Load()
	if f < 0 {
		return 0, false
	}
	return framesToDuration(f, pb.rate), true
}

// LearnLength gives the player the length of the sound it plays from src when that is known
// elsewhere before the stream has all arrived (its download was saved whole): the seek bar
// can show at once instead of at the end. It reports whether it applied: src is still what
// plays and its length was not known yet.
func (p *Player) LearnLength(src io.Reader, d time.Duration) bool {
	pb := p.current()
	if pb == nil || src == nil || pb.src != src || d <= 0 {
		return false
	}
	return pb.total.CompareAndSwap(-1, int64(d.Seconds()*float64(pb.rate)))
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
	st := PlayStats{Started: pb.started, Underruns: pb.underruns.Load(), Frames: pb.played.Load()}
	if ns := pb.firstNS.Load(); ns != 0 {
		st.FirstSampleAt = time.Unix(0, ns)
		st.FirstSampleLatency = st.FirstSampleAt.Sub(st.Started)
	}
	return st
}

// Seek moves to a position. Files seek anywhere; a stream seeks within what has arrived so
// far (kept up to 64 MB), and a target past that plays once it arrives. Seeking keeps the
// playback (Done and Wait are unchanged) and its paused state.
func (p *Player) Seek(to time.Duration) error {
	pb := p.current()
	if pb == nil || pb.stopping.Load() {
		return errors.New("audio: nothing is playing")
	}
	pb.seekMu.Lock()
	defer pb.seekMu.Unlock()
	var src io.Reader
	rs, seekable := pb.src.(io.ReadSeeker)
	switch {
	case seekable:
	case pb.tape != nil:
		if src = pb.tape.replay(); src == nil {
			return ErrNotSeekable
		}
	default:
		return ErrNotSeekable
	}
	target := max(0, int64(to.Seconds()*float64(pb.rate)))
	if total := pb.total.Load(); total >= 0 {
		target = min(target, total)
	}
	pb.hold.Store(true)
	defer pb.hold.Store(false)
	if !pb.settle() && !pb.stopping.Load() {
		return ErrDeviceLost
	}
	pb.prodMu.Lock()
	defer pb.prodMu.Unlock()
	if seekable {
		// The file is shared with the old decoder: let it finish its read first. Files do not
		// block for long; streams (the tape) are serialised by the tape itself.
		old := pb.decoded
		pb.gen++
		pb.prodMu.Unlock()
		<-old
		pb.prodMu.Lock()
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			err = fmt.Errorf("audio: seeking: %w", err)
			pb.finish(err)
			return err
		}
		src = rs
	}
	// From here the old decoder is gone: a failure ends the playback rather than leaving it
	// silent for ever.
	s, err := Decode(src, pb.hint)
	if err == nil && (s.SampleRate() != pb.rate || s.Channels() != pb.ch) {
		err = errors.New("the sound changed format")
	}
	if err != nil {
		err = fmt.Errorf("audio: reopening for the seek: %w", err)
		pb.finish(err)
		return err
	}
	pb.ring.reset() // the callback holds and no decoder writes: both sides are idle
	pb.played.Store(0)
	pb.base.Store(target)
	pb.eof.Store(false)
	pb.primed.Store(false)
	pb.fresh.Store(true)
	pb.startDecoder(s, target)
	return nil
}

// tape passes a stream through and keeps what went by, so Seek can go back in it. One read
// from the underlying stream at a time, so a replay and the first decoder can share it.
type tape struct {
	r      io.Reader
	readMu sync.Mutex // held across the underlying Read
	mu     sync.Mutex // guards buf and over
	buf    []byte
	over   bool // more than maxTape went by: no longer kept
	err    error
}

func (t *tape) Read(p []byte) (int, error) {
	t.readMu.Lock()
	defer t.readMu.Unlock()
	return t.readLocked(p)
}

func (t *tape) readLocked(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.r.Read(p)
	t.mu.Lock()
	if n > 0 && !t.over {
		if len(t.buf)+n > maxTape {
			t.over, t.buf = true, nil
		} else {
			t.buf = append(t.buf, p[:n]...)
		}
	}
	t.mu.Unlock()
	t.err = err
	return n, err
}

// replay returns a reader from the start of the stream, or nil if it was not all kept.
func (t *tape) replay() io.Reader {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.over {
		return nil
	}
	return &replay{t: t}
}

type replay struct {
	t   *tape
	pos int
}

func (r *replay) Read(p []byte) (int, error) {
	if n, err := r.fromBuf(p); n > 0 || err != nil {
		return n, err
	}
	r.t.readMu.Lock()
	defer r.t.readMu.Unlock()
	// Another reader may have added to the tape while this one waited.
	if n, err := r.fromBuf(p); n > 0 || err != nil {
		return n, err
	}
	n, err := r.t.readLocked(p)
	r.pos += n
	return n, err
}

// fromBuf copies what the tape holds past pos; (0, nil) means the reader is at the live edge.
func (r *replay) fromBuf(p []byte) (int, error) {
	r.t.mu.Lock()
	defer r.t.mu.Unlock()
	if r.t.over {
		return 0, ErrNotSeekable // the stream outgrew the tape under this replay
	}
	n := copy(p, r.t.buf[r.pos:])
	r.pos += n
	return n, nil
}

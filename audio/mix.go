package audio

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// Mix is a Stream that plays several decoded sources together (the stems of one piece of
// music): each track can be muted or soloed while the mix plays, and the sum is clipped to
// 16 bits rather than allowed to wrap. The sources must share one sample rate; mono sources
// are spread over both channels when another source is stereo. A track that ends early is
// silence until the longest one ends.
//
// ReadSamples belongs to one goroutine (the player's decoder); Mute, Solo and their readers
// may be called from any other at any time.
type Mix struct {
	tracks   []mixTrack
	rate     int
	channels int
	frames   int64
	buf      []int16
	sum      []int32
	solo     atomic.Int32 // the soloed track + 1; 0 = none
}

type mixTrack struct {
	s     Stream
	muted *atomic.Bool
	done  bool
}

// ErrMixRates means the sources of a mix do not share one sample rate.
var ErrMixRates = errors.New("audio: the tracks of a mix must share one sample rate")

// NewMix mixes the sources. It refuses an empty list, a source with more than two channels,
// and sources of different sample rates (nothing is resampled).
func NewMix(sources ...Stream) (*Mix, error) {
	if len(sources) == 0 {
		return nil, errors.New("audio: a mix needs at least one track")
	}
	m := &Mix{rate: sources[0].SampleRate(), channels: 1}
	for i, s := range sources {
		if s.SampleRate() != m.rate {
			return nil, fmt.Errorf("%w: track %d is %d Hz, track 1 is %d Hz", ErrMixRates, i+1, s.SampleRate(), m.rate)
		}
		switch s.Channels() {
		case 1:
		case 2:
			m.channels = 2
		default:
			return nil, fmt.Errorf("audio: track %d has %d channels; a mix takes mono or stereo", i+1, s.Channels())
		}
		f := s.Frames()
		if f < 0 || m.frames < 0 {
			m.frames = -1
		} else {
			m.frames = max(m.frames, f)
		}
		m.tracks = append(m.tracks, mixTrack{s: s, muted: new(atomic.Bool)})
	}
	return m, nil
}

// Tracks is how many sources the mix has.
func (m *Mix) Tracks() int { return len(m.tracks) }

// SetMuted mutes or unmutes track i (from 0); out of range is ignored.
func (m *Mix) SetMuted(i int, muted bool) {
	if i >= 0 && i < len(m.tracks) {
		m.tracks[i].muted.Store(muted)
	}
}

// Muted reports whether track i is muted.
func (m *Mix) Muted(i int) bool {
	return i >= 0 && i < len(m.tracks) && m.tracks[i].muted.Load()
}

// SetSolo plays track i alone (muted or not); -1 plays every unmuted track again.
func (m *Mix) SetSolo(i int) {
	if i < 0 || i >= len(m.tracks) {
		m.solo.Store(0)
		return
	}
	m.solo.Store(int32(i + 1))
}

// Solo is the soloed track, or -1.
func (m *Mix) Solo() int { return int(m.solo.Load()) - 1 }

// Audible reports whether track i is heard now.
func (m *Mix) Audible(i int) bool {
	if s := m.Solo(); s >= 0 {
		return s == i
	}
	return !m.Muted(i)
}

func (m *Mix) SampleRate() int { return m.rate }
func (m *Mix) Channels() int   { return m.channels }
func (m *Mix) Frames() int64   { return m.frames }

// ReadSamples reads the same number of frames from every track, muted ones included (so that
// unmuting brings a track back in time with the others), and sums the audible ones.
func (m *Mix) ReadSamples(p []int16) (int, error) {
	frames := len(p) / m.channels
	if frames == 0 {
		return 0, nil
	}
	if cap(m.sum) < frames*m.channels {
		m.sum = make([]int32, frames*m.channels)
	}
	sum := m.sum[:frames*m.channels]
	clear(sum)
	longest := 0 // frames, over the tracks still playing
	live := false
	for i := range m.tracks {
		t := &m.tracks[i]
		if t.done {
			continue
		}
		live = true
		ch := t.s.Channels()
		need := frames * ch
		if cap(m.buf) < need {
			m.buf = make([]int16, need)
		}
		buf := m.buf[:need]
		n, err := readFull(t.s, buf)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("audio: mix track %d: %w", i+1, err)
		}
		if err == io.EOF || n < need {
			t.done = true
		}
		got := n / ch
		longest = max(longest, got)
		if !m.Audible(i) {
			continue
		}
		for f := 0; f < got; f++ {
			if ch == m.channels {
				for c := 0; c < ch; c++ {
					sum[f*m.channels+c] += int32(buf[f*ch+c])
				}
			} else { // mono into stereo
				v := int32(buf[f])
				sum[f*2] += v
				sum[f*2+1] += v
			}
		}
	}
	if !live || longest == 0 {
		return 0, io.EOF
	}
	n := longest * m.channels
	for i, v := range sum[:n] {
		p[i] = clip16(v)
	}
	return n, nil
}

// readFull fills p from s unless s ends first; io.EOF only when nothing more came.
func readFull(s Stream, p []int16) (int, error) {
	n := 0
	for n < len(p) {
		k, err := s.ReadSamples(p[n:])
		n += k
		if err != nil {
			if err == io.EOF && n > 0 {
				return n, nil
			}
			return n, err
		}
		if k == 0 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

func clip16(v int32) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}

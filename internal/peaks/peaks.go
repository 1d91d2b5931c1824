// Package peaks reads the loudness outline of an audio file for a waveform picture: the lowest
// and highest sample in each of a number of columns, computed while the file streams through
// the decoder, so that the whole sound is never held in memory.
package peaks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// Column is the lowest and highest sample of one column, as shares of full scale (-1 to 1).
type Column struct{ Min, Max float32 }

// Limits bound the work for one file.
type Limits struct {
	// MaxBytes is how much of the file is read at most (the decoder scans every frame header
	// to learn the length first); the columns then cover only that much.
	MaxBytes int64
	// DecodeSeconds is how much sound is decoded at most. A longer file is sampled: each column
	// decodes an equal share of this from its start, as a WAV waveform reads a window a column.
	DecodeSeconds float64
}

// DefaultLimits decode at most 12 s of sound (go-mp3 decodes 44.1 kHz stereo at roughly 100×
// real time on one core, so a waveform of any MP3 costs about a tenth of a second) and read
// at most 64 MB.
var DefaultLimits = Limits{MaxBytes: 64 << 20, DecodeSeconds: 12}

// ErrEmpty means the file decoded to no sound at all.
var ErrEmpty = errors.New("peaks: no samples")

// MP3 returns cols columns of an MP3 stream of size bytes read from r: the first column holds
// the first 1/cols of its sound, and so on. Both channels count. The sound streams through the
// decoder a buffer at a time. A stream that does not decode is an error, never a panic.
func MP3(r io.ReaderAt, size int64, cols int, lim Limits) (out []Column, err error) {
	if cols <= 0 {
		return nil, fmt.Errorf("peaks: %d columns", cols)
	}
	// go-mp3 panics on some corrupt frames: a bad file must not take the caller down.
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("peaks: corrupt MP3: %v", p)
		}
	}()
	if lim.MaxBytes > 0 {
		size = min(size, lim.MaxBytes)
	}
	d, err := mp3.NewDecoder(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, fmt.Errorf("peaks: not an MP3: %w", err)
	}
	total := d.Length() / 4 // 16-bit stereo frames
	if total <= 0 {
		return nil, ErrEmpty
	}
	budget := total
	if lim.DecodeSeconds > 0 {
		budget = max(int64(lim.DecodeSeconds*float64(d.SampleRate())), int64(cols))
	}
	out = make([]Column, cols)
	buf := make([]byte, 16<<10)
	if total <= budget {
		n, err := scan(d, buf, out, 0, total, total)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, ErrEmpty
		}
		return out, nil
	}
	// Sampled: a window at the start of each column. After a seek go-mp3 decodes without the
	// bit reservoir (up to 511 bytes of a frame's data live in the frames before it) and
	// without the previous frame's overlap, which gives loud garbage: each window starts lead
	// samples early and drops them. The budget pays for lead and window; windows are at least
	// as long as the lead, and when there are more columns than windows, neighbouring columns
	// share one.
	lead := leadSamples(size, total, d.SampleRate())
	n := min(int64(cols), max(1, budget/(2*lead)))
	window := max(budget/n-lead, lead)
	read := int64(0)
	for j := range n {
		c0, c1 := int(j*int64(cols)/n), int((j+1)*int64(cols)/n)
		start := int64(c0) * total / int64(cols)
		from := max(0, start-lead)
		if _, err := d.Seek(from*4, io.SeekStart); err != nil {
			if errors.Is(err, io.EOF) {
				break // shorter than its headers said
			}
			return nil, fmt.Errorf("peaks: seeking: %w", err)
		}
		if _, err := io.CopyN(io.Discard, d, (start-from)*4); err != nil {
			break // ended within the lead: nothing of this column is left
		}
		span := min(window, total-start)
		got, err := scan(d, buf, out[c0:c0+1], 0, span, span)
		if err != nil {
			return nil, err
		}
		for c := c0 + 1; c < c1; c++ {
			out[c] = out[c0]
		}
		read += got
	}
	if read == 0 {
		return nil, ErrEmpty
	}
	return out, nil
}

// leadSamples is how much to decode and drop before a window: enough frames to refill the
// bit reservoir (511 bytes at most) from a stream of size bytes and total samples, plus one
// for the overlap.
func leadSamples(size, total int64, rate int) int64 {
	perFrame := int64(1152) // MPEG-1 (32 kHz and up); MPEG-2 and 2.5 frames hold half
	if rate < 32000 {
		perFrame = 576
	}
	frames := max(1, total/perFrame)
	// Header and side information take up to 36 bytes of each frame; a smaller frame counts
	// as 8 bytes of data.
	data := max(size/frames-36, 8)
	return min(2+(511+data-1)/data, 72) * perFrame
}

// scan reads n sample frames from d into the columns out, which share the span of total
// frames evenly, starting with the frame numbered pos. It returns how many frames it read:
// fewer at an early end of the stream.
func scan(d io.Reader, buf []byte, out []Column, pos, n, total int64) (int64, error) {
	cols := len(out)
	col, next := 0, columnEnd(0, total, cols)
	lo, hi := int16(0), int16(0)
	started := false
	read := int64(0)
	for read < n {
		m, err := io.ReadFull(d, buf[:min(int64(len(buf)), (n-read)*4)])
		for i := 0; i+4 <= m; i += 4 {
			for pos >= next && col < cols-1 {
				out[col] = column(lo, hi, started)
				col++
				next = columnEnd(col, total, cols)
				lo, hi, started = 0, 0, false
			}
			l := int16(binary.LittleEndian.Uint16(buf[i:]))
			rt := int16(binary.LittleEndian.Uint16(buf[i+2:]))
			if !started {
				lo, hi, started = l, l, true
			}
			lo, hi = min(lo, l, rt), max(hi, l, rt)
			pos++
			read++
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break // shorter than its headers said: what was there counts
		}
		if err != nil {
			return read, fmt.Errorf("peaks: decoding: %w", err)
		}
	}
	out[col] = column(lo, hi, started)
	return read, nil
}

// columnEnd is the first sample frame after column c of cols over total frames.
func columnEnd(c int, total int64, cols int) int64 {
	return (int64(c) + 1) * total / int64(cols)
}

func column(lo, hi int16, ok bool) Column {
	if !ok {
		return Column{}
	}
	return Column{Min: float32(lo) / 32768, Max: float32(hi) / 32768}
}

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
	// to learn the length first).
	MaxBytes int64
	// MaxSeconds is how much sound is decoded at most; the columns then cover only that much.
	MaxSeconds float64
}

// DefaultLimits cover a long song (decoding runs at well over 100× real time) and keep a
// pathological file from costing more than a few seconds.
var DefaultLimits = Limits{MaxBytes: 64 << 20, MaxSeconds: 15 * 60}

// ErrEmpty means the file decoded to no sound at all.
var ErrEmpty = errors.New("peaks: no samples")

// MP3 returns cols columns of an MP3 stream of size bytes read from r: the first column holds
// the first 1/cols of its sound (up to the limits), and so on. Both channels count. A stream
// that does not decode is an error, never a panic.
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
	if lim.MaxSeconds > 0 {
		total = min(total, int64(lim.MaxSeconds*float64(d.SampleRate())))
	}
	if total <= 0 {
		return nil, ErrEmpty
	}
	out = make([]Column, cols)
	buf := make([]byte, 16<<10)
	var pos int64 // sample frames read so far
	col, next := 0, columnEnd(0, total, cols)
	lo, hi := int16(0), int16(0)
	started := false
	for pos < total {
		n, err := io.ReadFull(d, buf[:min(int64(len(buf)), (total-pos)*4)])
		for i := 0; i+4 <= n; i += 4 {
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
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break // shorter than its headers said: what was there counts
		}
		if err != nil {
			return nil, fmt.Errorf("peaks: decoding: %w", err)
		}
	}
	if pos == 0 {
		return nil, ErrEmpty
	}
	out[col] = column(lo, hi, started)
	return out, nil
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

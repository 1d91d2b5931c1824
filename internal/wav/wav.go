// Package wav is the one reader and writer of WAV headers in the app: the library draws
// waveforms with it, audio decodes, records and repairs with it, and the jobs cut recordings over
// an upload limit into parts and join spoken parts into one clip. It imports only the standard
// library, so that storage, audio and backend may all use it.
package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxChunks bounds the chunks skipped before "data" (a hostile file cannot loop for ever).
const maxChunks = 64

// UnknownSize is the data size a stream's header gives when the length is not known yet; players
// then read the samples to the end.
const UnknownSize = -1

// The sample encodings a format chunk can name (after resolving WAVE_FORMAT_EXTENSIBLE).
const (
	FormatPCM   = 1
	FormatFloat = 3
	extensible  = 0xFFFE
)

// ErrNotWAV is returned for a file that does not start as a RIFF WAVE.
var ErrNotWAV = errors.New("wav: not a WAV file")

// Header is what precedes a WAV's samples.
type Header struct {
	// Fmt is the whole "fmt " chunk, id and size included.
	Fmt []byte
	// DataSize is the size of the samples in bytes, or UnknownSize.
	DataSize int64
}

// PCM16 is the header of 16-bit integer samples at rate Hz with the given channels.
func PCM16(rate, channels int) Header {
	fm := make([]byte, 24)
	copy(fm, "fmt ")
	binary.LittleEndian.PutUint32(fm[4:], 16)
	binary.LittleEndian.PutUint16(fm[8:], FormatPCM)
	binary.LittleEndian.PutUint16(fm[10:], uint16(channels))
	binary.LittleEndian.PutUint32(fm[12:], uint32(rate))
	binary.LittleEndian.PutUint32(fm[16:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(fm[20:], uint16(channels*2))
	binary.LittleEndian.PutUint16(fm[22:], 16)
	return Header{Fmt: fm, DataSize: UnknownSize}
}

// Format is the sample encoding (FormatPCM, FormatFloat or another tag), with the extensible
// format's sub-format resolved.
func (h Header) Format() int {
	tag := binary.LittleEndian.Uint16(h.Fmt[8:10])
	if tag == extensible && len(h.Fmt) >= 8+26 {
		tag = binary.LittleEndian.Uint16(h.Fmt[8+24 : 8+26])
	}
	return int(tag)
}

// Channels is the number of interleaved channels.
func (h Header) Channels() int { return int(binary.LittleEndian.Uint16(h.Fmt[10:12])) }

// SampleRate is frames per second.
func (h Header) SampleRate() int { return int(binary.LittleEndian.Uint32(h.Fmt[12:16])) }

// ByteRate is bytes of samples per second.
func (h Header) ByteRate() int64 { return int64(binary.LittleEndian.Uint32(h.Fmt[16:20])) }

// BlockAlign is the size of one frame (a sample of every channel) in bytes.
func (h Header) BlockAlign() int64 { return int64(binary.LittleEndian.Uint16(h.Fmt[20:22])) }

// Bits is the size of one sample of one channel in bits.
func (h Header) Bits() int { return int(binary.LittleEndian.Uint16(h.Fmt[22:24])) }

// Float tells whether the samples are 32-bit IEEE floats.
func (h Header) Float() bool { return h.Format() == FormatFloat }

// SameFormat tells whether two WAVs' samples can follow each other in one file: same encoding,
// channels, rate and sample size.
func (h Header) SameFormat(o Header) bool { return bytes.Equal(h.Fmt[8:24], o.Fmt[8:24]) }

// ReadHeader reads a WAV's chunks up to its samples and leaves r at the first sample byte.
func ReadHeader(r io.Reader) (Header, error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil || string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return Header{}, ErrNotWAV
	}
	var h Header
	for i := 0; i < maxChunks; i++ {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return Header{}, fmt.Errorf("wav: no sound data: %w", err)
		}
		size := binary.LittleEndian.Uint32(ch[4:])
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 1024 {
				return Header{}, fmt.Errorf("wav: a format chunk of %d bytes", size)
			}
			h.Fmt = make([]byte, 8+size)
			copy(h.Fmt, ch[:])
			if _, err := io.ReadFull(r, h.Fmt[8:]); err != nil {
				return Header{}, fmt.Errorf("wav: a broken format chunk: %w", err)
			}
			if size%2 == 1 {
				if _, err := io.CopyN(io.Discard, r, 1); err != nil {
					return Header{}, fmt.Errorf("wav: a broken format chunk: %w", err)
				}
			}
		case "data":
			if h.Fmt == nil {
				return Header{}, errors.New("wav: sound data before its format")
			}
			if h.BlockAlign() <= 0 || h.ByteRate() <= 0 {
				return Header{}, errors.New("wav: an unusable format")
			}
			h.DataSize = int64(size)
			if size == 0 || size == 0xFFFFFFFF {
				h.DataSize = UnknownSize // a stream: the data runs to the end
			}
			return h, nil
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size%2)); err != nil {
				return Header{}, fmt.Errorf("wav: chunk %q: %w", ch[0:4], err)
			}
		}
	}
	return Header{}, errors.New("wav: too many chunks before the sound data")
}

// Bytes is a header in h's format for dataSize bytes of samples (UnknownSize for a stream whose
// length is not known yet).
func (h Header) Bytes(dataSize int64) []byte {
	b := make([]byte, 0, 12+len(h.Fmt)+8)
	riff, data := uint32(0xFFFFFFFF), uint32(0xFFFFFFFF)
	if dataSize >= 0 {
		riff, data = uint32(4+int64(len(h.Fmt))+8+dataSize+dataSize%2), uint32(dataSize)
	}
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, riff)
	b = append(b, "WAVE"...)
	b = append(b, h.Fmt...)
	b = append(b, "data"...)
	return binary.LittleEndian.AppendUint32(b, data)
}

// MaxData is the most sample bytes a header in this format can announce.
func (h Header) MaxData() int64 { return 0xFFFFFFFE - 4 - int64(len(h.Fmt)) - 8 }

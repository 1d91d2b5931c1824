package wav

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestHeaderFields(t *testing.T) {
	ext := PCM16(48000, 2).Fmt
	// WAVE_FORMAT_EXTENSIBLE with a float sub-format: 40-byte chunk.
	extFloat := make([]byte, 8+40)
	copy(extFloat, ext[:8])
	binary.LittleEndian.PutUint32(extFloat[4:], 40)
	copy(extFloat[8:24], ext[8:24])
	binary.LittleEndian.PutUint16(extFloat[8:], 0xFFFE)
	binary.LittleEndian.PutUint16(extFloat[22:], 32)
	binary.LittleEndian.PutUint16(extFloat[8+24:], FormatFloat)
	for _, tc := range []struct {
		name            string
		h               Header
		format, ch, rat int
		bits            int
		float           bool
	}{
		{"pcm16 stereo", PCM16(48000, 2), FormatPCM, 2, 48000, 16, false},
		{"pcm16 mono", PCM16(16000, 1), FormatPCM, 1, 16000, 16, false},
		{"extensible float", Header{Fmt: extFloat}, FormatFloat, 2, 48000, 32, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.h.Bytes(4000)
			b = append(b, make([]byte, 4000)...)
			got, err := ReadHeader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if got.Format() != tc.format || got.Channels() != tc.ch || got.SampleRate() != tc.rat ||
				got.Bits() != tc.bits || got.Float() != tc.float || got.DataSize != 4000 {
				t.Fatalf("read %d/%d/%d/%d/%v/%d", got.Format(), got.Channels(), got.SampleRate(), got.Bits(), got.Float(), got.DataSize)
			}
			if !got.SameFormat(tc.h) {
				t.Fatal("the format read back differs")
			}
		})
	}
}

func TestReadHeaderRefuses(t *testing.T) {
	good := PCM16(8000, 1).Bytes(0)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"not riff", []byte("RIFX\x00\x00\x00\x00WAVE")},
		{"data before fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00")},
		{"tiny fmt", append([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x04\x00\x00\x00"), 0, 0, 0, 0)},
		{"cut in fmt", good[:20]},
		{"no data chunk", good[:36]},
	} {
		if _, err := ReadHeader(bytes.NewReader(tc.b)); err == nil {
			t.Errorf("%s: read as a WAV", tc.name)
		}
	}
	if _, err := ReadHeader(bytes.NewReader([]byte("hello"))); !errors.Is(err, ErrNotWAV) {
		t.Errorf("a text file: %v, want ErrNotWAV", err)
	}
	// A stream's header (size unknown) reads as UnknownSize.
	h, err := ReadHeader(bytes.NewReader(PCM16(8000, 1).Bytes(UnknownSize)))
	if err != nil || h.DataSize != UnknownSize {
		t.Fatalf("stream header: %v %d", err, h.DataSize)
	}
}

func FuzzReadHeader(f *testing.F) {
	f.Add(PCM16(16000, 1).Bytes(100))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVELIST\x04\x00\x00\x00abcd"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ReadHeader(bytes.NewReader(b))
		if err != nil {
			return
		}
		// Whatever was accepted has a usable format.
		if h.BlockAlign() <= 0 || h.ByteRate() <= 0 || len(h.Fmt) < 24 {
			t.Fatalf("accepted an unusable header: %+v", h)
		}
		_ = h.Format()
		_ = h.Bytes(h.DataSize)
	})
}

package audio

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// wavHeader is a 44-byte RIFF/WAVE header for 16-bit PCM.
func wavHeader(rate, channels int, dataBytes uint32) []byte {
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataBytes)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataBytes)
	return h
}

// EncodeWAV wraps interleaved 16-bit samples in a WAV file.
func EncodeWAV(w io.Writer, samples []int16, rate, channels int) error {
	if _, err := w.Write(wavHeader(rate, channels, uint32(len(samples)*2))); err != nil {
		return err
	}
	b := make([]byte, len(samples)*2)
	for i, s := range samples {
		binary.LittleEndian.PutUint16(b[i*2:], uint16(s))
	}
	_, err := w.Write(b)
	return err
}

// RepairWAV fixes the sizes in the header of a PCM WAV cut short (the Recorder's file after a
// crash, before Stop wrote the final sizes): the data runs to the last whole frame of the file.
// It reports whether it changed anything; call it before opening a recording left behind.
func RepairWAV(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false, fmt.Errorf("audio: opening %s for repair: %w", filepath.Base(path), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("audio: %w", err)
	}
	name := filepath.Base(path)
	var h [12]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return false, fmt.Errorf("audio: %s is not a WAV file", name)
	}
	// Walk the chunks to "data"; the block size comes from "fmt ".
	off, block := int64(12), int64(0)
	for i := 0; ; i++ {
		var ch [8]byte
		if _, err := f.ReadAt(ch[:], off); err != nil || i == maxWAVChunks {
			return false, fmt.Errorf("audio: %s has no sound data to repair", name)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			var fm [16]byte
			if size < 16 {
				return false, fmt.Errorf("audio: %s has a broken format chunk", name)
			}
			if _, err := f.ReadAt(fm[:], off+8); err != nil {
				return false, fmt.Errorf("audio: %s has a broken format chunk: %w", name, err)
			}
			block = int64(binary.LittleEndian.Uint16(fm[12:14]))
		case "data":
			if block <= 0 {
				return false, fmt.Errorf("audio: %s has no usable format before its data", name)
			}
			start := off + 8
			data := max(0, st.Size()-start) / block * block
			data = min(data, (0xFFFFFFFF-(start-8))/block*block) // what a RIFF size can say
			end := start + data
			if size == data && int64(binary.LittleEndian.Uint32(h[4:8])) == end-8 && st.Size() == end {
				return false, nil
			}
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], uint32(end-8))
			if _, err := f.WriteAt(b[:], 4); err != nil {
				return false, fmt.Errorf("audio: repairing %s: %w", name, err)
			}
			binary.LittleEndian.PutUint32(b[:], uint32(data))
			if _, err := f.WriteAt(b[:], off+4); err != nil {
				return false, fmt.Errorf("audio: repairing %s: %w", name, err)
			}
			if err := f.Truncate(end); err != nil {
				return false, fmt.Errorf("audio: repairing %s: %w", name, err)
			}
			if err := f.Sync(); err != nil {
				return false, fmt.Errorf("audio: repairing %s: %w", name, err)
			}
			return true, nil
		}
		off += 8 + size + size%2
	}
}

// Probe measures an audio file.
func Probe(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("audio: %w", err)
	}
	defer f.Close()
	return ProbeReader(f, FormatFromName(filepath.Ext(path)))
}

// Waveform returns n peak levels (0..1) across an audio file, for its thumbnail.
func Waveform(path string, n int) ([]float64, error) {
	if n <= 0 || n > 100000 {
		return nil, fmt.Errorf("audio: waveform of %d points", n)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	defer f.Close()
	s, err := Decode(f, FormatFromName(filepath.Ext(path)))
	if err != nil {
		return nil, err
	}
	return peaks(s, n)
}

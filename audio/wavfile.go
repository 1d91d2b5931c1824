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

// RepairWAV fixes the sizes in the header of a 16-bit WAV written by the Recorder and cut short
// (a crash before Stop): the data is whatever whole frames the file holds. It reports whether
// it changed anything.
func RepairWAV(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	h := make([]byte, 44)
	if _, err := io.ReadFull(f, h); err != nil {
		return false, fmt.Errorf("audio: %s is too short to be a WAV: %w", filepath.Base(path), err)
	}
	if string(h[0:4]) != "RIFF" || string(h[8:16]) != "WAVEfmt " || string(h[36:40]) != "data" {
		return false, fmt.Errorf("audio: %s is not a WAV this app recorded", filepath.Base(path))
	}
	block := int64(binary.LittleEndian.Uint16(h[32:34]))
	if block <= 0 {
		return false, fmt.Errorf("audio: %s has a broken header", filepath.Base(path))
	}
	data := (st.Size() - 44) / block * block
	if data > 0xFFFFFFFF-36 {
		data = (0xFFFFFFFF - 36) / block * block
	}
	if binary.LittleEndian.Uint32(h[40:44]) == uint32(data) && binary.LittleEndian.Uint32(h[4:8]) == uint32(36+data) && st.Size() == 44+data {
		return false, nil
	}
	binary.LittleEndian.PutUint32(h[4:], uint32(36+data))
	binary.LittleEndian.PutUint32(h[40:], uint32(data))
	if _, err := f.WriteAt(h[:44], 0); err != nil {
		return false, err
	}
	if err := f.Truncate(44 + data); err != nil {
		return false, err
	}
	return true, f.Sync()
}

// Probe measures an audio file.
func Probe(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
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
		return nil, err
	}
	defer f.Close()
	s, err := Decode(f, FormatFromName(filepath.Ext(path)))
	if err != nil {
		return nil, err
	}
	return peaks(s, n)
}

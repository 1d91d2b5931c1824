package audio

import (
	"encoding/binary"
	"fmt"
	"io"

	"pollinations-studio/internal/wav"
)

// wavHeader is a 44-byte RIFF/WAVE header for 16-bit PCM.
func wavHeader(rate, channels int, dataBytes uint32) []byte {
	return wav.PCM16(rate, channels).Bytes(int64(dataBytes))
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
	changed, err := wav.Repair(path)
	if err != nil {
		return false, fmt.Errorf("audio: %w", err)
	}
	return changed, nil
}

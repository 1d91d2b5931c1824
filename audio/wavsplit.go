package audio

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WAVPart is one file SplitWAV wrote: its path and where it starts in the original.
type WAVPart struct {
	Path     string
	StartSec float64
}

// SplitWAV cuts a WAV file into parts of at most maxBytes each (header included), at whole
// sample frames, keeping the original's format chunk, so that a recording over an upload limit
// can be sent in pieces. The parts are written to dir as name-partN.wav.
func SplitWAV(path string, maxBytes int64, dir string) ([]WAVPart, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audio: opening %s to split it: %w", name, err)
	}
	defer f.Close()
	var h [12]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return nil, fmt.Errorf("audio: %s is not a WAV file", name)
	}
	var fmtChunk []byte
	var dataOff, dataLen int64
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	off := int64(12)
	for i := 0; dataOff == 0; i++ {
		var ch [8]byte
		if _, err := f.ReadAt(ch[:], off); err != nil || i == maxWAVChunks {
			return nil, fmt.Errorf("audio: %s has no sound data", name)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("audio: %s has a broken format chunk", name)
			}
			fmtChunk = make([]byte, 8+size)
			if _, err := f.ReadAt(fmtChunk, off); err != nil {
				return nil, fmt.Errorf("audio: %s has a broken format chunk: %w", name, err)
			}
		case "data":
			dataOff, dataLen = off+8, min(size, st.Size()-(off+8))
		}
		off += 8 + size + size%2
	}
	if fmtChunk == nil {
		return nil, fmt.Errorf("audio: %s has no format before its data", name)
	}
	byteRate := int64(binary.LittleEndian.Uint32(fmtChunk[16:20]))
	block := int64(binary.LittleEndian.Uint16(fmtChunk[20:22]))
	if block <= 0 || byteRate <= 0 {
		return nil, fmt.Errorf("audio: %s has an unusable format", name)
	}
	header := int64(12 + len(fmtChunk) + 8)
	per := (maxBytes - header) / block * block
	if per <= 0 {
		return nil, fmt.Errorf("audio: a part of %d bytes cannot hold any of %s", maxBytes, name)
	}
	n := (dataLen + per - 1) / per
	stem := strings.TrimSuffix(name, filepath.Ext(name))
	var parts []WAVPart
	for i := int64(0); i < n; i++ {
		start := i * per
		size := min(per, dataLen-start)
		p := filepath.Join(dir, fmt.Sprintf("%s-part%d.wav", stem, i+1))
		if err := writeWAVPart(p, fmtChunk, io.NewSectionReader(f, dataOff+start, size), size); err != nil {
			return nil, fmt.Errorf("audio: writing part %d of %s: %w", i+1, name, err)
		}
		parts = append(parts, WAVPart{Path: p, StartSec: float64(start) / float64(byteRate)})
	}
	return parts, nil
}

func writeWAVPart(path string, fmtChunk []byte, data io.Reader, size int64) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	var b [8]byte
	copy(b[0:4], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(4+int64(len(fmtChunk))+8+size+size%2))
	head := append(append(b[:], "WAVE"...), fmtChunk...)
	var d [8]byte
	copy(d[0:4], "data")
	binary.LittleEndian.PutUint32(d[4:], uint32(size))
	head = append(head, d[:]...)
	_, err = out.Write(head)
	if err == nil {
		_, err = io.CopyN(out, data, size)
	}
	if err == nil && size%2 == 1 {
		_, err = out.Write([]byte{0}) // chunks are padded to even sizes
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

package wav

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Part is one file Split wrote: its path and where it lies in the original, in seconds.
type Part struct {
	Path             string
	StartSec, EndSec float64
}

// Split cuts a WAV file into parts of at most maxBytes each (header included), at whole sample
// frames, keeping the original's format chunk, so that a recording over an upload limit can be
// sent in pieces. The parts are written to dir as name-partN.wav.
func Split(path string, maxBytes int64, dir string) ([]Part, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wav: opening %s to split it: %w", name, err)
	}
	defer f.Close()
	h, err := ReadHeader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dataOff, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("wav: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("wav: %w", err)
	}
	block, byteRate := h.BlockAlign(), h.ByteRate()
	dataLen := st.Size() - dataOff
	if h.DataSize != UnknownSize {
		dataLen = min(h.DataSize, dataLen)
	}
	dataLen = dataLen / block * block
	header := int64(len(h.Bytes(0)))
	per := (maxBytes - header) / block * block
	if per <= 0 {
		return nil, fmt.Errorf("wav: a part of %d bytes cannot hold any of %s", maxBytes, name)
	}
	n := (dataLen + per - 1) / per
	stem := strings.TrimSuffix(name, filepath.Ext(name))
	var parts []Part
	for i := int64(0); i < n; i++ {
		start := i * per
		size := min(per, dataLen-start)
		p := filepath.Join(dir, fmt.Sprintf("%s-part%d.wav", stem, i+1))
		if err := writePart(p, h, io.NewSectionReader(f, dataOff+start, size), size); err != nil {
			return nil, fmt.Errorf("wav: writing part %d of %s: %w", i+1, name, err)
		}
		parts = append(parts, Part{Path: p, StartSec: float64(start) / float64(byteRate),
			EndSec: float64(start+size) / float64(byteRate)})
	}
	return parts, nil
}

func writePart(path string, h Header, data io.Reader, size int64) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = out.Write(h.Bytes(size))
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

package wav

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Repair fixes the sizes in the header of a WAV cut short (a recording after a crash, before
// its final sizes were written): the data runs to the last whole frame of the file. It reports
// whether it changed anything.
func Repair(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false, fmt.Errorf("wav: opening %s for repair: %w", filepath.Base(path), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("wav: %w", err)
	}
	name := filepath.Base(path)
	var h [12]byte
	if _, err := io.ReadFull(f, h[:]); err != nil || string(h[0:4]) != "RIFF" || string(h[8:12]) != "WAVE" {
		return false, fmt.Errorf("wav: %s is not a WAV file", name)
	}
	// Walk the chunks to "data"; the block size comes from "fmt ".
	off, block := int64(12), int64(0)
	for i := 0; ; i++ {
		var ch [8]byte
		if _, err := f.ReadAt(ch[:], off); err != nil || i == maxChunks {
			return false, fmt.Errorf("wav: %s has no sound data to repair", name)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[0:4]) {
		case "fmt ":
			var fm [16]byte
			if size < 16 {
				return false, fmt.Errorf("wav: %s has a broken format chunk", name)
			}
			if _, err := f.ReadAt(fm[:], off+8); err != nil {
				return false, fmt.Errorf("wav: %s has a broken format chunk: %w", name, err)
			}
			block = int64(binary.LittleEndian.Uint16(fm[12:14]))
		case "data":
			if block <= 0 {
				return false, fmt.Errorf("wav: %s has no usable format before its data", name)
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
				return false, fmt.Errorf("wav: repairing %s: %w", name, err)
			}
			binary.LittleEndian.PutUint32(b[:], uint32(data))
			if _, err := f.WriteAt(b[:], off+4); err != nil {
				return false, fmt.Errorf("wav: repairing %s: %w", name, err)
			}
			if err := f.Truncate(end); err != nil {
				return false, fmt.Errorf("wav: repairing %s: %w", name, err)
			}
			if err := f.Sync(); err != nil {
				return false, fmt.Errorf("wav: repairing %s: %w", name, err)
			}
			return true, nil
		}
		off += 8 + size + size%2
	}
}

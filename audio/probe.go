package audio

import (
	"fmt"
	"os"
	"path/filepath"
)

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

package audio

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func TestSplitWAV(t *testing.T) {
	dir := t.TempDir()
	// One second of 16 kHz mono (32 000 bytes of data), with a LIST chunk before the data.
	samples := make([]int16, 16000)
	for i := range samples {
		samples[i] = int16(i)
	}
	var plain bytes.Buffer
	EncodeWAV(&plain, samples, 16000, 1)
	var withList bytes.Buffer
	withList.Write(plain.Bytes()[:36])
	withList.WriteString("LIST")
	binary.Write(&withList, binary.LittleEndian, uint32(3))
	withList.WriteString("abc\x00")
	withList.Write(plain.Bytes()[36:])
	stereo := new(bytes.Buffer)
	EncodeWAV(stereo, samples, 8000, 2)

	for _, c := range []struct {
		name      string
		file      []byte
		max       int64
		parts     int
		starts    []float64
		wantError bool
	}{
		{"fits in one", plain.Bytes(), 1 << 20, 1, []float64{0}, false},
		{"four parts", plain.Bytes(), 44 + 8000, 4, []float64{0, 0.25, 0.5, 0.75}, false},
		{"uneven end", plain.Bytes(), 44 + 10000, 4, []float64{0, 0.3125, 0.625, 0.9375}, false},
		{"skips other chunks", withList.Bytes(), 44 + 16000, 2, []float64{0, 0.5}, false},
		{"whole stereo frames", stereo.Bytes(), 44 + 10002, 4, []float64{0, 0.3125, 0.625, 0.9375}, false},
		{"too small for a frame", plain.Bytes(), 40, 0, nil, true},
		{"not a WAV", []byte("ID3 not a wav file at all"), 1 << 20, 0, nil, true},
	} {
		src := filepath.Join(dir, c.name+".wav")
		os.WriteFile(src, c.file, 0o644)
		out := filepath.Join(dir, c.name)
		os.Mkdir(out, 0o755)
		parts, err := SplitWAV(src, c.max, out)
		if c.wantError {
			if err == nil {
				t.Errorf("%s: want an error", c.name)
			}
			continue
		}
		if err != nil || len(parts) != c.parts {
			t.Fatalf("%s: %d parts, %v", c.name, len(parts), err)
		}
		var total []int16
		for i, p := range parts {
			if p.StartSec != c.starts[i] {
				t.Errorf("%s: part %d starts at %v, want %v", c.name, i, p.StartSec, c.starts[i])
			}
			st, _ := os.Stat(p.Path)
			if st.Size() > c.max {
				t.Errorf("%s: part %d is %d bytes, over %d", c.name, i, st.Size(), c.max)
			}
			f, _ := os.Open(p.Path)
			s, err := decodeWAV(f)
			if err != nil {
				t.Fatalf("%s: part %d does not decode: %v", c.name, i, err)
			}
			got := readAllSamples(t, s)
			f.Close()
			total = append(total, got...)
		}
		// The parts together hold every sample, in order (stereo: the same samples interleaved).
		want := samples
		if len(total) != len(want) {
			t.Fatalf("%s: %d samples in the parts, want %d", c.name, len(total), len(want))
		}
		for i := range want {
			if total[i] != want[i] {
				t.Fatalf("%s: sample %d is %d, want %d", c.name, i, total[i], want[i])
			}
		}
	}
}

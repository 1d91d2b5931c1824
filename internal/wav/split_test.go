package wav

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// encode makes a 16-bit PCM WAV.
func encode(samples []int16, rate, channels int) []byte {
	fm := make([]byte, 24)
	copy(fm, "fmt ")
	binary.LittleEndian.PutUint32(fm[4:], 16)
	binary.LittleEndian.PutUint16(fm[8:], 1)
	binary.LittleEndian.PutUint16(fm[10:], uint16(channels))
	binary.LittleEndian.PutUint32(fm[12:], uint32(rate))
	binary.LittleEndian.PutUint32(fm[16:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(fm[20:], uint16(channels*2))
	binary.LittleEndian.PutUint16(fm[22:], 16)
	b := Header{Fmt: fm}.Bytes(int64(len(samples) * 2))
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

// decode reads back a WAV's samples through ReadHeader.
func decode(t *testing.T, path string) []int16 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := ReadHeader(f)
	if err != nil {
		t.Fatalf("%s does not decode: %v", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, h.DataSize))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, len(data)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(data[i*2:]))
	}
	return out
}

func TestSplit(t *testing.T) {
	dir := t.TempDir()
	// One second of 16 kHz mono (32 000 bytes of data), with a LIST chunk before the data.
	samples := make([]int16, 16000)
	for i := range samples {
		samples[i] = int16(i)
	}
	plain := encode(samples, 16000, 1)
	var withList bytes.Buffer
	withList.Write(plain[:36])
	withList.WriteString("LIST")
	binary.Write(&withList, binary.LittleEndian, uint32(3))
	withList.WriteString("abc\x00")
	withList.Write(plain[36:])
	stereo := encode(samples, 8000, 2)

	for _, c := range []struct {
		name      string
		file      []byte
		max       int64
		parts     int
		starts    []float64
		wantError bool
	}{
		{"fits in one", plain, 1 << 20, 1, []float64{0}, false},
		{"four parts", plain, 44 + 8000, 4, []float64{0, 0.25, 0.5, 0.75}, false},
		{"uneven end", plain, 44 + 10000, 4, []float64{0, 0.3125, 0.625, 0.9375}, false},
		{"skips other chunks", withList.Bytes(), 44 + 16000, 2, []float64{0, 0.5}, false},
		{"whole stereo frames", stereo, 44 + 10002, 4, []float64{0, 0.3125, 0.625, 0.9375}, false},
		{"too small for a frame", plain, 40, 0, nil, true},
		{"not a WAV", []byte("ID3 not a wav file at all"), 1 << 20, 0, nil, true},
	} {
		src := filepath.Join(dir, c.name+".wav")
		os.WriteFile(src, c.file, 0o644)
		out := filepath.Join(dir, c.name)
		os.Mkdir(out, 0o755)
		parts, err := Split(src, c.max, out)
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
			if i > 0 && parts[i-1].EndSec != p.StartSec {
				t.Errorf("%s: part %d ends at %v, the next starts at %v", c.name, i-1, parts[i-1].EndSec, p.StartSec)
			}
			st, _ := os.Stat(p.Path)
			if st.Size() > c.max {
				t.Errorf("%s: part %d is %d bytes, over %d", c.name, i, st.Size(), c.max)
			}
			total = append(total, decode(t, p.Path)...)
		}
		if last := parts[len(parts)-1].EndSec; last != 1 {
			t.Errorf("%s: the last part ends at %v, want 1 s", c.name, last)
		}
		// The parts together hold every sample, in order (stereo: the same samples interleaved).
		if len(total) != len(samples) {
			t.Fatalf("%s: %d samples in the parts, want %d", c.name, len(total), len(samples))
		}
		for i := range samples {
			if total[i] != samples[i] {
				t.Fatalf("%s: sample %d is %d, want %d", c.name, i, total[i], samples[i])
			}
		}
	}
}

func TestHeaderOfAStream(t *testing.T) {
	plain := encode(make([]int16, 100), 24000, 1)
	h, err := ReadHeader(bytes.NewReader(plain))
	if err != nil || h.DataSize != 200 || h.ByteRate() != 48000 || h.BlockAlign() != 2 {
		t.Fatalf("header %+v, %v", h, err)
	}
	live := h.Bytes(UnknownSize)
	back, err := ReadHeader(bytes.NewReader(live))
	if err != nil || back.DataSize != UnknownSize || !back.SameFormat(h) {
		t.Fatalf("a stream's header reads back as %+v, %v", back, err)
	}
	if !bytes.Equal(h.Bytes(200), plain[:44]) {
		t.Fatalf("header bytes differ from the original")
	}
}

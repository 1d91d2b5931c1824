package audio

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// drain decodes everything, bounded, and reports whether it ended. seekable chooses the
// file path (go-mp3 measures the length by seeking) or the stream path (a download).
func drain(t *testing.T, data []byte, hint Format, seekable bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var r io.Reader = bytes.NewReader(data)
		if !seekable {
			r = onlyReader{r}
		}
		s, err := Decode(r, hint)
		if err != nil {
			return
		}
		buf := make([]int16, 4096)
		// Output is bounded by the input: a decoder that invents audio for ever is a bug.
		limit := int64(len(data))*200 + 1<<20
		var total int64
		for total < limit {
			n, err := s.ReadSamples(buf)
			total += int64(n)
			if err != nil {
				return
			}
		}
		t.Errorf("decoding %d bytes produced more than %d samples", len(data), limit)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("decoding %d bytes did not end", len(data))
	}
}

func FuzzDecodeWAV(f *testing.F) {
	var b bytes.Buffer
	EncodeWAV(&b, sine(440, 8000, 1, 0.05, 0.5), 8000, 1)
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:30])
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x03\x00\x02\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, data, FormatAuto, false)
		drain(t, data, FormatWAV, true)
	})
}

func FuzzDecodeMP3(f *testing.F) {
	if path, err := exec.LookPath("ffmpeg"); err == nil {
		dir := f.TempDir()
		wav, mp3 := filepath.Join(dir, "t.wav"), filepath.Join(dir, "t.mp3")
		var b bytes.Buffer
		EncodeWAV(&b, sine(440, 16000, 1, 0.3, 0.5), 16000, 1)
		writeFile(wav, b.Bytes())
		if exec.Command(path, "-loglevel", "error", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", "32k", mp3).Run() == nil {
			if data, err := readFile(mp3); err == nil {
				f.Add(data)
				f.Add(data[:len(data)/2])
			}
		}
	}
	if data, err := readFile("testdata/speech.mp3"); err == nil {
		f.Add(data[:4096])
		f.Add(data[len(data)-2048:])
	}
	f.Add([]byte("ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x00"))
	f.Add([]byte{0xff, 0xf3, 0x44, 0xc4, 0x00, 0x00})
	// Through the format-sniffing opener (what Play and Probe use), as a file and as a
	// download.
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, data, FormatAuto, true)
		drain(t, data, FormatAuto, false)
		drain(t, data, FormatMP3, false)
	})
}

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }
func readFile(p string) ([]byte, error)  { return os.ReadFile(p) }

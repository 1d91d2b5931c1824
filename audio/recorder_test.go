package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// recordSource records from a fixture source until it stops by itself, watching the meter.
func recordSource(t *testing.T, e *Engine, opts RecorderOptions) (Info, string, float64, float64) {
	t.Helper()
	r, err := e.NewRecorder(opts)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rec.wav")
	if err := r.Start(path); err != nil {
		t.Fatal(err)
	}
	var maxRMS, maxPeak float64
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-r.Done():
			break wait
		case <-deadline:
			t.Fatal("the recording never stopped by itself")
		case <-tick.C:
			rms, peak := r.Level()
			maxRMS, maxPeak = math.Max(maxRMS, rms), math.Max(maxPeak, peak)
		}
	}
	info, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	return info, path, maxRMS, maxPeak
}

func TestRecorderFromSource(t *testing.T) {
	e := nullEngine(t)
	tone := sine(1000, 16000, 1, 0.5, 0.5)
	for _, tc := range []struct {
		name     string
		max      time.Duration
		wantSecs float64
	}{
		{"source ends", 10 * time.Second, 0.5},
		{"maximum length", 300 * time.Millisecond, 0.3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, path, rms, peak := recordSource(t, e, RecorderOptions{Source: bytes.NewReader(int16sToBytes(tone)), MaxDuration: tc.max})
			// The meter showed the tone: RMS of a sine is amplitude/√2.
			if math.Abs(rms-0.5/math.Sqrt2) > 0.03 || math.Abs(peak-0.5) > 0.03 {
				t.Fatalf("meter showed RMS %.3f peak %.3f, want %.3f and 0.5", rms, peak, 0.5/math.Sqrt2)
			}
			if math.Abs(info.Duration-tc.wantSecs) > 0.021 {
				t.Fatalf("recorded %.3f s, want %.3f", info.Duration, tc.wantSecs)
			}
			pi, err := Probe(path)
			if err != nil || pi.Duration != info.Duration || pi.SampleRate != 16000 || pi.Channels != 1 {
				t.Fatalf("probe: %+v %v", pi, err)
			}
			f, _ := os.Open(path)
			defer f.Close()
			s, err := Decode(f, FormatWAV)
			if err != nil {
				t.Fatal(err)
			}
			got := readAllSamples(t, s)
			for i := range got {
				if got[i] != tone[i] {
					t.Fatalf("sample %d recorded as %d, was %d", i, got[i], tone[i])
				}
			}
		})
	}
}

func TestRecorderPauseAndErrors(t *testing.T) {
	e := nullEngine(t)
	r, err := e.NewRecorder(RecorderOptions{Source: bytes.NewReader(int16sToBytes(sine(440, 16000, 1, 2, 0.5)))})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.wav")
	if err := r.Start(path); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(path); err == nil {
		t.Fatal("starting twice must fail")
	}
	waitFor(t, 2*time.Second, func() bool { return r.Elapsed() >= 200*time.Millisecond })
	r.Pause()
	time.Sleep(60 * time.Millisecond) // let what is in flight land
	at := r.Elapsed()
	time.Sleep(300 * time.Millisecond)
	if got := r.Elapsed(); got != at || !r.Paused() {
		t.Fatalf("recording went on while paused: %v → %v", at, got)
	}
	if rms, peak := r.Level(); rms != 0 || peak != 0 {
		t.Fatalf("meter while paused: %v %v", rms, peak)
	}
	r.Resume()
	waitFor(t, 2*time.Second, func() bool { return r.Elapsed() > at+100*time.Millisecond })
	info, err := r.Stop()
	if err != nil || info.Duration < 0.3 {
		t.Fatalf("stop: %+v %v", info, err)
	}
	if _, err := r.Stop(); err == nil {
		t.Fatal("stopping twice must fail")
	}
	for _, opts := range []RecorderOptions{{SampleRate: 100}, {MaxDuration: -time.Second}} {
		if _, err := e.NewRecorder(opts); err == nil {
			t.Errorf("%+v must be refused", opts)
		}
	}
	bad, _ := e.NewRecorder(RecorderOptions{Source: bytes.NewReader(nil)})
	if err := bad.Start(filepath.Join(t.TempDir(), "no", "such", "dir.wav")); err == nil {
		t.Fatal("recording into a missing folder must fail")
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRecorderOnNullDevice(t *testing.T) {
	e := nullEngine(t)
	r, err := e.NewRecorder(RecorderOptions{SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "null.wav")
	if err := r.Start(path); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return r.Elapsed() >= 300*time.Millisecond })
	info, err := r.Stop()
	if err != nil || info.Duration < 0.3 {
		t.Fatalf("%+v %v", info, err)
	}
	// The capture callback must not allocate either.
	r.scratch = make([]int16, 16000)
	r.ring = newRing(1 << 16)
	r.running.Store(true)
	defer r.running.Store(false)
	in := int16sToBytes(sine(440, 16000, 1, 0.02, 0.5))
	if a := testing.AllocsPerRun(100, func() { r.callback(nil, in, 320); r.ring.reset() }); a != 0 {
		t.Fatalf("the capture callback allocates %.1f times a call", a)
	}
}

// sineReader makes a long tone on the fly, so the test's own memory stays flat.
type sineReader struct{ n, left int }

func (s *sineReader) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	k := min(len(p)/2, s.left)
	for i := 0; i < k; i++ {
		v := int16(16000 * math.Sin(2*math.Pi*440*float64(s.n)/16000))
		binary.LittleEndian.PutUint16(p[i*2:], uint16(v))
		s.n++
	}
	s.left -= k
	return k * 2, nil
}

// A long recording is written as it goes: the heap does not grow with its length. Five minutes
// here (unpaced); an hour is the same loop, twelve times longer.
func TestRecorderMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 10 MB")
	}
	e := nullEngine(t)
	const secs = 300
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	info, path, _, _ := recordSource(t, e, RecorderOptions{Source: &sineReader{left: secs * 16000}, unpaced: true})
	runtime.GC()
	runtime.ReadMemStats(&after)
	if info.Duration != secs {
		t.Fatalf("recorded %v s, want %d", info.Duration, secs)
	}
	st, _ := os.Stat(path)
	if st.Size() != 44+secs*16000*2 {
		t.Fatalf("file of %d bytes", st.Size())
	}
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Fatalf("heap grew by %d bytes for a %d-byte recording", grew, st.Size())
	}
	t.Logf("%d s recorded, %d MB file; heap %d → %d kB", secs, st.Size()>>20, before.HeapAlloc>>10, after.HeapAlloc>>10)
}

func TestRepairWAV(t *testing.T) {
	tone := sine(1000, 16000, 1, 0.5, 0.5)
	good := wavBytes(t, tone, 16000, 1)
	list := append([]byte("LIST\x04\x00\x00\x00INFO"), []byte{}...)
	for _, tc := range []struct {
		name    string
		mangle  func([]byte) []byte
		changed bool
		frames  int
		wantErr bool
	}{
		{"intact", func(b []byte) []byte { return b }, false, len(tone), false},
		{"crash: sizes still 0", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[4:], 36)
			binary.LittleEndian.PutUint32(b[40:], 0)
			return b
		}, true, len(tone), false},
		{"crash: half a frame at the end", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[40:], 0)
			return append(b, 0x01)
		}, true, len(tone), false},
		{"header says more than there is", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[40:], 1<<30)
			return b[:len(b)-1000]
		}, true, len(tone) - 500, false},
		{"a chunk before data", func(b []byte) []byte {
			out := append(append(append([]byte{}, b[:36]...), list...), b[36:]...)
			binary.LittleEndian.PutUint32(out[36+len(list)+4:], 0)
			return out
		}, true, len(tone), false},
		{"not a WAV", func([]byte) []byte { return []byte("ID3 this is an mp3, honestly, more than 44 bytes long....") }, false, 0, true},
		{"too short", func(b []byte) []byte { return b[:20] }, false, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.wav")
			if err := os.WriteFile(path, tc.mangle(append([]byte{}, good...)), 0o644); err != nil {
				t.Fatal(err)
			}
			changed, err := RepairWAV(path)
			if (err != nil) != tc.wantErr || changed != tc.changed {
				t.Fatalf("RepairWAV: %v %v", changed, err)
			}
			if tc.wantErr {
				return
			}
			b, _ := os.ReadFile(path)
			if riff := binary.LittleEndian.Uint32(b[4:]); int(riff) != len(b)-8 {
				t.Fatalf("RIFF size %d for a file of %d bytes", riff, len(b))
			}
			pi, err := Probe(path)
			if err != nil || pi.Duration != float64(tc.frames)/16000 {
				t.Fatalf("after repair: %+v %v, want %d frames", pi, err, tc.frames)
			}
			if again, err := RepairWAV(path); again || err != nil {
				t.Fatalf("a repaired file was repaired again: %v", err)
			}
		})
	}
	if _, err := RepairWAV(filepath.Join(t.TempDir(), "missing.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

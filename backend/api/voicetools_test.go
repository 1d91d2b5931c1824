package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/internal/wav"
)

// writeWAV writes secs seconds of 8 kHz mono 16-bit silence.
func writeWAV(t testing.TB, dir, name string, secs float64) string {
	t.Helper()
	n := int64(secs*8000) * 2
	h := wav.PCM16(8000, 1)
	data := append(h.Bytes(n), make([]byte, n)...)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func speechFixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "sim", "media", "speech.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckVoiceToolFile(t *testing.T) {
	dir := t.TempDir()
	mp3 := speechFixture(t)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := filepath.Join(dir, "big.mp4")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(api.MaxVoiceToolBytes + 1) // sparse: nothing is written
	f.Close()
	id3 := append([]byte("ID3\x04\x00\x00\x00\x00\x01\x00"), make([]byte, 128)...) // a 128-byte tag
	cases := []struct {
		name    string
		path    string
		min     float64
		want    error
		known   bool
		seconds float64
	}{
		{"wav long enough", writeWAV(t, dir, "five.wav", 5), api.MinIsolatorSeconds, nil, true, 5},
		{"wav too short", writeWAV(t, dir, "three.wav", 3), api.MinIsolatorSeconds, api.ErrAudioTooShort, true, 3},
		{"short wav for the changer", writeWAV(t, dir, "three2.wav", 3), 0, nil, true, 3},
		{"mp3 measured", write("speech.mp3", bytes.Repeat(mp3, 3)), 0, nil, true, -1},
		{"mp3 behind an id3 tag", write("tagged.mp3", append(id3, mp3...)), 0, nil, true, -1},
		{"mp3 too short", write("one.mp3", mp3[:len(mp3)/4]), api.MinIsolatorSeconds, api.ErrAudioTooShort, true, -1},
		{"not mp3", write("fake.mp3", bytes.Repeat([]byte("hello"), 100)), 0, api.ErrNotAudio, false, 0},
		{"not wav", write("fake.wav", bytes.Repeat([]byte("hello"), 100)), 0, api.ErrNotAudio, false, 0},
		{"text file", write("notes.txt", []byte("hello")), 0, api.ErrNotAudio, false, 0},
		{"empty", write("empty.m4a", nil), 0, api.ErrNotAudio, false, 0},
		{"video: size only", write("clip.mov", []byte("\x00\x00\x00\x14ftypqt  ")), api.MinIsolatorSeconds, nil, false, 0},
		{"over 50 MB", big, 0, api.ErrFileTooLarge, false, 0},
		{"a folder", dir, 0, api.ErrNotAudio, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := api.CheckVoiceToolFile(c.path, c.min)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if c.want == api.ErrFileTooLarge && !api.IsKind(err, api.KindTooLarge) {
				t.Errorf("kind = %v, want too_large", err)
			}
			if c.want != nil {
				return
			}
			if in.Known != c.known {
				t.Fatalf("known = %v, want %v", in.Known, c.known)
			}
			if c.seconds > 0 && math.Abs(in.Seconds-c.seconds) > 0.01 {
				t.Errorf("seconds = %v, want %v", in.Seconds, c.seconds)
			}
			if c.seconds < 0 && (in.Seconds < 1 || in.Seconds > 30) {
				t.Errorf("mp3 seconds = %v, not plausible", in.Seconds)
			}
		})
	}
}

type zipEntry struct {
	name string
	data []byte
	// claim, when > 0, is the uncompressed size the header declares (a lie).
	claim uint64
	store bool
}

func makeZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.claim > 0 {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Store, CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.claim})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.data)
			continue
		}
		method := zip.Deflate
		if e.store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	zw.Close()
	return buf.Bytes()
}

func TestReadStemsBoundsHostileArchives(t *testing.T) {
	mp3 := speechFixture(t)
	many := make([]zipEntry, 17)
	for i := range many {
		many[i] = zipEntry{name: strings.Repeat("a", i+1) + ".mp3", data: mp3}
	}
	bomb := append(append([]byte{}, mp3[:4]...), make([]byte, 8<<20)...) // MP3 sync, then zeros
	cases := []struct {
		name    string
		entries []zipEntry
		want    []string // stem names; nil means refused
	}{
		{"six stems", []zipEntry{{name: "vocals.mp3", data: mp3}, {name: "drums.mp3", data: mp3}, {name: "bass.mp3", data: mp3},
			{name: "other.mp3", data: mp3}, {name: "piano.mp3", data: mp3}, {name: "guitar.mp3", data: mp3}},
			[]string{"vocals", "drums", "bass", "other", "piano", "guitar"}},
		{"folders and traversal are dropped", []zipEntry{{name: "../../etc/Vocals.MP3", data: mp3}, {name: `C:\x\drums.mp3`, data: mp3}, {name: "stems/", data: nil}},
			[]string{"vocals", "drums"}},
		{"other entries skipped", []zipEntry{{name: "readme.txt", data: []byte("hi")}, {name: ".hidden.mp3", data: mp3}, {name: "bass.mp3", data: mp3}}, []string{"bass"}},
		{"too many entries", many, nil},
		{"declared size too large", []zipEntry{{name: "vocals.mp3", data: mp3, claim: 300 << 20}}, nil},
		{"a lie about the size is caught on reading", []zipEntry{{name: "vocals.mp3", data: mp3, claim: 10}}, nil},
		{"compression ratio of a bomb", []zipEntry{{name: "vocals.mp3", data: bomb}}, nil},
		{"not mp3 inside", []zipEntry{{name: "vocals.mp3", data: []byte("<html>nope</html>")}}, nil},
		{"twice the same stem", []zipEntry{{name: "vocals.mp3", data: mp3}, {name: "a/vocals.mp3", data: mp3}}, nil},
		{"nothing usable", []zipEntry{{name: "readme.txt", data: []byte("hi")}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			z := makeZip(t, c.entries)
			stems, err := api.ReadStems(bytes.NewReader(z), int64(len(z)))
			if c.want == nil {
				if err == nil {
					api.RemoveStems(stems)
					t.Fatalf("accepted: %+v", stems)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer api.RemoveStems(stems)
			var names []string
			for _, s := range stems {
				names = append(names, s.Name)
				if filepath.Base(s.Path) != s.Name+".mp3" {
					t.Errorf("path %s", s.Path)
				}
				b, err := os.ReadFile(s.Path)
				if err != nil || !bytes.Equal(b, mp3) {
					t.Errorf("stem %s: %v, %d bytes", s.Name, err, len(b))
				}
			}
			if strings.Join(names, ",") != strings.Join(c.want, ",") {
				t.Errorf("stems %v, want %v", names, c.want)
			}
		})
	}
	if _, err := api.ReadStems(bytes.NewReader([]byte("not a zip")), 9); err == nil {
		t.Error("a non-ZIP answer was accepted")
	}
}

func TestVoiceToolPerMinute(t *testing.T) {
	for _, c := range []struct {
		model, variant string
		want           float64
	}{
		{api.VoiceIsolatorModel, "", 0.12},
		{api.DefaultVoiceChangerModel, "", 0.12},
		{api.StemSeparationModel, "", 0.30},
		{api.StemSeparationModel, api.StemsSix, 0.30},
		{api.StemSeparationModel, api.StemsTwo, 0.15},
	} {
		if got, ok := api.VoiceToolPerMinute(c.model, c.variant); !ok || got != c.want {
			t.Errorf("%s %s: %v %v, want %v", c.model, c.variant, got, ok, c.want)
		}
	}
	if _, ok := api.VoiceToolPerMinute("openai/tts-1", ""); ok {
		t.Error("a speech model priced as a voice tool")
	}
}

func TestVoiceToolsAgainstSim(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "secret")
	ctx := context.Background()
	dir := t.TempDir()
	five := writeWAV(t, dir, "five.wav", 5)

	t.Run("isolate", func(t *testing.T) {
		ms, err := c.IsolateVoice(ctx, five)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(ms.Body)
		ms.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ms.Meta.ContentType != "audio/mpeg" || api.SniffContentType(b, "") != "audio/mpeg" {
			t.Errorf("content type %s", ms.Meta.ContentType)
		}
		if !ms.Meta.CostKnown || math.Abs(ms.Meta.Cost-0.12*5/60) > 1e-6 {
			t.Errorf("cost %v %v, want 0.01", ms.Meta.Cost, ms.Meta.CostKnown)
		}
		if ms.Meta.HostedURL == "" {
			t.Error("no hosted link")
		}
	})
	t.Run("too short is refused before the upload", func(t *testing.T) {
		e.sim.ResetRequests()
		start := time.Now()
		_, err := c.IsolateVoice(ctx, writeWAV(t, dir, "three.wav", 3))
		if !errors.Is(err, api.ErrAudioTooShort) || !strings.Contains(err.Error(), "at least 4.6 s") {
			t.Fatalf("err = %v", err)
		}
		// Only requests with this file count: the subtest before may still be finishing its own.
		n := 0
		for _, r := range e.sim.Requests() {
			if r.Path == "/v1/audio/voice-isolator" && r.Started.After(start) {
				n++
			}
		}
		if n != 0 {
			t.Errorf("%d requests reached the service", n)
		}
	})
	t.Run("revoice as wav", func(t *testing.T) {
		ms, err := c.ChangeVoice(ctx, five, "rachel", "", "wav")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(ms.Body)
		ms.Body.Close()
		h, err := wav.ReadHeader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not a WAV: %v", err)
		}
		if secs := float64(h.DataSize) / float64(h.ByteRate()); math.Abs(secs-5) > 0.1 {
			t.Errorf("%.2f s of audio for 5 s in", secs)
		}
		if ms.Meta.ModelUsed != api.DefaultVoiceChangerModel {
			t.Errorf("model %s", ms.Meta.ModelUsed)
		}
		if _, err := c.ChangeVoice(ctx, five, "", "", ""); err == nil {
			t.Error("no voice accepted")
		}
		if _, err := c.ChangeVoice(ctx, five, "rachel", "", "flac"); err == nil {
			t.Error("flac accepted")
		}
	})
	t.Run("isolate then transcribe", func(t *testing.T) {
		e.sim.ResetRequests()
		tr, err := c.Transcribe(ctx, api.TranscribeRequest{File: five, IsolateFirst: true, Format: "verbose_json"})
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, r := range e.sim.Requests() {
			paths = append(paths, r.Path)
		}
		if strings.Join(paths, " ") != "/v1/audio/voice-isolator /v1/audio/transcriptions" {
			t.Errorf("requests %v", paths)
		}
		if tr.Text == "" || !tr.Meta.CostKnown || tr.Meta.Cost <= 0.12*5/60 {
			t.Errorf("transcript %q, cost %v %v: the isolation is not counted", tr.Text, tr.Meta.Cost, tr.Meta.CostKnown)
		}
		e.sim.ResetRequests()
		if _, err := c.Transcribe(ctx, api.TranscribeRequest{File: writeWAV(t, dir, "short.wav", 2), IsolateFirst: true}); !errors.Is(err, api.ErrAudioTooShort) {
			t.Errorf("short file: %v", err)
		}
		if _, err := c.Transcribe(ctx, api.TranscribeRequest{File: five, IsolateFirst: true, Format: "srt", SpeakersExpected: 2}); err == nil {
			t.Error("speakers without diarized_json accepted")
		}
		if n := len(e.sim.Requests()); n != 0 {
			t.Errorf("%d requests for refused requests (nothing may be isolated and paid for first)", n)
		}
	})
	for _, two := range []bool{false, true} {
		t.Run("stems", func(t *testing.T) {
			stems, meta, err := c.SeparateStems(ctx, five, two)
			if err != nil {
				t.Fatal(err)
			}
			defer api.RemoveStems(stems)
			want, cost := 6, 0.30*5/60
			if two {
				want, cost = 2, 0.15*5/60
			}
			if len(stems) != want || stems[0].Name != "vocals" {
				t.Fatalf("stems %+v", stems)
			}
			if math.Abs(meta.Cost-cost) > 1e-6 {
				t.Errorf("cost %v, want %v", meta.Cost, cost)
			}
			for _, s := range stems {
				b, _ := os.ReadFile(s.Path)
				if api.SniffContentType(b, "") != "audio/mpeg" {
					t.Errorf("%s is not MP3", s.Name)
				}
			}
		})
	}
}

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/internal/wav"
	"pollinations-studio/storage"
)

// voiceWAV writes secs seconds of 8 kHz mono 16-bit silence.
func (h *harness) voiceWAV(name string, secs float64) string {
	h.t.Helper()
	n := int64(secs*8000) * 2
	p := h.path(name)
	if err := os.WriteFile(p, append(wav.PCM16(8000, 1).Bytes(n), make([]byte, n)...), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func isMP3(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 1000 || api.SniffContentType(b, "") != "audio/mpeg" {
		t.Fatalf("%s is not MP3 audio (%d bytes)", path, len(b))
	}
}

func TestIsolateWritesTheVoice(t *testing.T) {
	h := newHarness(t)
	out := h.path("voice.mp3")
	code, _, stderr := h.run("isolate", h.voiceWAV("talk.wav", 5), "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	isMP3(t, out)
	if !strings.Contains(stderr, "cost 0.0100 pollen") {
		t.Errorf("no cost shown: %s", stderr)
	}
	if left, _ := filepath.Glob(h.path(".voice.mp3.*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestRevoiceWritesTheAskedFormat(t *testing.T) {
	h := newHarness(t)
	out := h.path("rachel.wav")
	code, _, stderr := h.run("revoice", h.voiceWAV("talk.wav", 5), "--voice", "rachel", "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := wav.ReadHeader(f); err != nil {
		t.Fatalf("not a WAV: %v", err)
	}
	if code, _, stderr := h.run("revoice", h.path("talk.wav"), "-o", h.path("x.mp3")); code != ExitUsage || !strings.Contains(stderr, "--voice") {
		t.Errorf("no voice: exit %d: %s", code, stderr)
	}
}

func TestStemsWritesEachStemLinkedToItsSource(t *testing.T) {
	h := newHarness(t)
	dir := h.path("stems")
	code, _, stderr := h.run("stems", h.voiceWAV("song.wav", 6), "-o", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{"bass.mp3", "drums.mp3", "guitar.mp3", "other.mp3", "piano.mp3", "vocals.mp3"}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		isMP3(t, filepath.Join(dir, e.Name()))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("files %v, want %v", got, want)
	}

	lib, err := storage.Open(context.Background(), h.env["POLLINATIONS_STUDIO_DATA"])
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	page, err := lib.Search(context.Background(), storage.Query{Kinds: []storage.Kind{storage.KindRecording}})
	if err != nil || len(page.Items) != 1 || page.Items[0].Prompt != "song.wav" {
		t.Fatalf("the source item: %+v %v", page.Items, err)
	}
	stems, err := lib.Children(context.Background(), page.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range stems {
		if s.Relation != jobs.RelationStem {
			t.Errorf("relation %q", s.Relation)
		}
		names = append(names, stemOf(s)+".mp3")
		b, _ := os.ReadFile(filepath.Join(dir, stemOf(s)+".mp3"))
		m, _ := os.ReadFile(s.MediaPath)
		if !bytes.Equal(b, m) {
			t.Errorf("%s differs from its library item", stemOf(s))
		}
	}
	sort.Strings(names)
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("library stems %v", names)
	}

	// Two stems into the same folder, which exists.
	if code, _, stderr := h.run("stems", h.path("song.wav"), "-o", dir, "--two"); code != ExitOK {
		t.Fatalf("two: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "accompaniment.mp3")); err != nil {
		t.Error(err)
	}
}

func TestVoiceToolsRefuseBeforeUploading(t *testing.T) {
	h := newHarness(t)
	short := h.voiceWAV("short.wav", 3)
	big := h.path("big.mp3")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(api.MaxVoiceToolBytes + 1) // sparse
	f.Close()
	notes := h.path("notes.txt")
	os.WriteFile(notes, []byte("hello"), 0o644)
	asFile := h.path("taken")
	os.WriteFile(asFile, []byte("x"), 0o644)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"isolate", short, "-o", h.path("v.mp3")}, "3.0 s long; the voice isolator needs at least 4.6 s"},
		{[]string{"isolate", big, "-o", h.path("v.mp3")}, "up to 50 MB"},
		{[]string{"stems", big, "-o", h.path("s")}, "up to 50 MB"},
		{[]string{"revoice", big, "--voice", "rachel", "-o", h.path("r.mp3")}, "up to 50 MB"},
		{[]string{"stems", notes, "-o", h.path("s")}, "not an audio or video file"},
		{[]string{"stems", short, "-o", asFile}, "is a file, not a folder"},
	} {
		h.sim.ResetRequests()
		code, _, stderr := h.run(c.args...)
		if code != ExitUsage || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d: %s", c.args, code, stderr)
		}
		if n := len(h.sim.Requests()); n != 0 {
			t.Errorf("%v: %d requests reached the service", c.args, n)
		}
	}
	if _, err := os.Stat(h.path("v.mp3")); err == nil {
		t.Error("an output file was written for a refused input")
	}
	if _, err := os.Stat(h.path("s")); err == nil {
		t.Error("the stems folder was created for a refused input")
	}
}

func TestTranscribeIsolateFirst(t *testing.T) {
	h := newHarness(t)
	code, stdout, stderr := h.run("transcribe", h.voiceWAV("talk.wav", 5), "--isolate")
	if code != ExitOK || strings.TrimSpace(stdout) == "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var paths []string
	for _, r := range h.sim.Requests() {
		paths = append(paths, r.Path)
	}
	if strings.Join(paths, " ") != "/v1/audio/voice-isolator /v1/audio/transcriptions" {
		t.Errorf("requests %v", paths)
	}
	h.sim.ResetRequests()
	if code, _, stderr := h.run("transcribe", h.voiceWAV("short.wav", 3), "--isolate"); code != ExitUsage || !strings.Contains(stderr, "at least 4.6 s") {
		t.Errorf("short: exit %d: %s", code, stderr)
	}
	if n := len(h.sim.Requests()); n != 0 {
		t.Errorf("%d requests for a refused file", n)
	}
}

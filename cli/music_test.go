package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// mp3Length decodes a whole MP3 file and returns its length in seconds.
func mp3Length(t *testing.T, path string) float64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not an MP3: %v", path, err)
	}
	n, err := io.Copy(io.Discard, d)
	if err != nil {
		t.Fatalf("%s does not decode: %v", path, err)
	}
	return float64(n) / 4 / float64(d.SampleRate())
}

func TestMusicAndSoundWriteRealMP3AndLibraryItems(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		out  string
		kind string
		secs float64
	}{
		{[]string{"music", "a calm piano loop", "--duration", "4", "--instrumental"}, "piano.mp3", "music", 4},
		{[]string{"music", "a short jingle", "--model", "stable-audio-3", "--duration", "2"}, "jingle.mp3", "music", 2},
		{[]string{"sound", "glass breaking", "--duration", "1.5", "--loop"}, "glass.mp3", "sound", 1.5},
	} {
		out := h.path(tc.out)
		code, _, stderr := h.run(append(tc.args, "-o", out)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr)
		}
		if got := mp3Length(t, out); got < tc.secs || got > tc.secs+0.03 {
			t.Errorf("%v: %.3f s, want %.1f", tc.args, got, tc.secs)
		}
		if !strings.Contains(stderr, "saved to the library as item") {
			t.Errorf("%v: %s", tc.args, stderr)
		}
		code, stdout, _ := h.run("library", "list", "--kind", tc.kind, "--json")
		if code != ExitOK || !strings.Contains(stdout, tc.args[1]) {
			t.Fatalf("%v: not in the library as %s: %s", tc.args, tc.kind, stdout)
		}
	}
	// Each kind holds only its own.
	_, stdout, _ := h.run("library", "list", "--kind", "sound", "--json")
	var items []map[string]any
	if err := json.Unmarshal([]byte(stdout), &items); err != nil || len(items) != 1 || items[0]["hosted_url"] == "" || items[0]["hosted_url"] == nil {
		t.Fatalf("sound items: %v %s", err, stdout)
	}
}

func TestMusicUsageErrors(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{
		{"music", "no output"},
		{"music", "-o", h.path("x.mp3")},
		{"music", "too long", "--duration", "400", "-o", h.path("x.mp3")},
		{"sound", "too long", "--duration", "31", "-o", h.path("x.mp3")},
		{"music", "lyria takes no length", "--model", "lyria-3-clip-preview", "--duration", "30", "-o", h.path("x.mp3")},
	} {
		if code, _, stderr := h.run(args...); code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d, want %d: %s", args, code, ExitUsage, stderr)
		}
	}
	if _, err := os.Stat(h.path("x.mp3")); err == nil {
		t.Error("a refused request left a file")
	}
	// A refusal from the service is an API error (3), and leaves no file.
	h.env["POLLINATIONS_API_KEY"] = h.sim.Key("exhausted")
	if code, _, stderr := h.run("music", "no pollen", "--duration", "3", "-o", h.path("y.mp3")); code != ExitAPI {
		t.Errorf("no pollen: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(h.path("y.mp3")); err == nil {
		t.Error("a refused generation left a file")
	}
}

func TestMusicPlaysWhileDownloading(t *testing.T) {
	needPulse(t)
	h := newHarness(t)
	out := h.path("played.mp3")
	if code, _, stderr := h.run("sound", "a bell", "--duration", "1", "-o", out, "--play"); code != ExitOK {
		t.Fatalf("sound --play: %d %s", code, stderr)
	}
	if got := mp3Length(t, out); got < 1 {
		t.Fatalf("the clip must be saved too: %.2f s", got)
	}
}

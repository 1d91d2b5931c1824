package cli

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"pollinations-studio/audio"
	"pollinations-studio/audio/sinklock"
)

// needPulse skips outside CI when no PulseAudio server runs (scripts/test.sh starts one), and
// holds the sink for the test.
func needPulse(t *testing.T) {
	t.Helper()
	if os.Getenv("PULSE_SERVER") == "" || exec.Command("pactl", "info").Run() != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run with a PulseAudio server (scripts/test.sh starts one)")
		}
		t.Skip("no PulseAudio server")
	}
	// The audio package's loopback tests record the same sink's monitor.
	unlock, err := sinklock.Lock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
}

func TestDevicesRecordAndPlay(t *testing.T) {
	needPulse(t)
	h := newHarness(t)
	code, stdout, stderr := h.run("devices")
	if code != ExitOK || !strings.Contains(stdout, "playback") || !strings.Contains(stdout, "capture") {
		t.Fatalf("devices: %d %s %s", code, stdout, stderr)
	}
	wav := h.path("rec.wav")
	if code, _, stderr := h.run("record", "-o", wav, "--seconds", "1"); code != ExitOK {
		t.Fatalf("record: %d %s", code, stderr)
	}
	info, err := audio.Probe(wav)
	if err != nil || info.Duration < 0.5 || info.Duration > 1.5 || info.SampleRate != 16000 {
		t.Fatalf("recording: %+v %v", info, err)
	}
	if code, _, stderr := h.run("play", wav); code != ExitOK {
		t.Fatalf("play: %d %s", code, stderr)
	}
	bad := h.path("bad.mp3")
	os.WriteFile(bad, []byte("this is not audio at all"), 0o644)
	if code, _, stderr := h.run("play", bad); code == ExitOK || stderr == "" {
		t.Fatalf("a corrupt file must fail with a message: %d %q", code, stderr)
	}
}

func TestSpeakPlaysWhileDownloading(t *testing.T) {
	needPulse(t)
	h := newHarness(t)
	out := h.path("spoken.mp3")
	code, _, stderr := h.run("speak", "Hello from the command line.", "-o", out, "--play")
	if code != ExitOK {
		t.Fatalf("speak --play: %d %s", code, stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Size() < 1000 {
		t.Fatalf("the clip must be saved too: %v", err)
	}
}

package main

import (
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/audio/sinklock"
)

// appTags are the app's build tags: scripts/test.sh passes its own (scripts/lib.sh holds them),
// so the binary tested is built like the one people run.
func appTags() string {
	if t := os.Getenv("STUDIO_APP_TAGS"); t != "" {
		return t
	}
	return "migrated_fynedo,no_emoji"
}

// TestRealWindow builds the app, opens it in demo mode on the X server that scripts/test.sh
// starts (Xvfb), takes a screenshot and checks a window was really drawn.
func TestRealWindow(t *testing.T) {
	if os.Getenv("STUDIO_E2E") == "" || os.Getenv("DISPLAY") == "" {
		t.Skip("needs the X server and tools that scripts/test.sh provides (STUDIO_E2E=1, DISPLAY)")
	}
	if testing.Short() {
		t.Skip("long test")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pollinations-studio")
	build := exec.Command("go", "build", "-tags", appTags(), "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	app := exec.Command(bin, "--demo", "--data-dir", filepath.Join(dir, "data"))
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { app.Process.Kill(); app.Wait() }()
	shot := filepath.Join(dir, "shot.png")
	var img image.Image
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if err := exec.Command("import", "-window", "root", shot).Run(); err != nil {
			continue
		}
		f, err := os.Open(shot)
		if err != nil {
			continue
		}
		img, _, err = image.Decode(f)
		f.Close()
		if err == nil && colours(img) > 50 {
			return // the window is drawn: text, icons and the accent colour
		}
	}
	t.Fatalf("no window was drawn within 30 s (last screenshot had %d colours)", colours(img))
}

// colours counts distinct colours in a sample of the picture.
func colours(img image.Image) int {
	if img == nil {
		return 0
	}
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}

// TestSpeechHeardOnTheSink plays speech with the app's own binary (streamed from the simulator
// while it downloads) and records the PulseAudio null sink's monitor: the recording must not
// be silence.
func TestSpeechHeardOnTheSink(t *testing.T) {
	if os.Getenv("STUDIO_E2E") == "" || os.Getenv("PULSE_SERVER") == "" {
		t.Skip("needs the PulseAudio server that scripts/test.sh starts (STUDIO_E2E=1, PULSE_SERVER)")
	}
	holdSink(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "pollinations-studio")
	if out, err := exec.Command("go", "build", "-tags", appTags(), "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	simCmd := exec.Command(bin, "sim", "--addr", "127.0.0.1:0", "--fast")
	stdout, _ := simCmd.StdoutPipe()
	if err := simCmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { simCmd.Process.Kill(); simCmd.Wait() }()
	buf := make([]byte, 4096)
	var printed string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && strings.Count(printed, "\n") < 3; {
		n, err := stdout.Read(buf)
		printed += string(buf[:n])
		if err != nil {
			break
		}
	}
	lines := strings.Split(printed, "\n")
	var key string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "secret" {
			key = f[1]
		}
	}
	if key == "" {
		t.Fatalf("the simulator printed no secret key: %q", printed)
	}
	rec := filepath.Join(dir, "monitor.wav")
	parec := exec.Command("parec", "--device=vsink.monitor", "--file-format=wav", "--rate=16000", "--channels=1", rec)
	if err := parec.Start(); err != nil {
		t.Fatalf("parec: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	speak := exec.Command(bin, "--data-dir", filepath.Join(dir, "data"), "speak", "Hello from Pollinations Studio, can you hear me?", "--play")
	speak.Env = append(os.Environ(), "POLLINATIONS_BASE_URL="+strings.TrimSpace(lines[0]), "POLLINATIONS_API_KEY="+key)
	if out, err := speak.CombinedOutput(); err != nil {
		t.Fatalf("speak --play: %v\n%s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	parec.Process.Signal(os.Interrupt)
	parec.Wait()
	if loud := loudSamples(t, rec); loud < 1000 {
		t.Fatalf("the sink's monitor heard (nearly) silence: %d loud samples", loud)
	}
}

// TestWindowSpeechHeardOnTheSink opens the window (built with the measure tag) in demo mode
// under Xvfb, has it speak from its Speech page (POLLINATIONS_STUDIO_MEASURE=speak presses
// Speak as a person would), and
// records PulseAudio's null-sink monitor meanwhile: what the window played must be heard.
func TestWindowSpeechHeardOnTheSink(t *testing.T) {
	if os.Getenv("STUDIO_E2E") == "" || os.Getenv("PULSE_SERVER") == "" || os.Getenv("DISPLAY") == "" {
		t.Skip("needs the X server and PulseAudio server that scripts/test.sh starts (STUDIO_E2E=1, DISPLAY, PULSE_SERVER)")
	}
	holdSink(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "pollinations-studio")
	// The run that presses Speak lives in the measuring build (ui/internal/measure).
	if out, err := exec.Command("go", "build", "-tags", appTags()+",measure", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	rec := filepath.Join(dir, "monitor.wav")
	parec := exec.Command("parec", "--device=vsink.monitor", "--file-format=wav", "--rate=16000", "--channels=1", rec)
	if err := parec.Start(); err != nil {
		t.Fatalf("parec: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	app := exec.Command(bin, "--demo", "--data-dir", filepath.Join(dir, "data"))
	app.Env = append(os.Environ(), "POLLINATIONS_STUDIO_MEASURE=speak")
	var stderr strings.Builder
	app.Stderr = &stderr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the window ended with %v:\n%s", err, stderr.String())
		}
	case <-time.After(90 * time.Second):
		app.Process.Kill()
		t.Fatalf("the window did not finish speaking within 90 s:\n%s", stderr.String())
	}
	time.Sleep(300 * time.Millisecond)
	parec.Process.Signal(os.Interrupt)
	parec.Wait()
	if !strings.Contains(stderr.String(), "MEASURE speak played true") {
		t.Fatalf("the window did not report playing the speech:\n%s", stderr.String())
	}
	if loud := loudSamples(t, rec); loud < 1000 {
		t.Fatalf("the sink's monitor heard (nearly) silence from the window: %d loud samples", loud)
	}
}

// holdSink keeps other packages' tests (audio's loopback) off the null sink while this test
// plays into it and records its monitor.
func holdSink(t *testing.T) {
	t.Helper()
	unlock, err := sinklock.Lock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
}

// loudSamples counts the samples of a 16-bit WAV above about -30 dBFS.
func loudSamples(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || len(data) < 44+16000 {
		t.Fatalf("recording: %v (%d bytes)", err, len(data))
	}
	loud := 0
	for i := 44; i+1 < len(data); i += 2 {
		v := int16(uint16(data[i]) | uint16(data[i+1])<<8)
		if v > 1000 || v < -1000 {
			loud++
		}
	}
	return loud
}

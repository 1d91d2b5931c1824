package main

import (
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

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
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	app := exec.Command(bin, "--demo", "--data-dir", filepath.Join(dir, "data"))
	app.Env = append(os.Environ(), "POLLINATIONS_STUDIO_PAGE=image")
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

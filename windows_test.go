package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pollinations-studio/storage"
)

// wineRun is the Windows build of the command line under Wine, in one Wine prefix.
type wineRun struct {
	t      *testing.T
	exe    string   // the console .exe
	prefix string   // WINEPREFIX
	env    []string // the environment of every run
}

// winPath is the Windows name of a file under the prefix's C: drive.
func (w *wineRun) winPath(rel string) string { return `C:\` + strings.ReplaceAll(rel, "/", `\`) }

// unixPath is where that file is on this machine.
func (w *wineRun) unixPath(rel string) string { return filepath.Join(w.prefix, "drive_c", rel) }

func (w *wineRun) cmd(args ...string) *exec.Cmd {
	c := exec.Command("wine", append([]string{w.exe}, args...)...)
	c.Env = w.env
	// A Wine helper started on the way (its desktop process, say) inherits the output pipes
	// and outlives the .exe: once the .exe has exited, its output is not waited for long.
	c.WaitDelay = 10 * time.Second
	return c
}

// run runs the .exe to the end and fails the test unless it exits 0.
func (w *wineRun) run(args ...string) string {
	w.t.Helper()
	for try := 1; ; try++ {
		var out, errb strings.Builder
		c := w.cmd(args...)
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		if err == nil || errors.Is(err, exec.ErrWaitDelay) {
			return out.String()
		}
		// The program says why on every failure; a failure with no word at all is Wine's
		// own start of the process (seen once among this stop's runs, on the first command):
		// tried once more, and said.
		if try == 1 && out.Len() == 0 && errb.Len() == 0 {
			w.t.Logf("%s: %v with no output: Wine did not start it; once more", strings.Join(args, " "), err)
			continue
		}
		w.t.Fatalf("%s: %v\n%s\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
}

// wineUp starts the prefix's wineserver, kept running until the test ends, and its services
// (wineboot) with no output of ours: started by a test's own command instead, they would
// inherit its output pipes and hold them open long after it exited.
func wineUp(t *testing.T, env []string) {
	t.Helper()
	srv := exec.Command("wineserver", "-p")
	srv.Env = env
	srv.Run() // fails when one already runs for the prefix: that one is used
	boot := exec.Command("wine", "wineboot")
	boot.Env = env
	if err := boot.Run(); err != nil {
		t.Fatalf("wineboot: %v", err)
	}
	t.Cleanup(func() {
		c := exec.Command("wineserver", "-k")
		c.Env = env
		c.Run()
	})
}

type listed struct {
	ID     int64
	Kind   string
	Prompt string
}

func (w *wineRun) items(args ...string) []listed {
	w.t.Helper()
	var its []listed
	out := w.run(append(args, "library", "list", "--json")...)
	if err := json.Unmarshal([]byte(out), &its); err != nil {
		w.t.Fatalf("library list --json: %v\n%s", err, out)
	}
	return its
}

// TestWindowsCommandLine runs the Windows build's command line under Wine against the
// simulator (the .exe's own `sim`): every generation writes a real file on C:, the library
// lives under %APPDATA%, an archive made on Linux imports on Windows and back, and a process
// killed while it writes leaves a library that still opens.
func TestWindowsCommandLine(t *testing.T) {
	if os.Getenv("STUDIO_WINE") == "" {
		t.Skip("needs Wine, the Windows build and a prefix with the ProcessPrng stand-in: scripts/build-windows.sh --test (STUDIO_WINE=1)")
	}
	exe, prefix := os.Getenv("STUDIO_WINDOWS_EXE"), os.Getenv("WINEPREFIX")
	if exe == "" || prefix == "" {
		t.Fatal("STUDIO_WINDOWS_EXE and WINEPREFIX must name the .exe and the Wine prefix")
	}
	rel := fmt.Sprintf("studio-test-%d", os.Getpid())
	w := &wineRun{t: t, exe: exe, prefix: prefix}
	t.Cleanup(func() { os.RemoveAll(w.unixPath(rel)) })
	if err := os.MkdirAll(w.unixPath(rel), 0o755); err != nil {
		t.Fatal(err)
	}
	base := append(os.Environ(), "WINEDEBUG=-all", "POLLINATIONS_API_KEY=", "POLLINATIONS_STUDIO_DATA=")
	w.env = base
	wineUp(t, base)

	// The library's default place is %APPDATA%, with a drive letter and backslashes.
	if p := strings.TrimSpace(w.run("library", "path")); !strings.HasPrefix(p, `C:\`) || !strings.HasSuffix(p, `\AppData\Roaming\pollinations-studio`) {
		t.Errorf("library path on Windows is %q, want C:\\users\\…\\AppData\\Roaming\\pollinations-studio", p)
	}

	// The simulator, as the Windows build runs it.
	sim := w.cmd("sim", "--addr", "127.0.0.1:0", "--fast")
	stdout, err := sim.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Process.Kill(); sim.Wait() })
	var url, key string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && (url == "" || key == "") {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 1 && strings.HasPrefix(f[0], "http://"):
			url = f[0]
		case len(f) == 2 && f[0] == "secret":
			key = f[1]
		}
	}
	if url == "" || key == "" {
		t.Fatalf("the simulator under Wine did not start (url %q)", url)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	data := rel + "/library"
	w.env = append(base, "POLLINATIONS_BASE_URL="+url, "POLLINATIONS_ENTER_URL="+url,
		"POLLINATIONS_API_KEY="+key, "POLLINATIONS_STUDIO_DATA="+w.winPath(data))

	// Each command makes a real file.
	w.run("image", "a red fox in snow", "-o", w.winPath(rel+"/fox.png"))
	if reply := w.run("text", "say hello"); strings.TrimSpace(reply) == "" {
		t.Error("text printed no reply")
	}
	w.run("speak", "hello from Windows", "-o", w.winPath(rel+"/hello.mp3"))
	if tr := w.run("transcribe", w.winPath(rel+"/hello.mp3")); strings.TrimSpace(tr) == "" {
		t.Error("transcribe printed nothing")
	}
	// The service sends JPEG for the default model: fox.png must hold a PNG all the same.
	if f, err := os.Open(w.unixPath(rel + "/fox.png")); err == nil {
		if _, format, err := image.DecodeConfig(f); err != nil || format != "png" {
			t.Errorf("fox.png holds %q (%v), want png", format, err)
		}
		f.Close()
	}
	for _, f := range []string{"fox.png", "hello.mp3"} {
		if st, err := os.Stat(w.unixPath(rel + "/" + f)); err != nil || st.Size() < 100 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if n := len(w.items()); n != 4 {
		t.Errorf("the library lists %d items after image, text, speak and transcribe, want 4", n)
	}
	if out := w.run("library", "search", "fox"); !strings.Contains(out, "a red fox in snow") {
		t.Errorf("library search fox:\n%s", out)
	}
	if _, err := os.Stat(w.unixPath(data + "/library.db")); err != nil {
		t.Errorf("the library is not where POLLINATIONS_STUDIO_DATA says: %v", err)
	}

	// An archive made on Windows: zip names with forward slashes, no drive letters.
	w.run("library", "export", "-o", w.winPath(rel+"/win.zip"))
	checkArchiveNames(t, w.unixPath(rel+"/win.zip"))

	// An archive made on Linux (by the Windows build's twin: the same code, built for Linux)
	// imports on Windows, and the Windows archive imports on Linux.
	linux := buildLinux(t)
	ldir := t.TempDir()
	lenv := append(os.Environ(), "POLLINATIONS_BASE_URL="+url, "POLLINATIONS_ENTER_URL="+url,
		"POLLINATIONS_API_KEY="+key, "POLLINATIONS_STUDIO_DATA="+filepath.Join(ldir, "library"))
	runLinux(t, lenv, linux, "image", "a lighthouse made on linux", "-o", filepath.Join(ldir, "house.png"))
	runLinux(t, lenv, linux, "library", "export", "-o", w.unixPath(rel+"/linux.zip"))
	checkArchiveNames(t, w.unixPath(rel+"/linux.zip"))
	w.run("library", "import", w.winPath(rel+"/linux.zip"))
	if out := w.run("library", "search", "lighthouse"); !strings.Contains(out, "a lighthouse made on linux") {
		t.Errorf("the Linux archive did not import on Windows:\n%s", out)
	}
	runLinux(t, lenv, linux, "library", "import", w.unixPath(rel+"/win.zip"))
	if out := runLinux(t, lenv, linux, "library", "search", "fox"); !strings.Contains(out, "a red fox in snow") {
		t.Errorf("the Windows archive did not import on Linux:\n%s", out)
	}

	// Killed while it writes: the library still opens and lists what it had, each time.
	before := len(w.items())
	for i := 0; i < 3; i++ {
		c := w.cmd("image", fmt.Sprintf("a fox number %d", i), "-o", w.winPath(fmt.Sprintf("%s/kill%d.png", rel, i)))
		errPipe, err := c.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill once it has started generating (its first progress line).
		bufio.NewReader(errPipe).ReadString('\n')
		c.Process.Kill() // SIGKILL
		c.Wait()
		after := len(w.items())
		if after < before {
			t.Fatalf("kill %d: the library lists %d items, had %d", i, after, before)
		}
		before = after
	}
	w.run("library", "list")
	had := checkWhole(t, w.unixPath(data), 0, 1<<30)

	// Killed in the middle of an import, at three points: a quarter and half of the media in,
	// and all of them (the rows are being written). Each time the library passes
	// SQLite's integrity check, each item's media file is whole (its content matches its
	// name, the SHA-256), and the items are those of before plus at most the whole archive;
	// the import run again to its end then adds exactly what is missing.
	big, n := bigArchive(t, w.unixPath(rel+"/big.zip"))
	mediaDir := filepath.Join(w.unixPath(data), "media")
	landed := 0
	media0 := countMedia(mediaDir)
	for _, at := range []int{n / 4, n / 2, n} {
		c := w.cmd("library", "import", w.winPath(rel+"/big.zip"))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		var err error
	wait:
		for {
			select {
			case err = <-done:
				break wait
			default:
			}
			if countMedia(mediaDir)-media0 >= at {
				c.Process.Kill() // SIGKILL
				err = <-done
				break
			}
			time.Sleep(5 * time.Millisecond) // polling the folder the import writes to
		}
		if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
			landed++
		}
		t.Logf("import killed at %d of %d media: %v", countMedia(mediaDir)-media0, n, err)
		checkWhole(t, w.unixPath(data), had, had+big)
	}
	if landed == 0 {
		t.Error("no kill landed while the import ran: every import finished first")
	}
	w.run("library", "import", w.winPath(rel+"/big.zip"))
	checkWhole(t, w.unixPath(data), had+big, had+big)
	w.run("library", "list")

	// No display: the window says why it cannot open, with no Go panic, and exits 1.
	// (STUDIO_NO_DISPLAY is set whether or not this machine has a DISPLAY: without it, Wine
	// would start its desktop process, which outlives the .exe.)
	nd := w.cmd("--demo")
	nd.Env = []string{"STUDIO_NO_DISPLAY=1"}
	for _, e := range w.env {
		if !strings.HasPrefix(e, "DISPLAY=") && !strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			nd.Env = append(nd.Env, e)
		}
	}
	out, err := nd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 ||
		!strings.Contains(string(out), "could not open its window") || strings.Contains(string(out), "goroutine ") {
		t.Errorf("--demo without a display under Wine: %v\n%s", err, out)
	}
}

func checkArchiveNames(t *testing.T, zipPath string) {
	t.Helper()
	out, err := exec.Command("unzip", "-Z1", zipPath).Output()
	if err != nil {
		t.Fatalf("unzip -Z1 %s: %v", zipPath, err)
	}
	for _, n := range strings.Fields(string(out)) {
		if strings.Contains(n, `\`) || strings.Contains(n, ":") || strings.HasPrefix(n, "/") {
			t.Errorf("%s holds %q, an OS path", filepath.Base(zipPath), n)
		}
	}
	m, err := exec.Command("unzip", "-p", zipPath, "manifest.json").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(m), `C:\\`) || strings.Contains(string(m), "/tmp/") {
		t.Errorf("%s's manifest names a path of the machine that made it", filepath.Base(zipPath))
	}
}

func buildLinux(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pollinations-studio")
	if out, err := exec.Command("go", "build", "-tags", appTags(), "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func runLinux(t *testing.T, env []string, bin string, args ...string) string {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Env = env
	out, err := c.Output()
	if err != nil {
		t.Fatalf("linux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// bigArchive writes a library export with enough media (a few MB each) and rows (more than one
// import batch) that importing it takes a while under Wine. It returns how many items and
// media files it holds.
func bigArchive(t *testing.T, zipPath string) (items, media int) {
	t.Helper()
	ctx := context.Background()
	lib, err := storage.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	const pictures, texts = 24, 700
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(0, 0, 800, 800))
	for i := range pictures {
		for j := range img.Pix {
			img.Pix[j] = uint8(rng.Uint32())
		}
		img.Set(0, 0, color.NRGBA{uint8(i), 0, 0, 255})
		var buf strings.Builder
		// Stored, not deflated: noise does not compress, and the test need not wait for it.
		if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		hash, err := lib.PutMedia(ctx, strings.NewReader(buf.String()), ".png")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lib.AddItem(ctx, &storage.Item{Kind: storage.KindImage, Prompt: fmt.Sprintf("noise %d", i),
			MediaHash: hash, ContentType: "image/png", Width: 800, Height: 800}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range texts {
		if _, err := lib.AddItem(ctx, &storage.Item{Kind: storage.KindText, Prompt: fmt.Sprintf("line %d", i), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.Export(ctx, nil, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return pictures + texts, pictures
}

// countMedia counts the finished media files under a library's media folder (not the
// temporary ones an import writes first).
func countMedia(dir string) int {
	n := 0
	subs, _ := os.ReadDir(dir)
	for _, s := range subs {
		if !s.IsDir() {
			continue
		}
		files, _ := os.ReadDir(filepath.Join(dir, s.Name()))
		for _, f := range files {
			if !strings.HasPrefix(f.Name(), ".") {
				n++
			}
		}
	}
	return n
}

// checkWhole opens the library the Windows build wrote (after its process is gone) and checks
// it: SQLite's integrity check, every item's media present and matching its SHA-256 name, and
// between lo and hi items. It returns how many there are.
func checkWhole(t *testing.T, dir string, lo, hi int) int {
	t.Helper()
	ctx := context.Background()
	lib, err := storage.Open(ctx, dir)
	if err != nil {
		t.Fatalf("the library does not open: %v", err)
	}
	defer lib.Close()
	if err := lib.IntegrityCheck(ctx); err != nil {
		t.Fatalf("integrity check: %v", err)
	}
	ids, err := lib.IDs(ctx, storage.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < lo || len(ids) > hi {
		t.Errorf("the library has %d items, want %d to %d", len(ids), lo, hi)
	}
	for _, id := range ids {
		it, err := lib.Item(ctx, id)
		if err != nil {
			t.Fatalf("item %d: %v", id, err)
		}
		if it.MediaHash == "" || it.Missing {
			continue
		}
		data, err := os.ReadFile(lib.MediaPath(it.MediaHash))
		if err != nil {
			t.Errorf("item %d (%s): %v", id, it.Prompt, err)
			continue
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != it.MediaHash[:64] {
			t.Errorf("item %d (%s): its media file is not whole (%d bytes)", id, it.Prompt, len(data))
		}
	}
	return len(ids)
}

// TestWindowsInstaller installs the NSIS installer silently (/S) under Wine, runs the installed
// command line, and uninstalls: the program, its shortcuts and its Apps & features entry go,
// the user's library under %APPDATA% stays.
func TestWindowsInstaller(t *testing.T) {
	setup, prefix := os.Getenv("STUDIO_WINDOWS_SETUP"), os.Getenv("WINEPREFIX")
	if os.Getenv("STUDIO_WINE") == "" || setup == "" {
		t.Skip("needs Wine and the installer: scripts/build-windows.sh --test (STUDIO_WINE=1, STUDIO_WINDOWS_SETUP)")
	}
	env := append(os.Environ(), "WINEDEBUG=-all", "POLLINATIONS_API_KEY=", "POLLINATIONS_STUDIO_DATA=")
	wineUp(t, env)
	wine := func(args ...string) string {
		t.Helper()
		c := exec.Command("wine", args...)
		c.Env = env
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("wine %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	drive := filepath.Join(prefix, "drive_c")
	dir := filepath.Join(drive, "Program Files", "Pollinations Studio")
	startMenu := filepath.Join(drive, "ProgramData", "Microsoft", "Windows", "Start Menu", "Programs", "Pollinations Studio")
	desktop := filepath.Join(drive, "users", "Public", "Desktop", "Pollinations Studio.lnk")
	uninstKey := `HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\PollinationsStudio`
	appPathsKey := `HKLM\Software\Microsoft\Windows\CurrentVersion\App Paths\pollinations-studio.exe`

	wine(setup, "/S") // a silent install returns when it is done
	for _, f := range []string{
		filepath.Join(dir, "Pollinations Studio.exe"), filepath.Join(dir, "pollinations-studio.exe"),
		filepath.Join(dir, "Uninstall.exe"), filepath.Join(startMenu, "Pollinations Studio.lnk"),
		filepath.Join(startMenu, "Uninstall Pollinations Studio.lnk"), desktop,
	} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("not installed: %v", err)
		}
	}
	if reg := wine("reg", "query", uninstKey); !strings.Contains(reg, "DisplayVersion") || !strings.Contains(reg, `C:\Program Files\Pollinations Studio`) {
		t.Errorf("the Apps & features entry:\n%s", reg)
	}
	if reg := wine("reg", "query", appPathsKey); !strings.Contains(reg, `Pollinations Studio\pollinations-studio.exe`) {
		t.Errorf("the App Paths entry:\n%s", reg)
	}
	// The installed command line runs and makes its library under %APPDATA%.
	exe := `C:\Program Files\Pollinations Studio\pollinations-studio.exe`
	libPath := strings.TrimSpace(wine(exe, "library", "path"))
	if !strings.HasSuffix(libPath, `\AppData\Roaming\pollinations-studio`) {
		t.Errorf("library path of the installed program: %q", libPath)
	}
	wine(exe, "library", "list")
	rel := strings.ReplaceAll(strings.TrimPrefix(libPath, `C:\`), `\`, "/")
	db := filepath.Join(drive, rel, "library.db")
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("the installed program made no library: %v", err)
	}

	// The uninstaller hands over to a copy of itself in %TEMP% (so that it can delete itself)
	// and returns at once: wait for the folder to go.
	wine(filepath.Join(dir, "Uninstall.exe"), "/S")
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			break
		}
	}
	for _, f := range []string{dir, startMenu, desktop} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("left after uninstalling: %s (%v)", f, err)
		}
	}
	for _, key := range []string{uninstKey, appPathsKey} {
		c := exec.Command("wine", "reg", "query", key)
		c.Env = env
		if out, err := c.CombinedOutput(); err == nil {
			t.Errorf("left after uninstalling: %s\n%s", key, out)
		}
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("uninstalling took the library: %v", err)
	}
}

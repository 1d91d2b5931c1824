package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	return c
}

// run runs the .exe to the end and fails the test unless it exits 0.
func (w *wineRun) run(args ...string) string {
	w.t.Helper()
	var out, errb strings.Builder
	c := w.cmd(args...)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		w.t.Fatalf("%s: %v\n%s\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
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

	// No display: the window says why it cannot open, with no Go panic, and exits 1.
	nd := w.cmd("--demo")
	for i, e := range nd.Env {
		if strings.HasPrefix(e, "DISPLAY=") || strings.HasPrefix(e, "WAYLAND_DISPLAY=") {
			nd.Env[i] = "STUDIO_NO_DISPLAY=1"
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

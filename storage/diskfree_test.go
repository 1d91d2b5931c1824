package storage

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Where the system can tell free space (Windows through GetDiskFreeSpaceEx), an import is
// checked against it before anything is written; elsewhere only the fixed total bounds it.
func TestFreeSpaceIsKnownOnDesktopSystems(t *testing.T) {
	// os.MkdirTemp and os.Remove rather than t.TempDir: Wine 8 cannot run the RemoveAll of
	// Go 1.26, and this test also runs there (scripts/build-windows.sh --test).
	dir, err := os.MkdirTemp("", "freespace")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(dir)
	free, ok := freeSpace(dir)
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "windows":
		if !ok || free == 0 {
			t.Fatalf("freeSpace on %s: %d bytes, known %v", runtime.GOOS, free, ok)
		}
	default:
		t.Logf("freeSpace on %s: %d bytes, known %v", runtime.GOOS, free, ok)
	}
	if _, ok := freeSpace(filepath.Join(dir, "no", "such", "folder")); ok {
		t.Error("freeSpace of a folder that does not exist says it knows")
	}
}

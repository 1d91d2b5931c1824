package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"pollinations-studio/internal/safename"
	"pollinations-studio/storage"
)

// A stem's name comes from the service: whatever it is, the file stays in the -o folder and is
// a name Windows accepts.
func TestStemFileIsSafe(t *testing.T) {
	for _, c := range []struct{ stem, want string }{
		{"vocals", "vocals.mp3"},
		{"../../evil", "_.._evil.mp3"},
		{`..\..\evil`, "_.._evil.mp3"},
		{"con", "con_.mp3"},
		{"C:\\Windows\\x", "C__Windows_x.mp3"},
		{"bass.", "bass.mp3"},
		{"", "stem-7.mp3"},
	} {
		p, _ := json.Marshal(map[string]string{"stem": c.stem})
		got := stemFile(storage.Item{ID: 7, Params: p})
		if got != c.want {
			t.Errorf("stem %q is saved as %q, want %q", c.stem, got, c.want)
		}
		if err := safename.Check(got); err != nil || filepath.Dir(filepath.Join("out", got)) != "out" {
			t.Errorf("stem %q is saved as %q: %v", c.stem, got, err)
		}
	}
}

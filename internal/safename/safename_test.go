package safename

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestName(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	for _, c := range []struct{ in, want string }{
		{"a red fox", "a red fox"},
		{"  a   red\tfox\n\nin snow  ", "a red fox in snow"},
		{"what? a <cat> on a mat: yes|no*", "what_ a _cat_ on a mat_ yes_no_"},
		{`..\..\Windows\System32`, `_.._Windows_System32`},
		{"../../etc/passwd", "_.._etc_passwd"},
		{"C:\\Users\\x", "C__Users_x"},
		{`say "hi"`, `say _hi_`},
		{"bell\x07 and \x1b[31mred", "bell and [31mred"},
		{"trailing dots...", "trailing dots"},
		{"trailing space . . ", "trailing space"},
		{".hidden", "hidden"},
		{"...", "fallback"},
		{"", "fallback"},
		{"\x00\x01", "fallback"},
		{"CON", "CON_"},
		{"con", "con_"},
		{"Con.txt", "Con_.txt"},
		{"nul.tar.gz", "nul_.tar.gz"},
		{"aux ", "aux_"},
		{"AUX .png", "AUX _.png"},
		{"prn", "prn_"},
		{"COM1", "COM1_"},
		{"lpt9.log", "lpt9_.log"},
		{"COM¹", "COM¹_"},
		{"conin$", "conin$_"},
		{"COM10", "COM10"},
		{"console", "console"},
		{"connect.png", "connect.png"},
		{"日本の猫", "日本の猫"},
		{"rtl\u202eexe.png", "rtlexe.png"},
		{"family 👨\u200d👩\u200d👧", "family 👨\u200d👩\u200d👧"},
		{"bad \xff utf8", "bad _ utf8"},
		{long, strings.Repeat("é", 60)},
	} {
		got := Name(c.in, "fallback")
		if got != c.want {
			t.Errorf("Name(%q) = %q, want %q", c.in, got, c.want)
		}
		if err := Check(got); err != nil {
			t.Errorf("Name(%q) = %q fails Check: %v", c.in, got, err)
		}
	}
	if got := Name("", "???"); got != "___" {
		t.Errorf("a fallback is made safe too: got %q", got)
	}
	if got := Name("", ""); got != "file" {
		t.Errorf("nothing at all gives %q, want file", got)
	}
}

func TestFile(t *testing.T) {
	for _, c := range []struct{ stem, ext, want string }{
		{"a red fox", ".png", "a red fox.png"},
		{"con", ".png", "con_.png"},
		{"LPT1", ".wav", "LPT1_.wav"},
		{"ends in a dot.", ".mp3", "ends in a dot.mp3"},
		{"", ".mp3", "stem.mp3"},
		{"vocals", "", "vocals"},
		{"vocals", ".m/p3", "vocals"},
		{"vocals", "mp3", "vocals"},
		{"vocals", ".exe.", "vocals"},
		{strings.Repeat("a", 300), ".jpeg", strings.Repeat("a", MaxBytes-5) + ".jpeg"},
		{strings.Repeat("ü", 300), ".png", strings.Repeat("ü", (MaxBytes-4)/2) + ".png"},
	} {
		got := File(c.stem, c.ext, "stem")
		if got != c.want {
			t.Errorf("File(%q, %q) = %q, want %q", c.stem, c.ext, got, c.want)
		}
		if err := Check(got); err != nil {
			t.Errorf("File(%q, %q) = %q fails Check: %v", c.stem, c.ext, got, err)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	for _, name := range []string{
		"", ".", "..", "a/b", `a\b`, "a:b", "a?", "a*", "a<b>", `a"b`, "a|b", "a\x00b", "a\nb",
		"CON", "con.txt", "Nul.tar.gz", "COM3", "lpt1.png", "AUX .x", "COM¹", "name.", "name ",
		"\xff", strings.Repeat("x", 256),
	} {
		if Check(name) == nil {
			t.Errorf("Check(%q) accepted it", name)
		}
	}
	for _, name := range []string{"a", "a b.png", "console.log", "COM10", "日本.txt", ".hidden"} {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v", name, err)
		}
	}
}

// Whatever the text, the name is accepted everywhere, stays in its folder, is never longer
// than MaxBytes, and making it again changes nothing.
func FuzzName(f *testing.F) {
	for _, s := range []string{"", "a red fox", "con", "Con.txt", "../x", "a. . .", "\x00", "COM¹.x", "\xffé"} {
		f.Add(s, ".png")
	}
	f.Fuzz(func(t *testing.T, s, ext string) {
		for _, got := range []string{Name(s, "x"), File(s, ext, "x")} {
			if err := Check(got); err != nil {
				t.Fatalf("%q gave %q: %v", s, got, err)
			}
			if len(got) > MaxBytes || !utf8.ValidString(got) {
				t.Fatalf("%q gave %q (%d bytes)", s, got, len(got))
			}
			if filepath.Base(filepath.Join("dir", got)) != got || filepath.Dir(filepath.Join("dir", got)) != "dir" {
				t.Fatalf("%q gave %q, which leaves its folder", s, got)
			}
		}
		if n := Name(s, "x"); Name(n, "y") != n {
			t.Fatalf("Name is not stable: %q → %q → %q", s, n, Name(n, "y"))
		}
	})
}

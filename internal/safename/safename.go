// Package safename turns text that did not come from a file system (a prompt, a name a server
// sent) into a file name that Windows, macOS and Linux all accept and that stays inside the
// folder it is joined to. Windows is the strictest of the three: it refuses the device names
// (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with any extension), names ending in a dot or a space,
// the characters <>:"/\|?* and control characters.
package safename

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes bounds a name made here, extension included: far below the 255 bytes (ext4) or 255
// UTF-16 units (NTFS) a component may have, so that a suffix such as " (2)" still fits.
const MaxBytes = 120

// Name makes s one file name: forbidden characters become '_', runs of white space one space,
// leading dots and trailing dots and spaces go, a device name gets a '_' after it, and the
// result is cut to MaxBytes on a character boundary. When nothing is left, fallback (itself
// made safe) is used, and "file" when that is empty too.
func Name(s, fallback string) string {
	if n := clean(s, MaxBytes); n != "" {
		return n
	}
	if n := clean(fallback, MaxBytes); n != "" {
		return n
	}
	return "file"
}

// File is Name(stem)+ext for a stem and an extension such as ".png": the stem is cut so the
// whole fits MaxBytes, and a device name is caught with its extension ("con.png" would be the
// console on Windows). An extension that is not a dot and up to 16 letters or digits is dropped.
func File(stem, ext, fallback string) string {
	if !plainExt(ext) {
		ext = ""
	}
	room := MaxBytes - len(ext)
	n := clean(stem, room)
	if n == "" {
		n = clean(fallback, room)
	}
	if n == "" {
		n = "file"
	}
	return n + ext
}

func plainExt(ext string) bool {
	if len(ext) < 2 || len(ext) > 17 || ext[0] != '.' {
		return false
	}
	for _, r := range ext[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// clean is Name without the fallback: "" when nothing usable is left.
func clean(s string, limit int) string {
	var b strings.Builder
	space := false
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			r = '_' // invalid UTF-8 has no UTF-16 form
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r < 0x20 || r == 0x7f || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) && r != '\u200d':
			continue // control and format characters (bidi overrides) are invisible in a name
		case strings.ContainsRune(`<>:"/\|?*`, r):
			r = '_'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	n := strings.TrimLeft(b.String(), ". ")
	n = trimEnd(cut(n, limit))
	if n == "" {
		return ""
	}
	if reserved(n) {
		// "con.txt" becomes "con_.txt": the device name is the part before the first dot.
		n = cut(n, limit-1)
		base, rest, dot := strings.Cut(n, ".")
		n = base + "_"
		if dot {
			n = trimEnd(n + "." + rest)
		}
	}
	return n
}

// cut shortens s to at most limit bytes without splitting a character.
func cut(s string, limit int) string {
	if limit <= 0 {
		return ""
	}
	if len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// trimEnd removes the trailing dots and spaces Windows drops (so "a." and "a" would collide).
func trimEnd(s string) string { return strings.TrimRight(s, ". ") }

// devices are the names Windows keeps for devices in every folder, whatever the extension.
var devices = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM¹": true, "COM²": true, "COM³": true, "LPT¹": true, "LPT²": true, "LPT³": true,
}

// reserved says whether Windows takes name for a device: its part before the first dot, with
// trailing spaces ignored, is a device name in any case.
func reserved(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	if devices[base] {
		return true
	}
	return len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) &&
		base[3] >= '0' && base[3] <= '9'
}

// Check says why Windows, macOS or Linux would refuse name as one file name, or nil. Names
// made by Name and File always pass.
func Check(name string) error {
	switch {
	case name == "":
		return errors.New("the name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("%q names a folder, not a file", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("%q is not valid text", name)
	case len(name) > 255:
		return fmt.Errorf("the name is %d bytes long, more than 255", len(name))
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		return fmt.Errorf("%q ends in a dot or a space, which Windows drops", name)
	case reserved(name):
		return fmt.Errorf("%q is a device name on Windows", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q has a control character", name)
		}
		if strings.ContainsRune(`<>:"/\|?*`, r) {
			return fmt.Errorf("%q has %q, which Windows does not allow in a name", name, r)
		}
	}
	return nil
}

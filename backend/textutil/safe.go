package textutil

import (
	"strings"
	"unicode/utf8"
)

// StripControls makes text from a server safe to show in a terminal or a label: invalid UTF-8
// becomes U+FFFD; escape sequences (CSI, OSC, DCS and the like, in their 7- and 8-bit forms)
// are removed whole; other C0 and C1 controls, DEL and the characters that change the
// direction of the text that follows (bidi overrides and isolates) are removed. keepLayout
// keeps \n and \t (content); without it they become spaces (one-line messages). \r is always
// removed: it lets a line be printed over.
func StripControls(s string, keepLayout bool) string {
	if isPlain(s, keepLayout) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		switch {
		case r == 0x1b: // ESC
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // 8-bit CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x90 || r == 0x9d || r == 0x98 || r == 0x9e || r == 0x9f: // 8-bit DCS, OSC, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\n' || r == '\t':
			if keepLayout {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case isControl(r) || isBidi(r):
			// dropped
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain is the fast path: nothing to change.
func isPlain(s string, keepLayout bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false // decoded the slow way: C1, bidi, invalid UTF-8
		}
		if c < 0x20 && !(keepLayout && (c == '\n' || c == '\t')) || c == 0x7f {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

func isBidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// skipEscape returns the index after the escape sequence whose ESC ended just before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// ESC, then intermediate bytes (0x20–0x2F), then one final byte.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipCSI skips a control sequence's parameter and intermediate bytes and its final byte.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		i++
		if c >= 0x40 && c <= 0x7e {
			return i
		}
		if c < 0x20 || c > 0x3f {
			return i // not a CSI byte: the sequence is broken; stop here
		}
	}
	return i
}

// skipString skips an OSC/DCS/SOS/PM/APC string up to its terminator (BEL, ESC \ or 8-bit
// ST), or to the end of the text when it has none.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case s[i] == 0x1b:
			return i // another sequence starts: the string ended without its terminator
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}

// Truncate cuts s to at most max characters, ending it with "…" when cut.
func Truncate(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

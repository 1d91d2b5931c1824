package cli

import (
	"io"
	"os"
	"strings"

	"pollinations-studio/backend/textutil"
)

// maxMessage is how much of a message from elsewhere (an error, a server's words) is printed.
const maxMessage = 500

// termMessage makes a message safe to print on one line of a terminal: no control characters
// or escape sequences (a server's message could otherwise clear the screen, retitle the
// window or fake a prompt), and at most maxMessage characters.
func termMessage(s string) string {
	return textutil.Truncate(textutil.StripControls(s, false), maxMessage)
}

// termCell is termMessage for a table cell or a field of library output (already cut to size
// by the caller where it needs to be shorter).
func termCell(s string) string { return textutil.StripControls(s, false) }

// isTerminal reports whether w is a terminal (a character device), not a pipe or a file.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// termText filters streamed content for a terminal: escape sequences and controls other than
// \n and \t are removed, even when a sequence arrives split across pieces (its start is held
// back until its end comes). Written to a pipe or a file, content is not filtered: it is the
// library's text byte for byte.
type termText struct {
	held string
}

// maxHeldEscape bounds what is held back waiting for the end of a sequence.
const maxHeldEscape = 4096

// filter returns what can be printed of s now.
func (t *termText) filter(s string) string {
	s = t.held + s
	t.held = ""
	if i := openEscapeAt(s); i >= 0 && len(s)-i <= maxHeldEscape {
		s, t.held = s[:i], s[i:]
	}
	return textutil.StripControls(s, true)
}

// flush returns what was held back (a sequence never ended is dropped whole).
func (t *termText) flush() string {
	s := t.held
	t.held = ""
	return textutil.StripControls(s, true)
}

// openEscapeAt returns where an escape sequence that has not ended yet starts near the end of
// s, or -1.
func openEscapeAt(s string) int {
	from := max(0, len(s)-maxHeldEscape)
	i := strings.LastIndexAny(s[from:], "\x1b\u009b\u009d\u0090\u0098\u009e\u009f")
	if i < 0 {
		return -1
	}
	i += from
	// The last introducer; a string sequence (OSC…) may hold ESC \ as its end, so look at the
	// one before too.
	if strings.HasPrefix(s[i:], "\x1b\\") {
		return -1
	}
	rest := s[i:]
	switch {
	case rest == "\x1b":
		return i
	case strings.HasPrefix(rest, "\x1b["), strings.HasPrefix(rest, "\u009b"):
		body := strings.TrimPrefix(strings.TrimPrefix(rest, "\x1b["), "\u009b")
		for j := 0; j < len(body); j++ {
			if c := body[j]; c >= 0x40 && c <= 0x7e || c < 0x20 || c > 0x3f {
				return -1 // ended (or broken, which StripControls handles)
			}
		}
		return i
	case strings.HasPrefix(rest, "\x1b]"), strings.HasPrefix(rest, "\x1bP"), strings.HasPrefix(rest, "\x1bX"),
		strings.HasPrefix(rest, "\x1b^"), strings.HasPrefix(rest, "\x1b_"), rest[0] != 0x1b:
		if strings.ContainsAny(rest, "\x07\u009c") {
			return -1
		}
		return i
	}
	return -1
}

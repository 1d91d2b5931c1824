// Package textutil holds text handling the window needs but that is not drawing: splitting a
// Markdown reply around its fenced code blocks, and cutting long text at sentence boundaries.
package textutil

import "strings"

// Part is a run of a Markdown document: prose, or the body of one fenced code block.
type Part struct {
	Code bool
	Lang string // the fence's info string (code only)
	Text string // prose as written; code without its fences
}

// SplitFences cuts Markdown into prose and fenced code blocks (``` or ~~~), so that each block
// can be drawn with its own copy button. A fence still open at the end (a reply still
// streaming) runs to the end, as CommonMark has it.
func SplitFences(md string) []Part {
	var out []Part
	var prose, code []string
	fenceChar, fenceLen := byte(0), 0
	lang := ""
	flushProse := func() {
		if t := strings.Join(prose, "\n"); strings.TrimSpace(t) != "" {
			out = append(out, Part{Text: t})
		}
		prose = nil
	}
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if fenceLen == 0 {
			if c, n := fence(trimmed); n > 0 && indent < 4 && !(c == '`' && strings.ContainsRune(trimmed[n:], '`')) {
				flushProse()
				fenceChar, fenceLen, lang = c, n, strings.TrimSpace(trimmed[n:])
				code = []string{}
				continue
			}
			prose = append(prose, line)
			continue
		}
		if c, n := fence(trimmed); c == fenceChar && n >= fenceLen && indent < 4 && strings.TrimSpace(trimmed[n:]) == "" {
			out = append(out, Part{Code: true, Lang: lang, Text: strings.Join(code, "\n")})
			fenceLen, code = 0, nil
			continue
		}
		code = append(code, line)
	}
	if fenceLen > 0 {
		out = append(out, Part{Code: true, Lang: lang, Text: strings.Join(code, "\n")})
	}
	flushProse()
	return out
}

// fence reports the fence character and run length a line starts with (0 when it is none).
func fence(s string) (byte, int) {
	if len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return 0, 0
	}
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 {
		return 0, 0
	}
	return s[0], n
}

// ChunkProse cuts long prose parts into chunks of about max bytes at paragraph breaks, so that a
// long reply is drawn as several pieces and a growing reply only redraws its last piece. The
// cut is greedy from the start, so the chunks of a text stay the same as more text arrives
// (only the last one grows, or a new one starts). A break is only taken before a paragraph
// that cannot continue the one above (not a list item, quote, table row or indented line), so
// no list or table is split across chunks. Code parts are left whole.
func ChunkProse(parts []Part, max int) []Part {
	out := make([]Part, 0, len(parts))
	for _, p := range parts {
		if p.Code || len(p.Text) <= max {
			out = append(out, p)
			continue
		}
		start, last := 0, 0 // start of the chunk; the last safe break seen in it
		for i := 0; i+2 < len(p.Text); i++ {
			if p.Text[i] != '\n' || p.Text[i+1] != '\n' || !startsParagraph(p.Text[i+2:]) {
				continue
			}
			if i-start > max && last > start {
				out = append(out, Part{Text: p.Text[start:last]})
				start = last + 2
			}
			last = i
		}
		if last > start && len(p.Text)-start > max {
			out = append(out, Part{Text: p.Text[start:last]})
			start = last + 2
		}
		out = append(out, Part{Text: p.Text[start:]})
	}
	return out
}

// startsParagraph reports whether s begins a block that does not continue the one before it.
func startsParagraph(s string) bool {
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case c == ' ' || c == '\t' || c == '\n' || c == '-' || c == '*' || c == '+' || c == '>' || c == '|':
		return false
	case c >= '0' && c <= '9':
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return !(i < len(s) && (s[i] == '.' || s[i] == ')'))
	}
	return true
}

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

package textutil

import (
	"net/url"
	"regexp"
	"strings"
)

// SafeMarkdown rewrites a model's Markdown reply so that showing it loads nothing: an image,
// inline (![alt](url)) or by reference (![alt][ref]), becomes the plain text
// "[image: alt — host]"; a link is kept only when it goes to an http(s) address, any other
// (file:, javascript:, data:, a relative path) becomes its plain text, as do autolinks
// (<scheme:…>) and reference definitions that are not http(s). Code (fenced blocks and code
// spans) is left exactly as written: it is shown, not followed.
func SafeMarkdown(md string) string {
	if !strings.ContainsAny(md, "[<") {
		return md
	}
	var out, para strings.Builder
	flush := func() {
		out.WriteString(rewriteInline(para.String()))
		para.Reset()
	}
	fenceChar, fenceLen := byte(0), 0
	for _, line := range strings.SplitAfter(md, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if fenceLen > 0 {
			out.WriteString(line)
			if indent < 4 {
				if n := runOf(trimmed, fenceChar); n >= fenceLen && strings.TrimSpace(trimmed[n:]) == "" {
					fenceLen = 0
				}
			}
			continue
		}
		if indent < 4 && len(trimmed) > 0 && (trimmed[0] == '`' || trimmed[0] == '~') {
			if n := runOf(trimmed, trimmed[0]); n >= 3 && !(trimmed[0] == '`' && strings.Contains(trimmed[n:], "`")) {
				flush()
				fenceChar, fenceLen = trimmed[0], n
				out.WriteString(line)
				continue
			}
		}
		if m := refDef.FindStringSubmatch(line); m != nil {
			flush()
			if isWebURL(strings.Trim(m[1], "<>")) {
				out.WriteString(line)
			}
			continue // a definition for anything else is dropped: what used it stays plain text
		}
		para.WriteString(line)
	}
	flush()
	return out.String()
}

// refDef matches a link reference definition: [label]: destination.
var refDef = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:[ \t]*(\S*)`)

func runOf(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

// isWebURL reports an absolute http(s) address. It is checked on the text as written:
// Markdown decodes entities and backslash escapes in destinations, and neither can make
// a literal "http://" prefix into another scheme.
func isWebURL(dest string) bool {
	l := strings.ToLower(dest)
	if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
		return false
	}
	u, err := url.Parse(dest)
	return err == nil && u.Host != ""
}

// rewriteInline rewrites the images and links of one run of prose.
func rewriteInline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			b.WriteString(s[i : i+2])
			i += 2
		case c == '`':
			n := runOf(s[i:], '`')
			if end := closingTicks(s, i+n, n); end > 0 {
				b.WriteString(s[i:end])
				i = end
			} else {
				b.WriteString(s[i : i+n])
				i += n
			}
		case c == '!' && i+1 < len(s) && s[i+1] == '[':
			text, dest, end, ok := parseLink(s, i+1)
			if !ok {
				// ![alt] or ![alt][ref]: an image by reference.
				close := matchBracket(s, i+1)
				if close < 0 {
					b.WriteString("![")
					i += 2
					continue
				}
				text, end = s[i+2:close], close+1
				if end < len(s) && s[end] == '[' {
					if c2 := matchBracket(s, end); c2 > 0 {
						end = c2 + 1
					}
				}
			}
			b.WriteString(imagePlaceholder(text, dest))
			i = end
		case c == '[':
			text, dest, end, ok := parseLink(s, i)
			if !ok {
				b.WriteByte('[')
				i++
				continue
			}
			if isWebURL(strings.Trim(dest, "<>")) {
				b.WriteString("[" + rewriteInline(text) + "](" + s[i+len(text)+3:end])
			} else {
				b.WriteString(rewriteInline(text))
			}
			i = end
		case c == '<':
			end := strings.IndexByte(s[i:], '>')
			inner := ""
			if end > 0 {
				inner = s[i+1 : i+end]
			}
			if end > 0 && autolink.MatchString(inner) && !isWebURL(inner) {
				b.WriteString(escapeMarkdown(inner))
				i += end + 1
				continue
			}
			b.WriteByte('<')
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// autolink is CommonMark's URI autolink, and an e-mail autolink.
var autolink = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>@]+)$`)

// closingTicks finds the end of a code span opened by n backticks before i, or -1.
func closingTicks(s string, i, n int) int {
	for i < len(s) {
		j := strings.IndexByte(s[i:], '`')
		if j < 0 {
			return -1
		}
		i += j
		m := runOf(s[i:], '`')
		if m == n {
			return i + m
		}
		i += m
	}
	return -1
}

// matchBracket returns the index of the ] that closes the [ at i, or -1.
func matchBracket(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '`':
			n := runOf(s[j:], '`')
			if end := closingTicks(s, j+n, n); end > 0 {
				j = end - 1
			} else {
				j += n - 1
			}
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// parseLink parses an inline link [text](dest "title") starting at the [ at i; end is the
// index after its ).
func parseLink(s string, i int) (text, dest string, end int, ok bool) {
	close := matchBracket(s, i)
	if close < 0 || close+1 >= len(s) || s[close+1] != '(' {
		return "", "", 0, false
	}
	text = s[i+1 : close]
	j := close + 2
	for j < len(s) && strings.IndexByte(" \t\n\r", s[j]) >= 0 {
		j++
	}
	start := j
	if j < len(s) && s[j] == '<' {
		k := strings.IndexAny(s[j:], ">\n")
		if k < 0 || s[j+k] != '>' {
			return "", "", 0, false
		}
		j += k + 1
	} else {
		depth := 0
	dest:
		for j < len(s) {
			switch c := s[j]; {
			case c == '\\' && j+1 < len(s) && isASCIIPunct(s[j+1]):
				j += 2
				continue
			case c == '(':
				depth++
			case c == ')':
				if depth == 0 {
					break dest
				}
				depth--
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				break dest // other control characters are part of it, as the renderer has it
			}
			j++
		}
	}
	dest = s[start:j]
	// An optional title, then the ) that closes the link.
	for j < len(s) && s[j] != ')' {
		switch s[j] {
		case '"', '\'':
			k := strings.IndexByte(s[j+1:], s[j])
			if k < 0 {
				return "", "", 0, false
			}
			j += k + 2
		case '(':
			k := strings.IndexByte(s[j+1:], ')')
			if k < 0 {
				return "", "", 0, false
			}
			j += k + 2
			// that ) closed the title; the link's own ) must still follow
		case ' ', '\t', '\n', '\r':
			j++
		default:
			return "", "", 0, false
		}
	}
	if j >= len(s) {
		return "", "", 0, false
	}
	return text, dest, j + 1, true
}

// imagePlaceholder is the plain text shown instead of an image: its alt text and the host it
// would have been loaded from, escaped so that it is neither a link nor an image.
func imagePlaceholder(alt, dest string) string {
	alt = strings.Join(strings.Fields(alt), " ")
	label := "image"
	if alt != "" {
		label += ": " + alt
	}
	if u, err := url.Parse(strings.Trim(dest, "<>")); err == nil && u.Hostname() != "" {
		label += " — " + u.Hostname()
	}
	return escapeMarkdown("[" + label + "]")
}

// escapeMarkdown backslash-escapes every ASCII punctuation character, so the text shows as
// written; line breaks become spaces.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x80 && strings.ContainsRune("\\`*_{}[]()<>#+-.!|~\"'&:;=?@$%^/,", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

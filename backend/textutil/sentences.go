package textutil

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SplitSentences cuts text into parts of at most max characters (runes), each ending at a
// sentence boundary (., !, ? or … followed by a space, or a line break) where there is one in
// reach; a sentence longer than max is cut at a space, and a word longer than max is cut where
// it must. Parts are trimmed; together they hold every word of the text.
func SplitSentences(text string, max int) []string {
	text = strings.TrimSpace(text)
	if max <= 0 || text == "" {
		return nil
	}
	var out []string
	for text != "" {
		if utf8.RuneCountInString(text) <= max {
			out = append(out, text)
			break
		}
		// The byte offset just past max runes.
		limit := 0
		for i := 0; i < max; i++ {
			_, n := utf8.DecodeRuneInString(text[limit:])
			limit += n
		}
		cut := lastBoundary(text, limit)
		if cut <= 0 {
			if i := strings.LastIndexFunc(text[:limit], unicode.IsSpace); i > 0 {
				cut = i
			} else {
				cut = limit
			}
		}
		if part := strings.TrimSpace(text[:cut]); part != "" {
			out = append(out, part)
		}
		text = strings.TrimSpace(text[cut:])
	}
	return out
}

// lastBoundary is the offset just past the last sentence end that fits before limit (0 if none).
func lastBoundary(text string, limit int) int {
	best := 0
	for i, r := range text[:limit] {
		end := i + utf8.RuneLen(r)
		switch {
		case r == '\n':
			best = end
		case r == '.' || r == '!' || r == '?' || r == '…':
			// A sentence ends where the next character is a space (or the limit is reached and
			// the text goes on with one).
			if end < len(text) {
				if next, _ := utf8.DecodeRuneInString(text[end:]); unicode.IsSpace(next) {
					best = end
				}
			}
		}
	}
	return best
}

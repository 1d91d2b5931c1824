package textutil

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitSentences(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "One. Two.", 20, []string{"One. Two."}},
		{"empty", "  ", 10, nil},
		{"at sentences", "One two. Three four! Five six?", 20, []string{"One two. Three four!", "Five six?"}},
		{"a boundary right at the limit", "Aaaa. Bbbb. Cccc.", 11, []string{"Aaaa. Bbbb.", "Cccc."}},
		{"decimal points are not ends", "Pi is 3.14 exactly. Next one.", 22, []string{"Pi is 3.14 exactly.", "Next one."}},
		{"line breaks end parts", "A title\nAnd then a body text", 12, []string{"A title", "And then a", "body text"}},
		{"a long sentence cuts at a space", "alpha beta gamma delta epsilon", 12, []string{"alpha beta", "gamma delta", "epsilon"}},
		{"a long word is cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"runes, not bytes", "Été chaud. Hiver froid.", 12, []string{"Été chaud.", "Hiver froid."}},
		{"ellipsis", "Well… maybe not. Fine.", 8, []string{"Well…", "maybe", "not.", "Fine."}},
	} {
		if got := SplitSentences(c.in, c.max); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// A long text: every part within the limit, every word kept in order.
	long := strings.Repeat("The bees are busy today. ", 1000)
	parts := SplitSentences(long, 1000)
	for i, p := range parts {
		if utf8.RuneCountInString(p) > 1000 || !strings.HasSuffix(p, ".") {
			t.Fatalf("part %d: %d runes, ends %q", i, utf8.RuneCountInString(p), p[len(p)-5:])
		}
	}
	if strings.Join(strings.Fields(strings.Join(parts, " ")), " ") != strings.TrimSpace(long) {
		t.Fatal("the parts must hold the whole text")
	}
}

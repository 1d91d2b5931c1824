package textutil

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSplitFences(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want []Part
	}{
		{"prose only", "# Title\n\nsome *text*", []Part{{Text: "# Title\n\nsome *text*"}}},
		{"empty", "", nil},
		{"one block", "Try this:\n\n```go\nfmt.Println(1)\n```\n\nDone.",
			[]Part{{Text: "Try this:\n"}, {Code: true, Lang: "go", Text: "fmt.Println(1)"}, {Text: "\nDone."}}},
		{"tilde and longer close", "~~~\na\n\nb\n~~~~\n", []Part{{Code: true, Text: "a\n\nb"}}},
		{"a shorter run does not close", "````\n```\nx\n````", []Part{{Code: true, Text: "```\nx"}}},
		{"other char does not close", "```\n~~~\n```", []Part{{Code: true, Text: "~~~"}}},
		{"still streaming", "Here:\n```py\nprint(1)\nprint(2", []Part{{Text: "Here:"}, {Code: true, Lang: "py", Text: "print(1)\nprint(2"}}},
		{"inline backticks are not a fence", "use ```x``` here", []Part{{Text: "use ```x``` here"}}},
		{"indented four is not a fence", "    ```\n    code", []Part{{Text: "    ```\n    code"}}},
		{"two blocks", "```\na\n```\n```\nb\n```", []Part{{Code: true, Text: "a"}, {Code: true, Text: "b"}}},
		{"empty block", "```\n```", []Part{{Code: true, Text: ""}}},
	} {
		if got := SplitFences(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, got, c.want)
		}
	}
}

func TestChunkProse(t *testing.T) {
	para := func(n int) string { return strings.Repeat("word ", n/5) }
	long := para(400) + "\n\n" + para(400) + "\n\n" + para(400)
	list := para(400) + "\n\n- one\n\n- two\n\n" + para(400)
	for _, tc := range []struct {
		name   string
		in     []Part
		max    int
		chunks int
	}{
		{"short stays whole", []Part{{Text: "hello\n\nworld"}}, 100, 1},
		{"long cut at paragraphs", []Part{{Text: long}}, 500, 3},
		{"code never cut", []Part{{Code: true, Text: long}}, 500, 1},
		{"no break inside a list", []Part{{Text: list}}, 500, 2},
		{"one huge paragraph", []Part{{Text: para(5000)}}, 500, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ChunkProse(tc.in, tc.max)
			if len(got) != tc.chunks {
				t.Fatalf("%d chunks, want %d", len(got), tc.chunks)
			}
			var joined []string
			for _, c := range got {
				joined = append(joined, c.Text)
				if strings.HasPrefix(c.Text, "- two") {
					t.Errorf("a list was split: chunk starts %q", c.Text[:5])
				}
			}
			var in []string
			for _, p := range tc.in {
				in = append(in, p.Text)
			}
			if strings.Join(joined, "\n\n") != strings.Join(in, "\n\n") {
				t.Fatal("the chunks do not join back into the text")
			}
		})
	}
}

// As a reply grows, the chunks already complete stay exactly as they were: only the last one
// changes, so only it is redrawn.
func TestChunkProseIsStableAsTextGrows(t *testing.T) {
	var b strings.Builder
	var before []Part
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "Paragraph %d has a few words in it, more or less. ", i)
		if i%3 == 2 {
			b.WriteString("\n\n")
		}
		now := ChunkProse([]Part{{Text: b.String()}}, 800)
		for j := 0; j+1 < len(before) && j < len(now); j++ {
			if before[j] != now[j] {
				t.Fatalf("after %d paragraphs chunk %d changed", i, j)
			}
		}
		before = now
	}
	if len(before) < 10 {
		t.Fatalf("expected many chunks, got %d", len(before))
	}
}

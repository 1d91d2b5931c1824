package textutil

import (
	"reflect"
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

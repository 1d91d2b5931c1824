package cli

import (
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// docSections splits docs/cli.md's "### a, b" command headings into the text under each name.
func docSections(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	_, cmds, ok := strings.Cut(doc, "\n## Commands\n")
	if !ok {
		t.Fatal(`docs/cli.md has no "## Commands" section`)
	}
	out := map[string]string{}
	for _, part := range strings.Split(cmds, "\n### ")[1:] {
		heading, body, _ := strings.Cut(part, "\n")
		for _, name := range strings.Split(heading, ",") {
			out[strings.TrimSpace(name)] = body
		}
	}
	return out
}

// usageLines are the lines of usageText that name the command (at the start of a line, or
// after "|").
func usageLines(name string) string {
	re := regexp.MustCompile(`(^  |\| )` + regexp.QuoteMeta(name) + `( |$)`)
	var lines []string
	for _, l := range strings.Split(usageText, "\n") {
		if re.MatchString(l) {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

var flagLine = regexp.MustCompile(`(?m)^  -(\S+)`)

// The usage text and docs/cli.md list every command and every one of its flags, so that what
// `help` says, what the reference says and what the program takes cannot drift apart.
func TestUsageAndDocsListEveryCommandAndFlag(t *testing.T) {
	h := newHarness(t)
	docs := docSections(t)
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		usage := usageLines(name)
		if usage == "" {
			t.Errorf("the usage text does not list %q", name)
		}
		doc, ok := docs[name]
		if !ok {
			t.Errorf("docs/cli.md has no section for %q", name)
		}
		args := []string{name, "-h"}
		if name == "library" {
			args = []string{name, "list", "-h"} // one flag set for every action
		}
		code, _, stderr := h.run(args...)
		if code != ExitOK {
			continue // no flags (key, devices, help)
		}
		if strings.Contains(stderr, "(default -") {
			t.Errorf("%s -h shows a sentinel as a default: %s", name, stderr)
		}
		for _, m := range flagLine.FindAllStringSubmatch(stderr, -1) {
			flag := "--" + m[1]
			if len(m[1]) == 1 {
				flag = "-" + m[1]
			}
			if !strings.Contains(usage, flag) {
				t.Errorf("%s: the usage text does not mention %s", name, flag)
			}
			if ok && !strings.Contains(doc, "`"+flag) {
				t.Errorf("%s: docs/cli.md does not document %s", name, flag)
			}
		}
	}
	for name := range docs {
		if _, ok := commands[name]; !ok {
			t.Errorf("docs/cli.md documents %q, which is no command", name)
		}
	}
	// The generation commands the issue names, and the transcription options.
	for _, want := range []string{"\n  music ", "\n  sound ", "\n  isolate ", "\n  revoice ", "\n  stems ",
		"--format json|text|srt|vtt|verbose_json|diarized_json", "--speakers N", "--isolate"} {
		if !strings.Contains(usageText, want) {
			t.Errorf("usage text lacks %q", strings.TrimSpace(want))
		}
	}
}

// help prints the usage on stdout; a bare call without a window says how to get it on stderr.
func TestHelpAndNoCommand(t *testing.T) {
	h := newHarness(t)
	code, stdout, _ := h.run("help")
	if code != ExitOK || stdout != usageText {
		t.Errorf("help: exit %d, %d bytes", code, len(stdout))
	}
	code, stdout, stderr := h.run()
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "--help") {
		t.Errorf("no command: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = h.run("--help")
	if code != ExitOK || stderr != usageText {
		t.Errorf("--help: exit %d: %q", code, stderr)
	}
}

// The exit codes the usage text and docs/cli.md promise are the program's.
func TestExitCodesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	for code, word := range map[int]string{ExitOK: "ok", ExitFailure: "failure", ExitUsage: "usage", ExitAPI: "API error",
		ExitNetwork: "network error", ExitIncomplete: "incomplete answer", ExitCanceled: "interrupted"} {
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(strconv.Itoa(code)) + ` \| ` + regexp.QuoteMeta(word))
		if !row.Match(doc) {
			t.Errorf("docs/cli.md: no row for exit %d (%s)", code, word)
		}
		if !strings.Contains(usageText, strconv.Itoa(code)+" "+word) {
			t.Errorf("usage text: no %d %s", code, word)
		}
	}
}

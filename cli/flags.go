package cli

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

func newFlagSet(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// parseInterspersed parses flags that may come before or after positional arguments
// ("image a cat -o cat.png" as well as "image -o cat.png a cat"); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag.Parse stops at the first positional or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// optInt64 is an integer flag that may be left unset (a seed is sent only when given); -h
// shows no default for it.
type optInt64 struct{ v *int64 }

func (o *optInt64) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return strconv.FormatInt(*o.v, 10)
}

func (o *optInt64) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return err
	}
	o.v = &n
	return nil
}

// onePositional joins the positional arguments into one text (a prompt may be given unquoted).
func onePositional(pos []string, what string) (string, error) {
	s := strings.TrimSpace(strings.Join(pos, " "))
	if s == "" {
		return "", usagef("missing %s", what)
	}
	return s, nil
}

// parseOne parses a command's flags, anywhere among its words, and the words left as its one
// positional argument (what names it in the error: "PROMPT", "FILE").
func parseOne(fs *flag.FlagSet, args []string, what string) (string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return "", err
	}
	return onePositional(pos, what)
}

// readPromptArg lets "-" mean standard input, for long prompts and pipelines.
func readPromptArg(s string, stdin io.Reader) (string, error) {
	if s != "-" {
		return s, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
	if err != nil {
		return "", fmt.Errorf("reading the prompt from standard input: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

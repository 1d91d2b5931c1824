package textutil

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// PastedFiles reads clipboard text as a list of files, as file managers copy them (one path
// or file:// URI a line). It reports false unless every non-empty line names an existing
// regular file, so that ordinary pasted text is never taken for files.
func PastedFiles(clip string) ([]string, bool) {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(clip, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue // blank, or a text/uri-list comment
		}
		p := line
		if strings.HasPrefix(line, "file://") {
			u, err := url.Parse(line)
			if err != nil || (u.Host != "" && u.Host != "localhost") {
				return nil, false
			}
			p = filepath.FromSlash(u.Path)
		}
		if !filepath.IsAbs(p) {
			return nil, false
		}
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			return nil, false
		}
		out = append(out, p)
	}
	return out, len(out) > 0
}

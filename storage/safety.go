package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrOutsideLibrary means a path given to open or upload is not a media file of this library.
var ErrOutsideLibrary = errors.New("not a media file of this library")

// SafeMediaPath returns p, cleaned and with links resolved, if it is a media file of this
// library (a content-named file in media/ with an extension the library keeps); anything else
// is refused with ErrOutsideLibrary. Whatever the window hands to the system (Open in player,
// Show in folder) or uploads (Remix's reference files) from an item goes through it, so that an
// item's parameters can never name /etc/passwd or a .desktop launcher.
func (l *Library) SafeMediaPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("storage: an empty path: %w", ErrOutsideLibrary)
	}
	root, err := filepath.EvalSymlinks(filepath.Join(l.dir, "media"))
	if err != nil {
		return "", fmt.Errorf("storage: %w", err)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(p))
	if err != nil {
		return "", fmt.Errorf("storage: %s: %w (%v)", filepath.Base(p), ErrOutsideLibrary, err)
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
		return "", fmt.Errorf("storage: %s: %w", p, ErrOutsideLibrary)
	}
	name := filepath.Base(real)
	if !hashRE.MatchString(name) || filepath.Join(root, name[:2], name) != real || !allowedExt[filepath.Ext(name)] {
		return "", fmt.Errorf("storage: %s: %w", p, ErrOutsideLibrary)
	}
	st, err := os.Stat(real)
	if err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("storage: %s: %w", p, ErrOutsideLibrary)
	}
	return real, nil
}

// ItemMediaPath is the item's own media file, checked by SafeMediaPath: the path to open or play.
func (l *Library) ItemMediaPath(it *Item) (string, error) {
	if it == nil || it.MediaHash == "" {
		return "", fmt.Errorf("storage: the item has no media: %w", ErrOutsideLibrary)
	}
	return l.SafeMediaPath(l.MediaPath(it.MediaHash))
}

// RemixReferences is what a remix of the item may send again: its reference images kept in the
// library (checked by SafeMediaPath) and its http(s) reference links. File paths in the item's
// parameters are never used: they came from another disk, or from an archive.
func (l *Library) RemixReferences(it *Item) (files, urls []string) {
	for _, r := range it.References {
		if isWebURL(r) {
			urls = append(urls, r)
			continue
		}
		if p, err := l.SafeMediaPath(l.MediaPath(r)); err == nil {
			files = append(files, p)
		}
	}
	return files, urls
}

// allowedExt are the extensions a media file of the library may carry: images, audio, video, 3D.
var allowedExt = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true,
	".wav": true, ".mp3": true, ".mpga": true, ".mpeg": true, ".ogg": true, ".oga": true, ".opus": true,
	".flac": true, ".m4a": true, ".weba": true, ".mp4": true, ".m4v": true, ".mov": true, ".webm": true,
	".mkv": true, ".ts": true, ".glb": true, ".ply": true,
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// localish says whether s names something on a disk or a URL that is not http(s): an absolute
// or home path, a drive letter, a UNC path, file:, javascript:, data: and the like (text with
// spaces is words, not a URL).
func localish(s string) bool {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return false
	case strings.HasPrefix(t, "/"), strings.HasPrefix(t, "~/"), strings.HasPrefix(t, `\`),
		strings.HasPrefix(t, "./"), strings.HasPrefix(t, "../"):
		return true
	case len(t) >= 3 && t[1] == ':' && (t[2] == '\\' || t[2] == '/') && (t[0]|0x20) >= 'a' && (t[0]|0x20) <= 'z':
		return true // C:\ or C:/
	}
	scheme, rest, ok := strings.Cut(t, ":")
	if !ok || strings.ContainsAny(t, " \t\n") || scheme == "" || !schemeRE.MatchString(scheme) {
		return false
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
		return false
	case "file", "javascript", "data", "vbscript", "blob", "about", "jar", "smb", "ftp", "sftp", "ssh":
		return true
	}
	return strings.HasPrefix(rest, "//") // some-other-scheme://...
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// textKeys hold what a person wrote: never taken for a path.
var textKeys = map[string]bool{"prompt": true, "negative_prompt": true, "text": true, "content": true,
	"system": true, "instructions": true, "messages": true, "language": true, "voice": true, "model": true}

// pathKeys are the request fields that hold files of the machine that made the item.
var pathKeys = map[string]bool{"ref_files": true, "file": true, "files": true, "attachments": true}

// shareableParams drops from an item's parameters what must not travel in an archive, in either
// direction: the fields that name local files (reference files, the transcribed file), and any
// value that is a path or a URL other than http(s). The references the item keeps in the
// library (References, as media) carry the lineage instead.
func shareableParams(p json.RawMessage) json.RawMessage {
	if len(p) == 0 {
		return p
	}
	var v any
	if json.Unmarshal(p, &v) != nil {
		return p // checkNewItem refuses it
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return json.RawMessage("{}")
	}
	for k := range obj {
		if pathKeys[k] {
			delete(obj, k)
		}
	}
	out, err := json.Marshal(scrub(obj))
	if err != nil {
		return json.RawMessage("{}")
	}
	return out
}

// scrub removes path and non-web URL strings from a decoded JSON value, leaving text alone.
func scrub(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if textKeys[k] {
				continue
			}
			if s, ok := x.(string); ok && localish(s) {
				delete(t, k)
				continue
			}
			t[k] = scrub(x)
		}
		return t
	case []any:
		out := t[:0]
		for _, x := range t {
			if s, ok := x.(string); ok && localish(s) {
				continue
			}
			out = append(out, scrub(x))
		}
		return out
	}
	return v
}

// shareableRefs keeps the references that mean the same in any library: media names (content
// hashes) and http(s) links.
func shareableRefs(refs []string) []string {
	var out []string
	for _, r := range refs {
		if hashRE.MatchString(r) && allowedExt[filepath.Ext(r)] || isWebURL(r) {
			out = append(out, r)
		}
	}
	return out
}

// exportAttachments turns a message's attachments into media names: the library's own files
// travel with the archive; a path elsewhere on the disk does not leave it.
func (l *Library) exportAttachments(atts []string) []string {
	var out []string
	for _, a := range atts {
		name := filepath.Base(a)
		if mp := l.MediaPath(name); mp != "" && filepath.Clean(a) == mp {
			out = append(out, name)
		}
	}
	return out
}

// importAttachments turns an archive's attachment names into this library's media paths, and
// drops anything else (a path from another disk).
func (l *Library) importAttachments(atts []string) []string {
	var out []string
	for _, a := range atts {
		if hashRE.MatchString(a) && allowedExt[filepath.Ext(a)] {
			out = append(out, l.MediaPath(a))
		}
	}
	return out
}

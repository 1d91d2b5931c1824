// What the library hands to other pages and to the system is checked here: an item's media
// and references may have come from an imported archive, and its paths from another disk. Only
// the library's own media files are opened, played or sent, and an item's hosted address is
// reused instead of uploading its file again.

package library

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
)

// mediaPath is the item's own media file, or "" after saying why it is not opened.
func (p *Page) mediaPath(it *lib.Item) string {
	path, err := p.h.Library().ItemMediaPath(it)
	if err != nil {
		p.h.ShowError(fmt.Errorf("this item's file is not a media file of the library, so it is not opened: %w", err))
		return ""
	}
	return path
}

// asReference is a copy of the item whose MediaPath is what to send to use it as a reference:
// its hosted address while fresh (jobs.ReferenceFor), else its checked media file.
func (p *Page) asReference(it *lib.Item, now time.Time) (*lib.Item, bool) {
	c := *it
	if url, _ := jobs.ReferenceFor(c, now); url != "" {
		c.MediaPath = url
		return &c, true
	}
	path := p.mediaPath(it)
	if path == "" {
		return nil, false
	}
	c.MediaPath = path
	return &c, true
}

// forRemix is a copy of the item a remix may safely start from: the reference files and links
// in its parameters replaced by lib.RemixReferences (the library's own files and http(s)
// links), and its media path checked (cleared when it is not the library's).
func (p *Page) forRemix(it *lib.Item) *lib.Item {
	c := *it
	files, urls := p.h.Library().RemixReferences(it)
	c.References = append(append([]string(nil), files...), urls...)
	if len(it.Params) > 0 {
		var r api.ImageRequest
		if json.Unmarshal(it.Params, &r) == nil {
			r.RefFiles, r.RefURLs = files, urls
			if b, err := json.Marshal(r); err == nil {
				c.Params = b
			}
		} else {
			c.Params = nil // unreadable: the remix starts from the prompt and model
		}
	}
	if path, err := p.h.Library().ItemMediaPath(it); err == nil {
		c.MediaPath = path
	} else {
		c.MediaPath = ""
	}
	return &c
}

// folderOf is the folder of the item's checked media file ("" after saying why not).
func (p *Page) folderOf(it *lib.Item) string {
	if path := p.mediaPath(it); path != "" {
		return filepath.Dir(path)
	}
	return ""
}

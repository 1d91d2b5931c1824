package kit

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"pollinations-studio/storage"

	"pollinations-studio/internal/imagefmt"
	"pollinations-studio/internal/safename"
)

// Heading is a page's or section's title.
func Heading(t string) *widget.Label {
	return widget.NewLabelWithStyle(t, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// SetEnabled enables or disables a widget.
func SetEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// Shorten makes a text one line of at most n characters.
func Shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Clock prints a duration as m:ss.
func Clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// SafeName makes a prompt a file name: lower-case letters and digits, words joined by '-'.
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	// A prompt of "CON" or "aux" must not become a device name on Windows.
	return safename.Name(strings.Trim(b.String(), "-"), "pollinations")
}

// IsImageFile tells an image file by its extension.
func IsImageFile(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".png", ".jpg", ".jpeg", ".webp", ".gif":
		return true
	}
	return false
}

// IsWebURL tells an http(s) address.
func IsWebURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// ShowQuietly selects v without calling the select's OnChanged: the page shows a saved or
// default choice, which is not a choice the user just made.
func ShowQuietly(sel *widget.Select, v string) {
	onChanged := sel.OnChanged
	sel.OnChanged = nil
	sel.SetSelected(v)
	sel.OnChanged = onChanged
}

// SaveAs copies an item's media to a file the user picks. A picture is written in the format
// the chosen name says where PNG and JPEG convert into each other (the service picks JPEG or
// PNG itself); anything else is copied as it is.
func SaveAs(h Host, it storage.Item) {
	if it.MediaPath == "" {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		go func() {
			defer w.Close()
			if err := saveMedia(w, w.URI().Extension(), it); err != nil {
				h.ShowError(err)
			}
		}()
	}, h.Window())
	d.SetFileName(safename.File(SafeName(it.Prompt), filepath.Ext(it.MediaPath), "pollinations"))
	d.Show()
}

// saveMedia writes an item's media to w, a picture converted to the format ext names when
// that keeps it whole (no transparency is flattened into a JPEG).
func saveMedia(w io.Writer, ext string, it storage.Item) error {
	f, err := os.Open(it.MediaPath)
	if err != nil {
		return fmt.Errorf("reading the file from the library: %w", err)
	}
	defer f.Close()
	want := imagefmt.ForExt(ext)
	if it.Kind != storage.KindImage || (want != imagefmt.PNG && want != imagefmt.JPEG) {
		if _, err := io.Copy(w, f); err != nil {
			return fmt.Errorf("saving: %w", err)
		}
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, storage.MaxMediaBytes))
	if err != nil {
		return fmt.Errorf("reading the file from the library: %w", err)
	}
	if conv, ok, err := imagefmt.Convert(data, want); err != nil {
		return fmt.Errorf("converting the picture: %w", err)
	} else if ok {
		data = conv
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("saving: %w", err)
	}
	return nil
}

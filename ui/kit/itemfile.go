package kit

import (
	"fmt"

	"pollinations-studio/storage"
)

// UseItemFile finds a library item's own file off the UI goroutine (nothing else: an imported
// item cannot point elsewhere) and hands it to use on the UI goroutine, with a short title for
// the page to show. A failure is shown as "this item cannot be <what>: …".
func UseItemFile(h Host, it storage.Item, what string, use func(path, title string)) {
	go func() {
		path, err := h.Library().ItemMediaPath(&it)
		h.RunOnUI(func() {
			if err != nil {
				h.ShowError(fmt.Errorf("this item cannot be %s: %w", what, err))
				return
			}
			title := Shorten(it.Prompt, 60)
			if title == "" {
				title = fmt.Sprintf("item %d", it.ID)
			}
			use(path, title)
		})
	}()
}

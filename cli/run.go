package cli

import (
	"fmt"
	"io"
	"os"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/storage"
)

// jobHooks let a command follow its job: streamed text, live audio.
type jobHooks struct {
	onText      func(content, reasoning string)
	onAudio     func(r io.Reader)
	showBytes   bool
	libraryNote bool
}

// runJob runs one generation through the same job service as the window, so that it lands in
// the library with its metadata and cost, and returns the saved item.
func (c *command) runJob(req jobs.Request, h jobHooks) (*storage.Item, *storage.Library, error) {
	cl, err := c.client(true)
	if err != nil {
		return nil, nil, err
	}
	lib, err := c.openLibrary()
	if err != nil {
		return nil, nil, err
	}
	svc := jobs.New(jobs.Config{Library: lib, Client: cl, MaxConcurrent: 1})
	svc.SetPaid(true) // one job: no concurrency to limit
	if err := svc.Start(c.ctx); err != nil {
		lib.Close()
		return nil, nil, err
	}
	events, unsubscribe := svc.Subscribe()
	id, err := svc.Submit(c.ctx, req)
	if err != nil {
		unsubscribe()
		svc.Close()
		lib.Close()
		return nil, nil, err
	}
	waited := make(chan struct{})
	var item *storage.Item
	var werr error
	go func() {
		item, werr = svc.Wait(c.ctx, id)
		close(waited)
	}()
	audioDone := make(chan struct{})
	audioStarted := false
	// The job's last event (its final state) comes after all its text: reading up to it, and
	// not just until the job is over, is what makes the printed reply whole.
	waitCh, ended, lastSeen := (<-chan struct{})(waited), false, false
	uploading := false
	for !(ended && lastSeen) {
		select {
		case ev, ok := <-events:
			if !ok {
				lastSeen = true
				continue
			}
			if ev.ID != id {
				continue
			}
			if h.onText != nil && (ev.TextDelta != "" || ev.ReasoningDelta != "") {
				h.onText(ev.TextDelta, ev.ReasoningDelta)
			}
			if h.onAudio != nil && ev.Audio != nil && !audioStarted {
				audioStarted = true
				go func(r io.Reader) { h.onAudio(r); close(audioDone) }(ev.Audio)
			}
			switch {
			case ev.Stage == jobs.StageUploading && ev.Bytes > 0:
				// A local picture going up to the media host before the request (3D, frames);
				// a file the host already has sends nothing and says nothing.
				uploading = true
				fmt.Fprintf(c.env.Stderr, "\ruploading the file: %d KB (%d%%)", ev.Bytes>>10, int(ev.Progress*100))
			case uploading:
				uploading = false
				fmt.Fprintln(c.env.Stderr)
			}
			if h.showBytes && ev.Bytes > 0 && ev.Stage == "" {
				fmt.Fprintf(c.env.Stderr, "\r%d KB received", ev.Bytes>>10)
			}
			if ev.State == jobs.Done || ev.State == jobs.Failed || ev.State == jobs.Canceled {
				lastSeen = true
			}
		case <-waitCh:
			ended, waitCh = true, nil
			if c.ctx.Err() != nil {
				lastSeen = true // stopping: the service may end without a last event
			}
		}
	}
	if audioStarted {
		<-audioDone
	}
	if h.showBytes {
		fmt.Fprintln(c.env.Stderr)
	}
	unsubscribe()
	if c.ctx.Err() != nil {
		// Interrupted (Ctrl-C): the user stopped this generation; it is not left for the window
		// to offer as unfinished.
		svc.Cancel(id)
	}
	svc.Close()
	if werr != nil {
		lib.Close()
		if c.ctx.Err() != nil {
			return nil, nil, c.ctx.Err()
		}
		return nil, nil, werr
	}
	if h.libraryNote && item != nil {
		c.progress("saved to the library as item %d", item.ID)
	}
	return item, lib, nil
}

// copyMedia writes an item's media file to the user's chosen path, whole or not at all.
func copyMedia(lib *storage.Library, it *storage.Item, out string) error {
	src, err := os.Open(lib.MediaPath(it.MediaHash))
	if err != nil {
		return fmt.Errorf("reading the result from the library: %w", err)
	}
	defer src.Close()
	dst, err := createAtomic(out)
	if err != nil {
		return err
	}
	defer dst.Abort()
	if _, err := io.Copy(dst, src); err != nil {
		return &fileError{fmt.Errorf("writing %s: %w", out, err)}
	}
	return dst.Commit()
}

func itemCost(it *storage.Item) string {
	return costText(api.Meta{Cost: it.Cost, CostKnown: it.CostKnown})
}

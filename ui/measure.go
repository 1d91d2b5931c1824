package ui

import (
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
)

// measureStall, in demo mode with POLLINATIONS_STUDIO_MEASURE=stall, queues 8 image jobs and
// reports on stderr the longest delay between asking the UI goroutine to run something and it
// running, while the jobs run (scripts/measure-ui.sh reads it).
func (s *Studio) measureStall() {
	if s.sim == nil || os.Getenv("POLLINATIONS_STUDIO_MEASURE") != "stall" {
		return
	}
	go func() {
		time.Sleep(2 * time.Second) // let start-up settle
		var ids []int64
		for i := 0; i < 8; i++ {
			r := api.ImageRequest{Prompt: fmt.Sprintf("measurement %d", i), Model: "flux", Width: 1024, Height: 1024}
			if id, err := s.jobs.Submit(s.ctx, jobs.Request{Image: &r}); err == nil {
				ids = append(ids, id)
			}
		}
		var mu sync.Mutex
		var worst time.Duration
		done := make(chan struct{})
		go func() {
			for _, id := range ids {
				s.jobs.Wait(s.ctx, id)
			}
			close(done)
		}()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				mu.Lock()
				fmt.Fprintf(os.Stderr, "MEASURE stall-max-ms %.1f jobs %d\n", float64(worst.Microseconds())/1000, len(ids))
				mu.Unlock()
				s.RunOnUI(func() { s.app.Quit() })
				return
			case asked := <-t.C:
				fyne.Do(func() {
					late := time.Since(asked)
					mu.Lock()
					worst = max(worst, late)
					mu.Unlock()
				})
			}
		}
	}()
}

// measureScroll, in demo mode with POLLINATIONS_STUDIO_MEASURE=scroll, fills the library to
// 10 000 items (one shared image, so thumbnails are real but cheap to make), scrolls the gallery
// from top to bottom, and reports resident memory before and after on stderr.
func (s *Studio) measureScroll() {
	if s.sim == nil || os.Getenv("POLLINATIONS_STUDIO_MEASURE") != "scroll" {
		return
	}
	go func() {
		time.Sleep(time.Second)
		c := s.Client()
		if c == nil {
			return
		}
		res, err := c.Image(s.ctx, api.ImageRequest{Prompt: "gallery filler", Model: "flux", Width: 512, Height: 512})
		if err != nil {
			fmt.Fprintln(os.Stderr, "MEASURE error", err)
			return
		}
		hash, err := s.lib.PutMedia(s.ctx, bytesReader(res.Data), ".jpg")
		if err != nil {
			return
		}
		n, _ := s.lib.Count(s.ctx, lib.Query{})
		for i := n; i < 10000; i++ {
			s.lib.AddItem(s.ctx, &lib.Item{Kind: lib.KindImage, Prompt: fmt.Sprintf("gallery item %d", i), MediaHash: hash,
				ContentType: "image/jpeg", ModelUsed: "flux", Width: 512, Height: 512})
		}
		s.RunOnUI(func() { s.Show("library"); s.library.refresh() })
		time.Sleep(2 * time.Second)
		before := rssMB()
		start := time.Now()
		for step := 0; step <= 200; step++ {
			frac := float32(step) / 200
			s.RunOnUI(func() {
				g := s.library.grid
				g.ScrollToOffset(frac * float32(len(s.library.ids)) / 4 * (thumbSize + 40))
			})
			time.Sleep(50 * time.Millisecond)
		}
		s.RunOnUI(func() { s.library.grid.ScrollToBottom() })
		time.Sleep(2 * time.Second)
		after := rssMB()
		debug.FreeOSMemory() // what is still live, once the GC has handed freed memory back
		fmt.Fprintf(os.Stderr, "MEASURE scroll items %d rss-before-mb %d rss-after-mb %d rss-after-gc-mb %d seconds %.1f\n",
			len(s.library.ids), before, after, rssMB(), time.Since(start).Seconds())
		s.RunOnUI(func() { s.app.Quit() })
	}()
}

func rssMB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return kb / 1024
		}
	}
	return -1
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

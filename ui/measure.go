package ui

import (
	"fmt"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
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

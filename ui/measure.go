package ui

import (
	"bytes"
	"context"
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
				s.RunOnUI(s.quit)
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
		stop := make(chan struct{})
		worst := stallProbe(stop)
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
		close(stop)
		after := rssMB()
		debug.FreeOSMemory() // what is still live, once the GC has handed freed memory back
		fmt.Fprintf(os.Stderr, "MEASURE scroll items %d rss-before-mb %d rss-after-mb %d rss-after-gc-mb %d seconds %.1f stall-max-ms %.1f\n",
			len(s.library.ids), before, after, rssMB(), time.Since(start).Seconds(), float64(worst().Microseconds())/1000)
		s.RunOnUI(s.quit)
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

// stallProbe measures, until stop is closed, the longest delay between asking the UI goroutine
// to run something and it running.
func stallProbe(stop <-chan struct{}) func() time.Duration {
	var mu sync.Mutex
	var worst time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
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
	return func() time.Duration {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return worst
	}
}

// measureChat, in demo mode with POLLINATIONS_STUDIO_MEASURE=chat, streams a 20 000-word reply
// and then opens and scrolls a 5 000-message conversation, reporting the longest UI stall of
// each, the time to open, and resident memory.
func (s *Studio) measureChat() {
	if s.sim == nil || os.Getenv("POLLINATIONS_STUDIO_MEASURE") != "chat" {
		return
	}
	go func() {
		time.Sleep(2 * time.Second)
		p := s.chat
		stop := make(chan struct{})
		worst := stallProbe(stop)
		start := time.Now()
		s.RunOnUI(func() { s.Show("chat"); p.input.SetText("write 20000 words about pollen"); p.send() })
		for {
			time.Sleep(100 * time.Millisecond)
			busy := true
			ch := make(chan struct{})
			s.RunOnUI(func() { busy = p.jobID != 0 || p.chatID == 0 || len(p.msgs) < 2; close(ch) })
			<-ch
			if !busy || time.Since(start) > 5*time.Minute {
				break
			}
		}
		close(stop)
		fmt.Fprintf(os.Stderr, "MEASURE chat-stream words 20000 seconds %.1f stall-max-ms %.1f rss-mb %d\n",
			time.Since(start).Seconds(), float64(worst().Microseconds())/1000, rssMB())

		chat, err := s.lib.NewChat(s.ctx, "A long conversation", "openai", "")
		if err != nil {
			return
		}
		var parent *int64
		for i := 0; i < 5000; i++ {
			role := "user"
			if i%2 == 1 {
				role = "assistant"
			}
			m := &lib.Message{ChatID: chat, ParentID: parent, Role: role, Content: fmt.Sprintf("Message %d: **bold** words, a list\n\n- one\n- two\n\nand a closing line.", i)}
			if _, err := s.lib.AddMessage(s.ctx, m); err != nil {
				return
			}
			parent = &m.ID
		}
		stop = make(chan struct{})
		worst = stallProbe(stop)
		opened := make(chan time.Duration, 1)
		t0 := time.Now()
		s.RunOnUI(func() { p.openChat(chat) })
		for {
			time.Sleep(20 * time.Millisecond)
			ch := make(chan bool)
			s.RunOnUI(func() { ch <- p.chatID == chat && len(p.msgs) == 5000 })
			if <-ch {
				opened <- time.Since(t0)
				break
			}
		}
		for step := 0; step <= 100; step++ {
			frac := float32(step) / 100
			s.RunOnUI(func() { p.list.ScrollToOffset(frac * 5000 * 120) })
			time.Sleep(30 * time.Millisecond)
		}
		s.RunOnUI(func() { p.list.ScrollToBottom() })
		time.Sleep(time.Second)
		close(stop)
		fmt.Fprintf(os.Stderr, "MEASURE chat-5000 open-ms %d scroll-stall-max-ms %.1f rss-mb %d\n",
			(<-opened).Milliseconds(), float64(worst().Microseconds())/1000, rssMB())
		s.RunOnUI(s.quit)
	}()
}

// demoSpeak, in demo mode with POLLINATIONS_STUDIO_MEASURE=speak, types a sentence on the Speech
// page and presses Speak, as a person would, then quits once it has been heard; the real-window
// test records the sound server's monitor meanwhile. It reports on stderr how long the speech
// took from the press to the end of playback.
func (s *Studio) demoSpeak() {
	if s.sim == nil || os.Getenv("POLLINATIONS_STUDIO_MEASURE") != "speak" {
		return
	}
	go func() {
		time.Sleep(2 * time.Second) // the catalogue and the voices load first
		p := s.speech
		start := time.Now()
		job := make(chan int64, 1)
		s.RunOnUI(func() {
			s.Show("speech")
			p.text.SetText("Hello from Pollinations Studio. This sentence is spoken by the window itself.")
			p.speak()
			job <- p.jobID
		})
		// The clip is saved when its job ends; it has been heard when the player has played
		// and stopped.
		ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
		defer cancel()
		_, err := s.jobs.Wait(ctx, <-job)
		played := false
		for err == nil && ctx.Err() == nil {
			ch := make(chan bool, 1)
			s.RunOnUI(func() {
				played = p.player != nil && !p.player.Stats().FirstSampleAt.IsZero()
				ch <- played && !p.player.Playing()
			})
			if <-ch {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "MEASURE speak job:", err)
		}
		fmt.Fprintf(os.Stderr, "MEASURE speak played %v seconds %.1f\n", played, time.Since(start).Seconds())
		s.RunOnUI(s.quit)
	}()
}

// quit ends a measuring run by closing the window, which ends the app as the user's close
// would. Not app.Quit: when Fyne could not watch its settings file (no inotify instance left),
// Quit dereferences the watcher it never got and panics (Fyne 2.8.1, app/settings_desktop.go).
func (s *Studio) quit() { s.win.Close() }

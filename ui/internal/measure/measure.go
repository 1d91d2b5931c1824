//go:build measure

// Package measure puts the window to work for scripts/measure-ui.sh and scripts/screenshots.sh:
// in demo mode, POLLINATIONS_STUDIO_MEASURE=stall|scroll|chat|speak runs a measurement and
// reports it on stderr, and POLLINATIONS_STUDIO_SHOWCASE=1 puts the start page to work the way
// a person would. It exists only in builds with the measure tag; the pages' scripting methods
// it calls (script.go in each page) do too.
package measure

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

	"pollinations-studio/audio"
	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	"pollinations-studio/internal/mesh"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
)

// Window is what a run needs of the shell.
type Window interface {
	RunOnUI(f func())
	Show(page string)
	Page(name string) kit.Page
	Context() context.Context
	Library() *lib.Library
	Jobs() *jobs.Service
	Client() *api.Client
	Player() *audio.Player
	Quit()
}

// What the runs ask of the pages (each page's script.go, measure builds only).
type (
	gallery interface {
		Shown()
		ScrollTo(frac float32)
		ScrollToBottom()
		Len() int
		Navigate(kit.Nav)
	}
	conversation interface {
		Ask(text string)
		Replying() bool
		Showing() (chatID int64, messages int)
		Open(chatID int64)
		ScrollTo(frac float32)
		ScrollToBottom()
	}
	speaker interface {
		SetText(text string)
		Say(text string) (job int64)
	}
	imager interface {
		Try(prompt string, variations int)
	}
	videoer  interface{ SetPrompt(prompt string) }
	musician interface {
		SetPrompt(prompt string)
		Generate()
	}
	voicer interface {
		ShowStems(source lib.Item, stems []lib.Item, muted int)
	}
)

// Start begins what the environment asks for (nothing when it asks nothing).
func Start(w Window) {
	switch os.Getenv("POLLINATIONS_STUDIO_MEASURE") {
	case "stall":
		go stall(w)
	case "scroll":
		go scroll(w)
	case "chat":
		go chat(w)
	case "speak":
		go speak(w)
	}
	if os.Getenv("POLLINATIONS_STUDIO_SHOWCASE") != "" {
		go showcase(w, os.Getenv("POLLINATIONS_STUDIO_PAGE"))
	}
}

// stall queues 8 image jobs and reports the longest delay between asking the UI goroutine to
// run something and it running, while the jobs run.
func stall(w Window) {
	time.Sleep(2 * time.Second) // let start-up settle
	ctx := w.Context()
	var ids []int64
	for i := 0; i < 8; i++ {
		r := api.ImageRequest{Prompt: fmt.Sprintf("measurement %d", i), Model: "flux", Width: 1024, Height: 1024}
		if id, err := w.Jobs().Submit(ctx, jobs.Request{Image: &r}); err == nil {
			ids = append(ids, id)
		}
	}
	stop := make(chan struct{})
	worst := stallProbe(stop)
	for _, id := range ids {
		w.Jobs().Wait(ctx, id)
	}
	close(stop)
	fmt.Fprintf(os.Stderr, "MEASURE stall-max-ms %.1f jobs %d\n", ms(worst()), len(ids))
	w.RunOnUI(w.Quit)
}

// scroll fills the library to 10 000 items (one shared image, so thumbnails are real but cheap
// to make), scrolls the gallery from top to bottom, and reports resident memory before and
// after.
func scroll(w Window) {
	time.Sleep(time.Second)
	ctx, l := w.Context(), w.Library()
	c := w.Client()
	if c == nil {
		return
	}
	res, err := c.Image(ctx, api.ImageRequest{Prompt: "gallery filler", Model: "flux", Width: 512, Height: 512})
	if err != nil {
		fmt.Fprintln(os.Stderr, "MEASURE error", err)
		return
	}
	hash, err := l.PutMedia(ctx, bytes.NewReader(res.Data), ".jpg")
	if err != nil {
		return
	}
	n, _ := l.Count(ctx, lib.Query{})
	for i := n; i < 10000; i++ {
		l.AddItem(ctx, &lib.Item{Kind: lib.KindImage, Prompt: fmt.Sprintf("gallery item %d", i), MediaHash: hash,
			ContentType: "image/jpeg", ModelUsed: "flux", Width: 512, Height: 512})
	}
	g := w.Page(kit.PageLibrary).(gallery)
	w.RunOnUI(func() { w.Show(kit.PageLibrary); g.Shown() })
	time.Sleep(2 * time.Second)
	before := rssMB()
	start := time.Now()
	stop := make(chan struct{})
	worst := stallProbe(stop)
	for step := 0; step <= 200; step++ {
		frac := float32(step) / 200
		w.RunOnUI(func() { g.ScrollTo(frac) })
		time.Sleep(50 * time.Millisecond)
	}
	w.RunOnUI(g.ScrollToBottom)
	time.Sleep(2 * time.Second)
	close(stop)
	after := rssMB()
	debug.FreeOSMemory() // what is still live, once the GC has handed freed memory back
	items := onUI(w, g.Len)
	fmt.Fprintf(os.Stderr, "MEASURE scroll items %d rss-before-mb %d rss-after-mb %d rss-after-gc-mb %d seconds %.1f stall-max-ms %.1f\n",
		items, before, after, rssMB(), time.Since(start).Seconds(), ms(worst()))
	w.RunOnUI(w.Quit)
}

// chat streams a 20 000-word reply and then opens and scrolls a 5 000-message conversation,
// reporting the longest UI stall of each, the time to open, and resident memory.
func chat(w Window) {
	time.Sleep(2 * time.Second)
	ctx, l := w.Context(), w.Library()
	p := w.Page(kit.PageChat).(conversation)
	stop := make(chan struct{})
	worst := stallProbe(stop)
	start := time.Now()
	w.RunOnUI(func() { w.Show(kit.PageChat); p.Ask("write 20000 words about pollen") })
	for time.Since(start) < 5*time.Minute {
		time.Sleep(100 * time.Millisecond)
		if !onUI(w, p.Replying) {
			break
		}
	}
	close(stop)
	fmt.Fprintf(os.Stderr, "MEASURE chat-stream words 20000 seconds %.1f stall-max-ms %.1f rss-mb %d\n",
		time.Since(start).Seconds(), ms(worst()), rssMB())

	id, err := l.NewChat(ctx, "A long conversation", "openai", "")
	if err != nil {
		return
	}
	var parent *int64
	for i := 0; i < 5000; i++ {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		m := &lib.Message{ChatID: id, ParentID: parent, Role: role, Content: fmt.Sprintf("Message %d: **bold** words, a list\n\n- one\n- two\n\nand a closing line.", i)}
		if _, err := l.AddMessage(ctx, m); err != nil {
			return
		}
		parent = &m.ID
	}
	stop = make(chan struct{})
	worst = stallProbe(stop)
	t0 := time.Now()
	w.RunOnUI(func() { p.Open(id) })
	for {
		time.Sleep(20 * time.Millisecond)
		if onUI(w, func() bool { c, n := p.Showing(); return c == id && n == 5000 }) {
			break
		}
	}
	opened := time.Since(t0)
	for step := 0; step <= 100; step++ {
		frac := float32(step) / 100
		w.RunOnUI(func() { p.ScrollTo(frac) })
		time.Sleep(30 * time.Millisecond)
	}
	w.RunOnUI(p.ScrollToBottom)
	time.Sleep(time.Second)
	close(stop)
	fmt.Fprintf(os.Stderr, "MEASURE chat-5000 open-ms %d scroll-stall-max-ms %.1f rss-mb %d\n",
		opened.Milliseconds(), ms(worst()), rssMB())
	w.RunOnUI(w.Quit)
}

// speak types a sentence on the Speech page and presses Speak, as a person would, then quits
// once it has been heard; the real-window test records the sound server's monitor meanwhile.
// It reports how long the speech took from the press to the end of playback.
func speak(w Window) {
	time.Sleep(2 * time.Second) // the catalogue and the voices load first
	p := w.Page(kit.PageSpeech).(speaker)
	start := time.Now()
	job := make(chan int64, 1)
	w.RunOnUI(func() {
		w.Show(kit.PageSpeech)
		job <- p.Say("Hello from Pollinations Studio. This sentence is spoken by the window itself.")
	})
	// The clip is saved when its job ends; it has been heard when the player has played and
	// stopped.
	ctx, cancel := context.WithTimeout(w.Context(), time.Minute)
	defer cancel()
	_, err := w.Jobs().Wait(ctx, <-job)
	played := false
	for err == nil && ctx.Err() == nil {
		pl := w.Player()
		played = pl != nil && !pl.Stats().FirstSampleAt.IsZero()
		if played && !pl.Playing() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "MEASURE speak job:", err)
	}
	fmt.Fprintf(os.Stderr, "MEASURE speak played %v seconds %.1f\n", played, time.Since(start).Seconds())
	w.RunOnUI(w.Quit)
}

// showcase puts the start page to work the way a person would, so that scripts/screenshots.sh
// shows each page in use rather than empty: four image variations, a streamed chat reply, a
// transcript opened, an item's details.
func showcase(w Window, page string) {
	time.Sleep(1500 * time.Millisecond) // the catalogue loads first
	ctx, l := w.Context(), w.Library()
	first := func(k lib.Kind) int64 {
		page, err := l.Search(ctx, lib.Query{Kinds: []lib.Kind{k}, Limit: 1})
		if err != nil || len(page.Items) == 0 {
			return 0
		}
		return page.Items[0].ID
	}
	p := w.Page(page)
	switch page {
	case kit.PageImage:
		w.RunOnUI(func() { p.(imager).Try("a lighthouse at dawn, oil painting, warm light", 4) })
	case kit.PageChat:
		w.RunOnUI(func() { p.(conversation).Ask("Explain in a few lines how bees make honey, with a short list.") })
	case kit.PageSpeech:
		if os.Getenv("POLLINATIONS_STUDIO_SHOWCASE") == "remedy" {
			// A free account choosing a paid-only voice is shown the way to pay at once.
			w.RunOnUI(func() { p.(interface{ SelectModel(string) }).SelectModel("elevenlabs/eleven-v3") })
			return
		}
		w.RunOnUI(func() {
			p.(speaker).SetText("Welcome to Pollinations Studio. Type any text here and press Speak: it plays while it downloads and is kept in your library.")
		})
	case kit.PageVideo:
		// A library picture brought by "Animate" as the start frame.
		if id := first(lib.KindImage); id != 0 {
			if it, err := l.Item(ctx, id); err == nil {
				w.RunOnUI(func() { p.(kit.Navigator).Navigate(kit.Nav{Page: page, Action: kit.ActAnimate, Item: it}) })
			}
		}
		w.RunOnUI(func() {
			p.(videoer).SetPrompt("the lighthouse's beam sweeps over a calm sea as the sun rises, slow camera push")
		})
	case kit.PageTranscribe:
		if id := first(lib.KindTranscript); id != 0 {
			w.RunOnUI(func() { p.(kit.Navigator).Navigate(kit.Nav{Page: page, Action: kit.ActShow, ItemID: id}) })
		}
	case kit.PageMusic:
		w.RunOnUI(func() {
			m := p.(musician)
			m.SetPrompt("a calm piano melody on a rainy afternoon, soft and warm")
			m.Generate()
		})
	case kit.PageVoice:
		if src, stems := newestStems(ctx, l); src != nil {
			w.RunOnUI(func() { p.(voicer).ShowStems(*src, stems, 2) })
		} else if id := first(lib.KindMusic); id != 0 {
			w.RunOnUI(func() { p.(kit.Navigator).Navigate(kit.Nav{Page: page, Action: kit.ActVoice, ItemID: id}) })
		}
	case kit.PageLibrary:
		if os.Getenv("POLLINATIONS_STUDIO_SHOWCASE") == "3d" {
			// A 3D item (a mesh made in code, as the simulator makes them) in its detail view.
			var glb bytes.Buffer
			if err := mesh.WriteGLB(&glb, mesh.Icosphere(3)); err != nil {
				return
			}
			hash, err := l.PutMedia(ctx, &glb, ".glb")
			if err != nil {
				return
			}
			it := &lib.Item{Kind: lib.Kind3D, Prompt: "a smooth pebble, from a photo", MediaHash: hash,
				ContentType: "model/gltf-binary", ModelUsed: "microsoft/trellis-2"}
			if _, err := l.AddItem(ctx, it); err == nil {
				w.RunOnUI(func() { p.(kit.Navigator).Navigate(kit.Nav{Page: page, Action: kit.ActShow, ItemID: it.ID}) })
			}
			return
		}
		if id := first(lib.KindImage); id != 0 {
			w.RunOnUI(func() { p.(kit.Navigator).Navigate(kit.Nav{Page: page, Action: kit.ActShow, ItemID: id}) })
			if os.Getenv("POLLINATIONS_STUDIO_SHOWCASE") == "make3d" {
				time.Sleep(time.Second) // the detail view loads its picture first
				if it, err := l.Item(ctx, id); err == nil {
					w.RunOnUI(func() { p.(interface{ ShowMake3D(lib.Item) }).ShowMake3D(*it) })
				}
			}
		}
	}
}

// newestStems finds the library's newest stem separation: its source and its stems.
func newestStems(ctx context.Context, l *lib.Library) (*lib.Item, []lib.Item) {
	page, err := l.Search(ctx, lib.Query{Kinds: []lib.Kind{lib.KindMusic}, Limit: 50})
	if err != nil {
		return nil, nil
	}
	for _, it := range page.Items {
		if it.Relation != jobs.RelationStem || it.ParentID == nil {
			continue
		}
		src, err := l.Item(ctx, *it.ParentID)
		if err != nil {
			return nil, nil
		}
		kids, err := l.Children(ctx, src.ID)
		if err != nil {
			return nil, nil
		}
		var stems []lib.Item
		for _, k := range kids {
			if k.Relation == jobs.RelationStem {
				stems = append(stems, k)
			}
		}
		return src, stems
	}
	return nil, nil
}

// onUI runs f on the UI goroutine and returns its answer.
func onUI[T any](w Window, f func() T) T {
	ch := make(chan T, 1)
	w.RunOnUI(func() { ch <- f() })
	return <-ch
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

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

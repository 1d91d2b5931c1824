package video

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the video page alone on a test host.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	return h, p
}

func TestVideoTakesLongWhileTheWindowResponds(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the video models", func() bool { return p.model.Selected != "" && p.duration.Selected != "" })
	h.Sim.Inject(sim.Fault{PathPrefix: "/video/", Latency: 3 * time.Second})
	h.UI(func() {
		test.Type(p.prompt, "waves at night")
		p.generate()
	})
	// While it runs, the UI goroutine keeps answering: each call below comes back while the
	// job is still running (were the window waiting on the job, it would come back after).
	h.Eventually("the running video", func() bool { r, _ := h.Jobs().Counts(); return r == 1 })
	for i := 0; i < 5; i++ {
		var running bool
		h.UI(func() { p.prompt.SetText(p.prompt.Text); running = p.jobID != 0 })
		if !running {
			t.Fatal("the window answered only once the video was done")
		}
	}
	h.Eventually("the finished video", func() bool { return p.jobID == 0 && strings.HasPrefix(p.status.Text, "Done") })
	page, _ := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindVideo}})
	if len(page.Items) != 1 || page.Items[0].ContentType != "video/mp4" {
		t.Fatalf("video item: %+v", page.Items)
	}
	// The finished video opens in the library's details without taking the user there.
	navs := h.Navs()
	if len(navs) != 1 || navs[0].Page != kit.PageLibrary || navs[0].Action != kit.ActShow || navs[0].ItemID != page.Items[0].ID || !navs[0].Quiet {
		t.Fatalf("the finished video should be shown quietly in the library: %+v", navs)
	}
}

func TestVideoTimeIsSetAgainstTheModelsTypicalTime(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the video models", func() bool { return p.model.Selected != "" })
	var model string
	h.UI(func() { model = p.modelNames[p.model.Selected] })
	t0 := time.Now().Add(-time.Hour)
	for _, d := range []time.Duration{60 * time.Second, 70 * time.Second, 200 * time.Second} {
		it := &lib.Item{Kind: lib.KindVideo, Status: lib.StatusDone, Prompt: "waves", ModelRequested: model, ModelUsed: model,
			CreatedAt: t0, FinishedAt: t0.Add(d)}
		if _, err := h.Lib.AddItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	}
	var before string
	h.UI(func() { p.running = model; before = p.progressText(30 * time.Second) })
	if !strings.Contains(before, "0:30–2:10") {
		t.Fatalf("with nothing to go by, the published range: %q", before)
	}
	h.UI(func() { p.fillDurations() })
	h.Eventually("the model's typical time", func() bool { return p.typical[model].n == 3 })
	var now, late string
	h.UI(func() { now, late = p.progressText(30*time.Second), p.progressText(3*time.Minute) })
	if !strings.Contains(now, "0:30 of about 1:10") || !strings.Contains(now, model) {
		t.Fatalf("elapsed against the typical time: %q", now)
	}
	if !strings.Contains(late, "slower than usual") {
		t.Fatalf("a run well past the typical time says so: %q", late)
	}
}

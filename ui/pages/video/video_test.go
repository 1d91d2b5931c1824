package video

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

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
	h.UI(func() {
		if p.cancelB.Disabled() {
			t.Error("Cancel is disabled while the video runs")
		}
	})
	h.Eventually("the finished video", func() bool {
		return p.jobID == 0 && strings.HasPrefix(p.status.Text, "Done") && p.cancelB.Disabled()
	})
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

// The page starts on Veo 3.1 Fast; lengths and resolutions come from the model's entry, and
// the estimate is per second of the chosen length (the soundtrack's price added with sound).
func TestVideoDefaultsDurationsAndEstimate(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the video models", func() bool { return p.model.Selected != "" && p.duration.Selected != "" })
	var model, cost, dur string
	var durs, res, opts []string
	var resShown bool
	h.UI(func() {
		model, cost, dur = p.modelNames[p.model.Selected], p.cost.Text, p.duration.Selected
		durs, res, opts, resShown = p.duration.Options, p.resolution.Options, p.model.Options, p.resRow.Visible()
	})
	if model != "google/veo-3.1-fast" {
		t.Fatalf("the page starts on google/veo-3.1-fast, not %q", model)
	}
	for _, o := range opts {
		if strings.Contains(o, "nova-reel") {
			t.Fatalf("nova-reel is gone: %q", opts)
		}
	}
	if strings.Join(durs, ",") != "4 s,6 s,8 s" || dur != "4 s" || strings.Join(res, ",") != "720p,1080p" || !resShown {
		t.Fatalf("lengths and resolutions are the model's: %v (%q) %v %v", durs, dur, res, resShown)
	}
	if !strings.Contains(cost, "about 0.32 pollen (0.08 per second)") {
		t.Fatalf("the estimate is per second: %q", cost)
	}
	h.UI(func() { p.withAudio.SetChecked(true); p.duration.SetSelected("8 s"); cost = p.cost.Text })
	if !strings.Contains(cost, "about 0.8 pollen (0.1 per second)") {
		t.Fatalf("with sound, the soundtrack is priced too: %q", cost)
	}
	h.UI(func() {
		for l, n := range p.modelNames {
			if n == "alibaba/wan-2.2-fast" {
				p.model.SetSelected(l)
			}
		}
		durs, resShown = p.duration.Options, p.resRow.Visible()
	})
	if len(durs) == 0 || durs[0] != "6 s" || resShown {
		t.Fatalf("Wan's lengths start at 6 s and it lists no resolutions: %v %v", durs, resShown)
	}
}

// A stored default under an alias ("seedance") still picks its model.
func TestVideoDefaultByAlias(t *testing.T) {
	h := kittest.New(t, "secret")
	h.Preferences().SetString(kit.PrefModelPrefix+"video", "seedance")
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	h.UI(func() { p.fillModels() })
	h.Eventually("the video models", func() bool { return p.model.Selected != "" })
	var model string
	h.UI(func() { model = p.modelNames[p.model.Selected] })
	if model != "bytedance/seedance-1-pro-fast" {
		t.Fatalf("the default stored as seedance must pick its model: %q", model)
	}
}

// addImage puts a picture in the library as an item with no hosted address (an imported or
// pasted one): animating it means uploading it.
func addImage(t *testing.T, h *kittest.Host, w, hgt int) lib.Item {
	t.Helper()
	var b bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, w, hgt))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	hash, err := h.Lib.PutMedia(context.Background(), &b, ".png")
	if err != nil {
		t.Fatal(err)
	}
	it := &lib.Item{Kind: lib.KindImage, Status: lib.StatusDone, Prompt: "a lighthouse", ContentType: "image/png",
		MediaHash: hash, Width: w, Height: hgt, CreatedAt: time.Now(), FinishedAt: time.Now()}
	if _, err := h.Lib.AddItem(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	return *it
}

// videoQueries are the image= values of the video requests the simulator saw.
func videoFrames(h *kittest.Host) []string {
	var out []string
	for _, r := range h.Sim.Requests() {
		if strings.HasPrefix(r.Path, "/video/") {
			q, _ := url.ParseQuery(r.RawQuery)
			out = append(out, q.Get("image"))
		}
	}
	return out
}

// Animate makes a library image the start frame: shown as a thumbnail, uploaded once at
// submit, and sent as the hosted address; a second Animate of the same image uploads nothing.
func TestAnimateUploadsTheStartFrameOnce(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the video models", func() bool { return p.model.Selected != "" && p.duration.Selected != "" })
	it := addImage(t, h, 64, 48)
	for round := 1; round <= 2; round++ {
		h.UI(func() { p.start.clear(); p.Navigate(kit.Nav{Page: kit.PageVideo, Action: kit.ActAnimate, Item: &it}) })
		h.Eventually("the start frame's thumbnail", func() bool {
			return p.start.local.Visible() && !p.start.typed.Visible() && p.start.thumb.Image != nil
		})
		var name string
		h.UI(func() {
			name = p.start.name.Text
			p.prompt.SetText("the light turns")
			p.generate()
		})
		if name != "a lighthouse" {
			t.Fatalf("the frame is named by its item: %q", name)
		}
		h.Eventually("the finished video", func() bool { return p.jobID == 0 && strings.HasPrefix(p.status.Text, "Done") })
		if n := h.Sim.Uploads(); n != 1 {
			t.Fatalf("round %d: %d uploads, want 1 (the same image goes up once)", round, n)
		}
		frames := videoFrames(h)
		if len(frames) != round || !strings.HasPrefix(frames[round-1], h.Sim.URL()+"/") {
			t.Fatalf("round %d: the video must start from the hosted image: %q", round, frames)
		}
		if round == 2 && frames[0] != frames[1] {
			t.Fatalf("the remembered address is reused: %q", frames)
		}
	}
	// Remove goes back to an address typed.
	h.UI(func() { test.Tap(p.start.remove) })
	var file string
	var typed bool
	h.UI(func() { file, typed = p.start.file, p.start.typed.Visible() })
	if file != "" || !typed {
		t.Fatalf("after Remove, no file and the address field: %q %v", file, typed)
	}
}

// An image over the bounds is refused with its size before anything is uploaded or paid.
func TestAnimateRefusesTooLargeAnImageBeforeUpload(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the video models", func() bool { return p.model.Selected != "" && p.duration.Selected != "" })
	// A sparse file: its size is over the bound without writing it.
	big := filepath.Join(t.TempDir(), "huge.png")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("\x89PNG\r\n\x1a\n"))
	if err := f.Truncate(kit.MaxImageBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The frame is set as if its thumbnail were fine, then sent: the check at submit refuses it.
	h.UI(func() {
		p.start.file, p.start.hosted = big, ""
		p.start.typed.Hide()
		p.start.local.Show()
		p.prompt.SetText("the light turns")
		p.generate()
	})
	h.Eventually("the refusal", func() bool { return len(h.Errors()) > 0 && p.cancelUpload == nil })
	if msg := h.Errors()[0].Error(); !strings.Contains(msg, "at most 50 MB") || !strings.Contains(msg, "start frame") {
		t.Fatalf("the refusal says why: %q", msg)
	}
	if h.Sim.Uploads() != 0 || len(videoFrames(h)) != 0 {
		t.Fatalf("nothing may be sent: %d uploads, %d videos", h.Sim.Uploads(), len(videoFrames(h)))
	}
	// Animate with the same file refuses it at once, and the frame stays empty.
	h.UI(func() {
		p.start.clear()
		p.Navigate(kit.Nav{Page: kit.PageVideo, Action: kit.ActAnimate, Paths: []string{big}})
	})
	h.Eventually("the second refusal", func() bool { return len(h.Errors()) > 1 && p.start.file == "" })
}

// Cancel during the upload stops it, and no video is asked for.
func TestFrameUploadCancel(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the video models", func() bool { return p.model.Selected != "" && p.duration.Selected != "" })
	it := addImage(t, h, 64, 48)
	h.Sim.Inject(sim.Fault{PathPrefix: "/upload", Latency: kittest.HangGuard})
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageVideo, Action: kit.ActAnimate, Item: &it}) })
	h.Eventually("the start frame", func() bool { return p.start.thumb.Image != nil })
	h.UI(func() {
		if !p.cancelB.Disabled() {
			t.Error("Cancel is enabled with nothing to cancel")
		}
		p.prompt.SetText("the light turns")
		p.generate()
	})
	h.Eventually("the upload", func() bool { return p.cancelUpload != nil && p.upBar.Visible() && !p.cancelB.Disabled() })
	h.UI(func() {
		for _, b := range kittest.Buttons(p.content, func(b *widget.Button) bool { return b.Text == "Cancel" }) {
			test.Tap(b)
		}
	})
	h.Eventually("the cancelled upload", func() bool {
		return p.cancelUpload == nil && !p.upBar.Visible() && strings.Contains(p.status.Text, "cancelled") && p.cancelB.Disabled()
	})
	if len(videoFrames(h)) != 0 || p.jobID != 0 {
		t.Fatalf("a cancelled upload sends no video: %v", videoFrames(h))
	}
}

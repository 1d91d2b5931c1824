package music

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	mp3 "github.com/hajimehoshi/go-mp3"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the page alone on a test host and waits for the catalogue.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	go p.Start()
	h.Eventually("the music models", func() bool { return p.model.Selected != "" })
	return h, p
}

// pick chooses a mode and a model by id, as the user would.
func pick(h *kittest.Host, p *Page, mode, model string) {
	h.T.Helper()
	h.UI(func() {
		p.mode.SetSelected(mode)
		for l, name := range p.names {
			if name == model {
				p.model.SetSelected(l)
				return
			}
		}
		h.T.Errorf("%s is not offered in %s mode: %v", model, mode, p.model.Options)
	})
}

// shown lists which optional controls are shown.
func shown(h *kittest.Host, p *Page) map[string]bool {
	out := map[string]bool{}
	h.UI(func() {
		for k, r := range p.rows {
			out[k] = r.obj.Visible() && r.label.Visible()
		}
	})
	return out
}

func TestControlsFollowTheModel(t *testing.T) {
	h, p := newPage(t, "secret")
	if name := p.names[p.model.Selected]; name != api.DefaultMusicModel {
		t.Fatalf("music starts on %s, want %s", name, api.DefaultMusicModel)
	}
	for _, tc := range []struct {
		mode, model string
		want        map[string]bool
		rng         string
	}{
		{ModeMusic, "elevenlabs/music-v2", map[string]bool{"duration": true, "length": false, "instrumental": true, "loop": false, "influence": false, "steps": false}, "3–300 s"},
		{ModeMusic, "google/lyria-3-clip-preview", map[string]bool{"duration": false, "length": true, "instrumental": false, "loop": false, "influence": false, "steps": false}, ""},
		{ModeMusic, "stability-ai/stable-audio-3", map[string]bool{"duration": true, "length": false, "instrumental": false, "loop": false, "influence": false, "steps": true}, "1–380 s"},
		{ModeMusic, "stability-ai/stable-audio-3-medium", map[string]bool{"duration": true, "steps": false, "instrumental": false}, "1–380 s"},
		{ModeSound, "elevenlabs/eleven-text-to-sound-v2", map[string]bool{"duration": true, "length": false, "instrumental": false, "loop": true, "influence": true, "steps": false}, "0.5–30 s"},
	} {
		pick(h, p, tc.mode, tc.model)
		got := shown(h, p)
		for k, want := range tc.want {
			if got[k] != want {
				t.Errorf("%s: %s shown = %v, want %v", tc.model, k, got[k], want)
			}
		}
		if tc.rng != "" && p.durRange.Text != tc.rng {
			t.Errorf("%s: range %q, want %q", tc.model, p.durRange.Text, tc.rng)
		}
		if !tc.want["duration"] && tc.want["length"] && !strings.Contains(p.noDuration.Text, "say the length in the prompt") {
			t.Errorf("%s: the hint says %q", tc.model, p.noDuration.Text)
		}
	}
	// Rows shown in place of others of the same height are placed, not left at no size.
	pick(h, p, ModeMusic, "elevenlabs/music-v2")
	pick(h, p, ModeSound, "elevenlabs/eleven-text-to-sound-v2")
	h.UI(func() {
		if got, want := p.form.Size().Height, p.form.MinSize().Height; got < want {
			t.Errorf("the form is %v high, its rows need %v", got, want)
		}
		for _, k := range []string{"loop", "influence"} {
			o := p.rows[k].obj
			if o.Size().Height == 0 || o.Position().Y+o.Size().Height > p.form.Size().Height {
				t.Errorf("%s is not placed inside the form: %v at %v", k, o.Size(), o.Position())
			}
		}
	})
	// The sound list holds only sound models, the music list none.
	h.UI(func() { p.mode.SetSelected(ModeSound) })
	for _, name := range p.names {
		if !api.IsSoundModel(name) {
			t.Errorf("%s offered as a sound effect", name)
		}
	}
	// Back to music: the model last chosen there is kept.
	h.UI(func() { p.mode.SetSelected(ModeMusic) })
	if name := p.names[p.model.Selected]; name != "elevenlabs/music-v2" {
		t.Errorf("back in music mode on %s", name)
	}
}

func TestDurationOutsideTheRangeIsRefusedBeforeSending(t *testing.T) {
	h, p := newPage(t, "secret")
	for _, tc := range []struct {
		mode, model, dur string
		want             []string
	}{
		{ModeMusic, "elevenlabs/music-v2", "400", []string{"3 to 300 seconds", "400 was asked"}},
		{ModeMusic, "elevenlabs/music-v2", "2", []string{"3 to 300 seconds", "2 was asked"}},
		{ModeMusic, "stability-ai/stable-audio-3", "381", []string{"1 to 380 seconds"}},
		{ModeSound, "elevenlabs/eleven-text-to-sound-v2", "31", []string{"0.5 to 30 seconds", "31 was asked"}},
		{ModeSound, "elevenlabs/eleven-text-to-sound-v2", "0.2", []string{"0.5 to 30 seconds"}},
		{ModeSound, "elevenlabs/eleven-text-to-sound-v2", "five", []string{"number of seconds"}},
	} {
		pick(h, p, tc.mode, tc.model)
		h.UI(func() {
			p.prompt.SetText("rain on a tin roof")
			p.duration.SetText(tc.dur)
			test.Tap(p.generateB)
		})
		var note string
		var visible bool
		var job int64
		h.UI(func() { note, visible, job = p.note.Text, p.note.Visible(), p.jobID })
		for _, w := range tc.want {
			if !visible || !strings.Contains(note, w) {
				t.Errorf("%s %s: the refusal must say %q: %q (shown %v)", tc.model, tc.dur, w, note, visible)
			}
		}
		if job != 0 {
			t.Errorf("%s %s: a job was queued", tc.model, tc.dur)
		}
	}
	if jobs := h.Jobs().Snapshot(); len(jobs) != 0 {
		t.Fatalf("a refused duration must queue nothing: %+v", jobs)
	}
	for _, r := range h.Sim.Requests() {
		if r.Path == "/v1/audio/speech" {
			t.Fatalf("a refused duration must send nothing: %s %s", r.Method, r.Path)
		}
	}
	if errs := h.Errors(); len(errs) != 0 {
		t.Fatalf("no error dialog expected: %v", errs)
	}
	// A duration in range clears the refusal once typed.
	h.UI(func() { p.duration.SetText("5") })
	if p.note.Visible() {
		t.Fatal("the refusal stays after the duration was corrected")
	}
}

func TestSoundOfFiveSecondsPlaysAndLandsInTheLibrary(t *testing.T) {
	h, p := newPage(t, "secret")
	pick(h, p, ModeSound, api.DefaultSoundModel)
	h.UI(func() {
		p.prompt.SetText("a glass breaking on stone")
		p.duration.SetText("5")
		p.loop.SetChecked(true)
		test.Tap(p.generateB)
	})
	h.Eventually("the job", func() bool { return p.jobID != 0 || p.itemID != 0 })
	h.Eventually("live playback", func() bool { return h.Player().Position() > 0 })
	h.Eventually("the sound in the library", func() bool { return strings.Contains(p.state.Text, "Saved") && p.itemID != 0 })
	if errs := h.Errors(); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	page, err := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindSound}})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("want one sound item: %+v %v", page.Items, err)
	}
	it := page.Items[0]
	if it.ID != p.itemID || it.ModelRequested != api.DefaultSoundModel {
		t.Fatalf("item %d of %s, page shows %d", it.ID, it.ModelRequested, p.itemID)
	}
	var params api.MusicRequest
	if err := json.Unmarshal(it.Params, &params); err != nil || params.Duration != 5 || !params.Loop || params.PromptInfluence == nil || params.Instrumental {
		t.Fatalf("the request sent: %s (%v)", it.Params, err)
	}
	if secs := mp3Seconds(t, h, &it); math.Abs(secs-5) > 0.05 {
		t.Fatalf("the MP3 decodes to %.3f s, want about 5", secs)
	}
	if music, _ := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindMusic}}); len(music.Items) != 0 {
		t.Fatalf("a sound effect was kept as music: %+v", music.Items)
	}

	// Play again from the library file: the bar knows the length and seeks.
	h.UI(func() { test.Tap(p.playB) })
	h.Eventually("the length on the bar", func() bool {
		p.bar.Refresh()
		return p.bar.Pos.Visible() && strings.HasSuffix(p.bar.Elapsed.Text, "/ 0:05")
	})
	h.UI(func() { p.bar.SeekTo(0.8) })
	h.Eventually("the seek", func() bool { return h.Player().Position() >= 4*time.Second })
	h.UI(func() { test.Tap(p.openB) })
	navs := h.Navs()
	if len(navs) != 1 || navs[0].Page != kit.PageLibrary || navs[0].ItemID != it.ID {
		t.Fatalf("Open in library sent %+v", navs)
	}
}

// mp3Seconds decodes the item's file and measures it.
func mp3Seconds(t *testing.T, h *kittest.Host, it *lib.Item) float64 {
	t.Helper()
	path, err := h.Lib.ItemMediaPath(it)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := mp3.NewDecoder(f)
	if err != nil {
		t.Fatalf("the file is not MP3: %v", err)
	}
	return float64(d.Length()) / 4 / float64(d.SampleRate())
}

func TestEstimateInTheModelsUnit(t *testing.T) {
	h, p := newPage(t, "secret")
	for _, tc := range []struct {
		mode, model, dur string
		want             []string
	}{
		{ModeSound, "elevenlabs/eleven-text-to-sound-v2", "5", []string{"about 0.010 pollen", "0.0020 pollen per second × 5 s"}},
		{ModeMusic, "elevenlabs/music-v2", "60", []string{"about 0.150 pollen", "0.0025 pollen per second × 60 s"}},
		{ModeMusic, "elevenlabs/music-v2", "", []string{"per second of output", "0.0025 pollen/s"}},
		{ModeMusic, "google/lyria-3-clip-preview", "", []string{"0.040 pollen per clip"}},
		{ModeMusic, "stability-ai/stable-audio-3", "200", []string{"0.260 pollen per clip"}},
	} {
		pick(h, p, tc.mode, tc.model)
		h.UI(func() { p.duration.SetText(tc.dur) })
		var cost, label string
		h.UI(func() { cost, label = p.cost.Text, p.model.Selected })
		for _, w := range tc.want {
			if !strings.Contains(cost, w) {
				t.Errorf("%s %q: the estimate must say %q: %q", tc.model, tc.dur, w, cost)
			}
		}
		// The picker shows the catalogue price in the same unit.
		unit := "pollen/s"
		if strings.Contains(tc.want[len(tc.want)-1], "clip") {
			unit = "pollen/clip"
		}
		if !strings.Contains(label, unit) {
			t.Errorf("%s: picker label %q lacks %q", tc.model, label, unit)
		}
	}
}

// An account without paid Pollen asking for a paid-only model is shown the way out.
func TestPaidOnlyModelWithoutPaidPollenShowsTheRemedy(t *testing.T) {
	h, p := newPage(t, "secret")
	pick(h, p, ModeSound, api.DefaultSoundModel)
	key, _ := h.Keys.Get(context.Background())
	h.Sim.SetBalance(key, 0.6, 0) // the paid Pollen is spent; Quest Pollen is left
	h.UI(func() {
		p.prompt.SetText("a door creaking")
		p.duration.SetText("2")
		test.Tap(p.generateB)
	})
	h.Eventually("the error", func() bool { return len(h.Errors()) > 0 })
	e, ok := api.AsError(h.Errors()[0])
	if !ok || e.Kind != api.KindPaymentRequired || len(e.Remedies) == 0 {
		t.Fatalf("want a payment refusal with its remedies: %#v", h.Errors()[0])
	}
	h.Eventually("the dialog", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	text := h.TopText()
	for _, w := range []string{"Pollen", "Top up"} {
		if !strings.Contains(text, w) {
			t.Errorf("the dialog must say %q: %q", w, text)
		}
	}
	if page, _ := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindSound}}); len(page.Items) != 0 {
		t.Fatalf("a refused generation landed in the library: %+v", page.Items)
	}
}

// An account without paid Pollen still sees the music models, marked, and the way to pay as
// soon as it picks one.
func TestPaidOnlyMusicShownWithTheWayToPay(t *testing.T) {
	h := kittest.New(t, "free")
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	h.Eventually("the music models, marked", func() bool {
		for _, l := range p.model.Options {
			if strings.Contains(l, "paid Pollen") {
				return true
			}
		}
		return false
	})
	h.Eventually("the note", func() bool { return p.modelNote.Visible() })
	if text := kittest.Text(p.modelNote); !strings.Contains(text, "paid Pollen") {
		t.Fatalf("the note says %q", text)
	}
}

// "Play" on a music or sound item arrives as a navigation value: it plays through the window's
// player, and the page offers the item in the library.
func TestPlayAnItemFromTheLibrary(t *testing.T) {
	h, p := newPage(t, "secret")
	r := api.MusicRequest{Prompt: "a gong", Model: "music-v2", Duration: 3}
	id, err := h.Jobs().Submit(context.Background(), jobs.Request{Music: &r})
	if err != nil {
		t.Fatal(err)
	}
	it, err := h.Jobs().Wait(context.Background(), id)
	if err != nil || it.Kind != lib.KindMusic {
		t.Fatalf("the music item: %+v %v", it, err)
	}
	h.Player().Stop() // the live playback of the generation
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageMusic, Action: kit.ActPlay, Item: it}) })
	h.Eventually("playback with its length", func() bool {
		p.bar.Refresh()
		return h.Player().Position() > 0 && strings.HasSuffix(p.bar.Elapsed.Text, "/ 0:03")
	})
	if !p.openB.Visible() || p.itemID != it.ID {
		t.Fatalf("the page must offer the item: open %v, item %d", p.openB.Visible(), p.itemID)
	}
	if errs := h.Errors(); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
}

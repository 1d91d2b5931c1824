package speech

import (
	"context"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/sim"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the speech page alone on a test host.
func newPage(t *testing.T, keyKind string) (*kittest.Host, *Page) {
	h := kittest.New(t, keyKind)
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	return h, p
}

func TestSpeechPlaysAndLandsInLibrary(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the voices", func() bool { return p.voice.Selected != "" })
	h.UI(func() {
		test.Type(p.text, "Hello from the speech page.")
		test.Tap(p.speakB)
	})
	h.Eventually("playback", func() bool { return h.Player() != nil && h.Player().Position() > 0 })
	h.Eventually("the clip in the library", func() bool { return strings.Contains(p.state.Text, "Saved") })
	page, err := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindSpeech}})
	if err != nil || len(page.Items) != 1 || page.Items[0].MediaHash == "" {
		t.Fatalf("speech item: %+v %v", page.Items, err)
	}
}

func TestSpeechOverTheModelsLimitIsOneClip(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the voices", func() bool { return p.voice.Selected != "" })
	long := strings.Repeat("The bees are busy in the meadow today. ", 300) // 11 699 characters, trimmed
	h.UI(func() {
		p.text.SetText(long)
		test.Tap(p.speakB)
	})
	h.Eventually("the job", func() bool { return p.jobID != 0 })
	h.Eventually("the second part", func() bool { return p.state.Text == "Part 2 of 2…" || strings.Contains(p.state.Text, "Saved") })
	h.Eventually("the clip in the library", func() bool { return strings.Contains(p.state.Text, "Saved") })
	if top := h.Win.Canvas().Overlays().Top(); top != nil {
		t.Fatalf("no refusal or error expected: %q", kittest.Text(top))
	}
	n := 0
	for _, r := range h.Sim.Requests() {
		if r.Path == "/v1/audio/speech" {
			n++
		}
	}
	page, err := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindSpeech}})
	if n != 2 || err != nil || len(page.Items) != 1 || page.Items[0].Prompt != strings.TrimSpace(long) {
		t.Fatalf("want 2 requests and one clip of the whole text: %d requests, %d items (%v)", n, len(page.Items), err)
	}
}

func TestSpeechRefusesTextOfOverFiftyParts(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the voices", func() bool { return p.voice.Selected != "" })
	// A dialogue model reads 2000 characters at a time: 51 parts' worth.
	huge := strings.Repeat("The bees are busy in the meadow today. ", 2700) // 105 299 characters
	h.UI(func() {
		p.model.Selected = "eleven-dialogue"
		p.text.SetText(huge)
		test.Tap(p.speakB)
	})
	h.Eventually("the refusal", func() bool { return h.Win.Canvas().Overlays().Top() != nil })
	var text string
	var job int64
	h.UI(func() { text, job = kittest.Text(h.Win.Canvas().Overlays().Top()), p.jobID })
	if job != 0 {
		t.Fatal("a text of over 50 parts must not be sent")
	}
	for _, want := range []string{"105299 characters", "2000 at a time", "at most 50"} {
		if !strings.Contains(text, want) {
			t.Fatalf("the refusal must say %q: %q", want, text)
		}
	}
}

// "Play" in the library arrives as a navigation value and plays through the window's player.
func TestPlayFromTheLibrary(t *testing.T) {
	h, p := newPage(t, "secret")
	clip := t.TempDir() + "/tone.wav"
	if err := writeFile(clip, kittest.ToneWAV(1)); err != nil {
		t.Fatal(err)
	}
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageSpeech, Action: kit.ActPlay, Paths: []string{clip}}) })
	h.Eventually("playback", func() bool { return h.Player().Position() > 0 })
	if errs := h.Errors(); len(errs) != 0 {
		t.Fatalf("playing a clip: %v", errs)
	}
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

// The speaker changes (Settings' output device) while speech plays: the page's tick, the live
// audio and the buttons read the player from other goroutines while it is replaced. Run under
// -race, this fails on an unguarded player.
func TestSpeakerChangesWhileSpeechPlays(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the voices", func() bool { return p.voice.Selected != "" })
	h.Sim.Inject(sim.Fault{PathPrefix: "/v1/audio/speech", BytesPerSec: 20000})
	go p.Start() // the tick, as the window starts it
	h.UI(func() {
		test.Type(p.text, "Hello from the speech page, read slowly while the speaker changes.")
		test.Tap(p.speakB)
		h.UseOutput("") // the device changes as the live audio arrives
	})
	h.Eventually("playback", func() bool { pl := h.Player(); return pl != nil && pl.Position() > 0 })
	// Settings may change the device at any moment, as more speech arrives.
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for range 500 { // bounded: each change makes a player
			select {
			case <-stop:
				return
			default:
				h.UseOutput("")
			}
		}
	}()
	for i := 0; i < 3; i++ {
		h.Eventually("the last clip saved", func() bool { return strings.Contains(p.state.Text, "Saved") })
		h.UI(func() { p.state.SetText(""); test.Tap(p.speakB) })
	}
	close(stop)
	<-stopped
	for i := 0; i < 20; i++ {
		h.UI(func() {
			test.Tap(p.pauseB)
			h.UseOutput("")
			test.Tap(p.pauseB)
		})
	}
	h.Eventually("the clip in the library", func() bool { return strings.Contains(p.state.Text, "Saved") })
	if errs := h.Errors(); len(errs) != 0 {
		t.Fatalf("changing the speaker: %v", errs)
	}
}

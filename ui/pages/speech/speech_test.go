package speech

import (
	"context"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"pollinations-studio/backend/api"
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

// A free account (Quest Pollen only) starts on openai/tts-1 with its voices, and speaks; a
// paid-only model shows the way to pay instead of a Speak that would be refused.
func TestFreeAccountStartsOnAVoiceItCanUse(t *testing.T) {
	h, p := newPage(t, "free")
	if _, paid := h.Sim.Balance(h.Sim.Key("free")); paid != 0 {
		t.Fatalf("the tier key must have no paid Pollen: %v", paid)
	}
	h.Eventually("the voices", func() bool { return p.voice.Selected != "" })
	var model string
	var voices, options []string
	h.UI(func() { model, voices, options = p.modelName(), p.voice.Options, p.model.Options })
	if model != "openai/tts-1" {
		t.Fatalf("a free account starts on openai/tts-1, not %q", model)
	}
	if strings.Join(voices, " ") != "alloy echo fable onyx nova shimmer" {
		t.Fatalf("the voices are openai/tts-1's: %v", voices)
	}
	for _, o := range options {
		if strings.HasPrefix(kit.ModelOfLabel(o), "openai/gpt-audio-mini") || strings.HasPrefix(kit.ModelOfLabel(o), "elevenlabs/music") {
			t.Fatalf("only voices are offered on Speech: %q", o)
		}
	}
	h.UI(func() {
		test.Type(p.text, "Hello from a free account.")
		test.Tap(p.speakB)
	})
	h.Eventually("the clip in the library", func() bool { return strings.Contains(p.state.Text, "Saved") })
	page, err := h.Lib.Search(context.Background(), lib.Query{Kinds: []lib.Kind{lib.KindSpeech}})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("speech item: %+v %v", page.Items, err)
	}

	// Paid-only models stay visible to a free account, marked as needing paid Pollen.
	for _, o := range options {
		if strings.HasPrefix(kit.ModelOfLabel(o), "elevenlabs/") && !strings.Contains(o, "paid Pollen") {
			t.Fatalf("a paid-only model must be marked: %q", o)
		}
	}
}

// wholeCatalogue is a host whose catalogue lists every model, as one loaded before the key
// was set (or cached from an account that had paid Pollen) does: the service itself leaves
// paid-only models out of a free account's list.
type wholeCatalogue struct {
	*kittest.Host
	all []api.Model
}

func (w wholeCatalogue) Models(kind string) []api.Model {
	var out []api.Model
	for _, m := range w.all {
		if kind == "" || m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// A free account whose catalogue lists paid-only voices starts on openai/tts-1, and choosing
// ElevenLabs shows the way out (top up), with its link, instead of a Speak that would be
// refused.
func TestPaidOnlyModelShowsTheRemedy(t *testing.T) {
	h := kittest.New(t, "free")
	keyless, err := h.Client().WithKey("")
	if err != nil {
		t.Fatal(err)
	}
	all, err := keyless.Models(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	host := wholeCatalogue{Host: h, all: all}
	var p *Page
	h.UI(func() { p = New(host) })
	h.Show(p.Content())
	h.Eventually("the account", func() bool { _, b := h.Account(); return b != nil && p.voice.Selected != "" })
	h.UI(func() { p.fillModels() }) // the balance is known now
	var model string
	h.UI(func() { model = p.modelName() })
	if model != "openai/tts-1" {
		t.Fatalf("a free account starts on openai/tts-1, not %q", model)
	}
	var shown, disabled, found bool
	var link, words string
	h.UI(func() {
		for _, o := range p.model.Options {
			if kit.ModelOfLabel(o) == "elevenlabs/eleven-v3" {
				p.model.SetSelected(o)
				found = true
			}
		}
		shown, disabled, words = p.remedy.Visible(), p.speakB.Disabled(), p.remedyText.Text
		if p.remedyLink.URL != nil {
			link = p.remedyLink.URL.String()
		}
	})
	if !found {
		t.Fatal("the whole catalogue lists ElevenLabs")
	}
	if !shown || !disabled || !strings.HasPrefix(link, "https://enter.pollinations.ai") || !strings.Contains(words, "paid Pollen") {
		t.Fatalf("a paid-only model must show the remedy (%v, %q, %q) and hold Speak (%v)", shown, words, link, disabled)
	}
	h.UI(func() {
		test.Type(p.text, "Hello")
		p.speak()
	})
	for _, r := range h.Sim.Requests() {
		if r.Path == "/v1/audio/speech" {
			t.Fatal("nothing may be sent while the remedy shows")
		}
	}
	h.UI(func() {
		for _, o := range p.model.Options {
			if kit.ModelOfLabel(o) == "openai/tts-1" {
				p.model.SetSelected(o)
			}
		}
		shown, disabled = p.remedy.Visible(), p.speakB.Disabled()
	})
	if shown || disabled {
		t.Fatal("back on a free model the remedy goes and Speak returns")
	}
}

// An account with paid Pollen may use a paid-only model: no remedy.
func TestPaidAccountMayChooseAPaidOnlyModel(t *testing.T) {
	h, p := newPage(t, "secret")
	h.Eventually("the voices", func() bool { return p.voice.Selected != "" })
	var shown bool
	h.UI(func() {
		for _, o := range p.model.Options {
			if kit.ModelOfLabel(o) == "elevenlabs/eleven-v3" {
				p.model.SetSelected(o)
			}
		}
		shown = p.remedy.Visible()
	})
	if shown {
		t.Fatal("a paid account needs no remedy")
	}
}

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
			test.Tap(p.bar.Pause)
			h.UseOutput("")
			test.Tap(p.bar.Pause)
		})
	}
	h.Eventually("the clip in the library", func() bool { return strings.Contains(p.state.Text, "Saved") })
	if errs := h.Errors(); len(errs) != 0 {
		t.Fatalf("changing the speaker: %v", errs)
	}
}

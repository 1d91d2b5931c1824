package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pollinations-studio/audio"
	"pollinations-studio/backend/jobs"
	lib "pollinations-studio/storage"
	"pollinations-studio/ui/kit"
	"pollinations-studio/ui/kit/kittest"
)

// newPage builds the page alone on a test host and waits for the catalogue's voices.
func newPage(t *testing.T) (*kittest.Host, *Page) {
	h := kittest.New(t, "secret")
	var p *Page
	h.UI(func() { p = New(h) })
	h.Show(p.Content())
	go p.Start()
	h.Eventually("the voices", func() bool { return len(p.voice.Options) > 0 })
	return h, p
}

// tone writes a WAV tone of secs seconds.
func tone(t *testing.T, name string, secs int) string {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, kittest.ToneWAV(secs), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// voiceRequests counts the requests the simulator saw on the voice tools' routes.
func voiceRequests(h *kittest.Host) int {
	n := 0
	for _, r := range h.Sim.Requests() {
		if strings.Contains(r.Path, "voice-isolator") || strings.Contains(r.Path, "voice-changer") || strings.Contains(r.Path, "stem-separation") {
			n++
		}
	}
	return n
}

func source(h *kittest.Host, id int64) *lib.Item {
	h.T.Helper()
	it, err := h.Lib.Item(context.Background(), id)
	if err != nil {
		h.T.Fatal(err)
	}
	return it
}

func TestIsolateAChosenFile(t *testing.T) {
	h, p := newPage(t)
	wav := tone(t, "interview.wav", 5)
	h.UI(func() {
		p.setFile(wav)
		p.tool.SetSelected(ToolIsolate)
	})
	// The price for this file: 5 s at 0.12 pollen a minute.
	want := "about " + kit.Pollen(0.12*5/60) + " pollen for this 0:05 file"
	h.Eventually("the price of the file", func() bool { return strings.Contains(p.price.Text, want) })
	h.UI(func() { p.runB.OnTapped() })
	h.Eventually("the isolated voice", func() bool { return p.result.valid && p.result.box.Visible() })
	it := p.result.item
	if it.Relation != jobs.RelationIsolated || it.ParentID == nil {
		t.Fatalf("the result is not linked to its source: %+v", it)
	}
	src := source(h, *it.ParentID)
	if src.Kind != lib.KindRecording || src.Prompt != "interview.wav" {
		t.Errorf("the source kept is %s %q, want the recording interview.wav", src.Kind, src.Prompt)
	}
	if voiceRequests(h) != 1 {
		t.Errorf("%d voice tool requests, want 1", voiceRequests(h))
	}
	h.UI(func() { p.result.open.OnTapped() })
	if navs := h.Navs(); len(navs) != 1 || navs[0].Page != kit.PageLibrary || navs[0].ItemID != it.ID {
		t.Errorf("Open in library sent %+v", navs)
	}
}

func TestSixStemsOnTheMixer(t *testing.T) {
	h, p := newPage(t)
	wav := tone(t, "song.wav", 5)
	h.UI(func() {
		p.setFile(wav)
		p.tool.SetSelected(ToolStems)
		p.stems.SetSelected(StemsSix)
		p.runB.OnTapped()
	})
	h.Eventually("six stems on the mixer", func() bool { return len(p.mixer.rows) == 6 })
	var items []lib.Item
	var names []string
	h.UI(func() {
		items = slices.Clone(p.mixer.items)
		for _, r := range p.mixer.rows {
			names = append(names, r.name.Text)
		}
	})
	parent := items[0].ParentID
	for _, it := range items {
		if it.Relation != jobs.RelationStem || it.ParentID == nil || *it.ParentID != *parent || it.Kind != lib.KindMusic {
			t.Errorf("stem %d is not a music item linked to the source: %+v", it.ID, it)
		}
	}
	kids, err := h.Lib.Children(context.Background(), *parent)
	if err != nil || len(kids) != 6 {
		t.Fatalf("the source has %d children (%v), want 6", len(kids), err)
	}
	if !slices.Contains(names, "vocals") || !slices.Contains(names, "drums") {
		t.Errorf("stem rows %v", names)
	}
	if h.Player() == nil {
		t.Skip("no audio engine: the mixer cannot play")
	}
	h.UI(func() { p.mixer.playAll.OnTapped() })
	h.Eventually("the mix playing", func() bool { return p.mixer.mix != nil })
	var mix interface {
		Muted(int) bool
		Audible(int) bool
		Tracks() int
		Solo() int
	}
	h.UI(func() { mix = p.mixer.mix })
	if mix.Tracks() != 6 || mix.Muted(2) {
		t.Fatalf("the mix has %d tracks, track 3 muted %v", mix.Tracks(), mix.Muted(2))
	}
	h.UI(func() { p.mixer.rows[2].mute.SetChecked(true) })
	if !mix.Muted(2) || mix.Audible(2) || !mix.Audible(1) {
		t.Error("muting the third stem did not take it out of the mix")
	}
	h.UI(func() { p.mixer.rows[4].alone.OnTapped() })
	if mix.Solo() != 4 || mix.Audible(0) {
		t.Errorf("Play alone: solo %d", mix.Solo())
	}
	if want := names[4] + " alone"; !strings.Contains(p.mixer.note.Text, want) {
		t.Errorf("the mixer says %q, want %q", p.mixer.note.Text, want)
	}
	h.UI(func() { p.mixer.playAll.OnTapped() })
	if mix.Solo() != -1 || mix.Audible(2) || !mix.Audible(0) {
		t.Errorf("Play all again: solo %d, the muted stem heard %v", mix.Solo(), mix.Audible(2))
	}
	h.UI(func() { p.mixer.stop.OnTapped() })
	h.Eventually("the mix stopped", func() bool { return !p.mixer.playing })
}

func TestTwoStems(t *testing.T) {
	h, p := newPage(t)
	h.UI(func() {
		p.setFile(tone(t, "duet.wav", 3)) // stems take any length
		p.tool.SetSelected(ToolStems)
		p.stems.SetSelected(StemsTwo)
		p.runB.OnTapped()
	})
	h.Eventually("two stems", func() bool { return len(p.mixer.rows) == 2 })
}

// What the service would refuse is refused on the page, before any request.
func TestLimitsCheckedBeforeSending(t *testing.T) {
	h, p := newPage(t)
	dir := t.TempDir()
	big := filepath.Join(dir, "concert.m4a")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(51 << 20) // sparse: no 51 MB written
	f.Close()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("hello"), 0o644)
	for _, tc := range []struct {
		name, file, tool, want string
	}{
		{"too short to isolate", tone(t, "short.wav", 2), ToolIsolate, "at least 4.6 s"},
		{"too large", big, ToolStems, "up to 50 MB"},
		{"not audio", notes, ToolRevoice, "not an audio or video file"},
		{"no file", "", ToolIsolate, "choose an audio or video file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.UI(func() {
				p.srcPath, p.srcItem = tc.file, nil
				p.note.Hide()
				p.tool.SetSelected(tc.tool)
				p.runB.OnTapped()
			})
			h.Eventually("the refusal", func() bool { return p.note.Visible() })
			if !strings.Contains(p.note.Text, tc.want) {
				t.Errorf("the note says %q, want %q", p.note.Text, tc.want)
			}
		})
	}
	if n := voiceRequests(h); n != 0 {
		t.Errorf("%d requests were sent for refused files", n)
	}
	// A short file is fine for stems and the voice changer: only the isolator needs 4.6 s.
	h.UI(func() {
		p.setFile(tone(t, "short2.wav", 2))
		p.tool.SetSelected(ToolRevoice)
		p.runB.OnTapped()
	})
	h.Eventually("the changed voice", func() bool { return p.result.valid })
	if p.result.item.Relation != jobs.RelationRevoiced {
		t.Errorf("relation %q", p.result.item.Relation)
	}
}

func TestDropsAndNavigation(t *testing.T) {
	h, p := newPage(t)
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.wav"), filepath.Join(dir, "b.png"), filepath.Join(dir, "c.MP3")
	var rest []string
	h.UI(func() { rest = p.TakeDrop([]string{b, a, c}) })
	if !slices.Equal(rest, []string{b}) {
		t.Errorf("the page left %v to the window, want only the image", rest)
	}
	if p.srcPath != a || p.srcItem != nil || !strings.Contains(p.source.Text, "a.wav") {
		t.Errorf("the source is %q (%q)", p.srcPath, p.source.Text)
	}
	if !strings.Contains(p.state.Text, "One file at a time") {
		t.Errorf("the second audio file was dropped silently: %q", p.state.Text)
	}
	h.UI(func() { rest = p.TakeDrop([]string{b}) })
	if len(rest) != 1 || p.srcPath != a {
		t.Errorf("an image changed the source or was kept: %v %q", rest, p.srcPath)
	}

	// From the library: the item is the source, and the result is linked to it.
	hash, err := h.Lib.PutMedia(context.Background(), strings.NewReader(string(kittest.ToneWAV(5))), ".wav")
	if err != nil {
		t.Fatal(err)
	}
	rec := &lib.Item{Kind: lib.KindRecording, Prompt: "kitchen noise", MediaHash: hash, ContentType: "audio/wav"}
	if _, err := h.Lib.AddItem(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	h.UI(func() { p.Navigate(kit.Nav{Page: kit.PageVoice, Action: kit.ActVoice, ItemID: rec.ID}) })
	h.Eventually("the item as source", func() bool { return p.srcItem != nil && p.srcItem.ID == rec.ID })
	h.UI(func() {
		p.tool.SetSelected(ToolIsolate)
		p.runB.OnTapped()
	})
	h.Eventually("the isolated voice", func() bool { return p.result.valid })
	if it := p.result.item; it.ParentID == nil || *it.ParentID != rec.ID {
		t.Errorf("the result's parent is %v, want the library item %d", it.ParentID, rec.ID)
	}
	kids, _ := h.Lib.Children(context.Background(), rec.ID)
	if len(kids) != 1 {
		t.Errorf("the item has %d children, want the one result (no copy of the source)", len(kids))
	}

	// Pick from library lists sound items only, and picking one makes it the source.
	img := &lib.Item{Kind: lib.KindImage, Prompt: "a picture"}
	h.Lib.AddItem(context.Background(), img)
	h.UI(func() { p.setFile(a); p.pickFromLibrary() })
	h.Eventually("the picker", func() bool { return p.picker != nil })
	var listed []lib.Item
	h.UI(func() { listed = slices.Clone(p.picker.items) })
	for _, it := range listed {
		if !slices.Contains(sourceKinds, it.Kind) {
			t.Errorf("the picker offers a %s", it.Kind)
		}
	}
	i := slices.IndexFunc(listed, func(it lib.Item) bool { return it.ID == rec.ID })
	if i < 0 {
		t.Fatalf("the recording is not offered: %v", listed)
	}
	h.UI(func() { p.picker.list.Select(i) })
	if p.srcItem == nil || p.srcItem.ID != rec.ID || p.picker != nil {
		t.Errorf("picking did not make the item the source: %+v", p.srcItem)
	}
}

// Stems that do not share a sample rate cannot be mixed: Play all says why, Play alone still
// plays the one stem.
func TestStemsOfDifferentRates(t *testing.T) {
	h, p := newPage(t)
	if h.Player() == nil {
		t.Skip("no audio engine")
	}
	var items []lib.Item
	for i, rate := range []int{16000, 8000} {
		var wav bytes.Buffer
		if err := audio.EncodeWAV(&wav, make([]int16, 3*rate), rate, 1); err != nil {
			t.Fatal(err)
		}
		hash, err := h.Lib.PutMedia(context.Background(), &wav, ".wav")
		if err != nil {
			t.Fatal(err)
		}
		it := lib.Item{Kind: lib.KindMusic, Prompt: fmt.Sprintf("stem %d", i), MediaHash: hash, ContentType: "audio/wav",
			Relation: jobs.RelationStem, Params: []byte(fmt.Sprintf(`{"stem":"part%d"}`, i))}
		if _, err := h.Lib.AddItem(context.Background(), &it); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	h.UI(func() { p.mixer.show(items); p.mixer.playAll.OnTapped() })
	h.Eventually("the refusal", func() bool { return len(h.Errors()) == 1 })
	if err := h.Errors()[0]; !errors.Is(err, audio.ErrMixRates) {
		t.Errorf("Play all: %v", err)
	}
	h.CloseOverlays()
	h.UI(func() { p.mixer.rows[1].alone.OnTapped() })
	h.Eventually("the stem playing alone", func() bool { return strings.Contains(p.mixer.note.Text, "one at a time") })
	h.Eventually("the player playing", func() bool { return h.Player().Playing() })
	if len(h.Errors()) != 1 {
		t.Errorf("Play alone failed: %v", h.Errors())
	}
}

// Ctrl+Enter pressed twice while the file is checked queues one job, not two.
func TestPrimaryTwiceQueuesOnce(t *testing.T) {
	h, p := newPage(t)
	h.UI(func() {
		p.setFile(tone(t, "twice.wav", 5))
		p.tool.SetSelected(ToolIsolate)
		p.Primary()
		p.Primary()
	})
	h.Eventually("the result", func() bool { return p.result.valid })
	if n := len(h.Jobs().Snapshot()); n != 1 {
		t.Errorf("%d jobs queued, want 1", n)
	}
}

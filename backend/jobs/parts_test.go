package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mp3 "github.com/hajimehoshi/go-mp3"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
	"pollinations-studio/backend/textutil"
	"pollinations-studio/internal/wav"
	"pollinations-studio/storage"
)

// longText is over twice the speech limit, in sentences.
var longText = strings.TrimSpace(strings.Repeat("The bees are busy in the meadow today. ", 600)) // 23 399 characters

func countPath(reqs []sim.Request, path string) int {
	n := 0
	for _, r := range reqs {
		if r.Path == path {
			n++
		}
	}
	return n
}

func mp3Seconds(t *testing.T, data []byte) float64 {
	t.Helper()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a playable MP3: %v", err)
	}
	return float64(d.Length()) / 4 / float64(d.SampleRate())
}

// partsDirect speaks each part on its own, to know what the joined clip should hold.
func partsDirect(t *testing.T, f *fixture, req api.SpeechRequest) (clips [][]byte, cost float64) {
	t.Helper()
	c := f.client(t, "secret")
	for _, p := range textutil.SplitSentences(req.Text, api.SpeechLimit(req.Model)) {
		r := req
		r.Text = p
		ms, err := c.Speech(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(ms.Body)
		ms.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		clips = append(clips, b)
		cost += ms.Meta.Cost
	}
	return clips, cost
}

// runLongSpeech submits a speech job and returns its item and what the live stream carried.
func runLongSpeech(t *testing.T, f *fixture, svc *Service, req api.SpeechRequest) (*storage.Item, []byte, []Event) {
	t.Helper()
	ctx := context.Background()
	events, stop := svc.Subscribe()
	defer stop()
	id, err := svc.Submit(ctx, Request{Speech: &req})
	if err != nil {
		t.Fatal(err)
	}
	var live []byte
	var seen []Event
	liveDone := make(chan error, 1)
	timeout := time.After(30 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-events:
			if ev.ID != id {
				continue
			}
			seen = append(seen, ev)
			if ev.Audio != nil {
				go func(r io.Reader) {
					var err error
					live, err = io.ReadAll(r)
					liveDone <- err
				}(ev.Audio)
			}
			done = isFinal(ev.State)
		case <-timeout:
			t.Fatal("the long speech never ended")
		}
	}
	it, err := svc.Wait(ctx, id)
	if err != nil {
		t.Fatalf("long speech: %v", err)
	}
	if err := <-liveDone; err != nil {
		t.Fatalf("the live stream: %v", err)
	}
	return it, live, seen
}

func TestLongSpeechIsOneClipOfAllParts(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	req := api.SpeechRequest{Text: longText, Voice: "alloy", Format: "mp3"}
	parts, err := SpeechParts(req)
	if err != nil || len(parts) != 3 {
		t.Fatalf("want 3 parts, got %d (%v)", len(parts), err)
	}
	it, live, seen := runLongSpeech(t, f, svc, req)

	if n := countPath(f.sim.Requests(), "/v1/audio/speech"); n != 3 {
		t.Fatalf("%d speech requests, want 3", n)
	}
	page, err := f.lib.Search(context.Background(), storage.Query{Kinds: []storage.Kind{storage.KindSpeech}})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("want one speech item, got %d (%v)", len(page.Items), err)
	}
	saved, err := os.ReadFile(f.lib.MediaPath(it.MediaHash))
	if err != nil {
		t.Fatal(err)
	}
	if it.MediaSize != int64(len(saved)) {
		t.Errorf("media size %d, file %d bytes", it.MediaSize, len(saved))
	}
	if !bytes.Equal(live, saved) {
		t.Errorf("the live stream (%d bytes) is not the saved clip (%d bytes)", len(live), len(saved))
	}
	var lastPart int
	for _, ev := range seen {
		if ev.Parts == 3 && ev.Part > lastPart {
			lastPart = ev.Part
		}
	}
	if lastPart != 3 {
		t.Errorf("the events never said part 3 of 3 (last %d)", lastPart)
	}

	f.sim.ResetRequests()
	clips, cost := partsDirect(t, f, req)
	var want float64
	for _, c := range clips {
		want += mp3Seconds(t, c)
	}
	if got := mp3Seconds(t, saved); math.Abs(got-want) > 0.1 || want < 10 {
		t.Fatalf("the clip lasts %.2f s, the parts %.2f s", got, want)
	}
	if !it.CostKnown || math.Abs(it.Cost-cost) > 1e-9 || cost <= 0 {
		t.Errorf("cost %v (known %v), want the parts' sum %v", it.Cost, it.CostKnown, cost)
	}
	var params map[string]any
	if err := json.Unmarshal(it.Params, &params); err != nil {
		t.Fatal(err)
	}
	if params["parts"] != 3.0 || params["text"] != longText || it.Prompt != longText {
		t.Errorf("params must record the request as given and its parts: %v", params)
	}
}

func TestLongSpeechInWAVHasOneCorrectHeader(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	// Just over the limit: WAV is large, so two parts (the second short) are enough.
	text := strings.TrimSpace(strings.Repeat("The bees are busy in the meadow today. ", 259))
	req := api.SpeechRequest{Text: text, Voice: "alloy", Format: "wav"}
	it, live, _ := runLongSpeech(t, f, svc, req)
	if n := countPath(f.sim.Requests(), "/v1/audio/speech"); n != 2 {
		t.Fatalf("%d speech requests, want 2", n)
	}
	saved, err := os.ReadFile(f.lib.MediaPath(it.MediaHash))
	if err != nil {
		t.Fatal(err)
	}
	f.sim.ResetRequests()
	clips, _ := partsDirect(t, f, req)
	var pcm []byte
	for _, c := range clips {
		h, err := wav.ReadHeader(bytes.NewReader(c))
		if err != nil {
			t.Fatal(err)
		}
		pcm = append(pcm, c[len(c)-int(h.DataSize):]...)
	}
	r := bytes.NewReader(saved)
	h, err := wav.ReadHeader(r)
	if err != nil {
		t.Fatalf("the clip is not a WAV: %v", err)
	}
	if h.DataSize != int64(r.Len()) || h.DataSize != int64(len(pcm)) {
		t.Fatalf("the header says %d bytes of samples, the file has %d, the parts %d", h.DataSize, r.Len(), len(pcm))
	}
	if !bytes.Equal(saved[len(saved)-len(pcm):], pcm) {
		t.Fatal("the clip's samples are not the parts' in order")
	}
	if secs := float64(h.DataSize) / float64(h.ByteRate()); secs < 10 {
		t.Fatalf("the clip lasts %.1f s", secs)
	}
	// The live stream cannot know the length when it starts: it says so, and carries the same.
	lr := bytes.NewReader(live)
	lh, err := wav.ReadHeader(lr)
	if err != nil || lh.DataSize != wav.UnknownSize || !lh.SameFormat(h) {
		t.Fatalf("the live stream's header: %+v %v", lh, err)
	}
	if !bytes.Equal(live[len(live)-lr.Len():], pcm) {
		t.Fatal("the live stream's samples are not the parts' in order")
	}
}

func TestCancelStopsTheRemainingSpeechParts(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, "secret", true)
	// Every part downloads slowly, so the job is still in its first part when cancelled.
	f.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/speech", BytesPerSec: 20 << 10, Times: 10})
	ctx := context.Background()
	events, stop := svc.Subscribe()
	defer stop()
	id, _ := svc.Submit(ctx, Request{Speech: &api.SpeechRequest{Text: longText, Voice: "alloy"}})
	timeout := time.After(10 * time.Second)
	for started := false; !started; {
		select {
		case ev := <-events:
			started = ev.ID == id && ev.Audio != nil
		case <-timeout:
			t.Fatal("the first part never started")
		}
	}
	svc.Cancel(id)
	if _, err := svc.Wait(ctx, id); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := countPath(f.sim.Requests(), "/v1/audio/speech"); n != 1 {
		t.Fatalf("%d speech requests after a cancel in the first part, want 1", n)
	}
	page, _ := f.lib.Search(ctx, storage.Query{Kinds: []storage.Kind{storage.KindSpeech}})
	if len(page.Items) != 0 {
		t.Fatalf("a cancelled speech left %d items", len(page.Items))
	}
}

func TestSpeechPartsRefusesWhatCannotBeOneClip(t *testing.T) {
	if p, err := SpeechParts(api.SpeechRequest{Text: " short ", Format: "flac"}); err != nil || len(p) != 1 || p[0] != " short " {
		t.Fatalf("a short text goes as it is: %q %v", p, err)
	}
	if _, err := SpeechParts(api.SpeechRequest{Text: longText, Format: "flac"}); err == nil || !strings.Contains(err.Error(), "mp3, wav or pcm") {
		t.Fatalf("long flac: %v", err)
	}
	huge := strings.Repeat("Sentence number something. ", 20000) // 540 000 characters
	if _, err := SpeechParts(api.SpeechRequest{Text: huge}); !api.IsKind(err, api.KindBadRequest) || !strings.Contains(err.Error(), "at most 50") {
		t.Fatalf("a book: %v", err)
	}
	// Dialogue models read less at a time.
	if p, _ := SpeechParts(api.SpeechRequest{Text: strings.Repeat("A line of talk. ", 200), Model: "eleven-dialogue"}); len(p) != 2 {
		t.Fatalf("dialogue in %d parts, want 2", len(p))
	}
}

// TestMP3PartsJoinAsOneStream joins parts that carry tags and a Xing frame, as real encoders
// write them: only the first part's ID3v2 and the last part's ID3v1 stay, and no Xing frame.
func TestMP3PartsJoinAsOneStream(t *testing.T) {
	frames, err := os.ReadFile("../sim/media/speech.mp3")
	if err != nil {
		t.Fatal(err)
	}
	id3 := append([]byte("ID3\x03\x00\x00\x00\x00\x00\x05"), "hello"...)
	// A Xing frame: the fixture's first frame (mono MPEG-2, so the tag sits after 9 bytes of
	// side information) with the tag written in.
	flen := infoFrameLenFor(t, frames)
	xing := append([]byte(nil), frames[:flen]...)
	copy(xing[4+9:], "Xing")
	tag := append([]byte("TAG"), make([]byte, 125)...)
	part := bytes.Join([][]byte{id3, xing, frames, tag}, nil)

	var out, live bytes.Buffer
	j := &clipJoin{format: "mp3", out: io.MultiWriter(&out, &live), live: &live}
	for i := 0; i < 3; i++ {
		if err := j.add(bytes.NewReader(part), i, 3); err != nil {
			t.Fatal(err)
		}
	}
	want := bytes.Join([][]byte{id3, frames, frames, frames, tag}, nil)
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("joined %d bytes, want %d", out.Len(), len(want))
	}
	if got, one := mp3Seconds(t, out.Bytes()), mp3Seconds(t, frames); math.Abs(got-3*one) > 0.05 {
		t.Fatalf("joined clip lasts %.2f s, want 3 × %.2f", got, one)
	}
}

// infoFrameLenFor measures the fixture's first frame by pretending it is a Xing frame.
func infoFrameLenFor(t *testing.T, frames []byte) int {
	t.Helper()
	head := append([]byte(nil), frames[:40]...)
	copy(head[4+9:], "Xing")
	n := infoFrameLen(head)
	if n <= 0 || frames[n] != 0xFF {
		t.Fatalf("the fixture's first frame measures %d bytes", n)
	}
	return n
}

// longWAV writes secs seconds of a 16 kHz mono tone.
func longWAV(t *testing.T, dir string, secs int) string {
	t.Helper()
	fm := make([]byte, 24)
	copy(fm, "fmt ")
	le32(fm[4:], 16)
	fm[8], fm[10] = 1, 1
	le32(fm[12:], 16000)
	le32(fm[16:], 32000)
	fm[20], fm[22] = 2, 16
	n := secs * 32000
	b := wav.Header{Fmt: fm}.Bytes(int64(n))
	for i := 0; i < n/2; i++ {
		v := int16(8000 * math.Sin(float64(i)*2*math.Pi*440/16000))
		b = append(b, byte(v), byte(uint16(v)>>8))
	}
	p := filepath.Join(dir, "long.wav")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// smallUploads is a paid service whose upload limit is 100 kB, so a 10 s WAV goes in parts
// written under tmp.
func smallUploads(t *testing.T, f *fixture, tmp string) *Service {
	t.Helper()
	svc := New(Config{Library: f.lib, Client: f.client(t, "secret"), MaxUploadBytes: 100 << 10, TempDir: tmp})
	svc.SetPaid(true)
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

func TestBigWAVIsOneTranscript(t *testing.T) {
	f := newFixture(t)
	tmp := t.TempDir()
	svc := smallUploads(t, f, tmp)
	ctx := context.Background()
	src := longWAV(t, f.dir, 10) // 320 044 bytes: 4 parts of about 3 s
	id, _ := svc.Submit(ctx, Request{Transcribe: &api.TranscribeRequest{File: src, Format: "verbose_json"}})
	it, err := svc.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if n := countPath(f.sim.Requests(), "/v1/audio/transcriptions"); n != 4 {
		t.Fatalf("%d transcription requests, want 4", n)
	}
	page, _ := f.lib.Search(ctx, storage.Query{Kinds: []storage.Kind{storage.KindTranscript}})
	if len(page.Items) != 1 {
		t.Fatalf("want one transcript, got %d", len(page.Items))
	}
	if math.Abs(it.DurationSec-10) > 0.01 || it.Prompt != "long.wav" {
		t.Errorf("the transcript lasts %v s (%q), want the whole 10 s", it.DurationSec, it.Prompt)
	}
	orig, _ := os.Stat(src)
	if media, err := os.Stat(f.lib.MediaPath(it.MediaHash)); err != nil || media.Size() != orig.Size() {
		t.Errorf("the media must be the original file: %v", err)
	}
	segs, err := f.lib.Segments(ctx, it.ID)
	if err != nil || len(segs) < 4 {
		t.Fatalf("%d segments, %v", len(segs), err)
	}
	firstPart := float64((100<<10-(100<<10)/16-44)/2*2) / 32000
	for i := 1; i < len(segs); i++ {
		if segs[i].Start < segs[i-1].End-0.001 {
			t.Fatalf("segment %d starts at %v, before %d ends at %v", i, segs[i].Start, i-1, segs[i-1].End)
		}
	}
	if last := segs[len(segs)-1]; last.Start < 3*firstPart-0.01 || math.Abs(last.End-10) > 0.01 {
		t.Fatalf("the last segment runs %v–%v, want from the fourth part to the end", last.Start, last.End)
	}
	if it.Text == "" || !it.CostKnown || it.Cost <= 0 {
		t.Errorf("text %q, cost %v (known %v)", it.Text, it.Cost, it.CostKnown)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("parts left behind: %v", left)
	}
}

func TestBigWAVPartsGoWhenTheJobFails(t *testing.T) {
	f := newFixture(t)
	tmp := t.TempDir()
	svc := smallUploads(t, f, tmp)
	ctx := context.Background()
	src := longWAV(t, f.dir, 10)
	// The first part goes through; the second is refused.
	f.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/transcriptions", Latency: time.Millisecond})
	f.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/transcriptions", Status: 400})
	id, _ := svc.Submit(ctx, Request{Transcribe: &api.TranscribeRequest{File: src, Format: "verbose_json"}})
	if _, err := svc.Wait(ctx, id); !api.IsKind(err, api.KindBadRequest) || !strings.Contains(err.Error(), "part 2 of 4") {
		t.Fatalf("want the second part's refusal, got %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("parts left behind after a failure: %v", left)
	}

	// Cancelled while a part is on its way: the parts go too.
	f.sim.Inject(sim.Fault{PathPrefix: "/v1/audio/transcriptions", Latency: 5 * time.Second})
	events, stop := svc.Subscribe()
	defer stop()
	id, _ = svc.Submit(ctx, Request{Transcribe: &api.TranscribeRequest{File: src, Format: "verbose_json"}})
	timeout := time.After(10 * time.Second)
	for started := false; !started; {
		select {
		case ev := <-events:
			started = ev.ID == id && ev.Part == 1
		case <-timeout:
			t.Fatal("the first part never started")
		}
	}
	svc.Cancel(id)
	if _, err := svc.Wait(ctx, id); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("parts left behind after a cancel: %v", left)
	}
}

func TestCheckTranscribable(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, size int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil { // sparse: no 26 MB written
			t.Fatal(err)
		}
		return p
	}
	big := int64(api.MaxTranscriptionBytes + 1)
	for _, tc := range []struct {
		path string
		ok   bool
		want api.Kind // when refused
	}{
		{file("small.mp3", 1000), true, 0},
		{file("big.wav", big), true, 0}, // the job sends it in parts
		{file("BIG.WAV", big), true, 0},
		{file("big.mp3", big), false, api.KindTooLarge},
		{file("notes.txt", 10), false, api.KindBadRequest},
		{file("empty.wav", 0), false, api.KindBadRequest},
		{filepath.Join(dir, "missing.wav"), false, api.KindBadRequest},
	} {
		err := CheckTranscribable(tc.path)
		if tc.ok && err != nil || !tc.ok && !api.IsKind(err, tc.want) {
			t.Errorf("%s: got %v, want ok=%v kind %v", filepath.Base(tc.path), err, tc.ok, tc.want)
		}
	}
}

// TestBigWAVDiarizedSpeakersPerPart: parts are diarized separately, so a speaker is named with
// its part rather than merged with another part's speaker of the same letter.
func TestBigWAVDiarizedSpeakersPerPart(t *testing.T) {
	f := newFixture(t)
	svc := smallUploads(t, f, t.TempDir())
	ctx := context.Background()
	src := longWAV(t, f.dir, 10)
	id, _ := svc.Submit(ctx, Request{Transcribe: &api.TranscribeRequest{File: src, Model: "scribe", Format: "diarized_json", SpeakersExpected: 2}})
	it, err := svc.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	segs, err := f.lib.Segments(ctx, it.ID)
	if err != nil || len(segs) < 4 {
		t.Fatalf("%d segments, %v", len(segs), err)
	}
	if segs[0].Speaker != "Speaker A (part 1)" || !strings.HasSuffix(segs[len(segs)-1].Speaker, "(part 4)") {
		t.Errorf("speakers %q … %q", segs[0].Speaker, segs[len(segs)-1].Speaker)
	}
}

package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestSegments(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	rec := &Item{Kind: KindRecording, Prompt: "Recording"}
	must[int64](t)(l.AddItem(ctx, rec))
	tr := &Item{Kind: KindTranscript, Text: "hello wrold", ParentID: &rec.ID, Relation: "transcript_of"}
	must[int64](t)(l.AddItem(ctx, tr))
	segs := []Segment{{0, 1.5, "hello", "A"}, {1.5, 3, "wrold", "B"}}
	check(t, l.SetSegments(ctx, tr.ID, segs))
	if got := must[[]Segment](t)(l.Segments(ctx, tr.ID)); !reflect.DeepEqual(got, segs) {
		t.Fatalf("segments: %+v", got)
	}
	// A correction replaces them and its words become searchable.
	segs[1].Text = "world"
	check(t, l.SetSegments(ctx, tr.ID, segs))
	if got := must[[]Segment](t)(l.Segments(ctx, tr.ID)); got[1].Text != "world" || len(got) != 2 {
		t.Fatalf("after correction: %+v", got)
	}
	p := must[Page](t)(l.Search(ctx, Query{Text: "world", Kinds: []Kind{KindTranscript}}))
	if len(p.Items) != 1 || p.Items[0].ID != tr.ID || *p.Items[0].ParentID != rec.ID {
		t.Fatalf("a corrected word must be found: %+v", p.Items)
	}
	for _, bad := range [][]Segment{{{-1, 1, "x", ""}}, {{2, 1, "x", ""}}, {{math.NaN(), 1, "x", ""}}, {{0, math.Inf(1), "x", ""}}} {
		if err := l.SetSegments(ctx, tr.ID, bad); err == nil {
			t.Errorf("%+v must be refused", bad)
		}
	}
	if err := l.SetSegments(ctx, 999, segs); err == nil {
		t.Fatal("segments of a missing item must be refused")
	}
	check(t, l.SetSegments(ctx, tr.ID, nil))
	if got, _ := l.Segments(ctx, tr.ID); len(got) != 0 {
		t.Fatal("nil clears the segments")
	}
}

func TestTranscriptFormats(t *testing.T) {
	segs := []Segment{{Start: 0, End: 2.5, Text: " Hello "}, {Start: 2.5, End: 3661.0049, Text: "World\n\nagain", Speaker: "B"}, {Start: 3661.5, End: 3662, Text: ""}}
	cases := map[string]string{
		"srt": "1\n00:00:00,000 --> 00:00:02,500\nHello\n\n2\n00:00:02,500 --> 01:01:01,005\nSpeaker B: World\nagain\n\n3\n01:01:01,500 --> 01:01:02,000\n…\n\n",
		"vtt": "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello\n\n00:00:02.500 --> 01:01:01.005\n<v Speaker B>World\nagain\n\n01:01:01.500 --> 01:01:02.000\n…\n\n",
		"txt": "Hello\nSpeaker B: World\n\nagain\n\n",
	}
	for f, want := range cases {
		var b bytes.Buffer
		if err := ExportTranscript(segs, f, &b); err != nil || b.String() != want {
			t.Errorf("%s:\n%q\nwant\n%q (%v)", f, b.String(), want, err)
		}
	}
	var b bytes.Buffer
	check(t, ExportTranscript(segs, "json", &b))
	var doc struct{ Segments []Segment }
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || !reflect.DeepEqual(doc.Segments, segs) {
		t.Fatalf("json: %v %s", err, b.String())
	}
	b.Reset()
	check(t, ExportTranscript(nil, "json", &b))
	if b.String() != "{\n  \"segments\": []\n}\n" {
		t.Fatalf("empty json: %q", b.String())
	}
	if err := ExportTranscript(segs, "doc", &bytes.Buffer{}); err == nil {
		t.Error("unknown format must be an error")
	}
}

func TestTimestamp(t *testing.T) {
	cases := []struct {
		sec  float64
		sep  string
		want string
	}{
		{0, ",", "00:00:00,000"}, {-3, ".", "00:00:00.000"}, {59.9996, ",", "00:01:00,000"}, {61.25, ".", "00:01:01.250"},
		{3600, ",", "01:00:00,000"}, {360000.001, ".", "100:00:00.001"},
	}
	for _, c := range cases {
		if got := timestamp(c.sec, c.sep); got != c.want {
			t.Errorf("timestamp(%v) = %q, want %q", c.sec, got, c.want)
		}
	}
}

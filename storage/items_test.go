package storage

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestItemRoundTrip(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	seed := int64(7)
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	src := addImage(t, l, "source", []byte("src"), at)
	hash := must[string](t)(l.PutMedia(ctx, strings.NewReader("video bytes"), ".mp4"))
	in := &Item{Kind: KindVideo, Status: StatusDone, Prompt: "a fox runs", NegativePrompt: "blur",
		Params: json.RawMessage(`{"duration":4,"model":"veo"}`), ModelRequested: "veo", ModelUsed: "veo-2",
		Seed: &seed, Width: 1280, Height: 720, DurationSec: 4.5, ContentType: "video/mp4", MediaHash: hash, MediaSize: 11,
		Cost: 0.25, CostKnown: true, CreatedAt: at, FinishedAt: at.Add(30 * time.Second), Favourite: true,
		Tags: []string{"b", "a", "a", " "}, Collections: []string{"trip"}, ParentID: &src.ID, Relation: "remix",
		References: []string{src.MediaHash, "https://example.com/ref.png"}}
	id := must[int64](t)(l.AddItem(ctx, in))
	if id == 0 || in.ID != id || in.MediaPath != l.MediaPath(hash) {
		t.Fatalf("AddItem must set the id and media path: %+v", in)
	}
	got := must[*Item](t)(l.Item(ctx, id))
	want := *in
	want.Tags = []string{"a", "b"} // trimmed, de-duplicated, sorted
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", *got, want)
	}

	got.Status, got.Error, got.Tags = StatusFailed, "the server said no", []string{"x"}
	check(t, l.UpdateItem(ctx, got))
	again := must[*Item](t)(l.Item(ctx, id))
	if again.Status != StatusFailed || again.Error != "the server said no" || !reflect.DeepEqual(again.Tags, []string{"x"}) || !again.CreatedAt.Equal(at) {
		t.Fatalf("update: %+v", again)
	}
	if p, _ := l.Search(ctx, Query{Text: "fox"}); len(p.Items) != 1 {
		t.Fatal("the updated item must stay searchable")
	}
}

func TestItemErrors(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	cases := []struct {
		name string
		it   Item
	}{
		{"no kind", Item{Prompt: "x"}},
		{"bad params", Item{Kind: KindImage, Params: json.RawMessage(`{bad`)}},
		{"bad hash", Item{Kind: KindImage, MediaHash: "../../etc/passwd"}},
		{"media not stored", Item{Kind: KindImage, MediaHash: strings.Repeat("ab", 32) + ".png"}},
	}
	for _, c := range cases {
		if _, err := l.AddItem(ctx, &c.it); err == nil {
			t.Errorf("%s: AddItem must fail", c.name)
		}
	}
	if n, _ := l.Count(ctx, Query{}); n != 0 {
		t.Fatalf("a refused item was saved (%d rows)", n)
	}
	if _, err := l.Item(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing item: %v", err)
	}
	if err := l.UpdateItem(ctx, &Item{ID: 999, Kind: KindText}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a missing item: %v", err)
	}
	for name, err := range map[string]error{
		"favourite":  l.SetFavourite(ctx, 999, true),
		"tag":        l.AddTag(ctx, 999, "x"),
		"collection": l.AddToCollection(ctx, 999, "x"),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s on a missing item: %v", name, err)
		}
	}
}

func TestTagsCollectionsModels(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := addImage(t, l, "a", []byte("a"), time.Now())
	b := &Item{Kind: KindText, Prompt: "b", ModelUsed: "openai"}
	must[int64](t)(l.AddItem(ctx, b))
	check(t, l.AddTag(ctx, b.ID, "  poems "))
	check(t, l.AddTag(ctx, b.ID, "poems"))
	check(t, l.AddToCollection(ctx, a.ID, "Holiday"))
	check(t, l.AddToCollection(ctx, b.ID, "Holiday"))
	if err := l.AddTag(ctx, b.ID, "  "); err == nil {
		t.Fatal("an empty tag must be refused")
	}
	tags := must[[]string](t)(l.Tags(ctx))
	cols := must[[]string](t)(l.Collections(ctx))
	models := must[[]string](t)(l.Models(ctx))
	if !reflect.DeepEqual(tags, []string{"poems", "test"}) || !reflect.DeepEqual(cols, []string{"Holiday"}) || !reflect.DeepEqual(models, []string{"flux", "openai"}) {
		t.Fatalf("tags %v collections %v models %v", tags, cols, models)
	}
	check(t, l.RemoveTag(ctx, b.ID, "poems"))
	check(t, l.RemoveFromCollection(ctx, a.ID, "Holiday"))
	if got := must[*Item](t)(l.Item(ctx, b.ID)); len(got.Tags) != 0 || !reflect.DeepEqual(got.Collections, []string{"Holiday"}) {
		t.Fatalf("after removal: %+v", got)
	}
	if ids, _ := l.IDs(ctx, Query{Collection: "Holiday"}); !reflect.DeepEqual(ids, []int64{b.ID}) {
		t.Fatalf("collection filter: %v", ids)
	}
	// SetTags replaces the tags only: the collection stays.
	check(t, l.SetTags(ctx, b.ID, []string{" dawn", "sea", "dawn", ""}))
	if got := must[*Item](t)(l.Item(ctx, b.ID)); !reflect.DeepEqual(got.Tags, []string{"dawn", "sea"}) || !reflect.DeepEqual(got.Collections, []string{"Holiday"}) {
		t.Fatalf("after SetTags: tags %v collections %v", got.Tags, got.Collections)
	}
	check(t, l.SetTags(ctx, b.ID, nil))
	if got := must[*Item](t)(l.Item(ctx, b.ID)); len(got.Tags) != 0 {
		t.Fatalf("SetTags(nil) left %v", got.Tags)
	}
	if err := l.SetTags(ctx, 9999, []string{"x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an unknown item: %v", err)
	}
}

func TestItemsInOrder(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	a := addImage(t, l, "a", []byte("a"), time.Now())
	b := addImage(t, l, "b", []byte("b"), time.Now())
	got := must[[]Item](t)(l.Items(ctx, []int64{b.ID, 999, a.ID}))
	if len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID || got[0].Tags[0] != "test" {
		t.Fatalf("items: %+v", got)
	}
	if got, err := l.Items(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %v", got, err)
	}
}

package storage

import (
	"context"
	"testing"
	"time"
)

func TestChildren(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	at := time.Now().Truncate(time.Millisecond)
	song := addImage(t, l, "song", []byte("song"), at)
	other := addImage(t, l, "other", []byte("other"), at)
	var ids []int64
	for _, p := range []string{"vocals", "drums", "bass"} {
		it := addImage(t, l, p, []byte(p), at)
		it.ParentID, it.Relation = &song.ID, "stem_of"
		check(t, l.UpdateItem(ctx, it))
		ids = append(ids, it.ID)
	}
	stray := addImage(t, l, "stray", []byte("stray"), at)
	stray.ParentID = &other.ID
	check(t, l.UpdateItem(ctx, stray))
	check(t, l.Trash(ctx, ids[1]))

	got, err := l.Children(ctx, song.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[2] || got[0].Relation != "stem_of" || got[0].Tags == nil {
		t.Fatalf("children %+v", got)
	}
	if none, err := l.Children(ctx, ids[0]); err != nil || len(none) != 0 {
		t.Fatalf("a childless item: %v %v", none, err)
	}
}

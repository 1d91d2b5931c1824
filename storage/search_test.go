package storage

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestMatchExpr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"fox", `"fox*"`},
		{"red fox", `"red" "fox*"`},
		{`"quoted"`, `"quoted*"`},
		{`a"b`, `"a" "b*"`},
		{"AND", `"AND*"`},
		{"fox AND hen", `"fox" "AND" "hen*"`},
		{"-minus", `"minus*"`},
		{"(paren)", `"paren*"`},
		{"NEAR/3 x", `"NEAR" "3" "x*"`},
		{"*", ""},
		{"straße café", `"straße" "café*"`},
		{"日本", `"日本*"`},
		{"cafe\u0301", "\"cafe\u0301*\""},
		{"\u0301x", `"x*"`},
	}
	for _, c := range cases {
		if got := MatchExpr(c.in); got != c.want {
			t.Errorf("MatchExpr(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSearchIsSafeForAnyText: FTS syntax typed by a person is searched as text, never an error.
func TestSearchIsSafeForAnyText(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	addImage(t, l, `a "quoted" lighthouse AND a -minus (paren) star* NEARby`, []byte("1"), time.Now())
	addImage(t, l, "a quiet forest", []byte("2"), time.Now())
	cases := []struct {
		q    string
		want int
	}{
		{"lighthouse", 1}, {"light", 1}, {"LIGHTHOUSE", 1}, {`"quoted"`, 1}, {`"`, 2}, {`""`, 2}, {"*", 2},
		{"AND", 1}, {"and", 1}, {"OR", 0}, {"OR forest", 0}, {"NOT forest", 0}, {"-minus", 1}, {"-forest", 1},
		{"(paren", 1}, {"paren)", 1}, {"NEAR", 1}, {"lighthouse NEAR forest", 0}, {"NEAR/2", 0}, {"forest", 1},
		{"a", 2}, {"ünïcödé", 0}, {"fo", 1}, {"qu", 2}, {"star*", 1}, {`\`, 2}, {"'; DROP TABLE items; --", 0},
		{"^light", 1}, {"prompt:forest", 0}, {"{x}", 0},
	}
	for _, c := range cases {
		p, err := l.Search(ctx, Query{Text: c.q})
		if err != nil {
			t.Errorf("%q: %v", c.q, err)
			continue
		}
		if len(p.Items) != c.want {
			t.Errorf("%q: %d results, want %d", c.q, len(p.Items), c.want)
		}
		if n, err := l.Count(ctx, Query{Text: c.q}); err != nil || n != c.want {
			t.Errorf("count %q: %d %v", c.q, n, err)
		}
	}
	if n, _ := l.Count(ctx, Query{}); n != 2 {
		t.Fatal("the table survived")
	}
}

func FuzzSearchText(f *testing.F) {
	l, err := Open(context.Background(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer l.Close()
	l.AddItem(context.Background(), &Item{Kind: KindText, Prompt: "the quick brown fox"})
	for _, s := range []string{"fox", `"`, "AND OR NOT", "NEAR/1", "(*)", "-x", "\x00", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := l.Search(context.Background(), Query{Text: s, Limit: 5}); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	})
}

func FuzzCursor(f *testing.F) {
	f.Add("1_2")
	f.Add("r10")
	f.Add("NaN_1")
	f.Fuzz(func(t *testing.T, s string) {
		if v, id, err := parseCursor(s); err == nil {
			if v2, id2, err := parseCursor(makeCursor(v, id)); err != nil || v2 != v || id2 != id {
				t.Fatalf("%q does not round-trip", s)
			}
		}
	})
}

// walk pages through q and returns the ids in order, failing on a duplicate.
func walk(t *testing.T, l *Library, q Query) ([]int64, int) {
	t.Helper()
	var ids []int64
	seen := map[int64]bool{}
	pages := 0
	for {
		p, err := l.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range p.Items {
			if seen[it.ID] {
				t.Fatalf("%v: item %d twice", q.Sort, it.ID)
			}
			seen[it.ID] = true
			ids = append(ids, it.ID)
		}
		if p.Next == "" {
			return ids, pages
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		q.After = p.Next
	}
}

func TestKeysetPagingWalksEverything(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	same := time.Now().Truncate(time.Millisecond)
	for i := 0; i < 57; i++ {
		at := same // most share one created_at: ties broken by id
		if i%3 == 0 {
			at = same.Add(time.Duration(i) * time.Second)
		}
		it := &Item{Kind: KindText, Prompt: fmt.Sprintf("item %d", i), CreatedAt: at, Cost: float64(i % 4)}
		must[int64](t)(l.AddItem(ctx, it))
	}
	for _, sort := range []Sort{SortNewest, SortOldest, SortCost, SortRelevance} {
		for _, limit := range []int{1, 10, 57, 100} {
			q := Query{Limit: limit, Sort: sort}
			if sort == SortRelevance {
				q.Text = "item"
			}
			ids, pages := walk(t, l, q)
			all := must[[]int64](t)(l.IDs(ctx, q))
			if len(ids) != 57 || !reflect.DeepEqual(ids, all) {
				t.Fatalf("%s/%d: walked %d items, not in the order of IDs", sort, limit, len(ids))
			}
			if want := (57 + limit - 1) / limit; pages != want {
				t.Fatalf("%s/%d: %d pages, want %d", sort, limit, pages, want)
			}
		}
	}
	// The orders themselves.
	items := must[[]Item](t)(l.Items(ctx, must[[]int64](t)(l.IDs(ctx, Query{}))))
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
			t.Fatalf("newest first broken at %d", i)
		}
	}
	costs := must[[]Item](t)(l.Items(ctx, must[[]int64](t)(l.IDs(ctx, Query{Sort: SortCost}))))
	for i := 1; i < len(costs); i++ {
		if costs[i-1].Cost < costs[i].Cost {
			t.Fatalf("cost order broken at %d", i)
		}
	}
	if _, err := l.Search(ctx, Query{After: "garbage"}); err == nil {
		t.Fatal("a bad cursor must be an error")
	}
}

func TestFilters(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	a := addImage(t, l, "one", []byte("a"), now.Add(-48*time.Hour))
	b := addImage(t, l, "two", []byte("b"), now)
	c := &Item{Kind: KindSpeech, Prompt: "three", ModelUsed: "openai-audio", Cost: 0.5, CreatedAt: now.Add(-time.Hour)}
	must[int64](t)(l.AddItem(ctx, c))
	check(t, l.SetFavourite(ctx, b.ID, true))
	check(t, l.AddToCollection(ctx, a.ID, "trip"))
	check(t, l.AddTag(ctx, c.ID, "voice"))
	lo, hi := 0.1, 1.0
	cases := []struct {
		name string
		q    Query
		want []int64
	}{
		{"all, newest first", Query{}, []int64{b.ID, c.ID, a.ID}},
		{"oldest first", Query{Sort: SortOldest}, []int64{a.ID, c.ID, b.ID}},
		{"cost", Query{Sort: SortCost}, []int64{c.ID, b.ID, a.ID}},
		{"favourite", Query{Favourite: true}, []int64{b.ID}},
		{"collection", Query{Collection: "trip"}, []int64{a.ID}},
		{"tag", Query{Tag: "voice"}, []int64{c.ID}},
		{"from", Query{From: now.Add(-2 * time.Hour)}, []int64{b.ID, c.ID}},
		{"to", Query{To: now.Add(-2 * time.Hour)}, []int64{a.ID}},
		{"range", Query{From: now.Add(-3 * time.Hour), To: now.Add(-time.Minute)}, []int64{c.ID}},
		{"kind", Query{Kinds: []Kind{KindSpeech}}, []int64{c.ID}},
		{"kinds", Query{Kinds: []Kind{KindSpeech, KindImage}}, []int64{b.ID, c.ID, a.ID}},
		{"no video", Query{Kinds: []Kind{KindVideo}}, nil},
		{"model and tag", Query{Model: "flux", Tag: "test"}, []int64{b.ID, a.ID}},
		{"min cost", Query{MinCost: &lo}, []int64{c.ID}},
		{"max cost", Query{MaxCost: &lo}, []int64{b.ID, a.ID}},
		{"cost range", Query{MinCost: &lo, MaxCost: &hi}, []int64{c.ID}},
		{"text and kind", Query{Text: "t", Kinds: []Kind{KindImage}}, []int64{b.ID}},
		{"kind, favourite and dates", Query{Kinds: []Kind{KindImage}, Favourite: true, From: now.Add(-time.Hour)}, []int64{b.ID}},
	}
	for _, c := range cases {
		ids, err := l.IDs(ctx, c.q)
		if err != nil || !reflect.DeepEqual(ids, c.want) {
			t.Errorf("%s: %v %v, want %v", c.name, ids, err, c.want)
		}
		n, err := l.Count(ctx, c.q)
		if err != nil || n != len(c.want) {
			t.Errorf("%s: count %d %v", c.name, n, err)
		}
	}
}

func TestRelevance(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	old := time.Now().Add(-time.Hour)
	best := &Item{Kind: KindText, Prompt: "lighthouse lighthouse at night", CreatedAt: old}
	textOnly := &Item{Kind: KindText, Prompt: "a story", Text: "there was a lighthouse", CreatedAt: old.Add(time.Minute)}
	none := &Item{Kind: KindText, Prompt: "a forest", CreatedAt: old.Add(2 * time.Minute)}
	for _, it := range []*Item{best, textOnly, none} {
		must[int64](t)(l.AddItem(ctx, it))
	}
	chat := must[int64](t)(l.NewChat(ctx, "talk", "openai", ""))
	must[int64](t)(l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "tell me about a lighthouse"}))
	ids := must[[]int64](t)(l.IDs(ctx, Query{Text: "lighthouse", Sort: SortRelevance}))
	if len(ids) != 3 || ids[0] != best.ID {
		t.Fatalf("relevance: %v (best %d)", ids, best.ID)
	}
	newest := must[[]int64](t)(l.IDs(ctx, Query{Text: "lighthouse"}))
	if !reflect.DeepEqual(newest, []int64{chat, textOnly.ID, best.ID}) {
		t.Fatalf("newest: %v", newest)
	}
	// Relevance without text is newest first.
	if ids := must[[]int64](t)(l.IDs(ctx, Query{Sort: SortRelevance})); ids[0] != chat {
		t.Fatalf("relevance without text: %v", ids)
	}
}

func TestMatchScore(t *testing.T) {
	if s := matchScore(nil, nil); s != 0 {
		t.Fatal("empty matchinfo")
	}
	if s := matchScore([]byte{1, 0, 0, 0, 9, 0, 0, 0}, []float64{1}); s != 0 {
		t.Fatal("truncated matchinfo must not panic nor score")
	}
}

// TestBothTextPlans: the two ways of running a text search (walk the ordering index, or look
// the matches up and sort them) give the same rows in the same order.
func TestBothTextPlans(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i := 0; i < 40; i++ {
		it := &Item{Kind: []Kind{KindImage, KindText}[i%2], Prompt: fmt.Sprintf("fox %d", i), CreatedAt: base.Add(time.Duration(i/3) * time.Second), Favourite: i%4 == 0}
		must[int64](t)(l.AddItem(ctx, it))
	}
	chat := must[int64](t)(l.NewChat(ctx, "talk", "openai", ""))
	must[int64](t)(l.AddMessage(ctx, &Message{ChatID: chat, Role: "user", Content: "a fox in a chat"}))
	for _, q := range []Query{{Text: "fox"}, {Text: "fo", Favourite: true}, {Text: "fox 1", Kinds: []Kind{KindText}}, {Text: "chat"}} {
		var got [2][]int64
		for i, walk := range []bool{false, true} {
			where, args := q.where(walk)
			rows, err := l.r.QueryContext(ctx, `SELECT id FROM items WHERE `+where+` ORDER BY created_at DESC, id DESC`, args...)
			check(t, err)
			for rows.Next() {
				var id int64
				check(t, rows.Scan(&id))
				got[i] = append(got[i], id)
			}
			rows.Close()
		}
		want := must[[]int64](t)(l.IDs(ctx, q))
		if len(want) == 0 || !reflect.DeepEqual(got[0], want) || !reflect.DeepEqual(got[1], want) {
			t.Errorf("%+v: lookup %v, walk %v, IDs %v", q, got[0], got[1], want)
		}
	}
}

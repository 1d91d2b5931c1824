package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func ids(msgs []Message) []int64 {
	var out []int64
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}

func TestChatsBranchesAndSiblings(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	chat := must[int64](t)(l.NewChat(ctx, "Bees", "openai", "be brief"))
	it := must[*Item](t)(l.Item(ctx, chat))
	if it.Kind != KindChat || it.Prompt != "Bees" || it.ModelRequested != "openai" || !strings.Contains(string(it.Params), "be brief") {
		t.Fatalf("chat item: %+v", it)
	}
	u := &Message{ChatID: chat, Role: "user", Content: "tell me about bees", Attachments: []string{"/tmp/bee.png"}}
	must[int64](t)(l.AddMessage(ctx, u))
	r1 := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "Bees make honey.", Model: "openai-fast", Cost: 0.001}
	must[int64](t)(l.AddMessage(ctx, r1))
	r2 := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "Bees pollinate", Model: "openai-large", Status: StatusRunning, Partial: true}
	must[int64](t)(l.AddMessage(ctx, r2))
	u2 := &Message{ChatID: chat, ParentID: &r2.ID, Role: "user", Content: "and wasps?"}
	must[int64](t)(l.AddMessage(ctx, u2))

	msgs := must[[]Message](t)(l.Messages(ctx, chat))
	if fmt.Sprint(ids(msgs)) != fmt.Sprint([]int64{u.ID, r2.ID, u2.ID}) {
		t.Fatalf("active branch follows the newest reply: %v", ids(msgs))
	}
	if msgs[0].Attachments[0] != "/tmp/bee.png" || msgs[1].Model != "openai-large" || !msgs[1].Partial || msgs[1].Status != StatusRunning {
		t.Fatalf("message fields: %+v", msgs[:2])
	}
	// A streamed reply grows and finishes.
	r2.Content, r2.Partial, r2.Status = "Bees pollinate flowers.", false, StatusDone
	check(t, l.UpdateMessage(ctx, r2))
	sibs := must[[]Message](t)(l.Siblings(ctx, r2.ID))
	if fmt.Sprint(ids(sibs)) != fmt.Sprint([]int64{r1.ID, r2.ID}) || sibs[1].Content != "Bees pollinate flowers." {
		t.Fatalf("siblings: %+v", sibs)
	}
	// Flip to the first reply: the branch below r2 leaves the active path.
	check(t, l.SelectSibling(ctx, r1.ID))
	if got := ids(must[[]Message](t)(l.Messages(ctx, chat))); fmt.Sprint(got) != fmt.Sprint([]int64{u.ID, r1.ID}) {
		t.Fatalf("after flipping: %v", got)
	}
	page := must[[]Message](t)(l.MessagesPage(ctx, chat, 1, 5))
	if len(page) != 1 || page[0].ID != r1.ID {
		t.Fatalf("page: %v", ids(page))
	}
	if p, _ := l.MessagesPage(ctx, chat, 10, 5); len(p) != 0 {
		t.Fatal("a page past the end is empty")
	}
	pos := must[map[int64]SiblingPosition](t)(l.SiblingPositions(ctx, chat))
	if pos[u.ID].Count != 1 || pos[r1.ID] != (SiblingPosition{1, 2, 0, r2.ID}) || pos[r2.ID] != (SiblingPosition{2, 2, r1.ID, 0}) {
		t.Fatalf("positions: %+v", pos)
	}
	// Messages are searchable and lead to their chat.
	p := must[Page](t)(l.Search(ctx, Query{Text: "pollinate flowers"}))
	if len(p.Items) != 1 || p.Items[0].ID != chat {
		t.Fatalf("chat messages must be searchable: %+v", p.Items)
	}
	// Errors.
	if _, err := l.AddMessage(ctx, &Message{ChatID: 999, Role: "user"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("message to a missing chat: %v", err)
	}
	other := must[int64](t)(l.NewChat(ctx, "other", "openai", ""))
	if _, err := l.AddMessage(ctx, &Message{ChatID: other, ParentID: &u.ID, Role: "user"}); err == nil {
		t.Fatal("a parent from another chat must be refused")
	}
	if err := l.UpdateMessage(ctx, &Message{ID: 999}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a missing message: %v", err)
	}
	if err := l.SelectSibling(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("select of a missing message: %v", err)
	}
}

func TestDeleteMessage(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	chat := must[int64](t)(l.NewChat(ctx, "c", "openai", ""))
	u := &Message{ChatID: chat, Role: "user", Content: "hi"}
	must[int64](t)(l.AddMessage(ctx, u))
	r := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "searchable reply"}
	must[int64](t)(l.AddMessage(ctx, r))
	u2 := &Message{ChatID: chat, ParentID: &r.ID, Role: "user", Content: "deeper words"}
	must[int64](t)(l.AddMessage(ctx, u2))
	r2 := &Message{ChatID: chat, ParentID: &u2.ID, Role: "assistant", Content: "deepest answer"}
	must[int64](t)(l.AddMessage(ctx, r2))
	check(t, l.DeleteMessage(ctx, r.ID))
	if msgs, _ := l.Messages(ctx, chat); len(msgs) != 1 {
		t.Fatalf("%d messages left", len(msgs))
	}
	for _, q := range []string{"searchable", "deeper", "deepest"} {
		if p, _ := l.Search(ctx, Query{Text: q}); len(p.Items) != 0 {
			t.Errorf("%q: a deleted message must leave the search index", q)
		}
	}
	var n int
	check(t, l.r.QueryRow(`SELECT COUNT(*) FROM messages_fts`).Scan(&n))
	if n != 1 {
		t.Fatalf("%d search rows left, want 1", n)
	}
	if err := l.DeleteMessage(ctx, r.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting twice: %v", err)
	}
}

func TestExportChat(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	chat := must[int64](t)(l.NewChat(ctx, "Bees", "openai", ""))
	at := time.Date(2026, 1, 2, 3, 4, 0, 0, time.Local)
	u := &Message{ChatID: chat, Role: "user", Content: "tell me about bees", CreatedAt: at}
	must[int64](t)(l.AddMessage(ctx, u))
	r := &Message{ChatID: chat, ParentID: &u.ID, Role: "assistant", Content: "Bees make honey.", Model: "openai-fast", CreatedAt: at, Partial: true}
	must[int64](t)(l.AddMessage(ctx, r))
	var md bytes.Buffer
	check(t, l.ExportChat(ctx, chat, "md", &md))
	want := "# Bees\n\n**You** — 2026-01-02 03:04\n\ntell me about bees\n\n**Assistant (openai-fast)** — 2026-01-02 03:04\n\nBees make honey.\n\n*(stopped before the end)*\n\n"
	if md.String() != want {
		t.Fatalf("markdown:\n%q\nwant\n%q", md.String(), want)
	}
	var js bytes.Buffer
	check(t, l.ExportChat(ctx, chat, "json", &js))
	var doc struct {
		Title    string
		Messages []Message
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Title != "Bees" || len(doc.Messages) != 2 || doc.Messages[1].Model != "openai-fast" {
		t.Fatalf("json: %v %s", err, js.String())
	}
	if err := l.ExportChat(ctx, chat, "pdf", &js); err == nil {
		t.Fatal("an unknown format must be an error")
	}
}

package storage

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestRecentCosts(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(i int, requested, used string, cost float64, known bool, status Status) {
		t.Helper()
		it := &Item{Kind: "image", Status: status, ModelRequested: requested, ModelUsed: used, Cost: cost, CostKnown: known,
			CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
		must[int64](t)(l.AddItem(ctx, it))
	}
	add(1, "gptimage", "gptimage", 0.01, true, StatusDone) // the short name stored before ids
	add(2, "openai/gpt-image-1-mini", "openai/gpt-image-1-mini", 0.02, true, StatusDone)
	add(3, "gptimage", "openai/gpt-image-1-mini", 0.03, true, StatusDone) // requested short, reported canonical
	add(4, "flux", "flux", 0.002, true, StatusDone)                       // another model
	add(5, "gptimage", "", 0.5, false, StatusDone)                        // no cost reported
	add(6, "gptimage", "", 0.9, true, StatusFailed)                       // failed
	got, err := l.RecentCosts(ctx, []string{"openai/gpt-image-1-mini", "gptimage", " "}, 20)
	if err != nil || !slices.Equal(got, []float64{0.03, 0.02, 0.01}) {
		t.Fatalf("%v %v", got, err)
	}
	if got, _ := l.RecentCosts(ctx, []string{"gptimage", "openai/gpt-image-1-mini"}, 2); !slices.Equal(got, []float64{0.03, 0.02}) {
		t.Errorf("limit: %v", got)
	}
	if got, err := l.RecentCosts(ctx, nil, 20); err != nil || got != nil {
		t.Errorf("no names: %v %v", got, err)
	}
}

func TestHostedURLKept(t *testing.T) {
	l := openTemp(t)
	ctx := context.Background()
	it := addImage(t, l, "fox", pngBytes(t, 8, 8), time.Now())
	it.HostedURL = "https://media.pollinations.ai/abc123"
	check(t, l.UpdateItem(ctx, it))
	got := must[*Item](t)(l.Item(ctx, it.ID))
	if got.HostedURL != "https://media.pollinations.ai/abc123" {
		t.Fatalf("%+v", got)
	}
	fresh := &Item{Kind: "image", Prompt: "x", HostedURL: "https://media.pollinations.ai/def"}
	must[int64](t)(l.AddItem(ctx, fresh))
	if got := must[*Item](t)(l.Item(ctx, fresh.ID)); got.HostedURL != fresh.HostedURL {
		t.Fatalf("added: %+v", got)
	}
}

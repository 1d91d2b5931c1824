package jobs

import (
	"testing"
	"time"

	"pollinations-studio/storage"
)

func TestTypicalTime(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	took := func(model string, d time.Duration, st storage.Status) storage.Item {
		return storage.Item{ModelRequested: model, Status: st, CreatedAt: t0, FinishedAt: t0.Add(d)}
	}
	for _, c := range []struct {
		name  string
		items []storage.Item
		want  time.Duration
		n     int
	}{
		{"none", nil, 0, 0},
		{"odd count: the middle one", []storage.Item{took("veo", 60*time.Second, Done), took("veo", 200*time.Second, Done), took("veo", 70*time.Second, Done)}, 70 * time.Second, 3},
		{"even count: between the middle two", []storage.Item{took("veo", 60*time.Second, Done), took("veo", 80*time.Second, Done)}, 70 * time.Second, 2},
		{"other models and failures do not count", []storage.Item{took("wan", 10*time.Second, Done), took("veo", 5*time.Second, Failed), took("veo", 90*time.Second, Done)}, 90 * time.Second, 1},
		{"the reported name counts", []storage.Item{{ModelUsed: "veo", Status: Done, CreatedAt: t0, FinishedAt: t0.Add(time.Minute)}}, time.Minute, 1},
		{"no times", []storage.Item{{ModelRequested: "veo", Status: Done}}, 0, 0},
	} {
		got, n, ok := TypicalTime(c.items, "veo")
		if got != c.want || n != c.n || ok != (c.n > 0) {
			t.Errorf("%s: got %v from %d (%v), want %v from %d", c.name, got, n, ok, c.want, c.n)
		}
	}
}

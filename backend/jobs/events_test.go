package jobs

import (
	"strconv"
	"strings"
	"testing"
)

// A subscriber that reads nothing while a fast reply streams still gets every piece of text, in
// order, and every change of state.
func TestSlowSubscriberGetsTheWholeText(t *testing.T) {
	sub := newSubscriber()
	defer sub.close()
	var want, wantReasoning strings.Builder
	const pieces = 120_000
	for i := range pieces {
		ev := Event{Info: Info{ID: 7, State: Running}, TextDelta: strconv.Itoa(i) + " "}
		if i%1000 == 0 {
			ev.ReasoningDelta = "r" + strconv.Itoa(i)
			wantReasoning.WriteString(ev.ReasoningDelta)
		}
		want.WriteString(ev.TextDelta)
		sub.push(ev)
		if i%5000 == 0 {
			sub.push(Event{Info: Info{ID: 8, State: Running, Bytes: int64(i)}}) // another job's progress
		}
	}
	sub.push(Event{Info: Info{ID: 7, State: Done}})
	var got, gotReasoning strings.Builder
	for ev := range sub.out {
		if ev.ID != 7 {
			continue
		}
		gotReasoning.WriteString(ev.ReasoningDelta)
		got.WriteString(ev.TextDelta)
		if ev.State == Done {
			break
		}
	}
	if got.String() != want.String() {
		t.Fatalf("text: got %d bytes, want %d", got.Len(), want.Len())
	}
	if gotReasoning.String() != wantReasoning.String() {
		t.Fatalf("reasoning: got %q…, want %q…", gotReasoning.String()[:min(40, gotReasoning.Len())], wantReasoning.String()[:40])
	}
}

// Reasoning that comes after content is not folded into the same event as that content, so a
// reader that handles an event's reasoning first keeps the order.
func TestCoalescingKeepsReasoningBeforeContent(t *testing.T) {
	sub := newSubscriber()
	defer sub.close()
	pushes := []Event{
		{Info: Info{ID: 1}, ReasoningDelta: "think "},
		{Info: Info{ID: 1}, ReasoningDelta: "more "},
		{Info: Info{ID: 1}, TextDelta: "answer "},
		{Info: Info{ID: 1}, ReasoningDelta: "again "},
		{Info: Info{ID: 1}, TextDelta: "end"},
	}
	for _, ev := range pushes {
		sub.push(ev)
	}
	sub.push(Event{Info: Info{ID: 1, State: Done}})
	var order []string
	for ev := range sub.out {
		if ev.ReasoningDelta != "" {
			order = append(order, "R:"+ev.ReasoningDelta)
		}
		if ev.TextDelta != "" {
			order = append(order, "C:"+ev.TextDelta)
		}
		if ev.State == Done {
			break
		}
	}
	// However the pump split or joined them, the runs come in the order they were sent.
	var r, c strings.Builder
	seq := ""
	for _, o := range order {
		kind := o[:2]
		if !strings.HasSuffix(seq, kind) {
			seq += kind
		}
		if kind == "R:" {
			r.WriteString(o[2:])
		} else {
			c.WriteString(o[2:])
		}
	}
	if seq != "R:C:R:C:" || r.String() != "think more again " || c.String() != "answer end" {
		t.Fatalf("order %v", order)
	}
}

// Progress-only events may be dropped when the backlog is long; changes of state never are.
func TestLongBacklogDropsOnlyProgress(t *testing.T) {
	sub := newSubscriber()
	defer sub.close()
	for i := range 3 * maxPendingProgress {
		sub.push(Event{Info: Info{ID: 3, State: Running, Bytes: int64(i)}})
	}
	sub.push(Event{Info: Info{ID: 3, State: Done}})
	n := 0
	for ev := range sub.out {
		n++
		if ev.State == Done {
			break
		}
	}
	// At most one backlog in the pump's hands, one in the channel and one queued.
	if n > 2*maxPendingProgress+64+1 {
		t.Fatalf("%d events delivered: progress was not bounded", n)
	}
}

package jobs

import (
	"strings"
	"sync"
)

// maxPendingProgress bounds how many progress-only events (byte counts, with no change of
// state) a slow subscriber may fall behind by; beyond it they are dropped, as the next one
// says the same thing newer. Streamed text is never dropped: it is coalesced (see push), so a
// subscriber's backlog is at most the text of the replies it has not read yet.
const maxPendingProgress = 4096

// pendingEvent is one queued event; a text entry (text != nil) collects the deltas of one job
// that arrive while it waits.
type pendingEvent struct {
	ev              Event
	text, reasoning *strings.Builder
}

type subscriber struct {
	mu      sync.Mutex
	pending []pendingEvent
	notify  chan struct{}
	out     chan Event
	quit    chan struct{}
	once    sync.Once
}

func newSubscriber() *subscriber {
	sub := &subscriber{notify: make(chan struct{}, 1), out: make(chan Event, 64), quit: make(chan struct{})}
	go sub.pump()
	return sub
}

func (sub *subscriber) push(ev Event) {
	sub.mu.Lock()
	isDelta := (ev.TextDelta != "" || ev.ReasoningDelta != "") && ev.Audio == nil
	switch {
	case isDelta:
		if n := len(sub.pending); n > 0 {
			last := &sub.pending[n-1]
			// Appended to the waiting text of the same job, unless that would put reasoning
			// after content within one event (readers take an event's reasoning first).
			if last.text != nil && last.ev.ID == ev.ID && (ev.ReasoningDelta == "" || last.text.Len() == 0) {
				last.ev.Info = ev.Info
				last.text.WriteString(ev.TextDelta)
				last.reasoning.WriteString(ev.ReasoningDelta)
				break
			}
		}
		p := pendingEvent{ev: ev, text: &strings.Builder{}, reasoning: &strings.Builder{}}
		p.text.WriteString(ev.TextDelta)
		p.reasoning.WriteString(ev.ReasoningDelta)
		sub.pending = append(sub.pending, p)
	case len(sub.pending) >= maxPendingProgress && sub.isProgress(ev):
		// dropped: a newer progress event follows
	default:
		sub.pending = append(sub.pending, pendingEvent{ev: ev})
	}
	sub.mu.Unlock()
	select {
	case sub.notify <- struct{}{}:
	default:
	}
}

// isProgress reports an event that only updates figures: the job's last queued event has the
// same state. Called with mu held, only when the backlog is long.
func (sub *subscriber) isProgress(ev Event) bool {
	if ev.Audio != nil || ev.Err != nil || ev.ItemID != nil {
		return false
	}
	for i := len(sub.pending) - 1; i >= 0; i-- {
		if p := sub.pending[i].ev; p.ID == ev.ID {
			return p.State == ev.State && p.Part == ev.Part
		}
	}
	return false
}

// pump hands pending events to the channel in order without ever blocking the job that
// produced them.
func (sub *subscriber) pump() {
	defer close(sub.out)
	for {
		sub.mu.Lock()
		batch := sub.pending
		sub.pending = nil
		sub.mu.Unlock()
		for _, p := range batch {
			ev := p.ev
			if p.text != nil {
				// Taken out of pending under mu: no push writes to these builders any more.
				ev.TextDelta, ev.ReasoningDelta = p.text.String(), p.reasoning.String()
			}
			select {
			case sub.out <- ev:
			case <-sub.quit:
				return
			}
		}
		select {
		case <-sub.notify:
		case <-sub.quit:
			return
		}
	}
}

func (sub *subscriber) close() { sub.once.Do(func() { close(sub.quit) }) }

// Subscribe returns a channel of every job event from now on, and a function that ends the
// subscription. Events arrive in order. Streamed text arrives whole and in order, though
// deltas that queued up while the subscriber was busy come joined into one event.
func (s *Service) Subscribe() (<-chan Event, func()) {
	sub := newSubscriber()
	s.mu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = sub
	s.mu.Unlock()
	return sub.out, func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
		sub.close()
	}
}

func (s *Service) emit(ev Event) {
	s.mu.Lock()
	subs := make([]*subscriber, 0, len(s.subs))
	for _, sub := range s.subs {
		subs = append(subs, sub)
	}
	s.mu.Unlock()
	for _, sub := range subs {
		sub.push(ev)
	}
}

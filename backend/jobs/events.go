package jobs

import "sync"

// maxPendingDeltas bounds what a slow subscriber may fall behind by in streamed text; state
// changes are always kept.
const maxPendingDeltas = 4096

type subscriber struct {
	mu      sync.Mutex
	pending []Event
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
	isDelta := ev.TextDelta != "" || ev.ReasoningDelta != ""
	if !isDelta || len(sub.pending) < maxPendingDeltas {
		sub.pending = append(sub.pending, ev)
	}
	sub.mu.Unlock()
	select {
	case sub.notify <- struct{}{}:
	default:
	}
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
		for _, ev := range batch {
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
// subscription. Events arrive in order.
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

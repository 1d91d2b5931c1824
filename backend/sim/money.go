package sim

import (
	"fmt"
	"math"
	"time"
)

// refusal is why a generation may not run, before it starts.
type refusal struct {
	status     int
	code       string // INSUFFICIENT_BALANCE | KEY_BUDGET_EXHAUSTED | QUEST_POLLEN_ONLY | FORBIDDEN | community_model_rate_limit
	msg        string // the JSON error's words
	notice     string // the text routes' 200 notice (402/403 only)
	fixURL     string
	model      string
	retryAfter int // seconds, for a 429
}

// Dashboard links, as the service builds them (no redirect: the simulator has no key metadata).
const enterBase = "https://enter.pollinations.ai"

// noticeTail ends every notice (typographic apostrophe, as sent).
const noticeTail = "If this isn’t your Pollinations account, contact whoever runs the app or service you’re using."

// admit runs the gateway's checks before a generation: the per-user RPM of the model, then
// the spending checks. Caller holds s.mu.
func (s *Server) admit(a *account, m *model, estimate float64, now time.Time) *refusal {
	if ref := s.checkRPM(a, m, now); ref != nil {
		return ref
	}
	return a.checkSpend(m, estimate)
}

// checkSpend decides whether the key may pay an estimated cost for a model, in the order
// the service checks them: permission, key budget, Quest-only key, paid-only
// model, balance (a paid-only model needs paid Pollen above the
// estimate; another model needs either bucket to cover it). Caller holds s.mu.
func (a *account) checkSpend(m *model, estimate float64) *refusal {
	if !a.allows(m.Name) {
		link := enterBase + "/grant?id=" + a.id + "&category=" + m.Category + "&ref=agent_grant"
		if a.legacyList() {
			link = enterBase + "/grant?id=" + a.id + "&model=" + m.Name + "&ref=agent_grant"
		}
		return &refusal{status: 403, code: "FORBIDDEN", model: m.Name, fixURL: link,
			msg:    "Model '" + m.Name + "' is not allowed for this API key. Allow it at " + link,
			notice: "The API key used for this request isn't allowed to use " + m.Name + ". Please [allow it for this key](" + link + "), then try again.\n\n" + noticeTail}
	}
	// The gateway's estimate is statistical and capped at 2 pollen.
	estimate = min(estimate, 2)
	w := a.wallet
	if a.budget != nil && (*a.budget <= 0 || estimate > *a.budget) {
		link := enterBase + "/edit-key?id=" + a.id + "&ref=agent_key_budget"
		return &refusal{status: 402, code: "KEY_BUDGET_EXHAUSTED", model: m.Name, fixURL: link,
			msg:    fmt.Sprintf("API key budget too low. This request costs ~%.4f pollen, but this key has %.4f. Increase the key budget at %s; topping up the wallet does not increase this limit.", estimate, max(*a.budget, 0), link),
			notice: "The API key used for this request has reached its budget. Please [raise the key budget](" + link + "), then try again.\n\nTopping up the wallet does not raise this limit. " + noticeTail}
	}
	if a.questOnly {
		link := enterBase + "/edit-key?id=" + a.id + "&ref=agent_quest_pollen_only"
		quests := enterBase + "/quests?ref=agent_quest_pollen_only_quests"
		if m.PaidOnly {
			return &refusal{status: 402, code: "QUEST_POLLEN_ONLY", model: m.Name, fixURL: link,
				msg:    "This model needs paid Pollen, but this API key only spends Quest Pollen. To use it, allow paid Pollen for this key at " + link + ".",
				notice: "The API key used for this request only spends Quest Pollen. This model needs paid Pollen. Please [allow paid Pollen for this key](" + link + "), then try again.\n\n" + noticeTail}
		}
		if w.quest <= 0 || estimate > w.quest {
			return &refusal{status: 402, code: "QUEST_POLLEN_ONLY", model: m.Name, fixURL: link,
				msg:    fmt.Sprintf("Not enough Quest Pollen. This request costs ~%.4f pollen, but you have %.4f Quest Pollen, and this API key only spends Quest Pollen. Complete a quest at %s or allow paid Pollen for this key at %s.", estimate, max(w.quest, 0), quests, link),
				notice: "The API key used for this request only spends Quest Pollen, and there isn't enough left. Please [complete a quest](" + quests + ") or [allow paid Pollen for this key](" + link + "), then try again.\n\n" + noticeTail}
		}
		return nil
	}
	topUp := enterBase + "/top-up?ref=agent_low_balance_topup"
	if m.PaidOnly {
		if w.paid <= 0 || estimate >= w.paid {
			return &refusal{status: 402, code: "INSUFFICIENT_BALANCE", model: m.Name, fixURL: topUp,
				msg:    fmt.Sprintf("Insufficient balance. This request costs ~%.4f pollen, but your available paid balance is %.4f. Top up at %s.", estimate, max(w.paid, 0), topUp),
				notice: "The account behind this API key doesn't have enough credits. This model needs paid Pollen. Please [top up](" + topUp + "), then try again.\n\n" + noticeTail}
		}
		return nil
	}
	if avail := max(w.quest, w.paid); avail <= 0 || estimate > avail {
		quests := enterBase + "/quests?ref=agent_low_balance_quests"
		return &refusal{status: 402, code: "INSUFFICIENT_BALANCE", model: m.Name, fixURL: topUp,
			msg:    fmt.Sprintf("Insufficient balance. This request costs ~%.4f pollen, but your available balance is %.4f. Top up at %s.", estimate, max(avail, 0), topUp),
			notice: "The account behind this API key doesn't have enough credits. Please [top up](" + topUp + ") or [complete a quest](" + quests + "), then try again.\n\n" + noticeTail}
	}
	return nil
}

// SetModelRPM gives a model a per-user requests-per-minute limit (0 removes it), as the
// catalogue's per_user_rpm does; the minute is scaled like every other time.
func (s *Server) SetModelRPM(model string, rpm int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rpm == nil {
		s.rpm = map[string]int{}
	}
	if m := s.findModel(model); m != nil {
		model = m.Name // limits are kept by canonical id, as requests are resolved to it
	}
	s.rpm[model] = rpm
}

// checkRPM applies a model's per-user RPM: the account's generations of that model in the last
// (scaled) minute. Caller holds s.mu.
func (s *Server) checkRPM(a *account, m *model, now time.Time) *refusal {
	limit, ok := s.rpm[m.Name]
	if !ok {
		limit = m.PerUserRPM
	}
	if limit <= 0 {
		return nil
	}
	w := a.wallet
	if w.calls == nil {
		w.calls = map[string][]time.Time{}
	}
	minute := s.scaled(time.Minute)
	recent := w.calls[m.Name][:0]
	for _, t := range w.calls[m.Name] {
		if now.Sub(t) < minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= limit {
		w.calls[m.Name] = recent
		wait := recent[0].Add(minute).Sub(now)
		return &refusal{status: 429, code: "community_model_rate_limit", model: m.Name,
			msg:        fmt.Sprintf("Per-user limit of %d RPM exceeded for model %s", limit, m.Name),
			retryAfter: max(1, int(math.Ceil(wait.Seconds())))}
	}
	w.calls[m.Name] = append(recent, now)
	return nil
}

// charge spends Pollen: Quest Pollen when it covers the whole cost of a regular model (always,
// for a Quest-only key), otherwise paid Pollen (balances may go slightly negative, as the real
// ones do). It returns the meter source for the usage log. Caller holds s.mu.
func (a *account) charge(m *model, cost float64, now time.Time) string {
	w := a.wallet
	source := "pack"
	if a.questOnly || !m.PaidOnly && w.quest >= cost {
		w.quest -= cost
		source = "tier" // the meter keeps the bucket's internal name
	} else {
		w.paid -= cost
	}
	if a.budget != nil {
		b := *a.budget - cost
		a.budget = &b
	}
	return source
}

// publishableHourly is the publishable key limiter's pollen per hour ("1 pollen per IP per hour").
const publishableHourly = 1.0

// refill tops up a publishable key's bucket: publishableHourly per (scaled) hour, never above
// publishableHourly. Caller holds s.mu.
func (a *account) refill(now time.Time, hour time.Duration) {
	if hour <= 0 {
		hour = time.Nanosecond
	}
	a.bucket = min(publishableHourly, a.bucket+publishableHourly*float64(now.Sub(a.bucketTime))/float64(hour))
	a.bucketTime = now
}

// publishableWait is how long a publishable key must wait before its bucket holds pollen
// again, or 0. Spending may take the bucket below zero (the cost is known only afterwards);
// the wait is the time to refill that debt. Caller holds s.mu.
func (a *account) publishableWait(now time.Time, hour time.Duration) time.Duration {
	if a.kind != "publishable" {
		return 0
	}
	a.refill(now, hour)
	if a.bucket > 0 {
		return 0
	}
	debt := -a.bucket + 1e-9
	return time.Duration(debt / publishableHourly * float64(hour))
}

// spendBucket takes a publishable key's generation cost from its bucket. Caller holds s.mu.
func (a *account) spendBucket(cost float64, now time.Time, hour time.Duration) {
	if a.kind != "publishable" {
		return
	}
	a.refill(now, hour)
	a.bucket -= cost
}

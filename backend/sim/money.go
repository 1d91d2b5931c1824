package sim

import (
	"fmt"
	"time"
)

// refusal is why a generation may not run, before it starts.
type refusal struct {
	status int
	reason string // INSUFFICIENT_BALANCE | PAID_ONLY | KEY_BUDGET_EXHAUSTED | MODEL_NOT_ALLOWED
	msg    string
	model  string
}

// checkSpend decides whether the account may pay an estimated cost for a model, in the order
// auth.ts and generation-access.ts check: allow-list, key budget, paid-only, balance. Caller
// holds s.mu.
func (a *account) checkSpend(m *model, estimate float64) *refusal {
	if !a.allows(m.Name) {
		return &refusal{403, "MODEL_NOT_ALLOWED", "Model '" + m.Name + "' is not allowed for this API key", m.Name}
	}
	w := a.wallet
	if a.budget != nil && *a.budget <= 0 {
		return &refusal{402, "KEY_BUDGET_EXHAUSTED", "API key budget exhausted. Please top up or create a new key.", m.Name}
	}
	if m.PaidOnly && w.paid <= 0 {
		return &refusal{402, "PAID_ONLY", "This model requires a paid balance. Tier balance cannot be used.", m.Name}
	}
	avail := w.paid
	if !m.PaidOnly {
		avail += w.tier
	}
	if avail <= 0 {
		return &refusal{402, "INSUFFICIENT_BALANCE", "Insufficient pollen balance to use this model", m.Name}
	}
	// The gateway's estimate is statistical and capped at 2 pollen.
	estimate = min(estimate, 2)
	if estimate > avail {
		return &refusal{402, "INSUFFICIENT_BALANCE", fmt.Sprintf("Insufficient balance. This model costs ~%.4f pollen per request, but your available balance is %.4f.", estimate, avail), m.Name}
	}
	if a.budget != nil && estimate > *a.budget {
		return &refusal{402, "KEY_BUDGET_EXHAUSTED", "API key budget exhausted. Please top up or create a new key.", m.Name}
	}
	return nil
}

// charge spends pollen: tier pollen when it covers the whole cost of a regular model, otherwise
// paid pollen (balances may go slightly negative, as the real ones do). It returns the meter
// source for the usage log. Caller holds s.mu.
func (a *account) charge(m *model, cost float64, now time.Time) string {
	w := a.wallet
	source := "pack"
	if !m.PaidOnly && w.tier >= cost {
		w.tier -= cost
		source = "tier"
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

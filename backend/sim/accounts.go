package sim

import (
	"net/http"
	"strings"
	"time"
)

// wallet is an account's money and its generations in flight; several keys may share one.
type wallet struct {
	tier, paid float64
	inflight   int
	peak       int
	tierName   string
	name       string
}

// account is one key and the wallet behind it.
type account struct {
	key         string
	kind        string // secret | publishable
	name        string
	allowed     []string // nil = every model
	budget      *float64 // key budget in pollen, nil = none
	expiresAt   *time.Time
	wallet      *wallet
	permissions []string
	// publishable keys: pollen spent in the current hour, for the per-IP pollen limiter.
	hourStart time.Time
	hourSpent float64
}

// publishableHourly is the publishable key limiter's pollen per hour (the docs' "1 pollen per IP
// per hour"; small here so the limiter can be reached in a demo).
const publishableHourly = 1.0

func (s *Server) seedAccounts() {
	main := &wallet{tier: 0.6, paid: 25, tierName: "flower", name: "Ada Lovelace"}
	add := func(kind, prefix, keyType string, w *wallet, mod func(a *account)) {
		a := &account{key: prefix + randomID(32), kind: keyType, name: kind + " key", wallet: w,
			permissions: []string{"profile", "balance", "usage"}}
		if mod != nil {
			mod(a)
		}
		s.accounts[a.key] = a
		s.keys = append(s.keys, Key{Kind: kind, Key: a.key})
	}
	add("secret", "sk_", "secret", main, nil)
	add("tier", "sk_", "secret", &wallet{tier: 0.5, tierName: "seed", name: "Tier Tester"}, nil)
	add("publishable", "pk_", "publishable", main, nil)
	add("scoped", "sk_", "secret", main, func(a *account) {
		a.allowed = []string{"flux", "openai"}
		b := 5.0
		a.budget = &b
		exp := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)
		a.expiresAt = &exp
		a.permissions = []string{"usage"}
	})
	add("exhausted", "sk_", "secret", &wallet{tierName: "spore", name: "Empty Wallet"}, func(a *account) {
		b := 0.0
		a.budget = &b
	})
}

// newSecretKey creates a key for a device-code sign-in.
func (s *Server) newSecretKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &account{key: "sk_" + randomID(32), kind: "secret", name: "Pollinations Studio (device sign-in)",
		wallet:      &wallet{tier: 0.6, paid: 10, tierName: "flower", name: "Device User"},
		permissions: []string{"profile", "balance", "usage"}}
	s.accounts[a.key] = a
	return a.key
}

// authenticate returns the account of the request's bearer key, or writes a 401.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *account {
	h := r.Header.Get("Authorization")
	key := ""
	if strings.HasPrefix(h, "Bearer ") {
		key = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	} else if r.Method == http.MethodGet {
		key = r.URL.Query().Get("key")
	}
	if key == "" {
		writeError(w, 401, "Authentication required. Please provide an API key via Authorization header (Bearer token) or ?key= query parameter.", nil)
		return nil
	}
	s.mu.Lock()
	a := s.accounts[key]
	s.mu.Unlock()
	if a == nil || (a.expiresAt != nil && time.Now().After(*a.expiresAt)) {
		writeError(w, 401, "Invalid API key. The provided key was not recognized; it may be expired, revoked, or mistyped. Manage keys at https://enter.pollinations.ai/keys", nil)
		return nil
	}
	return a
}

// optionalAccount returns the account when a valid key is given, nil otherwise (model lists).
func (s *Server) optionalAccount(r *http.Request) *account {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Bearer ") {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))]
}

func (a *account) allows(model string) bool {
	if a.allowed == nil {
		return true
	}
	for _, m := range a.allowed {
		if m == model {
			return true
		}
	}
	return false
}

// refusal is why a generation may not run, before it starts.
type refusal struct {
	status int
	reason string // INSUFFICIENT_BALANCE | PAID_ONLY | KEY_BUDGET_EXHAUSTED | MODEL_NOT_ALLOWED
	msg    string
	model  string
}

// checkSpend decides whether the account may pay an estimated cost for a model. Caller holds s.mu.
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
	if estimate > avail {
		return &refusal{402, "INSUFFICIENT_BALANCE", sprintf("Insufficient balance. This model costs ~%.4f pollen per request, but your available balance is %.4f.", estimate, avail), m.Name}
	}
	if a.budget != nil && estimate > *a.budget {
		return &refusal{402, "KEY_BUDGET_EXHAUSTED", "API key budget exhausted. Please top up or create a new key.", m.Name}
	}
	return nil
}

// charge spends pollen: tier pollen when it covers the whole cost of a regular model, otherwise
// paid pollen. Caller holds s.mu.
func (a *account) charge(m *model, cost float64) string {
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
	if a.kind == "publishable" {
		a.hourSpent += cost
	}
	return source
}

// publishableWait is how long a publishable key must wait before its pollen limiter lets it
// spend again, or 0. Caller holds s.mu.
func (a *account) publishableWait(now time.Time) time.Duration {
	if a.kind != "publishable" {
		return 0
	}
	if now.Sub(a.hourStart) >= time.Hour {
		a.hourStart, a.hourSpent = now, 0
	}
	if a.hourSpent < publishableHourly {
		return 0
	}
	return a.hourStart.Add(time.Hour).Sub(now)
}

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
	// publishable keys: the pollen limiter's bucket (see money.go).
	bucket     float64
	bucketTime time.Time
}

// seedAccounts creates the ready keys, one per kind. "secret", "publishable" and "scoped" share
// one wallet (both key types spend the owner's pollen); "tier" and "exhausted" have their own.
func (s *Server) seedAccounts() {
	main := &wallet{tier: 0.6, paid: 25, tierName: "flower", name: "Ada Lovelace"}
	add := func(kind, prefix, keyType string, w *wallet, mod func(a *account)) {
		a := &account{key: prefix + randomID(32), kind: keyType, name: kind + " key", wallet: w,
			permissions: []string{"profile", "balance", "usage"}, bucket: publishableHourly, bucketTime: time.Now()}
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
		a.allowed = []string{"black-forest-labs/flux-schnell", "openai/gpt-5.4-nano"} // flux, openai
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

// Keys lists the ready keys.
func (s *Server) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Key(nil), s.keys...)
}

// Key returns the ready key of a kind, or "".
func (s *Server) Key(kind string) string {
	for _, k := range s.Keys() {
		if k.Kind == kind {
			return k.Key
		}
	}
	return ""
}

// Balance returns the tier and paid pollen of the key's account (0, 0 for an unknown key).
func (s *Server) Balance(key string) (tier, paid float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		return a.wallet.tier, a.wallet.paid
	}
	return 0, 0
}

// SetBalance sets the pollen of the key's account (shared by its other keys).
func (s *Server) SetBalance(key string, tier, paid float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		a.wallet.tier, a.wallet.paid = tier, paid
	}
}

// MaxConcurrent is the peak number of generations in flight at once for the key's account.
func (s *Server) MaxConcurrent(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		return a.wallet.peak
	}
	return 0
}

// newSecretKey creates the key a device-code sign-in hands out: a fresh account with paid pollen.
func (s *Server) newSecretKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &account{key: "sk_" + randomID(32), kind: "secret", name: "Pollinations Studio (device sign-in)",
		wallet:      &wallet{tier: 0.6, paid: 10, tierName: "flower", name: "Device User"},
		permissions: []string{"profile", "balance", "usage"}, bucket: publishableHourly, bucketTime: time.Now()}
	s.accounts[a.key] = a
	return a.key
}

// requestKey is the key as auth.ts reads it: the Bearer header, else ?key= on GET.
func requestKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if k, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(k)
		}
		return ""
	}
	if r.Method == http.MethodGet {
		return r.URL.Query().Get("key")
	}
	return ""
}

// authenticate returns the account of the request's key, or writes the 401.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *account {
	key := requestKey(r)
	if key == "" {
		writeError(w, http.StatusUnauthorized, "Authentication required. Please provide an API key via Authorization header (Bearer token) or ?key= query parameter.", nil)
		return nil
	}
	s.mu.Lock()
	a := s.accounts[key]
	s.mu.Unlock()
	if a == nil || (a.expiresAt != nil && time.Now().After(*a.expiresAt)) {
		writeError(w, http.StatusUnauthorized, "Invalid API key. The provided key was not recognized; it may be expired, revoked, or mistyped. Manage keys at https://enter.pollinations.ai/keys", nil)
		return nil
	}
	return a
}

// optionalAccount returns the account when a valid key is given, nil otherwise (model lists).
func (s *Server) optionalAccount(r *http.Request) *account {
	key := requestKey(r)
	if key == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[key]
}

// allows reports whether the key may use a model (its allow-list, nil = all).
func (a *account) allows(model string) bool {
	return a.allowed == nil || contains(a.allowed, model)
}

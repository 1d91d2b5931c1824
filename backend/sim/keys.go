package sim

import (
	"net/http"
	"strings"
	"time"
)

// wallet is an account's money and its generations in flight; several keys may share one.
// quest is Quest Pollen (the service's internal tierBalance: a one-time bonus plus quest
// rewards, never refilled by the hour); paid is paid Pollen (packBalance).
type wallet struct {
	quest, paid float64
	inflight    int
	peak        int
	name        string
	// calls are the recent generation starts per model, for per-user RPM limits (money.go).
	calls map[string][]time.Time
}

// account is one key and the wallet behind it.
type account struct {
	key  string
	id   string // the key's id, as the dashboard links name it
	kind string // secret | publishable
	name string
	// allowed is permissions.models: categories (text, image, audio, video…), nil = all, empty =
	// none. Entries that are model ids are a legacy key's list [inferred: keys made before
	// categories; new ones widen a model id to its category].
	allowed     []string
	questOnly   bool     // questPollenOnly: the key never spends paid Pollen
	models      []*model // the server's catalogue (read-only), to find a model's category
	budget      *float64 // key budget in pollen, nil = none
	expiresAt   *time.Time
	wallet      *wallet
	permissions []string
	// publishable keys: the pollen limiter's bucket (see money.go).
	bucket     float64
	bucketTime time.Time
}

// seedAccounts creates the ready keys, one per kind. "secret", "publishable", "scoped", "quest"
// and "budgeted" share one wallet (every key spends the owner's Pollen); "free" (an account
// with Quest Pollen only) and "exhausted" have their own.
func (s *Server) seedAccounts() {
	main := &wallet{quest: 0.6, paid: 25, name: "Ada Lovelace"}
	add := func(kind, prefix, keyType string, w *wallet, mod func(a *account)) {
		a := &account{key: prefix + randomID(32), id: randomID(12), kind: keyType, name: kind + " key", wallet: w, models: s.models,
			permissions: []string{"profile", "usage"}, bucket: publishableHourly, bucketTime: time.Now()}
		if mod != nil {
			mod(a)
		}
		s.accounts[a.key] = a
		s.keys = append(s.keys, Key{Kind: kind, Key: a.key})
	}
	add("secret", "sk_", "secret", main, nil)
	add("free", "sk_", "secret", &wallet{quest: 0.5, name: "Quest Tester"}, nil)
	add("publishable", "pk_", "publishable", main, nil)
	add("scoped", "sk_", "secret", main, func(a *account) {
		a.allowed = []string{"black-forest-labs/flux-schnell", "openai/gpt-5.4-nano"} // flux, openai
		b := 5.0
		a.budget = &b
		exp := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)
		a.expiresAt = &exp
		a.permissions = []string{"usage"}
	})
	add("exhausted", "sk_", "secret", &wallet{name: "Empty Wallet"}, func(a *account) {
		b := 0.0
		a.budget = &b
	})
	// quest: a key that only spends Quest Pollen although its account has paid Pollen.
	add("quest", "sk_", "secret", main, func(a *account) { a.questOnly = true })
	// budgeted: a key with its own budget, text and image only, and no account permission:
	// its balance is the budget left.
	add("budgeted", "sk_", "secret", main, func(a *account) {
		a.allowed = []string{"text", "image"}
		b := 3.5
		a.budget = &b
		a.permissions = []string{}
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

// Balance returns the Quest Pollen and paid Pollen of the key's account (0, 0 for an unknown
// key).
func (s *Server) Balance(key string) (quest, paid float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		return a.wallet.quest, a.wallet.paid
	}
	return 0, 0
}

// SetBalance sets the Quest Pollen and paid Pollen of the key's account (shared by its other
// keys).
func (s *Server) SetBalance(key string, quest, paid float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		a.wallet.quest, a.wallet.paid = quest, paid
	}
}

// SetKeyBudget sets the key's own budget (nil: none).
func (s *Server) SetKeyBudget(key string, budget *float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[key]; a != nil {
		a.budget = budget
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

// Defaults of a key made by the device sign-in's consent screen.
const (
	deviceKeyBudget = 5.0
	deviceKeyLife   = 7 * 24 * time.Hour
)

// newSecretKey creates the key a device-code sign-in hands out: a secret key with the consent
// screen's defaults (a 5-Pollen budget, 7 days), on a fresh account with paid Pollen.
func (s *Server) newSecretKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := deviceKeyBudget
	exp := time.Now().Add(deviceKeyLife).UTC().Truncate(time.Second)
	a := &account{key: "sk_" + randomID(32), id: randomID(12), kind: "secret", name: "Pollinations Studio (device sign-in)",
		wallet: &wallet{quest: 0.6, paid: 10, name: "Device User"}, models: s.models, budget: &b, expiresAt: &exp,
		permissions: []string{"profile", "usage"}, bucket: publishableHourly, bucketTime: time.Now()}
	s.accounts[a.key] = a
	return a.key
}

// requestKey is the key as the service reads it: the Bearer header, else X-API-KEY, else ?key= on
// GET.
func requestKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if k, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(k)
		}
		return ""
	}
	if k := strings.TrimSpace(r.Header.Get("X-API-KEY")); k != "" {
		return k
	}
	if r.Method == http.MethodGet {
		return r.URL.Query().Get("key")
	}
	return ""
}

// authenticate returns the account of the request's key, or writes the 401.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *account {
	key := requestKey(r)
	s.mu.Lock()
	a := s.accounts[key]
	s.mu.Unlock()
	if a == nil || (a.expiresAt != nil && time.Now().After(*a.expiresAt)) {
		// One wording for a missing, unknown or expired key (docs/api.md).
		writeError(w, http.StatusUnauthorized, "A valid API key is required. Get one at https://enter.pollinations.ai/keys", nil)
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

// allows reports whether the key may use a model: its category (or, on a legacy list, its
// name) is among permissions.models; nil = all.
func (a *account) allows(model string) bool {
	if a.allowed == nil || contains(a.allowed, model) {
		return true
	}
	for _, m := range a.models {
		if m.Name == model {
			return contains(a.allowed, m.Category)
		}
	}
	return false
}

// legacyList reports whether permissions.models holds model ids rather than categories.
func (a *account) legacyList() bool {
	for _, v := range a.allowed {
		switch v {
		case "text", "image", "video", "audio", "3d", "embedding", "realtime":
		default:
			return true
		}
	}
	return false
}

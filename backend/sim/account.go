package sim

import (
	"net/http"
	"strconv"
	"time"
)

// usageRecord is one billed generation, as /account/usage lists it.
type usageRecord struct {
	At      time.Time
	Type    string // generate.image | generate.text | …
	Model   string
	KeyType string
	Key     string
	Source  string // tier | pack
	Cost    float64
	Millis  int64
	Units   http.Header // the x-usage-* headers of the response
}

// usageColumns maps x-usage-* headers to the usage log's token columns.
var usageColumns = [][2]string{
	{"x-usage-prompt-text-tokens", "input_text_tokens"},
	{"x-usage-prompt-audio-seconds", "input_audio_tokens"},
	{"x-usage-completion-text-tokens", "output_text_tokens"},
	{"x-usage-completion-audio-tokens", "output_audio_tokens"},
	{"x-usage-completion-image-tokens", "output_image_tokens"},
}

// handleAccountKey is GET /account/key: what the key is and may do.
func (s *Server) handleAccountKey(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var exp, expIn any
	if a.expiresAt != nil {
		exp = a.expiresAt.Format(time.RFC3339)
		expIn = int(time.Until(*a.expiresAt).Seconds())
	}
	var models any
	if a.allowed != nil {
		models = a.allowed
	}
	var budget any
	if a.budget != nil {
		budget = *a.budget
	}
	writeJSON(w, 200, map[string]any{"valid": true, "type": a.kind, "name": a.name, "expiresAt": exp, "expiresIn": expIn,
		"permissions":      map[string]any{"models": models, "account": a.permissions},
		"pollenBudget":     budget,
		"rateLimitEnabled": a.kind == "publishable"})
}

// handleBalance is GET /account/balance: a budgeted key gets {"balance": budget left} with no
// permission needed, and never the account's breakdown unless it has account:usage; another
// key needs account:usage and gets the total plus {total, tier (= Quest Pollen), paid}.
func (s *Server) handleBalance(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	usage := contains(a.permissions, "usage")
	if a.budget == nil && !usage {
		writeError(w, 403, "Permission denied - API key missing `account:usage` permission", nil)
		return
	}
	wl := a.wallet
	out := map[string]any{"balance": wl.quest + wl.paid}
	if a.budget != nil {
		out["balance"] = *a.budget
	}
	if usage {
		out["accountBalance"] = map[string]any{"total": wl.quest + wl.paid, "tier": wl.quest, "paid": wl.paid}
	}
	writeJSON(w, 200, out)
}

// handleProfile is GET /account/profile: githubUsername, image and communityEndpointsAllowed
// always; name and email with account:profile. No tier, createdAt or nextResetAt any more.
func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{"githubUsername": "pollinator", "image": nil, "communityEndpointsAllowed": true}
	if contains(a.permissions, "profile") {
		out["name"], out["email"] = a.wallet.name, "pollinator@example.com"
	}
	writeJSON(w, 200, out)
}

// handleUsage is GET /account/usage: the account's billed generations, newest first
// (?limit=, default 100). It needs account:usage.
func (s *Server) handleUsage(w http.ResponseWriter, r *http.Request) {
	s.usageList(w, r, false)
}

// handleKeyUsage is GET /account/key/usage: the calling key's own generations; no permission.
func (s *Server) handleKeyUsage(w http.ResponseWriter, r *http.Request) {
	s.usageList(w, r, true)
}

// usageList lists billed generations of the caller's account (or only its key).
func (s *Server) usageList(w http.ResponseWriter, r *http.Request, keyOnly bool) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !keyOnly && !contains(a.permissions, "usage") {
		writeError(w, http.StatusForbidden, "Permission denied - API key missing `account:usage` permission", nil)
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50000 {
			badRequest(w, "limit", "Number must be between 1 and 50000")
			return
		}
		limit = n
	}
	list := []map[string]any{}
	for i := len(s.usage) - 1; i >= 0 && len(list) < limit; i-- {
		u := s.usage[i]
		if !s.usageVisible(a, u, keyOnly) {
			continue
		}
		row := map[string]any{"timestamp": u.At.UTC().Format("2006-01-02 15:04:05"), "type": u.Type,
			"model": u.Model, "api_key": u.Key[:3] + "…" + u.Key[len(u.Key)-4:], "api_key_type": u.KeyType,
			"meter_source": u.Source, "cost_usd": u.Cost, "response_time_ms": u.Millis}
		for _, c := range usageColumns {
			n, _ := strconv.ParseFloat(u.Units.Get(c[0]), 64)
			row[c[1]] = n
		}
		list = append(list, row)
	}
	writeJSON(w, http.StatusOK, map[string]any{"usage": list, "count": len(list)})
}

// usageVisible reports whether a usage row belongs to the caller: its key, or its account.
// Caller holds s.mu.
func (s *Server) usageVisible(a *account, u usageRecord, keyOnly bool) bool {
	if keyOnly {
		return u.Key == a.key
	}
	ua := s.accounts[u.Key]
	return ua != nil && ua.wallet == a.wallet
}

// handleDailyUsage is GET /account/usage/daily: requests and cost per day, model and meter.
func (s *Server) handleDailyUsage(w http.ResponseWriter, r *http.Request) {
	a := s.authenticate(w, r)
	if a == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !contains(a.permissions, "usage") {
		writeError(w, http.StatusForbidden, "Permission denied - API key missing `account:usage` permission", nil)
		return
	}
	type day struct{ date, model, source string }
	type sum struct {
		requests int
		cost     float64
	}
	sums := map[day]*sum{}
	var order []day
	for i := len(s.usage) - 1; i >= 0; i-- {
		u := s.usage[i]
		if !s.usageVisible(a, u, false) {
			continue
		}
		d := day{u.At.UTC().Format("2006-01-02"), u.Model, u.Source}
		if sums[d] == nil {
			sums[d] = &sum{}
			order = append(order, d)
		}
		sums[d].requests++
		sums[d].cost += u.Cost
	}
	list := []map[string]any{}
	for _, d := range order {
		list = append(list, map[string]any{"date": d.date, "model": d.model, "meter_source": d.source,
			"requests": sums[d].requests, "cost_usd": sums[d].cost})
	}
	writeJSON(w, http.StatusOK, map[string]any{"usage": list, "count": len(list)})
}

package sim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAccountKey(t *testing.T) {
	s := startSim(t, Options{})
	type keyInfo struct {
		Valid       bool    `json:"valid"`
		Type        string  `json:"type"`
		Name        string  `json:"name"`
		ExpiresAt   *string `json:"expiresAt"`
		ExpiresIn   *int    `json:"expiresIn"`
		Permissions struct {
			Models  []string `json:"models"`
			Account []string `json:"account"`
		} `json:"permissions"`
		PollenBudget     *float64 `json:"pollenBudget"`
		RateLimitEnabled bool     `json:"rateLimitEnabled"`
	}
	get := func(kind string) (keyInfo, map[string]any) {
		r := do(t, s, "GET", "/account/key", s.Key(kind), nil)
		var k keyInfo
		if err := json.Unmarshal(r.body, &k); err != nil || r.status != 200 {
			t.Fatalf("%s: %d %v", kind, r.status, err)
		}
		return k, r.json(t)
	}
	sec, raw := get("secret")
	if !sec.Valid || sec.Type != "secret" || sec.ExpiresAt != nil || sec.Permissions.Models != nil || sec.PollenBudget != nil || sec.RateLimitEnabled {
		t.Errorf("secret: %+v", sec)
	}
	for _, k := range []string{"expiresAt", "expiresIn", "pollenBudget"} {
		if v, ok := raw[k]; !ok || v != nil {
			t.Errorf("secret: %s should be null, is %v (present %v)", k, v, ok)
		}
	}
	if p, _ := raw["permissions"].(map[string]any); p == nil || p["models"] != nil {
		t.Errorf("permissions.models should be null: %v", raw["permissions"])
	}
	pk, _ := get("publishable")
	if pk.Type != "publishable" || !pk.RateLimitEnabled {
		t.Errorf("publishable: %+v", pk)
	}
	sc, _ := get("scoped")
	if strings.Join(sc.Permissions.Models, ",") != "black-forest-labs/flux-schnell,openai/gpt-5.4-nano" || sc.PollenBudget == nil || *sc.PollenBudget != 5 || sc.ExpiresAt == nil || sc.ExpiresIn == nil {
		t.Fatalf("scoped: %+v", sc)
	}
	exp, err := time.Parse(time.RFC3339, *sc.ExpiresAt)
	if err != nil || time.Until(exp) < 6*24*time.Hour || *sc.ExpiresIn < 6*24*3600 {
		t.Errorf("scoped expiry %v %d", err, *sc.ExpiresIn)
	}
	ex, _ := get("exhausted")
	if ex.PollenBudget == nil || *ex.PollenBudget != 0 {
		t.Errorf("exhausted budget: %+v", ex)
	}
}

func TestAccountBalanceAndProfile(t *testing.T) {
	s := startSim(t, Options{})
	s.SetBalance(s.Key("secret"), 0.5, 20)
	r := do(t, s, "GET", "/account/balance", s.Key("secret"), nil)
	var b struct {
		Balance        float64 `json:"balance"`
		AccountBalance *struct {
			Total, Tier, Paid float64
		} `json:"accountBalance"`
	}
	if json.Unmarshal(r.body, &b); b.Balance != 20.5 || b.AccountBalance == nil || b.AccountBalance.Tier != 0.5 || b.AccountBalance.Paid != 20 || b.AccountBalance.Total != 20.5 {
		t.Errorf("secret balance: %s", r.body)
	}
	// A budgeted key sees its budget as the balance, with the breakdown only if it has
	// account:usage (scoped has it; budgeted has no account permission and needs none).
	r = do(t, s, "GET", "/account/balance", s.Key("scoped"), nil)
	if json.Unmarshal(r.body, &b); b.Balance != 5 || b.AccountBalance == nil {
		t.Errorf("scoped balance: %s", r.body)
	}
	r = do(t, s, "GET", "/account/balance", s.Key("budgeted"), nil)
	if r.status != 200 || string(r.body) != `{"balance":3.5}` {
		t.Errorf("budgeted balance: %d %s", r.status, r.body)
	}
	p := do(t, s, "GET", "/account/profile", s.Key("secret"), nil).json(t)
	if p["name"] != "Ada Lovelace" || p["email"] == nil || p["communityEndpointsAllowed"] != true {
		t.Errorf("profile: %v", p)
	}
	for _, k := range []string{"githubUsername", "image"} {
		if _, ok := p[k]; !ok {
			t.Errorf("profile lacks %s", k)
		}
	}
	for _, k := range []string{"tier", "createdAt", "nextResetAt"} {
		if _, ok := p[k]; ok {
			t.Errorf("profile still has %s", k)
		}
	}
	// Without account:profile, name and email are withheld.
	p = do(t, s, "GET", "/account/profile", s.Key("scoped"), nil).json(t)
	if p["name"] != nil || p["email"] != nil {
		t.Errorf("scoped profile: %v", p)
	}
}

func TestAccountUsage(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	do(t, s, "GET", "/image/one?model=flux&width=64&height=64", key, nil)
	do(t, s, "GET", "/image/one?model=flux&width=64&height=64", key, nil) // a cache hit: not billed
	do(t, s, "GET", "/text/write%2010%20words", key, nil)
	do(t, s, "GET", "/image/tier?model=flux&width=64&height=64", s.Key("free"), nil) // another account
	r := do(t, s, "GET", "/account/usage", key, nil)
	var u struct {
		Usage []map[string]any `json:"usage"`
		Count int              `json:"count"`
	}
	if err := json.Unmarshal(r.body, &u); err != nil || u.Count != 2 || len(u.Usage) != 2 {
		t.Fatalf("%v %s", err, r.body)
	}
	text, img := u.Usage[0], u.Usage[1] // newest first
	if text["type"] != "generate.text" || text["model"] != "openai/gpt-5.4-nano" || text["output_text_tokens"].(float64) < 10 {
		t.Errorf("text row: %v", text)
	}
	if img["type"] != "generate.image" || img["cost_usd"] != 0.002 || img["output_image_tokens"] != 1.0 || img["meter_source"] != "tier" {
		t.Errorf("image row: %v", img)
	}
	if _, err := time.Parse("2006-01-02 15:04:05", img["timestamp"].(string)); err != nil {
		t.Errorf("timestamp: %v", err)
	}
	if k := img["api_key"].(string); strings.Contains(k, key[3:len(key)-4]) || !strings.HasPrefix(k, "sk_") {
		t.Errorf("api_key not masked: %s", k)
	}
	if r := do(t, s, "GET", "/account/usage?limit=1", key, nil); !strings.Contains(string(r.body), `"count":1`) {
		t.Errorf("limit=1: %s", r.body)
	}
	if r := do(t, s, "GET", "/account/usage?limit=0", key, nil); r.status != 400 {
		t.Errorf("limit=0: %d", r.status)
	}
	// Daily sums per model and meter.
	var daily struct {
		Usage []map[string]any `json:"usage"`
	}
	json.Unmarshal(do(t, s, "GET", "/account/usage/daily", key, nil).body, &daily)
	if len(daily.Usage) != 2 || daily.Usage[0]["requests"] != 1.0 || daily.Usage[0]["date"] != time.Now().UTC().Format("2006-01-02") {
		t.Errorf("daily: %v", daily.Usage)
	}
	// The key's own usage: the scoped key shares the wallet but has spent nothing itself.
	do(t, s, "GET", "/image/mine?model=flux&width=64&height=64", s.Key("scoped"), nil)
	if r := do(t, s, "GET", "/account/key/usage", s.Key("scoped"), nil); !strings.Contains(string(r.body), `"count":1`) {
		t.Errorf("key usage: %s", r.body)
	}
	if r := do(t, s, "GET", "/account/usage", key, nil); !strings.Contains(string(r.body), `"count":3`) {
		t.Errorf("account usage after the scoped key spent: %s", r.body)
	}
	// The exhausted key lacks nothing but has spent nothing.
	if r := do(t, s, "GET", "/account/usage", s.Key("exhausted"), nil); !strings.Contains(string(r.body), `"count":0`) {
		t.Errorf("exhausted usage: %s", r.body)
	}
}

func TestAccountPermissions(t *testing.T) {
	s := startSim(t, Options{})
	// A key without account:usage and without a budget may not read usage or balance.
	tier := s.Key("free")
	s.mu.Lock()
	a := s.accounts[tier]
	a.permissions = []string{"profile"}
	s.mu.Unlock()
	for _, p := range []string{"/account/usage", "/account/balance"} {
		r := do(t, s, "GET", p, s.Key("free"), nil)
		if r.status != 403 || !strings.HasPrefix(r.errorMessage(t), "Permission denied - API key missing `account:") {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	if r := do(t, s, "GET", "/account/key", s.Key("free"), nil); r.status != 200 {
		t.Errorf("/account/key needs no permission: %d", r.status)
	}
}

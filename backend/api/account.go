package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// KeyInfo describes the key in use (GET /account/key).
type KeyInfo struct {
	Valid      bool
	Type, Name string
	ExpiresAt  *time.Time
	// AllowedCategories is permissions.models: the kinds of generation the key may make
	// (text, image, audio, video, 3d, embedding, realtime). nil: all; empty: none.
	AllowedCategories []string
	// AllowedModels holds the model ids of an older key's list (nil: no such restriction).
	AllowedModels      []string
	AccountPermissions []string
	PollenBudget       *float64
	RateLimitEnabled   bool
	// QuestPollenOnly: the key never spends paid Pollen (nil: the service did not say).
	QuestPollenOnly *bool
}

// Categories are the kinds of generation a key's permissions are granted by.
var Categories = []string{"text", "image", "audio", "video", "3d", "embedding", "realtime"}

// MayMake reports whether the key may make a kind of generation (a category).
func (k *KeyInfo) MayMake(category string) bool {
	if k.AllowedCategories == nil {
		return k.AllowedModels == nil || len(k.AllowedModels) > 0
	}
	return slices.Contains(k.AllowedCategories, category)
}

// Balance is the Pollen available (GET /account/balance). Tier is the wire name of Quest
// Pollen (a one-time bonus plus quest rewards); Paid is paid Pollen.
type Balance struct {
	Balance           float64
	Total, Tier, Paid float64
	// Quest is Quest Pollen (the same as Tier).
	Quest        float64
	HasBreakdown bool
	// KeyBudget: the key has a budget and Balance is what is left of it (the account's
	// Pollen is not shown to it).
	KeyBudget bool
}

// String is the balance for a person: "Quest Pollen 1.20 · paid Pollen 0.00", or "key budget
// left 3.50".
func (b *Balance) String() string {
	switch {
	case b.HasBreakdown:
		return fmt.Sprintf("Quest Pollen %.2f · paid Pollen %.2f", b.Quest, b.Paid)
	case b.KeyBudget:
		return fmt.Sprintf("key budget left %.2f", b.Balance)
	}
	return fmt.Sprintf("%.2f Pollen", b.Balance)
}

// Profile is the account's profile (GET /account/profile). The service no longer sends tier,
// createdAt or nextResetAt; they stay empty (or are read when an older service sends them).
type Profile struct {
	Name, Email, GithubUsername, Image, Tier string
	CreatedAt, NextResetAt                   *time.Time
	CommunityEndpointsAllowed                bool
}

// UsageRecord is one billed generation (GET /account/usage).
type UsageRecord struct {
	Timestamp      time.Time
	Type, Model    string
	APIKey         string
	APIKeyType     string
	MeterSource    string
	CostUSD        float64
	ResponseTimeMS int
}

func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, c.tm.meta)
	defer cancel()
	resp, err := c.send(ctx, request{method: http.MethodGet, url: endpoint(c.base, path, nil), auth: true, buffer: 16 << 20})
	if err != nil {
		return err
	}
	data, err := readAll(resp, 16<<20)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &Error{Kind: KindUpstream, Status: resp.StatusCode, Message: "the answer of " + path + " could not be read", Err: err}
	}
	return nil
}

func parseTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t
		}
	}
	return nil
}

// KeyInfo validates the key and tells what it may do.
func (c *Client) KeyInfo(ctx context.Context) (*KeyInfo, error) {
	var v struct {
		Valid       *bool   `json:"valid"`
		Type        string  `json:"type"`
		Name        string  `json:"name"`
		ExpiresAt   *string `json:"expiresAt"`
		Permissions struct {
			Models  []string `json:"models"`
			Account []string `json:"account"`
		} `json:"permissions"`
		PollenBudget     *float64 `json:"pollenBudget"`
		RateLimitEnabled bool     `json:"rateLimitEnabled"`
		QuestPollenOnly  *bool    `json:"questPollenOnly"`
	}
	if err := c.getJSON(ctx, "/account/key", &v); err != nil {
		return nil, err
	}
	k := &KeyInfo{Valid: v.Valid == nil || *v.Valid, Type: v.Type, Name: v.Name,
		AccountPermissions: v.Permissions.Account, PollenBudget: v.PollenBudget, RateLimitEnabled: v.RateLimitEnabled,
		QuestPollenOnly: v.QuestPollenOnly}
	if v.Permissions.Models != nil {
		// Categories now; an older key may list model ids, which are kept apart.
		k.AllowedCategories = []string{}
		for _, m := range v.Permissions.Models {
			if slices.Contains(Categories, strings.ToLower(m)) {
				k.AllowedCategories = append(k.AllowedCategories, strings.ToLower(m))
			} else {
				k.AllowedModels = append(k.AllowedModels, m)
			}
		}
		if len(k.AllowedModels) > 0 && len(k.AllowedCategories) == 0 {
			k.AllowedCategories = nil // a list of model ids only: the models decide
		}
		if len(v.Permissions.Models) == 0 {
			k.AllowedModels = []string{} // none at all
		}
	}
	if k.Type == "" {
		k.Type = map[bool]string{true: "publishable", false: "secret"}[strings.HasPrefix(c.key, "pk_")]
	}
	if v.ExpiresAt != nil {
		k.ExpiresAt = parseTime(*v.ExpiresAt)
	}
	if !k.Valid {
		return k, &Error{Kind: KindUnauthorized, Message: "the key is not valid"}
	}
	return k, nil
}

// Balance returns the Pollen available: a budgeted key's budget left, or the account's total
// with Quest Pollen and paid Pollen apart when the key may see them.
func (c *Client) Balance(ctx context.Context) (*Balance, error) {
	var v struct {
		Balance        float64 `json:"balance"`
		AccountBalance *struct {
			Total float64 `json:"total"`
			Tier  float64 `json:"tier"`
			Paid  float64 `json:"paid"`
		} `json:"accountBalance"`
	}
	if err := c.getJSON(ctx, "/account/balance", &v); err != nil {
		return nil, err
	}
	b := &Balance{Balance: v.Balance, Total: v.Balance}
	if v.AccountBalance != nil {
		b.Total, b.Tier, b.Paid, b.HasBreakdown = v.AccountBalance.Total, v.AccountBalance.Tier, v.AccountBalance.Paid, true
		b.Quest = b.Tier
		// A budgeted key with account:usage: balance is its budget, unlike the total.
		b.KeyBudget = math.Abs(b.Balance-b.Total) > 1e-9
	} else {
		// {"balance": x} alone is what a budgeted key sees: its budget left [inferred: an
		// unbudgeted key without account:usage gets a 403 instead].
		b.KeyBudget = true
	}
	return b, nil
}

// Profile returns the account's profile.
func (c *Client) Profile(ctx context.Context) (*Profile, error) {
	var v struct {
		Name, Email, GithubUsername, Image, Tier string
		CreatedAt, NextResetAt                   string
		CommunityEndpointsAllowed                bool `json:"communityEndpointsAllowed"`
	}
	if err := c.getJSON(ctx, "/account/profile", &v); err != nil {
		return nil, err
	}
	return &Profile{Name: v.Name, Email: v.Email, GithubUsername: v.GithubUsername, Image: v.Image, Tier: v.Tier,
		CreatedAt: parseTime(v.CreatedAt), NextResetAt: parseTime(v.NextResetAt), CommunityEndpointsAllowed: v.CommunityEndpointsAllowed}, nil
}

// Usage returns the account's recent billed generations.
func (c *Client) Usage(ctx context.Context) ([]UsageRecord, error) {
	var v struct {
		Usage []struct {
			Timestamp      string  `json:"timestamp"`
			Type           string  `json:"type"`
			Model          string  `json:"model"`
			APIKey         string  `json:"api_key"`
			APIKeyType     string  `json:"api_key_type"`
			MeterSource    string  `json:"meter_source"`
			CostUSD        float64 `json:"cost_usd"`
			ResponseTimeMS int     `json:"response_time_ms"`
		} `json:"usage"`
	}
	if err := c.getJSON(ctx, "/account/usage", &v); err != nil {
		return nil, err
	}
	out := make([]UsageRecord, 0, len(v.Usage))
	for _, u := range v.Usage {
		r := UsageRecord{Type: u.Type, Model: u.Model, APIKey: u.APIKey, APIKeyType: u.APIKeyType,
			MeterSource: u.MeterSource, CostUSD: u.CostUSD, ResponseTimeMS: u.ResponseTimeMS}
		if t := parseTime(u.Timestamp); t != nil {
			r.Timestamp = *t
		}
		out = append(out, r)
	}
	return out, nil
}

package kit

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/jobs"
)

func TestEstimateAndCostText(t *testing.T) {
	known := jobs.CostEstimate{Amount: 0.008, Unit: "image", Known: true, Label: "about 0.008 pollen (0.004 per image)"}
	tokens := jobs.CostEstimate{Unit: "image", Label: jobs.PricedByTokens}
	for _, tc := range []struct {
		got, want string
	}{
		{EstimateText(known), "Estimate: about 0.008 pollen (0.004 per image)"},
		{EstimateText(tokens), "Cost: priced by tokens, known after it is made"},
		{EstimateText(jobs.CostEstimate{}), "Cost: not known before it is made"},
		{CostText(0.0075, known), "cost 0.0075 Pollen (estimate 0.0080)"},
		{CostText(0.012, tokens), "cost 0.012 Pollen (no estimate: priced by tokens)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	l := NewEstimateLabel()
	l.SetEstimate(known)
	if l.Text != "Estimate: about 0.008 pollen (0.004 per image)" {
		t.Fatalf("before: %q", l.Text)
	}
	l.SetCost(0.0075)
	if l.Text != "cost 0.0075 Pollen (estimate 0.0080)" {
		t.Fatalf("after: %q", l.Text)
	}
}

func TestBalanceText(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		info *api.KeyInfo
		b    *api.Balance
		want string
	}{
		{nil, nil, "balance hidden for this key"},
		{nil, &api.Balance{Balance: 25.6, Total: 25.6, Quest: 0.6, Tier: 0.6, Paid: 25, HasBreakdown: true}, "Quest Pollen 0.60 · paid Pollen 25.00"},
		{nil, &api.Balance{Balance: 3.5, KeyBudget: true}, "key budget left 3.50"},
		{nil, &api.Balance{Balance: 5, Total: 25.6, Quest: 0.6, Paid: 25, HasBreakdown: true, KeyBudget: true}, "key budget left 5.00 · Quest Pollen 0.60 · paid Pollen 25.00"},
		{&api.KeyInfo{QuestPollenOnly: &yes}, &api.Balance{Balance: 0.6, Total: 0.6, Quest: 0.6, HasBreakdown: true}, "Quest Pollen 0.60 · paid Pollen 0.00 · this key spends Quest Pollen only"},
	} {
		got := BalanceText(tc.info, tc.b)
		if got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
		if strings.Contains(strings.ToLower(got), "free") || strings.Contains(got, "refill") {
			t.Errorf("old wording in %q", got)
		}
	}
}

func TestKeyScopeAndAllows(t *testing.T) {
	models := []api.Model{
		{Name: "black-forest-labs/flux-schnell", Aliases: []string{"flux"}, Kind: "image", Category: "image", Title: "Flux Schnell"},
		{Name: "openai/gpt-5.4-nano", Aliases: []string{"openai"}, Kind: "text", Category: "text", Title: "GPT-5.4 Nano"},
		{Name: "openai/tts-1", Kind: "audio", Category: "audio"},
		{Name: "openai/whisper-large-v3", Aliases: []string{"whisper"}, Kind: "transcription", Category: "audio"},
	}
	cats := &api.KeyInfo{AllowedCategories: []string{"text", "image"}}
	if got := KeyScope(cats, models); got != "This key may write text and make images." {
		t.Errorf("categories: %q", got)
	}
	legacy := &api.KeyInfo{AllowedModels: []string{"black-forest-labs/flux-schnell", "openai/gpt-5.4-nano"}}
	if got := KeyScope(legacy, models); got != "This key may use only Flux Schnell (flux) and GPT-5.4 Nano (openai)." {
		t.Errorf("legacy list: %q", got)
	}
	if got := KeyScope(&api.KeyInfo{}, models); got != "" {
		t.Errorf("an unrestricted key: %q", got)
	}
	for _, tc := range []struct {
		info  *api.KeyInfo
		model string
		want  bool
	}{
		{nil, "anything", true},
		{cats, "flux", true},
		{cats, "openai/tts-1", false},
		{cats, "whisper", false}, // transcription is the audio category
		{legacy, "flux", true},   // an alias of a listed id
		{legacy, "openai/tts-1", false},
		{&api.KeyInfo{AllowedCategories: []string{"audio"}}, "whisper", true},
	} {
		if got := KeyAllows(tc.info, models, tc.model); got != tc.want {
			t.Errorf("KeyAllows(%+v, %s) = %v, want %v", tc.info, tc.model, got, tc.want)
		}
	}
}

func TestKeyLimitsAndPage(t *testing.T) {
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	exp := now.Add(7 * 24 * time.Hour)
	b := 5.0
	got := KeyLimits(&api.KeyInfo{ExpiresAt: &exp, PollenBudget: &b}, now)
	if !strings.Contains(got, "in 7 days") || !strings.Contains(got, "budget 5.00 Pollen") {
		t.Fatalf("limits: %q", got)
	}
	if KeyLimits(&api.KeyInfo{}, now) != "" {
		t.Fatal("a key without limits says nothing")
	}
	if got := KeyPageURL("k1 2").String(); got != "https://enter.pollinations.ai/edit-key?id=k1+2" {
		t.Fatalf("edit page: %s", got)
	}
	if got := KeyPageURL("").String(); got != "https://enter.pollinations.ai/keys" {
		t.Fatalf("keys page: %s", got)
	}
}

func TestModelLabelMarksPaidDegradedCommunity(t *testing.T) {
	m := api.Model{Name: "bytedance/seedream-4.0", Title: "Seedream 4.0", Kind: "image", PaidOnly: true,
		Health: &api.Health{Status: "degraded", SuccessRate: 0.71, Requests: 412}}
	got := ModelLabel(m, func(string) bool { return true })
	for _, want := range []string{"· paid Pollen", "· degraded 71%"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if ModelOfLabel(got) != m.Name || !strings.HasPrefix(got, "Seedream 4.0 — ") {
		t.Errorf("ModelOfLabel(%q), or the title is not first", got)
	}
	c := ModelLabel(api.Model{Name: "community/x", Community: true}, nil)
	if !strings.Contains(c, "community") {
		t.Errorf("community: %q", c)
	}
}

// A refusal's remedies: the service's links; a Quest-only key is never sent to top up.
func TestRemediesNeverTopUpAQuestOnlyKey(t *testing.T) {
	body := func(code, fix, msg string) []byte {
		return []byte(`{"error":{"code":"` + code + `","message":"` + msg + `","fixUrl":"` + fix + `"}}`)
	}
	quest := api.DecodeError(402, http.Header{}, body("QUEST_POLLEN_ONLY",
		"https://enter.pollinations.ai/edit-key?id=abc&ref=agent_quest_pollen_only",
		"Not enough Quest Pollen. Complete a quest at https://enter.pollinations.ai/quests?ref=q or allow paid Pollen for this key at https://enter.pollinations.ai/edit-key?id=abc&ref=agent_quest_pollen_only."))
	rs := Remedies(quest, Account{})
	var labels []string
	for _, r := range rs {
		labels = append(labels, r.Label)
		if !strings.HasPrefix(r.URL, "https://") {
			t.Errorf("%s: %q is not https", r.Label, r.URL)
		}
	}
	if strings.Join(labels, "|") != "Allow paid Pollen for this key|Complete a quest" {
		t.Fatalf("quest-only remedies: %v", labels)
	}
	if strings.Contains(strings.ToLower(Friendly(quest)), "top up") {
		t.Fatalf("quest-only words: %q", Friendly(quest))
	}
	// An older 402 without a link: a key known to be Quest-only still gets no top-up.
	yes := true
	plain := api.DecodeError(402, nil, body("INSUFFICIENT_BALANCE", "", "Insufficient balance."))
	rs = Remedies(plain, Account{Info: &api.KeyInfo{QuestPollenOnly: &yes}})
	if len(rs) == 0 || rs[0].Action != api.RemedyAllowPaidPollen {
		t.Fatalf("remedies for a quest-only key: %+v", rs)
	}
	for _, r := range rs {
		if r.Action == api.RemedyTopUp {
			t.Fatalf("a quest-only key was offered a top-up: %+v", rs)
		}
	}
	// An untrusted link is never a button's address.
	evil := api.DecodeError(402, nil, body("INSUFFICIENT_BALANCE", "http://evil.example/top-up", "Insufficient balance."))
	for _, r := range Remedies(evil, Account{}) {
		if !strings.HasPrefix(r.URL, "https://enter.pollinations.ai/") {
			t.Fatalf("untrusted link kept: %+v", r)
		}
	}
}

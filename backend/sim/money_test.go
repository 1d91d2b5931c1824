package sim

import (
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPaymentRequired(t *testing.T) {
	s := startSim(t, Options{})
	poor := s.Key("free")
	const enter = "https://enter.pollinations.ai"
	cases := []struct {
		name, path, key string
		setup           func()
		code, says, fix string
	}{
		{"paid-only with Quest Pollen", "/image/x?model=seedream&width=64&height=64", poor, nil, "INSUFFICIENT_BALANCE",
			"Insufficient balance. This request costs ~0.0300 pollen, but your available paid balance is 0.0000. Top up at " + enter + "/top-up?ref=agent_low_balance_topup.",
			enter + "/top-up?ref=agent_low_balance_topup"},
		{"paid-only video", "/video/x", poor, nil, "INSUFFICIENT_BALANCE", "Insufficient balance. This request costs ~", enter + "/top-up?"},
		{"key budget", "/image/x?width=64&height=64", s.Key("exhausted"), nil, "KEY_BUDGET_EXHAUSTED",
			"API key budget too low. This request costs ~", enter + "/edit-key?id="},
		{"estimate over balance", "/image/x?model=kontext&width=64&height=64", poor, func() { s.SetBalance(poor, 0.01, 0) }, "INSUFFICIENT_BALANCE",
			"Insufficient balance. This request costs ~0.0400 pollen, but your available balance is 0.0100. Top up at", enter + "/top-up?"},
		{"nothing left", "/audio/hello", poor, func() { s.SetBalance(poor, 0, 0) }, "INSUFFICIENT_BALANCE", "Insufficient balance.", enter + "/top-up?"},
		{"quest-only key, paid-only model", "/image/x?model=seedream&width=64&height=64", s.Key("quest"), nil, "QUEST_POLLEN_ONLY",
			"This model needs paid Pollen, but this API key only spends Quest Pollen. To use it, allow paid Pollen for this key at " + enter + "/edit-key?id=",
			enter + "/edit-key?id="},
		{"quest-only key, no Quest Pollen left", "/image/x?model=flux&width=64&height=64", s.Key("quest"), func() { s.SetBalance(s.Key("quest"), 0, 25) }, "QUEST_POLLEN_ONLY",
			"Not enough Quest Pollen. This request costs ~0.0020 pollen, but you have 0.0000 Quest Pollen, and this API key only spends Quest Pollen. Complete a quest at " + enter + "/quests?ref=agent_quest_pollen_only_quests or allow paid Pollen",
			enter + "/edit-key?id="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			r := do(t, s, "GET", tc.path, tc.key, nil)
			msg := r.errorMessage(t)
			if r.status != 402 || !strings.HasPrefix(msg, tc.says) || r.errorField(t, "code") != tc.code || !strings.HasPrefix(r.errorField(t, "fixUrl"), tc.fix) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if _, ok := r.json(t)["error"].(map[string]any)["details"]; ok {
				t.Fatalf("a 402 has no details: %s", r.body)
			}
		})
	}
	if !strings.Contains(do(t, s, "GET", "/image/y?model=seedream&width=64&height=64", s.Key("quest"), nil).errorField(t, "fixUrl"), "ref=agent_quest_pollen_only") {
		t.Fatal("the Quest-only key's fix is allowing paid Pollen")
	}
	// The scoped key (a legacy list of model ids) on a model it may not use: 403 with a grant link.
	r := do(t, s, "GET", "/image/x?model=zimage", s.Key("scoped"), nil)
	if r.status != 403 || !strings.HasPrefix(r.errorMessage(t), "Model 'tongyi-mai/z-image-turbo' is not allowed for this API key. Allow it at "+enter+"/grant?id=") ||
		!strings.Contains(r.errorField(t, "fixUrl"), "model=tongyi-mai/z-image-turbo") {
		t.Fatalf("scoped: %d %s", r.status, r.body)
	}
	if r := do(t, s, "GET", "/image/x?model=flux&width=64&height=64", s.Key("scoped"), nil); r.status != 200 {
		t.Fatalf("scoped on flux: %d", r.status)
	}
	// The budgeted key may make text and images: audio is a whole category closed to it.
	r = do(t, s, "GET", "/audio/hello", s.Key("budgeted"), nil)
	if r.status != 403 || r.errorField(t, "code") != "FORBIDDEN" || !strings.Contains(r.errorField(t, "fixUrl"), "category=audio") {
		t.Fatalf("budgeted on audio: %d %s", r.status, r.body)
	}
}

// TestModelRPM: a model with a per-user RPM refuses the next request of the minute with 429
// community_model_rate_limit and Retry-After, for every key of the account.
func TestModelRPM(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.01}) // a minute is 600 ms, an image 20–60 ms
	s.SetModelRPM("flux", 2)
	for i := range 2 {
		if r := do(t, s, "GET", "/image/r"+strconv.Itoa(i)+"?model=flux&width=64&height=64&no-cache=true", s.Key("secret"), nil); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := do(t, s, "GET", "/image/r3?model=flux&width=64&height=64", s.Key("publishable"), nil)
	if r.status != 429 || r.errorField(t, "code") != "community_model_rate_limit" || r.errorMessage(t) != "Per-user limit of 2 RPM exceeded for model "+s.findModel("flux").Name ||
		r.header.Get("Retry-After") == "" {
		t.Fatalf("over the RPM: %d %s %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	if r := do(t, s, "GET", "/image/r4?model=zimage&width=64&height=64", s.Key("secret"), nil); r.status != 200 {
		t.Fatalf("another model: %d", r.status)
	}
}

// TestSpendingRules: a regular model spends tier pollen when it covers the cost, otherwise paid;
// a paid-only model always spends paid; a key budget goes down with what its key spends.
func TestSpendingRules(t *testing.T) {
	s := startSim(t, Options{})
	key := s.Key("secret")
	s.SetBalance(key, 0.003, 1)
	step := func(path string, wantTier, wantPaid float64) {
		t.Helper()
		if r := do(t, s, "GET", path, key, nil); r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		tier, paid := s.Balance(key)
		if math.Abs(tier-wantTier) > 1e-9 || math.Abs(paid-wantPaid) > 1e-9 {
			t.Fatalf("%s: tier %g paid %g, want %g %g", path, tier, paid, wantTier, wantPaid)
		}
	}
	step("/image/a?model=flux&width=64&height=64", 0.001, 1)         // 0.002 from tier
	step("/image/b?model=flux&width=64&height=64", 0.001, 0.998)     // tier no longer covers it
	step("/image/c?model=seedream&width=64&height=64", 0.001, 0.968) // paid-only: paid
	scoped := s.Key("scoped")
	do(t, s, "GET", "/image/d?model=flux&width=64&height=64", scoped, nil)
	var budget float64
	s.mu.Lock()
	budget = *s.accounts[scoped].budget
	s.mu.Unlock()
	if math.Abs(budget-(5-0.002)) > 1e-9 {
		t.Fatalf("scoped budget %g", budget)
	}
	if _, paid := s.Balance(scoped); math.Abs(paid-0.966) > 1e-9 {
		t.Fatalf("the scoped key spends the shared wallet: paid %g", paid)
	}
	if tier, paid := s.Balance("sk_nobody"); tier != 0 || paid != 0 {
		t.Fatal("unknown key has a balance")
	}
}

// TestTierAccountOneAtATime: an account without paid pollen runs one generation at a time; a
// second one at once gets the non-standard 429.
func TestTierAccountOneAtATime(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.05}) // 100–300 ms per image
	key := s.Key("free")
	var wg sync.WaitGroup
	res := make([]resp, 3)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = do(t, s, "GET", "/image/p"+strconv.Itoa(i)+"?model=flux&width=64&height=64", key, nil)
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, r := range res {
		switch r.status {
		case 200:
			ok++
		case 429:
			limited++
			v := r.json(t)
			if v["error"] != "concurrency_limit_exceeded" || !strings.HasPrefix(v["message"].(string), "Another generation is still running on this account.") ||
				r.header.Get("Retry-After") != "1" {
				t.Fatalf("429 body %s, Retry-After %q", r.body, r.header.Get("Retry-After"))
			}
		default:
			t.Fatalf("status %d", r.status)
		}
	}
	if ok != 1 || limited != 2 || s.MaxConcurrent(key) != 1 {
		t.Fatalf("%d ok, %d limited, peak %d", ok, limited, s.MaxConcurrent(key))
	}
	// The secret key's account has paid pollen: no such limit.
	sec := s.Key("secret")
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = do(t, s, "GET", "/image/q"+strconv.Itoa(i)+"?model=flux&width=64&height=64", sec, nil)
		}()
	}
	wg.Wait()
	for _, r := range res {
		if r.status != 200 {
			t.Fatalf("paid account limited: %d", r.status)
		}
	}
	if s.MaxConcurrent(sec) < 2 {
		t.Fatalf("paid account peak %d", s.MaxConcurrent(sec))
	}
}

var retryAfterText = regexp.MustCompile(`^Rate limit exceeded\. Retry after ([0-9.]+)s\. Use secret keys \(sk_\*\) for unlimited requests\.$`)

// TestPublishableLimiter: a publishable key spends at most about 1 pollen per (scaled) hour;
// past that, the non-standard 429 says how long to wait, and after that wait it works again.
func TestPublishableLimiter(t *testing.T) {
	s := startSim(t, Options{TimeScale: 0.0001}) // an hour is 360 ms
	pk := s.Key("publishable")
	// One costly generation (wan-fast 12 s = 0.96) then another takes the bucket below zero.
	for _, d := range []string{"12", "6"} {
		if r := do(t, s, "GET", "/video/spend?model=wan-fast&duration="+d, pk, nil); r.status != 200 {
			t.Fatalf("spend: %d %s", r.status, r.body)
		}
	}
	r := do(t, s, "GET", "/image/more?model=flux&width=64&height=64", pk, nil)
	if r.status != 429 {
		t.Fatalf("over the limit: %d", r.status)
	}
	v := r.json(t)
	m := retryAfterText.FindStringSubmatch(v["message"].(string))
	secs, _ := v["retryAfterSeconds"].(float64)
	if v["error"] != "Rate limit exceeded" || m == nil || secs <= 0 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("429: %s Retry-After %q", r.body, r.header.Get("Retry-After"))
	}
	if txt, _ := strconv.ParseFloat(m[1], 64); txt != secs {
		t.Fatalf("message says %s, field says %g", m[1], secs)
	}
	// Debt 0.44 of 1 pollen/hour: about 0.44 × 360 ms.
	if secs < 0.1 || secs > 0.2 {
		t.Fatalf("retry after %gs", secs)
	}
	time.Sleep(time.Duration(secs*float64(time.Second)) + 20*time.Millisecond)
	if r := do(t, s, "GET", "/image/more?model=flux&width=64&height=64", pk, nil); r.status != 200 {
		t.Fatalf("after the wait: %d %s", r.status, r.body)
	}
	// A secret key of the same account is not limited.
	if r := do(t, s, "GET", "/image/sk?model=flux&width=64&height=64", s.Key("secret"), nil); r.status != 200 {
		t.Fatalf("secret key: %d", r.status)
	}
}

func TestPublishableLimitBody(t *testing.T) {
	for _, tc := range []struct {
		wait   time.Duration
		text   string
		header string
	}{
		{12500 * time.Millisecond, "12.5", "13"},
		{12510 * time.Millisecond, "12.6", "13"},
		{3 * time.Second, "3", "3"},
		{40 * time.Millisecond, "0.04", "1"},
	} {
		w := newRecorder()
		writePublishableLimit(w, tc.wait)
		if w.header.Get("Retry-After") != tc.header || !strings.Contains(w.body.String(), "Retry after "+tc.text+"s.") ||
			!strings.Contains(w.body.String(), `"retryAfterSeconds":`+tc.text) {
			t.Errorf("%s: %s %s", tc.wait, w.header.Get("Retry-After"), w.body.String())
		}
	}
}

type recorder struct {
	header http.Header
	body   strings.Builder
	code   int
}

func newRecorder() *recorder                    { return &recorder{header: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pollinations-studio/backend/api"
	"pollinations-studio/backend/sim"
)

// TestRefusalsAgainstTheSim: each refusal of the simulator becomes the right typed error,
// remedy and link, on media routes (JSON) and text routes (notices), streamed or not.
func TestRefusalsAgainstTheSim(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	chat := func(model string) func(c *api.Client) error {
		return func(c *api.Client) error {
			_, err := c.Chat(ctx, api.ChatRequest{Model: model, Messages: []api.Message{{Role: "user", Content: "hi"}}})
			return err
		}
	}
	stream := func(model string) func(c *api.Client) error {
		return func(c *api.Client) error {
			_, err := c.ChatStream(ctx, api.ChatRequest{Model: model, Messages: []api.Message{{Role: "user", Content: "hi"}}})
			return err
		}
	}
	text := func(model string) func(c *api.Client) error {
		return func(c *api.Client) error {
			_, _, err := c.Text(ctx, api.TextRequest{Prompt: "hi", Model: model})
			return err
		}
	}
	image := func(model string) func(c *api.Client) error {
		return func(c *api.Client) error {
			_, err := c.Image(ctx, api.ImageRequest{Prompt: "x", Model: model, Width: 64, Height: 64})
			return err
		}
	}
	cases := []struct {
		name     string
		key      string
		call     func(c *api.Client) error
		kind     api.Kind
		payment  api.PaymentReason
		remedy   api.RemedyAction
		link     string // FixURL prefix
		notice   bool
		category string
	}{
		{"quest-only key, paid-only image", "quest", image("seedream"), api.KindPaymentRequired, api.PaymentQuestPollenOnly, api.RemedyAllowPaidPollen, "https://enter.pollinations.ai/edit-key?id=", false, ""},
		{"quest-only key, paid-only chat notice", "quest", chat("claude"), api.KindPaymentRequired, api.PaymentQuestPollenOnly, api.RemedyAllowPaidPollen, "https://enter.pollinations.ai/edit-key?id=", true, ""},
		{"quest-only key, stream notice", "quest", stream("claude"), api.KindPaymentRequired, api.PaymentQuestPollenOnly, api.RemedyAllowPaidPollen, "https://enter.pollinations.ai/edit-key?id=", true, ""},
		{"spent budget: raise it, not top up", "exhausted", image("flux"), api.KindPaymentRequired, api.PaymentKeyBudgetExhausted, api.RemedyRaiseKeyBudget, "https://enter.pollinations.ai/edit-key?id=", false, ""},
		{"spent budget, GET /text notice", "exhausted", text(""), api.KindPaymentRequired, api.PaymentKeyBudgetExhausted, api.RemedyRaiseKeyBudget, "https://enter.pollinations.ai/edit-key?id=", true, ""},
		{"paid-only on Quest Pollen", "free", image("seedream"), api.KindPaymentRequired, api.PaymentPaidOnly, api.RemedyTopUp, "https://enter.pollinations.ai/top-up?", false, ""},
		{"paid-only on Quest Pollen, notice", "free", text("claude"), api.KindPaymentRequired, api.PaymentPaidOnly, api.RemedyTopUp, "https://enter.pollinations.ai/top-up?", true, ""},
		{"category closed, JSON", "budgeted", func(c *api.Client) error {
			_, err := c.Speech(ctx, api.SpeechRequest{Text: "hello", Voice: "echo", UseGET: true})
			return err
		}, api.KindForbidden, "", api.RemedyAllowForKey, "https://enter.pollinations.ai/grant?", false, "audio"},
		{"legacy model list, notice", "scoped", stream("claude"), api.KindForbidden, "", api.RemedyAllowForKey, "https://enter.pollinations.ai/grant?", true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(e.client(t, tc.key))
			ae, ok := api.AsError(err)
			if !ok {
				t.Fatalf("want *api.Error, got %v", err)
			}
			if ae.Kind != tc.kind || ae.Payment != tc.payment || ae.Notice != tc.notice || ae.Remedy.Action != tc.remedy ||
				!strings.HasPrefix(ae.FixURL, tc.link) || ae.Remedy.URL != ae.FixURL || ae.Remedy.Label != tc.remedy.Label() || ae.Category != tc.category {
				t.Fatalf("got kind %v payment %q notice %v remedy %+v fix %q category %q (%v)", ae.Kind, ae.Payment, ae.Notice, ae.Remedy, ae.FixURL, ae.Category, ae)
			}
			if tc.category == "audio" && !strings.Contains(ae.Error(), "This key may not make audio at all") {
				t.Fatalf("message: %q", ae.Error())
			}
		})
	}
	// The budgeted key sees what is left of its budget, nothing of the account.
	bal, err := e.client(t, "budgeted").Balance(ctx)
	if err != nil || !bal.KeyBudget || bal.HasBreakdown || bal.String() != "key budget left 3.50" {
		t.Fatalf("budgeted balance: %+v %v", bal, err)
	}
	e.sim.SetBalance(e.sim.Key("secret"), 1.2, 0)
	if bal, err := e.client(t, "secret").Balance(ctx); err != nil || bal.String() != "Quest Pollen 1.20 · paid Pollen 0.00" {
		t.Fatalf("secret balance: %v %v", bal, err)
	}
	info, err := e.client(t, "budgeted").KeyInfo(ctx)
	if err != nil || strings.Join(info.AllowedCategories, ",") != "text,image" || info.AllowedModels != nil || !info.MayMake("image") || info.MayMake("audio") {
		t.Fatalf("budgeted key: %+v %v", info, err)
	}
}

// TestContentBlockedIsNeverRetried: the safety filter's 400 is a moderated error, sent once.
func TestContentBlockedIsNeverRetried(t *testing.T) {
	e := newEnv(t)
	e.sim.ResetRequests()
	_, err := e.client(t, "secret").Chat(context.Background(), api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "unsafe-content"}}})
	ae, ok := api.AsError(err)
	if !ok || ae.Kind != api.KindModerated || ae.Code != "content_blocked" || ae.Retryable() || !strings.Contains(ae.Error(), "blocked by the safety filter") {
		t.Fatalf("got %v", err)
	}
	if n := len(e.sim.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// TestModelRPMIsWaitedOut: a 429 community_model_rate_limit with Retry-After is waited out
// and retried like the other 429s.
func TestModelRPMIsWaitedOut(t *testing.T) {
	e := newEnv(t)
	e.sim.SetModelRPM("flux", 1)
	c := e.client(t, "secret")
	ctx := context.Background()
	for _, p := range []string{"first", "second"} {
		if _, err := c.Image(ctx, api.ImageRequest{Prompt: p, Model: "flux", Width: 64, Height: 64}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if reqs := waitRequests(e, 3); len(reqs) < 3 {
		t.Fatalf("%d requests: the second image should have been refused once, then retried", len(reqs))
	}
	// With a wait longer than the client may wait, the caller gets the error and its RetryAfter.
	short := e.clientWait(t, e.sim.Key("secret"), 10*time.Millisecond)
	_, err := short.Image(ctx, api.ImageRequest{Prompt: "third", Model: "flux", Width: 64, Height: 64})
	if ae, ok := api.AsError(err); !ok || ae.Kind != api.KindRateLimited || ae.Code != "community_model_rate_limit" || ae.RetryAfter < time.Second {
		t.Fatalf("got %v", err)
	}
}

// TestDeviceErrors: each way a sign-in ends without a key is its own error; slow_down raises
// the interval to the one the service gives; relative URIs are resolved on the sign-in host.
func TestDeviceErrors(t *testing.T) {
	s, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001, DeviceApproveAfter: time.Hour, DeviceRelativeURIs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, _ := api.New(api.Options{BaseURL: s.URL(), EnterURL: s.URL()})
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		act    func(user string)
		want   error
		phrase string
	}{
		{"denied", s.DenyDevice, api.ErrDeviceDenied, "refused"},
		{"expired", s.ExpireDevice, api.ErrDeviceExpired, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dc, err := c.StartDeviceLogin(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if dc.VerificationURI != s.URL()+"/device" || dc.VerificationURIComplete != s.URL()+"/device?user_code="+dc.UserCode || dc.ExpiresIn != 1800*time.Second {
				t.Fatalf("device code: %+v", dc)
			}
			tc.act(dc.UserCode)
			_, err = c.WaitDeviceToken(ctx, dc)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.phrase) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// slow_down with a new interval, then the sign-in is approved.
	s2, err := sim.Start("127.0.0.1:0", sim.Options{TimeScale: 0.001, DeviceApproveAfter: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c2, _ := api.New(api.Options{BaseURL: s2.URL(), EnterURL: s2.URL()})
	dc, err := c2.StartDeviceLogin(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	s2.SlowDownDevice(dc.UserCode, 1, 15*time.Millisecond)
	key, err := c2.WaitDeviceToken(ctx, dc)
	if err != nil || dc.Interval != 15*time.Millisecond {
		t.Fatalf("after slow_down: key %v, interval %s", err, dc.Interval)
	}
	// The key of a sign-in carries its defaults, readable at /account/key.
	signed, _ := c2.WithKey(key)
	info, err := signed.KeyInfo(ctx)
	if err != nil || info.PollenBudget == nil || *info.PollenBudget != 5 || info.ExpiresAt == nil || time.Until(*info.ExpiresAt) < 6*24*time.Hour {
		t.Fatalf("device key: %+v %v", info, err)
	}
	// A used code is an invalid grant.
	if _, err := c2.WaitDeviceToken(ctx, dc); !errors.Is(err, api.ErrDeviceInvalidGrant) {
		t.Fatalf("reuse: %v", err)
	}
}

// TestNoticeInNewWordsOnEveryRoute: a notice in words the code has never seen is still a typed
// error on GET /text, POST /text, chat and chat streams; a reply quoting one is an answer.
func TestNoticeInNewWordsOnEveryRoute(t *testing.T) {
	const payWords = "Your wallet is running on empty, friend. Kindly [refill it here](https://enter.pollinations.ai/top-up?ref=somewhere_new) and come back."
	const grantWords = "Hold on: this token lacks the right to paint. [Grant it](https://enter.pollinations.ai/grant?id=k1&category=image&ref=agent_grant)."
	type reply struct {
		words   string
		noStore bool
		usage   int // -1: none sent
	}
	srv := func(r reply) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if r.noStore {
				w.Header().Set("Cache-Control", "private, no-store")
			}
			usage := `{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}`
			if r.usage > 0 {
				usage = `{"prompt_tokens":5,"completion_tokens":40,"total_tokens":45}`
			}
			words, _ := jsonString(r.words)
			switch {
			case strings.HasPrefix(req.URL.Path, "/text"):
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				if r.usage > 0 {
					w.Header().Set("x-usage-completion-text-tokens", "40")
				}
				w.Write([]byte(r.words))
			case strings.Contains(readBody(req), `"stream":true`):
				w.Header().Set("Content-Type", "text/event-stream")
				w.Write([]byte(`data: {"choices":[{"index":0,"delta":{"role":"assistant","content":` + words + `}}]}` + "\n\n"))
				if r.usage >= 0 {
					w.Write([]byte(`data: {"choices":[],"usage":` + usage + `}` + "\n\n"))
				}
				w.Write([]byte("data: [DONE]\n\n"))
			default:
				w.Header().Set("Content-Type", "application/json")
				body := `{"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":` + words + `}}]`
				if r.usage >= 0 {
					body += `,"usage":` + usage
				}
				w.Write([]byte(body + "}"))
			}
		}))
	}
	routes := map[string]func(c *api.Client) error{
		"GET /text": func(c *api.Client) error {
			_, _, err := c.Text(context.Background(), api.TextRequest{Prompt: "hi"})
			return err
		},
		"chat": func(c *api.Client) error {
			_, err := c.Chat(context.Background(), api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "hi"}}})
			return err
		},
		"stream": func(c *api.Client) error {
			st, err := c.ChatStream(context.Background(), api.ChatRequest{Messages: []api.Message{{Role: "user", Content: "hi"}}})
			if err == nil {
				st.Close()
			}
			return err
		},
	}
	long := strings.Repeat("A long essay about refusals. ", 60) + payWords
	for _, tc := range []struct {
		name     string
		r        reply
		kind     api.Kind
		remedy   api.RemedyAction
		category string
	}{
		{"new payment words", reply{payWords, true, 0}, api.KindPaymentRequired, api.RemedyTopUp, ""},
		{"new payment words, no usage sent", reply{payWords, true, -1}, api.KindPaymentRequired, api.RemedyTopUp, ""},
		{"new grant words", reply{grantWords, true, 0}, api.KindForbidden, api.RemedyAllowForKey, "image"},
		{"quoted with billed usage", reply{payWords, true, 1}, api.KindUnknown, 0, ""},
		{"quoted without no-store", reply{payWords, false, -1}, api.KindUnknown, 0, ""},
		{"quoted at length", reply{long, true, 0}, api.KindUnknown, 0, ""},
		{"link elsewhere", reply{"Please [top up](https://evil.example/top-up) now.", true, 0}, api.KindUnknown, 0, ""},
	} {
		s := srv(tc.r)
		for name, call := range routes {
			t.Run(tc.name+" "+name, func(t *testing.T) {
				c, _ := api.New(api.Options{BaseURL: s.URL, Key: "sk_abcdefghijklmnopqrstuv", MaxRetries: -1})
				err := call(c)
				if tc.kind == api.KindUnknown {
					if err != nil {
						t.Fatalf("a real answer became %v", err)
					}
					return
				}
				ae, ok := api.AsError(err)
				if !ok || !ae.Notice || ae.Kind != tc.kind || ae.Remedy.Action != tc.remedy || ae.FixURL == "" || ae.Category != tc.category {
					t.Fatalf("got %+v", err)
				}
			})
		}
		s.Close()
	}
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func readBody(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// TestRefusalNamesTheRequestedModel: 402 bodies no longer name the model; the error still does
// (from the request), so that the caller can say what that model costs.
func TestRefusalNamesTheRequestedModel(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, "exhausted")
	ctx := context.Background()
	_, err := c.Image(ctx, api.ImageRequest{Prompt: "x", Model: "flux", Width: 64, Height: 64})
	if ae, ok := api.AsError(err); !ok || ae.Model != "flux" {
		t.Fatalf("image: %+v", err)
	}
	_, err = c.Chat(ctx, api.ChatRequest{Model: "openai", JSON: true, Messages: []api.Message{{Role: "user", Content: "hi"}}})
	if ae, ok := api.AsError(err); !ok || ae.Model != "openai" || ae.Notice {
		t.Fatalf("chat: %+v", err)
	}
}

package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestValidateKey(t *testing.T) {
	cases := []struct {
		key string
		ok  bool
	}{
		{"sk_abcdefghijklmnopqrstuvwx", true},
		{"pk_ABCDEFGHIJKLMNOP1234", true},
		{"  sk_abcdefghijklmnopqrstuvwx\n", true},
		{"", false},
		{"pk_xxxxxxx...", false},
		{"pk_xxxxxxx…", false},
		{"sk_abcd…wxyz", false},
		{"sk_xxxxxxxxxxxxxxxxxxxxxxxx", false},
		{"abcdefghijklmnopqrstuvwxyz", false},
		{"sk_short", false},
		{"sk_has space inside key 123", false},
		{`sk_"quoted"0123456789`, false},
	}
	for _, c := range cases {
		err := ValidateKey(c.key)
		if (err == nil) != c.ok {
			t.Errorf("ValidateKey(%q) = %v, want ok=%v", c.key, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimSpace(c.key)) && len(c.key) > 10 {
			t.Errorf("the error repeats the key: %v", err)
		}
	}
}

func TestRedact(t *testing.T) {
	key := "sk_abcdefghijklmnopqrstuvwx"
	s := Redact("failed with key " + key + " and pk_ZYXWVUTSRQPONMLK at the end")
	if strings.Contains(s, key) || strings.Contains(s, "pk_ZYXWVUTSRQPONMLK") || !strings.Contains(s, "sk_abcd…uvwx") {
		t.Fatalf("Redact: %q", s)
	}
}

func TestDecodeError(t *testing.T) {
	h := func(kv ...string) http.Header {
		x := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			x.Set(kv[i], kv[i+1])
		}
		return x
	}
	cases := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		kind       Kind
		payment    PaymentReason
		retryAfter time.Duration
		msg        string
	}{
		{"envelope 402", 402, nil, `{"status":402,"success":false,"error":{"code":"PAYMENT_REQUIRED","message":"Insufficient balance. This model costs ~0.0136 pollen per request, but your available balance is 0.0000."}}`, KindPaymentRequired, PaymentInsufficientBalance, 0, "Insufficient balance"},
		{"paid only", 402, nil, `{"error":{"code":"PAYMENT_REQUIRED","message":"This model requires a paid balance. Tier balance cannot be used."}}`, KindPaymentRequired, PaymentPaidOnly, 0, "paid balance"},
		{"budget code", 402, nil, `{"error":{"code":"PAYMENT_REQUIRED","message":"x","details":{"reason":"KEY_BUDGET_EXHAUSTED"}}}`, KindPaymentRequired, PaymentKeyBudgetExhausted, 0, "x"},
		{"publishable 429", 429, h("Retry-After", "13"), `{"error":"Rate limit exceeded","message":"Rate limit exceeded. Retry after 12.5s. Use secret keys (sk_*) for unlimited requests.","retryAfterSeconds":12.5}`, KindRateLimited, "", 12500 * time.Millisecond, "Retry after 12.5s"},
		{"concurrency 429", 429, h("Retry-After", "1"), `{"error":"concurrency_limit_exceeded","message":"Another generation is still running on this account."}`, KindRateLimited, "", time.Second, "Another generation"},
		{"edge 429 no header", 429, nil, `{"status":429,"success":false,"error":{"code":"RATE_LIMITED","message":"Too many requests from this IP. Please slow down."}}`, KindRateLimited, "", 0, "Too many requests"},
		{"cloudflare 524", 524, h("Content-Type", "text/html"), "<!DOCTYPE html><html><head><title>gen.pollinations.ai | 524: A timeout occurred</title></head><body>...</body></html>", KindUpstream, "", 0, "524: A timeout occurred"},
		{"plain text 524", 524, nil, "error code: 524", KindUpstream, "", 0, "error code: 524"},
		{"empty 502", 502, nil, "", KindUpstream, "", 0, "Bad Gateway"},
		{"403 model", 403, nil, `{"error":{"code":"FORBIDDEN","message":"Model 'gemini' is not allowed for this API key"}}`, KindForbidden, "", 0, "not allowed"},
		{"422 moderation", 422, nil, `{"error":{"code":"UNPROCESSABLE_ENTITY","message":"Your request was rejected by content moderation."}}`, KindModerated, "", 0, "moderation"},
		{"safety 400", 400, nil, `{"error":{"code":"BAD_REQUEST","message":"blocked","type":"safety_error"}}`, KindModerated, "", 0, "blocked"},
		{"not json", 500, nil, "{not json", KindUpstream, "", 0, "{not json"},
		{"old budget wording", 402, nil, `{"error":{"code":"PAYMENT_REQUIRED","message":"API key budget exhausted. Please top up or create a new key."}}`, KindPaymentRequired, PaymentKeyBudgetExhausted, 0, "budget"},
		{"balance zero wording", 402, nil, `{"error":{"code":"PAYMENT_REQUIRED","message":"Insufficient pollen balance to use this model"}}`, KindPaymentRequired, PaymentInsufficientBalance, 0, "Insufficient"},
		{"legacy details.reason tolerated", 402, nil, `{"error":{"code":"PAYMENT_REQUIRED","message":"x","details":{"reason":"QUEST_POLLEN_ONLY"}}}`, KindPaymentRequired, PaymentQuestPollenOnly, 0, "x"},
		{"insufficient code", 402, nil, `{"error":{"code":"INSUFFICIENT_BALANCE","message":"no"}}`, KindPaymentRequired, PaymentInsufficientBalance, 0, "no"},
		{"401 invalid", 401, nil, `{"error":{"code":"UNAUTHORIZED","message":"Invalid API key. The provided key was not recognized"}}`, KindUnauthorized, "", 0, "Invalid API key"},
		{"404", 404, nil, `Not Found`, KindNotFound, "", 0, "Not Found"},
		{"413", 413, nil, `{"error":{"code":"PAYLOAD_TOO_LARGE","message":"File too large"}}`, KindTooLarge, "", 0, "too large"},
		{"502 upstream envelope", 502, nil, `{"status":502,"success":false,"error":{"code":"BAD_GATEWAY","message":"Upstream provider error","details":{"upstreamStatus":429}}}`, KindUpstream, "", 0, "Upstream provider"},
		{"503 balance", 503, nil, `{"error":{"code":"SERVICE_UNAVAILABLE","message":"Unable to verify balance. Please try again shortly."}}`, KindUpstream, "", 0, "verify balance"},
		{"key echoed by a server", 401, nil, `{"error":{"message":"bad key sk_abcdefghijklmnopqrstuv"}}`, KindUnauthorized, "", 0, "sk_abcd…stuv"},
		{"http-date retry", 503, h("Retry-After", time.Now().Add(5*time.Second).UTC().Format(http.TimeFormat)), "", KindUpstream, "", 4 * time.Second, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := DecodeError(c.status, c.header, []byte(c.body))
			if e.Kind != c.kind || e.Payment != c.payment {
				t.Fatalf("kind %v payment %q, want %v %q", e.Kind, e.Payment, c.kind, c.payment)
			}
			if c.retryAfter > 0 && (e.RetryAfter < c.retryAfter || e.RetryAfter > c.retryAfter+time.Second) {
				t.Fatalf("RetryAfter %s, want %s", e.RetryAfter, c.retryAfter)
			}
			if !strings.Contains(e.Message, c.msg) || strings.Contains(e.Message, "<") {
				t.Fatalf("message %q, want it to contain %q and no HTML", e.Message, c.msg)
			}
		})
	}
	e := DecodeError(403, nil, []byte(`{"error":{"message":"Model 'gemini' is not allowed for this API key"}}`))
	if e.Model != "gemini" {
		t.Fatalf("model not extracted: %+v", e)
	}
	e = DecodeError(400, nil, []byte(`{"error":{"code":"BAD_REQUEST","message":"bad","details":{"fieldErrors":{"seed":["too big"]},"formErrors":["whole"]}}}`))
	if e.FieldErrors["seed"][0] != "too big" || e.FormErrors[0] != "whole" {
		t.Fatalf("field errors: %+v", e)
	}
}

func TestDetectNotice(t *testing.T) {
	noStore := http.Header{"Cache-Control": {"private, no-store"}}
	cases := []struct {
		text    string
		h       http.Header
		zero    bool
		kind    Kind
		payment PaymentReason
	}{
		{"The account behind this API key doesn't have enough credits. Please [top up](https://enter.pollinations.ai) …", noStore, true, KindPaymentRequired, PaymentInsufficientBalance},
		{"The API key used for this request has reached its budget.", nil, true, KindPaymentRequired, PaymentKeyBudgetExhausted},
		{"The API key used for this request isn't allowed to use gemini.", noStore, false, KindForbidden, ""},
		{"The account behind this API key doesn't have enough credits", nil, false, KindUnknown, ""}, // billed and cacheable: a real answer quoting it
		{"Hello! How can I help?", noStore, true, KindUnknown, ""},
	}
	for _, c := range cases {
		e := DetectNotice(c.text, c.h, c.zero)
		if c.kind == KindUnknown {
			if e != nil {
				t.Errorf("%q: false notice %+v", c.text, e)
			}
			continue
		}
		if e == nil || e.Kind != c.kind || e.Payment != c.payment || !e.Notice {
			t.Errorf("%q: got %+v", c.text, e)
		}
	}
	if e := DetectNotice("The API key used for this request isn't allowed to use gemini. Change it.", noStore, true); e.Model != "gemini" {
		t.Errorf("model: %q", e.Model)
	}
}

func TestSSEReader(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"basic", "data: a\n\ndata: b\n\n", []string{"a", "b"}, io.EOF},
		{"comments and fields", ": keep-alive\n\nevent: x\nid: 1\ndata: a\n\n:ping\n\n", []string{"a"}, io.EOF},
		{"crlf", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"a", "b"}, io.EOF},
		{"multi-line data", "data: a\ndata: b\n\n", []string{"a\nb"}, io.EOF},
		{"no space", "data:x\n\n", []string{"x"}, io.EOF},
		{"last event without blank line", "data: a\n", []string{"a"}, io.EOF},
		{"cut mid-line", "data: a\n\ndata: {\"partial", []string{"a"}, io.ErrUnexpectedEOF},
		{"empty", "", nil, io.EOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newSSEReader(strings.NewReader(c.in))
			var got []string
			var err error
			for {
				var d []byte
				d, err = r.Next()
				if err != nil {
					break
				}
				got = append(got, string(d))
			}
			if !errors.Is(err, c.err) || strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Fatalf("got %q, %v; want %q, %v", got, err, c.want, c.err)
			}
		})
	}
}

func TestParseModelsShapes(t *testing.T) {
	cases := []struct {
		name  string
		body  string
		check func(t *testing.T, ms []Model)
	}{
		{"2026 ModelInfo", `[{"name":"flux","aliases":["flux-schnell"],"category":"image","paid_only":false,"pricing":{"currency":"pollen","completionImageTokens":"0.002"},"input_modalities":["text"],"output_modalities":["image"],"extra":{"x":1}}]`,
			func(t *testing.T, ms []Model) {
				if ms[0].Kind != "image" || ms[0].Pricing["completionImageTokens"] != 0.002 || ms[0].Aliases[0] != "flux-schnell" {
					t.Fatalf("%+v", ms[0])
				}
			}},
		{"openai list", `{"object":"list","data":[{"id":"openai","object":"model","input_modalities":["text","image"],"output_modalities":["text"]}]}`,
			func(t *testing.T, ms []Model) {
				if ms[0].Name != "openai" || ms[0].Kind != "text" || !ms[0].AcceptsImages() {
					t.Fatalf("%+v", ms[0])
				}
			}},
		{"2025 shape", `[{"name":"openai-large","type":"chat","tier":"nectar","vision":true,"audio":"false","input_token_price":0.00001,"output_token_price":0.00004}]`,
			func(t *testing.T, ms []Model) {
				m := ms[0]
				if !m.PaidOnly || !m.AcceptsImages() || m.AcceptsAudio() || m.Pricing["completionTextTokens"] != 0.00004 {
					t.Fatalf("%+v", m)
				}
			}},
		{"bare names", `["flux","turbo",""]`, func(t *testing.T, ms []Model) {
			if len(ms) != 2 || ms[1].Name != "turbo" {
				t.Fatalf("%+v", ms)
			}
		}},
		{"bad entries skipped", `[{"name":"ok","output_modalities":["video"],"allowed_durations":["4",6,"x"],"max_reference_images":"2"},{"name":5},42]`,
			func(t *testing.T, ms []Model) {
				if len(ms) != 1 || ms[0].Kind != "video" || len(ms[0].AllowedDurations) != 2 || ms[0].MaxReferenceImages != 2 {
					t.Fatalf("%+v", ms)
				}
			}},
		{"voices as objects", `[{"name":"tts","category":"audio","output_modalities":["audio"],"voices":[{"name":"alloy"},{"voice_id":"v2"}]}]`,
			func(t *testing.T, ms []Model) {
				if ms[0].Kind != "audio" || strings.Join(ms[0].Voices, ",") != "alloy,v2" {
					t.Fatalf("%+v", ms[0])
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms, err := ParseModels([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, ms)
		})
	}
	if _, err := ParseModels([]byte("<html>down</html>")); err == nil {
		t.Fatal("HTML must be an error")
	}
}

func TestParseSubtitles(t *testing.T) {
	srt := "1\n00:00:00,000 --> 00:00:02,500\nHello\n\n2\n00:00:02,500 --> 00:01:03,250\nWorld\nagain\n\n"
	segs, err := ParseSubtitles(srt)
	if err != nil || len(segs) != 2 || segs[1].Start != 2.5 || segs[1].End != 63.25 || segs[1].Text != "World\nagain" {
		t.Fatalf("%+v %v", segs, err)
	}
	vtt := "WEBVTT\n\n00:01.000 --> 00:02.000 align:start\nHi\n"
	segs, err = ParseSubtitles(vtt)
	if err != nil || len(segs) != 1 || segs[0].Start != 1 || segs[0].Text != "Hi" {
		t.Fatalf("%+v %v", segs, err)
	}
	if _, err := ParseSubtitles("1\nxx --> yy\nbad"); err == nil {
		t.Fatal("bad timing must be an error")
	}
}

func TestSniff(t *testing.T) {
	cases := map[string]string{
		"\x89PNG\r\n\x1a\nxxxx": "image/png", "\xff\xd8\xffxx": "image/jpeg", "RIFF0000WEBPVP8 ": "image/webp",
		"RIFF0000WAVEfmt ": "audio/wav", "ID3\x04": "audio/mpeg", "\xff\xf3\x44\xc4": "audio/mpeg",
		"\x00\x00\x00\x18ftypmp42": "video/mp4", "GIF89a\x01\x00": "image/gif", "GIF87a": "image/gif",
		"<?xml version='1.0'?>\n<svg>": "image/svg+xml", "\xff\xfb\x90\x64": "audio/mpeg", "<svg xmlns=''>": "image/svg+xml", "OggS": "audio/ogg",
	}
	for in, want := range cases {
		if got := SniffContentType([]byte(in), ""); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
	if got := SniffContentType([]byte("hello"), "text/plain; charset=utf-8"); got != "text/plain" {
		t.Errorf("fallback to header: %s", got)
	}
}

func TestEscapePrompt(t *testing.T) {
	for _, p := range []string{"a/b", "?#%", "..", "a b", "ü🐝", "\n\r\t", "x=y&z;w,v+u:t@s"} {
		e := escapePrompt(p)
		if strings.ContainsAny(e, "/?#&=;,+:@ \n") {
			t.Errorf("%q escaped to %q", p, e)
		}
	}
}

func FuzzSSEReader(f *testing.F) {
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n"))
	f.Add([]byte(": keep-alive\r\n\r\ndata:x\ndata:y\n\n"))
	f.Add([]byte("data: \n\n\n\nevent: e\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newSSEReader(bytes.NewReader(b))
		for i := 0; i < len(b)+2; i++ {
			if _, err := r.Next(); err != nil {
				return
			}
		}
		t.Fatalf("the reader did not end on %d bytes of input", len(b))
	})
}

func FuzzDecodeError(f *testing.F) {
	f.Add(402, "", []byte(`{"error":{"code":"PAYMENT_REQUIRED","message":"Insufficient balance","details":{"reason":"PAID_ONLY"}}}`))
	f.Add(429, "13", []byte(`{"error":"Rate limit exceeded","message":"Retry after 12.5s","retryAfterSeconds":1e308}`))
	f.Add(524, "", []byte("<html><title>524</title>"))
	f.Add(500, "Tue, 29 Oct 2030 16:56:32 GMT", []byte(`{"error":null,"message":5}`))
	f.Fuzz(func(t *testing.T, status int, retry string, body []byte) {
		e := DecodeError(status, http.Header{"Retry-After": {retry}}, body)
		if e == nil || e.Message == "" {
			t.Fatal("no error or empty message")
		}
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("RetryAfter out of range: %s", e.RetryAfter)
		}
		_ = e.Error()
	})
}

func FuzzParseModels(f *testing.F) {
	f.Add([]byte(`[{"name":"flux","pricing":{"a":"0.1"},"allowed_durations":[1,"2"]}]`))
	f.Add([]byte(`{"data":[{"id":"x","voices":{"a":true}}]}`))
	f.Add([]byte(`["a",1,null,{}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := ParseModels(b)
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.Name == "" || m.Kind == "" {
				t.Fatalf("model without name or kind: %+v", m)
			}
			m.Durations()
			if _, err := json.Marshal(m); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestSSELongLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10) // several buffer fills
	r := newSSEReader(strings.NewReader("data: " + long + "\n\ndata: " + long))
	d, err := r.Next()
	if err != nil || string(d) != long {
		t.Fatalf("long line: %d bytes, %v", len(d), err)
	}
	if _, err := r.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a long last line without newline is cut: %v", err)
	}
	r = newSSEReader(io.MultiReader(strings.NewReader("data: "), strings.NewReader(strings.Repeat("y", maxSSELine+10)+"\n\n")))
	if _, err := r.Next(); !errors.Is(err, ErrSSELineTooLong) {
		t.Fatalf("over-long line: %v", err)
	}
}

// BenchmarkSSEFraming measures the event framing alone (no JSON), on the same stream shape as
// BenchmarkSSEParse.
func BenchmarkSSEFraming(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 20000; i++ {
		buf.WriteString(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"openai","choices":[{"index":0,"delta":{"content":"token "},"finish_reason":null}]}` + "\n\n")
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := newSSEReader(bytes.NewReader(data))
		n := 0
		for {
			if _, err := r.Next(); err != nil {
				break
			}
			n++
		}
		if n != 20000 {
			b.Fatal(n)
		}
	}
}

// TestDecodeCurrentErrors: the codes, remedies and links of the current error bodies.
func TestDecodeCurrentErrors(t *testing.T) {
	env := func(status int, code, msg, fix, details string) string {
		s := `{"status":` + strconv.Itoa(status) + `,"success":false,"error":{"code":"` + code + `","message":"` + msg + `","timestamp":"2026-01-01T00:00:00.000Z"`
		if fix != "" {
			s += `,"fixUrl":"` + fix + `"`
		}
		if details != "" {
			s += `,"details":` + details
		}
		return s + "}}"
	}
	const top = "https://enter.pollinations.ai/top-up?ref=agent_low_balance_topup"
	cases := []struct {
		name      string
		status    int
		body      string
		kind      Kind
		payment   PaymentReason
		remedy    RemedyAction
		fix       string
		retryable bool
		says      string
	}{
		{"insufficient", 402, env(402, "INSUFFICIENT_BALANCE", "Insufficient balance. This request costs ~0.0100 pollen, but your available balance is 0.0000. Top up at "+top+".", top, ""), KindPaymentRequired, PaymentInsufficientBalance, RemedyTopUp, top, false, "Insufficient"},
		{"insufficient paid-only", 402, env(402, "INSUFFICIENT_BALANCE", "Insufficient balance. This request costs ~0.0300 pollen, but your available paid balance is 0.0000. Top up at "+top+".", top, ""), KindPaymentRequired, PaymentPaidOnly, RemedyTopUp, top, false, "paid balance"},
		{"budget", 402, env(402, "KEY_BUDGET_EXHAUSTED", "API key budget too low.", "https://enter.pollinations.ai/edit-key?id=k&ref=agent_key_budget", ""), KindPaymentRequired, PaymentKeyBudgetExhausted, RemedyRaiseKeyBudget, "https://enter.pollinations.ai/edit-key?id=k&ref=agent_key_budget", false, "budget"},
		{"quest paid-only", 402, env(402, "QUEST_POLLEN_ONLY", "This model needs paid Pollen, but this API key only spends Quest Pollen.", "https://enter.pollinations.ai/edit-key?id=k&ref=agent_quest_pollen_only", ""), KindPaymentRequired, PaymentQuestPollenOnly, RemedyAllowPaidPollen, "https://enter.pollinations.ai/edit-key?id=k&ref=agent_quest_pollen_only", false, "paid Pollen"},
		{"untrusted link", 402, env(402, "INSUFFICIENT_BALANCE", "Insufficient balance.", "http://enter.pollinations.ai.evil.example/top-up", ""), KindPaymentRequired, PaymentInsufficientBalance, RemedyTopUp, "", false, "Insufficient"},
		{"plain http link", 402, env(402, "INSUFFICIENT_BALANCE", "Insufficient balance.", "http://enter.pollinations.ai/top-up", ""), KindPaymentRequired, PaymentInsufficientBalance, RemedyTopUp, "", false, "Insufficient"},
		{"forbidden with grant", 403, env(403, "FORBIDDEN", "Model 'x' is not allowed for this API key. Allow it at https://enter.pollinations.ai/grant?id=k&category=video&ref=agent_grant", "https://enter.pollinations.ai/grant?id=k&category=video&ref=agent_grant", ""), KindForbidden, "", RemedyAllowForKey, "https://enter.pollinations.ai/grant?id=k&category=video&ref=agent_grant", false, "This key may not make videos at all"},
		{"forbidden naming a category", 403, env(403, "FORBIDDEN", "Category 'audio' is not allowed for this API key.", "", ""), KindForbidden, "", RemedyNone, "", false, "This key may not make audio at all"},
		{"forbidden scope", 403, env(403, "FORBIDDEN", "Permission denied - API key missing `account:usage` permission", "", ""), KindForbidden, "", RemedyNone, "", false, "account:usage"},
		{"content_blocked", 400, env(400, "content_blocked", "Prompt blocked.", "", ""), KindModerated, "", RemedyNone, "", false, "blocked by the safety filter"},
		{"content_policy_violation", 422, env(422, "content_policy_violation", "Rejected.", "", ""), KindModerated, "", RemedyNone, "", false, "Rejected"},
		{"401", 401, env(401, "UNAUTHORIZED", "A valid API key is required. Get one at https://enter.pollinations.ai/keys", "", ""), KindUnauthorized, "", RemedyNone, "", false, "A valid API key is required"},
		{"408", 408, env(408, "REQUEST_TIMEOUT", "Request timed out", "", ""), KindTimeout, "", RemedyNone, "", true, "timed out"},
		{"410", 410, env(410, "GONE", "Gone", "", ""), KindNotFound, "", RemedyNone, "", false, "Gone"},
		{"413", 413, env(413, "PAYLOAD_TOO_LARGE", "Too large", "", ""), KindTooLarge, "", RemedyNone, "", false, "Too large"},
		{"415", 415, env(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported", "", ""), KindBadRequest, "", RemedyNone, "", false, "Unsupported"},
		{"426", 426, env(426, "UPGRADE_REQUIRED", "Upgrade", "", ""), KindBadRequest, "", RemedyNone, "", false, "Upgrade"},
		{"504", 504, env(504, "GATEWAY_TIMEOUT", "Gateway timeout", "", `{"name":"UpstreamError","upstreamStatus":408}`), KindUpstream, "", RemedyNone, "", true, "Gateway"},
		{"provider 402 remapped to 502", 502, env(502, "BAD_GATEWAY", "Upstream provider error", "", `{"name":"UpstreamError","upstreamStatus":402,"upstreamHost":"p"}`), KindUpstream, "", RemedyNone, "", true, "Upstream"},
		{"provider 429 remapped to 502", 502, env(502, "BAD_GATEWAY", "Upstream provider error", "", `{"name":"UpstreamError","upstreamStatus":429}`), KindUpstream, "", RemedyNone, "", true, "Upstream"},
		{"per-user RPM", 429, env(429, "community_model_rate_limit", "Per-user limit of 60 RPM exceeded for model qwen/qwen3-tts-flash", "", ""), KindRateLimited, "", RemedyNone, "", true, "RPM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := DecodeError(c.status, nil, []byte(c.body))
			if e.Kind != c.kind || e.Payment != c.payment || e.Remedy.Action != c.remedy || e.FixURL != c.fix || e.Remedy.URL != c.fix ||
				e.Retryable() != c.retryable || !strings.Contains(e.Error(), c.says) {
				t.Fatalf("%+v", e)
			}
		})
	}
	if e := DecodeError(502, nil, []byte(env(502, "BAD_GATEWAY", "x", "", `{"upstreamStatus":402}`))); e.UpstreamStatus != 402 || e.Kind == KindPaymentRequired {
		t.Fatalf("upstream status: %+v", e)
	}
	// QUEST_POLLEN_ONLY for a regular model: allow paid Pollen (the fix), or complete a quest.
	e := DecodeError(402, nil, []byte(env(402, "QUEST_POLLEN_ONLY", "Not enough Quest Pollen. Complete a quest at https://enter.pollinations.ai/quests?ref=agent_quest_pollen_only_quests or allow paid Pollen for this key at https://enter.pollinations.ai/edit-key?id=k&ref=agent_quest_pollen_only.", "https://enter.pollinations.ai/edit-key?id=k&ref=agent_quest_pollen_only", "")))
	if len(e.Remedies) != 2 || e.Remedies[0].Action != RemedyAllowPaidPollen || e.Remedies[1].Action != RemedyCompleteQuest ||
		e.Remedies[1].URL != "https://enter.pollinations.ai/quests?ref=agent_quest_pollen_only_quests" || e.PaidOnly {
		t.Fatalf("remedies: %+v", e.Remedies)
	}
	// The configured sign-in host is trusted too (the simulator, a staging host).
	enter, _ := url.Parse("http://127.0.0.1:8787")
	if e := decodeError(402, nil, []byte(env(402, "INSUFFICIENT_BALANCE", "x", "http://127.0.0.1:8787/top-up", "")), enter); e.FixURL != "http://127.0.0.1:8787/top-up" {
		t.Fatalf("configured host: %+v", e)
	}
}

package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind is the class of a failure, which decides what the app offers the user.
type Kind int

// The kinds of failure.
const (
	KindUnknown         Kind = iota
	KindNetwork              // the server could not be reached
	KindTimeout              // no answer in time
	KindUnauthorized         // no key, or the key is not recognised
	KindPaymentRequired      // not enough pollen, a paid-only model, a spent key budget
	KindForbidden            // the key may not use this model, or lacks a permission
	KindRateLimited          // wait RetryAfter
	KindModerated            // the prompt or result was refused by moderation
	KindBadRequest           // the request is wrong (see FieldErrors)
	KindNotFound
	KindTooLarge   // an upload over the limit
	KindUpstream   // the service or its provider failed (500, 502, 503, 504, 524)
	KindIncomplete // the answer was cut short
	KindCanceled   // the caller cancelled
)

var kindNames = map[Kind]string{
	KindUnknown: "unknown", KindNetwork: "network", KindTimeout: "timeout", KindUnauthorized: "unauthorized",
	KindPaymentRequired: "payment_required", KindForbidden: "forbidden", KindRateLimited: "rate_limited",
	KindModerated: "moderated", KindBadRequest: "bad_request", KindNotFound: "not_found", KindTooLarge: "too_large",
	KindUpstream: "upstream", KindIncomplete: "incomplete", KindCanceled: "canceled",
}

func (k Kind) String() string { return kindNames[k] }

// PaymentReason says why a payment was required.
type PaymentReason string

// The payment reasons.
const (
	PaymentInsufficientBalance PaymentReason = "insufficient_balance"
	PaymentPaidOnly            PaymentReason = "paid_only"
	PaymentKeyBudgetExhausted  PaymentReason = "key_budget_exhausted"
)

// Error is a failure the caller can act on.
type Error struct {
	Kind        Kind
	Status      int
	Code        string // the server's code: PAYMENT_REQUIRED, concurrency_limit_exceeded…
	Message     string // the server's words, cleaned (never HTML, never a key)
	Payment     PaymentReason
	Model       string // the refused model, when known
	RetryAfter  time.Duration
	FieldErrors map[string][]string
	FormErrors  []string
	Notice      bool // decoded from a 200 "notice" reply on a text route
	RequestID   string
	Err         error
}

// Error is one sentence for a person.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	var s string
	switch e.Kind {
	case KindNetwork:
		s = "cannot reach the Pollinations API: " + msg
	case KindTimeout:
		s = "the Pollinations API did not answer in time"
		if msg != "" {
			s += ": " + msg
		}
	case KindCanceled:
		s = "cancelled"
	case KindIncomplete:
		s = "the answer was cut short: " + msg
	default:
		if e.Status > 0 {
			s = fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
		} else {
			s = msg
		}
		if len(e.FieldErrors) > 0 {
			var parts []string
			for f, v := range e.FieldErrors {
				parts = append(parts, f+": "+strings.Join(v, ", "))
			}
			s += " [" + strings.Join(parts, "; ") + "]"
		}
		if e.Kind == KindRateLimited && e.RetryAfter > 0 {
			s += fmt.Sprintf("; retry in %s", e.RetryAfter.Round(100*time.Millisecond))
		}
	}
	return Redact(s)
}

// Unwrap gives the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable tells whether sending the identical request again may succeed (a "try again"
// button). The client retries these itself, except network failures, which it reports at once,
// and a 429 whose RetryAfter exceeds Options.MaxRetryWait, which it returns with RetryAfter set
// so that the caller can show a countdown.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindUpstream, KindTimeout, KindRateLimited, KindNetwork:
		return true
	}
	return false
}

// AsError finds an *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool {
	e, ok := AsError(err)
	return ok && e.Kind == k
}

var retryAfterRE = regexp.MustCompile(`(?i)retry after ([0-9.]+)\s*s`)

// DecodeError turns an error response into an *Error. It accepts the standard envelope, the
// non-standard 429 bodies, plain text and HTML (a CDN's error page), and never fails.
func DecodeError(status int, header http.Header, body []byte) *Error {
	e := &Error{Status: status, Kind: kindForStatus(status)}
	if header != nil {
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"))
	}
	trimmed := strings.TrimSpace(string(body))
	var env struct {
		Error             json.RawMessage `json:"error"`
		Message           string          `json:"message"`
		RetryAfterSeconds *float64        `json:"retryAfterSeconds"`
		Code              string          `json:"code"`
	}
	if strings.HasPrefix(trimmed, "{") && json.Unmarshal([]byte(trimmed), &env) == nil {
		var obj struct {
			Code      string          `json:"code"`
			Message   string          `json:"message"`
			RequestID string          `json:"requestId"`
			Type      string          `json:"type"`
			Details   json.RawMessage `json:"details"`
		}
		var str string
		switch {
		case len(env.Error) > 0 && json.Unmarshal(env.Error, &obj) == nil && (obj.Message != "" || obj.Code != ""):
			e.Code, e.Message, e.RequestID = obj.Code, obj.Message, obj.RequestID
			var d struct {
				FieldErrors map[string][]string `json:"fieldErrors"`
				FormErrors  []string            `json:"formErrors"`
				Reason      string              `json:"reason"`
				Model       string              `json:"model"`
			}
			if len(obj.Details) > 0 && json.Unmarshal(obj.Details, &d) == nil {
				if len(d.FieldErrors) > 0 {
					e.FieldErrors = d.FieldErrors
				}
				if len(d.FormErrors) > 0 {
					e.FormErrors = d.FormErrors
				}
				e.Model = d.Model
				e.Payment = paymentFromCode(d.Reason)
			}
			if obj.Type == "safety_error" {
				e.Kind = KindModerated
			}
		case len(env.Error) > 0 && json.Unmarshal(env.Error, &str) == nil:
			// The non-standard 429 bodies: {"error":"Rate limit exceeded","message":…}.
			e.Code = str
			e.Message = env.Message
			if e.Message == "" {
				e.Message = str
			}
		default:
			e.Message, e.Code = env.Message, env.Code
		}
		if env.RetryAfterSeconds != nil && *env.RetryAfterSeconds > 0 && !math.IsInf(*env.RetryAfterSeconds, 0) {
			e.RetryAfter = time.Duration(math.Min(*env.RetryAfterSeconds, 86400) * float64(time.Second))
		}
	} else if trimmed != "" {
		e.Message = cleanText(trimmed)
	}
	if e.RetryAfter == 0 && status == 429 {
		if m := retryAfterRE.FindStringSubmatch(e.Message); m != nil {
			if f, err := strconv.ParseFloat(m[1], 64); err == nil && f > 0 && f < 86400 {
				e.RetryAfter = time.Duration(f * float64(time.Second))
			}
		}
	}
	if e.RequestID == "" && header != nil {
		e.RequestID = header.Get("x-request-id")
	}
	e.Message = Redact(strings.TrimSpace(e.Message))
	if e.Message == "" {
		e.Message = defaultMessage(status)
	}
	if e.Kind == KindPaymentRequired && e.Payment == "" {
		e.Payment = paymentFromCode(e.Code)
		if e.Payment == "" {
			e.Payment = paymentFromMessage(e.Message)
		}
	}
	if e.Kind == KindForbidden && e.Model == "" {
		if m := modelQuoteRE.FindStringSubmatch(e.Message); m != nil {
			e.Model = m[1]
		}
	}
	return e
}

var modelQuoteRE = regexp.MustCompile(`[Mm]odel '([^']+)'`)

func kindForStatus(status int) Kind {
	switch {
	case status == 400:
		return KindBadRequest
	case status == 401:
		return KindUnauthorized
	case status == 402:
		return KindPaymentRequired
	case status == 403:
		return KindForbidden
	case status == 404:
		return KindNotFound
	case status == 408:
		return KindTimeout
	case status == 413:
		return KindTooLarge
	case status == 422:
		return KindModerated
	case status == 429:
		return KindRateLimited
	case status >= 500:
		return KindUpstream
	case status >= 400:
		return KindBadRequest
	}
	return KindUnknown
}

func defaultMessage(status int) string {
	switch status {
	case 524:
		return "the service took too long to answer (Cloudflare 524)"
	case 520, 521, 522, 523, 525, 526, 530:
		return fmt.Sprintf("the service is unreachable behind its CDN (%d)", status)
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP %d", status)
}

func paymentFromCode(code string) PaymentReason {
	switch strings.ToUpper(code) {
	case "INSUFFICIENT_BALANCE":
		return PaymentInsufficientBalance
	case "PAID_ONLY", "PAID_ONLY_MODEL", "PAID_BALANCE_REQUIRED", "QUEST_POLLEN_ONLY":
		// QUEST_POLLEN_ONLY: the account has only free (quest/tier) pollen, which this model
		// does not take.
		return PaymentPaidOnly
	case "INSUFFICIENT":
		return PaymentPaidOnly
	case "KEY_BUDGET_EXHAUSTED":
		return PaymentKeyBudgetExhausted
	}
	return ""
}

func paymentFromMessage(msg string) PaymentReason {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "requires a paid balance"), strings.Contains(m, "paid-only"), strings.Contains(m, "paid only"):
		return PaymentPaidOnly
	case strings.Contains(m, "budget"):
		return PaymentKeyBudgetExhausted
	case strings.Contains(m, "insufficient"), strings.Contains(m, "enough credits"), strings.Contains(m, "balance"):
		return PaymentInsufficientBalance
	}
	return ""
}

var (
	tagRE   = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
)

// cleanText turns a plain-text or HTML error body into one short line.
func cleanText(s string) string {
	if strings.HasPrefix(s, "<") || strings.Contains(strings.ToLower(s[:min(len(s), 200)]), "<html") {
		if m := titleRE.FindStringSubmatch(s); m != nil {
			s = m[1]
		} else {
			s = tagRE.ReplaceAllString(s, " ")
		}
		s = html.UnescapeString(s)
	}
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f <= 0 || f > 86400 || math.IsNaN(f) {
			return 0
		}
		return time.Duration(f * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 && d < 24*time.Hour {
			return d
		}
	}
	return 0
}

// Notices: the text routes answer a 402 or 403 with status 200 and an assistant message.
var noticePrefixes = []struct {
	prefix  string
	kind    Kind
	payment PaymentReason
}{
	{"The account behind this API key doesn't have enough credits", KindPaymentRequired, PaymentInsufficientBalance},
	{"The account behind this API key does not have enough credits", KindPaymentRequired, PaymentInsufficientBalance},
	{"The API key used for this request has reached its budget", KindPaymentRequired, PaymentKeyBudgetExhausted},
	{"The API key used for this request isn't allowed to use", KindForbidden, ""},
	{"The API key used for this request is not allowed to use", KindForbidden, ""},
	{"This model requires a paid balance", KindPaymentRequired, PaymentPaidOnly},
}

// noticeModelRE takes the model name up to the sentence's end, keeping dots inside the name
// ("gemini-2.5-flash.").
var noticeModelRE = regexp.MustCompile("allowed to use [\"'`]?([^\\s\"'`,]+?)[\"'`]?[.,;:!]?(?:\\s|$)")

// noticeMatch says whether text (the start of a reply) is a notice prefix already (yes), could
// still become one as more arrives (maybe), or cannot be one (no).
type noticeMatch int

const (
	noticeNo noticeMatch = iota
	noticeMaybe
	noticeYes
)

func matchNoticePrefix(text string) noticeMatch {
	t := strings.TrimLeft(text, " \t\r\n")
	res := noticeNo
	for _, n := range noticePrefixes {
		switch {
		case strings.HasPrefix(t, n.prefix):
			return noticeYes
		case strings.HasPrefix(n.prefix, t):
			res = noticeMaybe
		}
	}
	return res
}

// DetectNotice recognises a 200 "notice" reply: known wording, and (when the caller has them)
// zero usage or Cache-Control: private, no-store. It returns nil for a real answer.
func DetectNotice(content string, header http.Header, zeroUsage bool) *Error {
	c := strings.TrimSpace(content)
	for _, n := range noticePrefixes {
		if !strings.HasPrefix(c, n.prefix) {
			continue
		}
		noStore := header != nil && strings.Contains(strings.ToLower(header.Get("Cache-Control")), "no-store")
		if !noStore && !zeroUsage {
			// A model quoting the sentence would have billed tokens and a cacheable answer.
			return nil
		}
		status := 402
		if n.kind == KindForbidden {
			status = 403
		}
		e := &Error{Kind: n.kind, Status: status, Payment: n.payment, Message: cleanMarkdown(c), Notice: true}
		if m := noticeModelRE.FindStringSubmatch(c); m != nil {
			e.Model = m[1]
		}
		return e
	}
	return nil
}

var mdLinkRE = regexp.MustCompile(`\[([^\]]+)\]\(([^)]+)\)`)

func cleanMarkdown(s string) string { return mdLinkRE.ReplaceAllString(s, "$1 ($2)") }

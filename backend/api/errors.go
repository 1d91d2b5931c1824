package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// PaymentReason says why a payment was required: the 402's error.code, refined.
type PaymentReason string

// The payment reasons.
const (
	// PaymentInsufficientBalance: INSUFFICIENT_BALANCE, the account has too little Pollen.
	PaymentInsufficientBalance PaymentReason = "insufficient_balance"
	// PaymentPaidOnly: INSUFFICIENT_BALANCE for a model that needs paid Pollen (Quest Pollen
	// does not count).
	PaymentPaidOnly PaymentReason = "paid_only"
	// PaymentKeyBudgetExhausted: KEY_BUDGET_EXHAUSTED, the key's own budget is spent (topping
	// up the wallet does not help).
	PaymentKeyBudgetExhausted PaymentReason = "key_budget_exhausted"
	// PaymentQuestPollenOnly: QUEST_POLLEN_ONLY, the key may spend only Quest Pollen and that is
	// not enough (or the model needs paid Pollen: Error.PaidOnly).
	PaymentQuestPollenOnly PaymentReason = "quest_pollen_only"
)

// RemedyAction is what the user can do about a refusal.
type RemedyAction int

// The remedies the service links to.
const (
	RemedyNone RemedyAction = iota
	RemedyTopUp
	RemedyRaiseKeyBudget
	RemedyAllowPaidPollen
	RemedyCompleteQuest
	RemedyAllowForKey
)

var remedyLabels = map[RemedyAction]string{
	RemedyTopUp: "Top up", RemedyRaiseKeyBudget: "Raise this key's budget", RemedyAllowPaidPollen: "Allow paid Pollen for this key",
	RemedyCompleteQuest: "Complete a quest", RemedyAllowForKey: "Allow it for this key",
}

// Label is the words for a button.
func (a RemedyAction) Label() string { return remedyLabels[a] }

// Remedy is one way out of a refusal: a button's label and, when the service gave a trusted
// one, the dashboard page that does it.
type Remedy struct {
	Action RemedyAction
	Label  string
	URL    string // https on the sign-in host, or "" when none was given or it was not trusted
}

// Error is a failure the caller can act on.
type Error struct {
	Kind     Kind
	Status   int
	Code     string // the server's code: INSUFFICIENT_BALANCE, content_blocked, concurrency_limit_exceeded…
	Message  string // the server's words, cleaned (never HTML, never a key)
	Payment  PaymentReason
	PaidOnly bool   // the refused model needs paid Pollen
	Model    string // the refused model, when known
	// Category is the kind of generation (text, image, audio, video, 3d, embedding, realtime)
	// a 403 closes to the key as a whole, when the refusal names one.
	Category string
	// FixURL is the service's link to the page that lifts the refusal (fixUrl, or the notice's
	// Markdown link), kept only when it is https on the sign-in host.
	FixURL string
	// Remedy is what FixURL does; Remedies lists it first, then the other ways out the service
	// named (complete a quest…).
	Remedy   Remedy
	Remedies []Remedy
	// UpstreamStatus is the provider's own status behind a 502/504 (details.upstreamStatus).
	UpstreamStatus int
	RetryAfter     time.Duration
	FieldErrors    map[string][]string
	FormErrors     []string
	Notice         bool   // decoded from a 200 "notice" reply on a text route
	RequestID      string // from the x-request-id header (the body's requestId is not filled)
	Err            error
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
// non-standard 429 bodies, plain text and HTML (a CDN's error page), and never fails. Remedy
// links are trusted on DefaultEnterURL only; a Client also trusts its own sign-in host.
func DecodeError(status int, header http.Header, body []byte) *Error {
	return decodeError(status, header, body, nil)
}

func decodeError(status int, header http.Header, body []byte, enter *url.URL) *Error {
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
	var fixURL, detailReason string
	if strings.HasPrefix(trimmed, "{") && json.Unmarshal([]byte(trimmed), &env) == nil {
		var obj struct {
			Code      string          `json:"code"`
			Message   string          `json:"message"`
			RequestID string          `json:"requestId"`
			Type      string          `json:"type"`
			FixURL    string          `json:"fixUrl"`
			Details   json.RawMessage `json:"details"`
		}
		var str string
		switch {
		case len(env.Error) > 0 && json.Unmarshal(env.Error, &obj) == nil && (obj.Message != "" || obj.Code != ""):
			e.Code, e.Message, e.RequestID, fixURL = obj.Code, obj.Message, obj.RequestID, obj.FixURL
			var d struct {
				FieldErrors    map[string][]string `json:"fieldErrors"`
				FormErrors     []string            `json:"formErrors"`
				Reason         string              `json:"reason"` // no longer sent; tolerated
				Model          string              `json:"model"`
				ErrorCode      string              `json:"errorCode"`
				UpstreamStatus int                 `json:"upstreamStatus"`
			}
			if len(obj.Details) > 0 && json.Unmarshal(obj.Details, &d) == nil {
				if len(d.FieldErrors) > 0 {
					e.FieldErrors = d.FieldErrors
				}
				if len(d.FormErrors) > 0 {
					e.FormErrors = d.FormErrors
				}
				e.Model, detailReason, e.UpstreamStatus = d.Model, d.Reason, d.UpstreamStatus
				if d.ErrorCode == "content_policy_violation" {
					e.Kind = KindModerated
				}
			}
			if obj.Type == "safety_error" || strings.EqualFold(obj.Code, "content_blocked") || obj.Code == "content_policy_violation" {
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
	raw := e.Message // the links are read before the message is redacted
	e.Message = Redact(strings.TrimSpace(e.Message))
	if e.Message == "" {
		e.Message = defaultMessage(status)
	}
	if e.Kind == KindModerated && strings.EqualFold(e.Code, "content_blocked") && !strings.Contains(strings.ToLower(e.Message), "safety filter") {
		e.Message = "blocked by the safety filter: " + e.Message
	}
	if e.Kind == KindPaymentRequired {
		e.Payment, e.PaidOnly = paymentReason(e.Code, detailReason, raw)
	}
	if e.Kind == KindForbidden && e.Model == "" {
		if m := modelQuoteRE.FindStringSubmatch(e.Message); m != nil {
			e.Model = m[1]
		}
	}
	e.setRemedies(fixURL, raw, enter)
	return e
}

// paymentReason reads a 402's reason from its code, else the legacy details.reason, else its
// words; paidOnly says the model needs paid Pollen.
func paymentReason(code, detail, msg string) (reason PaymentReason, paidOnly bool) {
	reason = paymentFromCode(code)
	if reason == "" {
		reason = paymentFromCode(detail)
	}
	if reason == "" {
		reason = paymentFromMessage(msg)
	}
	paidOnly = reason == PaymentPaidOnly || needsPaid(msg)
	if reason == PaymentInsufficientBalance && paidOnly {
		reason = PaymentPaidOnly
	}
	return reason, paidOnly
}

// needsPaid recognises the words of a refusal for a model that takes paid Pollen only.
func needsPaid(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"needs paid pollen", "requires a paid balance", "paid-only", "paid only", "available paid balance", "tier balance cannot be used"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
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
	case status == 410:
		return KindNotFound
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
	case "PAID_ONLY", "PAID_ONLY_MODEL", "PAID_BALANCE_REQUIRED":
		return PaymentPaidOnly
	case "QUEST_POLLEN_ONLY":
		return PaymentQuestPollenOnly
	case "KEY_BUDGET_EXHAUSTED":
		return PaymentKeyBudgetExhausted
	}
	return ""
}

func paymentFromMessage(msg string) PaymentReason {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "only spends quest pollen"):
		return PaymentQuestPollenOnly
	case strings.Contains(m, "budget"):
		return PaymentKeyBudgetExhausted
	case needsPaid(m):
		return PaymentPaidOnly
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

// The categories a key's permissions are granted by, and what each lets a key do.
var categoryVerbs = map[string]string{
	"text": "write text", "image": "make images", "audio": "make audio", "video": "make videos",
	"3d": "make 3D models", "embedding": "make embeddings", "realtime": "hold realtime sessions",
}

var (
	mdLinkRE   = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^)\s]+)\)`)
	bareURLRE  = regexp.MustCompile(`https?://[^\s)\]"'<>]+`)
	categoryRE = regexp.MustCompile(`(?i)\bcategory\W{1,3}([a-z0-9]+)`)
)

// linksIn lists the URLs of a message: Markdown links first, then bare ones.
func linksIn(text string) []string {
	var out []string
	for _, m := range mdLinkRE.FindAllStringSubmatch(text, -1) {
		out = append(out, m[2])
	}
	for _, u := range bareURLRE.FindAllString(mdLinkRE.ReplaceAllString(text, ""), -1) {
		out = append(out, strings.TrimRight(u, ".,;:!?"))
	}
	return out
}

var defaultEnter, _ = url.Parse(DefaultEnterURL)

// trustedLink returns u parsed when it is a page of the sign-in host: https on
// enter.pollinations.ai, or the scheme and host the client was configured with.
func trustedLink(raw string, enter *url.URL) *url.URL {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User != nil || u.Host == "" {
		return nil
	}
	if u.Scheme == "https" && strings.EqualFold(u.Host, defaultEnter.Host) {
		return u
	}
	if enter != nil && u.Scheme == enter.Scheme && strings.EqualFold(u.Host, enter.Host) {
		return u
	}
	return nil
}

// actionOf says what a dashboard link does, from its path (and ref for /edit-key).
func actionOf(u *url.URL) RemedyAction {
	switch strings.TrimRight(u.Path, "/") {
	case "/top-up":
		return RemedyTopUp
	case "/quests":
		return RemedyCompleteQuest
	case "/grant":
		return RemedyAllowForKey
	case "/edit-key":
		if strings.Contains(u.Query().Get("ref"), "quest_pollen_only") {
			return RemedyAllowPaidPollen
		}
		return RemedyRaiseKeyBudget
	}
	return RemedyNone
}

// primaryAction is the remedy the refusal's fixUrl stands for.
func (e *Error) primaryAction() RemedyAction {
	switch e.Kind {
	case KindPaymentRequired:
		switch e.Payment {
		case PaymentInsufficientBalance, PaymentPaidOnly:
			return RemedyTopUp
		case PaymentKeyBudgetExhausted:
			return RemedyRaiseKeyBudget
		case PaymentQuestPollenOnly:
			return RemedyAllowPaidPollen
		}
	case KindForbidden:
		return RemedyAllowForKey
	}
	return RemedyNone
}

// setRemedies fills FixURL, Remedy, Remedies and (for a 403) Category from the fixUrl field
// and the links in the message.
func (e *Error) setRemedies(fix, text string, enter *url.URL) {
	if e.Kind != KindPaymentRequired && e.Kind != KindForbidden {
		return
	}
	var links []*url.URL
	for _, raw := range append([]string{fix}, linksIn(text)...) {
		if u := trustedLink(raw, enter); u != nil {
			links = append(links, u)
		}
	}
	primary := e.primaryAction()
	var fixLink *url.URL
	if u := trustedLink(fix, enter); u != nil {
		fixLink = u
		if primary == RemedyNone || e.Kind == KindPaymentRequired && e.Payment == "" {
			primary = actionOf(u)
		}
	}
	if fixLink == nil {
		for _, u := range links {
			if a := actionOf(u); a != RemedyNone && (a == primary || primary == RemedyNone) {
				fixLink, primary = u, a
				break
			}
		}
	}
	if e.Kind == KindForbidden {
		e.setCategory(text, links)
		if fix == "" && fixLink == nil {
			return // a 403 without a grant link (a missing account permission): nothing to press
		}
	}
	if primary == RemedyNone {
		return
	}
	e.Remedy = Remedy{Action: primary, Label: primary.Label()}
	if fixLink != nil {
		e.FixURL = fixLink.String()
		e.Remedy.URL = e.FixURL
	}
	e.Remedies = []Remedy{e.Remedy}
	if primary != RemedyCompleteQuest && strings.Contains(strings.ToLower(text), "complete a quest") {
		r := Remedy{Action: RemedyCompleteQuest, Label: RemedyCompleteQuest.Label()}
		for _, u := range links {
			if actionOf(u) == RemedyCompleteQuest {
				r.URL = u.String()
				break
			}
		}
		e.Remedies = append(e.Remedies, r)
	}
}

// setCategory finds the kind of generation a 403 closes to the key (category= in the grant
// link, or "category" in the words) and says so in the message.
func (e *Error) setCategory(text string, links []*url.URL) {
	cat := ""
	for _, u := range links {
		if c := strings.ToLower(u.Query().Get("category")); categoryVerbs[c] != "" {
			cat = c
			break
		}
	}
	if cat == "" {
		if m := categoryRE.FindStringSubmatch(text); m != nil && categoryVerbs[strings.ToLower(m[1])] != "" {
			cat = strings.ToLower(m[1])
		}
	}
	if cat == "" {
		return
	}
	e.Category = cat
	e.Message = "This key may not " + categoryVerbs[cat] + " at all: " + e.Message
}

// Notices: the text routes answer a 402 or 403 with status 200 and an assistant message, sent
// with Cache-Control: private, no-store and zero usage, whose text links to the dashboard.

// knownNotices are wordings seen so far. They are extra evidence only: a notice is recognised
// by its shape (see detectNotice) in whatever words.
var knownNotices = []struct {
	prefix string
	kind   Kind
}{
	{"The account behind this API key doesn't have enough credits", KindPaymentRequired},
	{"The account behind this API key does not have enough credits", KindPaymentRequired},
	{"The API key used for this request has reached its budget", KindPaymentRequired},
	{"The API key used for this request only spends Quest Pollen", KindPaymentRequired},
	{"The API key used for this request isn't allowed to use", KindForbidden},
	{"The API key used for this request is not allowed to use", KindForbidden},
	{"This model requires a paid balance", KindPaymentRequired},
}

// maxNoticeRunes: every notice is a few sentences; a longer reply is an answer.
const maxNoticeRunes = 1200

// noticeModelRE takes the model name up to the sentence's end, keeping dots inside the name
// ("gemini-2.5-flash.").
var noticeModelRE = regexp.MustCompile("allowed to use [\"'`]?([^\\s\"'`,]+?)[\"'`]?[.,;:!]?(?:\\s|$)")

// noticeMatch says whether text (the start of a reply) is a known notice prefix already (yes),
// could still become one as more arrives (maybe), or cannot be one (no).
type noticeMatch int

const (
	noticeNo noticeMatch = iota
	noticeMaybe
	noticeYes
)

func matchNoticePrefix(text string) noticeMatch {
	t := strings.TrimLeft(text, " \t\r\n")
	res := noticeNo
	for _, n := range knownNotices {
		switch {
		case strings.HasPrefix(t, n.prefix):
			return noticeYes
		case strings.HasPrefix(n.prefix, t):
			res = noticeMaybe
		}
	}
	return res
}

// usageState is what a reply said about its billing.
type usageState int

const (
	usageUnknown usageState = iota // no usage figures
	usageZero                      // usage sent, all zero
	usageBilled                    // tokens were billed: a real answer
)

func usageOf(u *Usage) usageState {
	switch {
	case u == nil:
		return usageUnknown
	case u.TotalTokens == 0 && u.PromptTokens == 0 && u.CompletionTokens == 0:
		return usageZero
	}
	return usageBilled
}

// DetectNotice recognises a 200 "notice" reply (see detectNotice); zeroUsage says the reply
// reported all-zero usage. It returns nil for a real answer.
func DetectNotice(content string, header http.Header, zeroUsage bool) *Error {
	u := usageUnknown
	if zeroUsage {
		u = usageZero
	}
	return detectNotice(content, header, u, nil)
}

// Evidence weights for a notice; a reply scoring noticeThreshold or more is one.
const (
	noticeNoStore   = 3 // Cache-Control: private, no-store
	noticeLink      = 3 // a Markdown link to a dashboard page of the sign-in host
	noticeKnown     = 4 // words seen before
	noticeZero      = 2 // usage reported as zero
	noticeThreshold = 6
)

// detectNotice scores a reply's shape. A billed or long reply is an answer whatever it says;
// so is one with neither no-store nor zero usage (a notice always has one of them), and one
// with neither a dashboard link nor known words. Otherwise no-store, zero usage, a dashboard
// link and known words add up, so that a notice in new words (no-store and a link) is caught
// while a model quoting one (billed, cacheable) is not.
func detectNotice(content string, header http.Header, usage usageState, enter *url.URL) *Error {
	c := strings.TrimSpace(content)
	if c == "" || usage == usageBilled || utf8.RuneCountInString(c) > maxNoticeRunes {
		return nil
	}
	noStore := header != nil && strings.Contains(strings.ToLower(header.Get("Cache-Control")), "no-store")
	if !noStore && usage != usageZero {
		return nil
	}
	kind := KindUnknown
	for _, n := range knownNotices {
		if strings.HasPrefix(c, n.prefix) {
			kind = n.kind
			break
		}
	}
	var dash []*url.URL
	for _, m := range mdLinkRE.FindAllStringSubmatch(c, -1) {
		if u := trustedLink(m[2], enter); u != nil {
			dash = append(dash, u)
		}
	}
	if kind == KindUnknown && len(dash) == 0 {
		return nil
	}
	score := 0
	if noStore {
		score += noticeNoStore
	}
	if usage == usageZero {
		score += noticeZero
	}
	if len(dash) > 0 {
		score += noticeLink
	}
	if kind != KindUnknown {
		score += noticeKnown
	}
	if score < noticeThreshold {
		return nil
	}
	if kind == KindUnknown {
		kind = KindPaymentRequired
		for _, u := range dash {
			if actionOf(u) == RemedyAllowForKey {
				kind = KindForbidden
				break
			}
		}
	}
	e := &Error{Kind: kind, Status: 402, Message: cleanMarkdown(c), Notice: true}
	if kind == KindForbidden {
		e.Status = 403
		if m := noticeModelRE.FindStringSubmatch(c); m != nil {
			e.Model = m[1]
		}
	} else {
		e.Payment, e.PaidOnly = noticePayment(c, dash)
	}
	e.setRemedies("", c, enter)
	return e
}

// noticePayment reads a payment notice's reason from its words and its links' refs.
func noticePayment(text string, links []*url.URL) (PaymentReason, bool) {
	reason := ""
	for _, u := range links {
		switch ref := u.Query().Get("ref"); {
		case strings.Contains(ref, "quest_pollen_only"):
			reason = "QUEST_POLLEN_ONLY"
		case strings.Contains(ref, "key_budget") && reason == "":
			reason = "KEY_BUDGET_EXHAUSTED"
		}
	}
	r, paid := paymentReason(reason, "", text)
	if r == "" {
		r = PaymentInsufficientBalance
		if paid {
			r = PaymentPaidOnly
		}
	}
	return r, paid
}

func cleanMarkdown(s string) string { return mdLinkRE.ReplaceAllString(s, "$1 ($2)") }

// decodeFor decodes a failed attempt's response. A refusal that does not name its model (the
// 402 bodies no longer carry details.model) gets the model the request asked for, so that the
// caller can say what that model costs.
func (c *Client) decodeFor(r request, u *url.URL, resp *http.Response, data []byte) *Error {
	e := decodeError(resp.StatusCode, resp.Header, data, c.enter)
	if e.Model != "" || e.Kind != KindPaymentRequired && e.Kind != KindForbidden {
		return e
	}
	e.Model = u.Query().Get("model")
	if e.Model == "" && r.body != nil && strings.HasPrefix(r.contentType, "application/json") {
		if b, err := r.body(); err == nil {
			var v struct {
				Model string `json:"model"`
			}
			json.NewDecoder(io.LimitReader(b, 64<<20)).Decode(&v)
			b.Close()
			e.Model = v.Model
		}
	}
	return e
}
